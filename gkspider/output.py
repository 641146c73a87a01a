"""How results are written: JSON Lines through the jsonlines package, UTF-8, one complete line per record.

Each record is written and flushed on its own, so a crawl killed at any moment leaves whole lines; a tail cut by a
kill in the middle of a write (possible only for a line larger than the OS write) is cut off at the next open.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import weakref
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import jsonlines

from gkspider.seen import SEEN_IN_MEMORY, SeenSet

logger = logging.getLogger(__name__)

_dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
# What makes a report 'unchanged': everything but when it was fetched and what validation said of it.
_VOLATILE = ("fetched_at", "validation", "sha256")


def repair_tail(path: Path) -> int:
    """Cut a partial last line (no trailing newline); returns the bytes removed."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with path.open("rb+") as fp:
        fp.seek(0, os.SEEK_END)
        size = fp.tell()
        fp.seek(max(0, size - 1))
        if fp.read(1) == b"\n":
            return 0
        # Find the last newline and truncate after it.
        block = 1 << 16
        pos = size
        while pos > 0:
            start = max(0, pos - block)
            fp.seek(start)
            chunk = fp.read(pos - start)
            idx = chunk.rfind(b"\n")
            if idx >= 0:
                keep = start + idx + 1
                fp.truncate(keep)
                return size - keep
            pos = start
        fp.truncate(0)
        return size


class _OneWritePerLine:
    """A file object for jsonlines.Writer: what it writes for one record reaches the file in one os.write on flush,
    so the record is never split across system calls (a kill lands before or after it, not inside)."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.pending: list[str] = []

    def write(self, text: str) -> int:
        self.pending.append(text)
        return len(text)

    def flush(self) -> None:
        if self.pending:
            data = "".join(self.pending).encode("utf-8")
            self.pending = []
            view = memoryview(data)
            while view:  # a regular file takes it whole; loop only for the pathological short write
                view = view[os.write(self.fd, view) :]

    def close(self) -> None:
        self.flush()
        os.close(self.fd)


class JsonlWriter:
    """Appends records to a .jsonl file, one flushed line each."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        cut = repair_tail(path)
        if cut:
            logger.warning("%s: removed a partial last line (%d bytes) left by an interrupted run", path, cut)
        self._fp = _OneWritePerLine(path)
        self._writer = jsonlines.Writer(self._fp, compact=True, flush=True, dumps=_dumps)
        self.written = 0

    def write(self, record: dict[str, Any]) -> None:
        self._writer.write(record)
        self.written += 1

    def write_serialised(self, line: str) -> None:
        """Append a record already serialised by `serialise_report` (one JSON object, no newline)."""
        self._fp.write(line + "\n")
        self._fp.flush()  # jsonlines.Writer flushes after each of its writes: nothing of its own is pending
        self.written += 1

    def close(self) -> None:
        self._writer.close()
        self._fp.close()


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) for every readable line; a malformed line is logged with its number and skipped."""
    if not path.exists():
        return
    with path.open("r", encoding="utf-8") as fp:
        for number, line in enumerate(fp, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                logger.warning("%s:%d: unreadable line skipped (%s)", path, number, exc)
                continue
            if isinstance(record, dict):
                yield number, record


def write_jsonl_atomic(path: Path, records: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> int:
    """Replace a derived file whole (write a temporary file, then rename): readers never see half of it."""
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8", newline="\n") as fp, jsonlines.Writer(fp, compact=True, dumps=_dumps) as w:
        for record in records:
            w.write(record)
            count += 1
    os.replace(tmp, path)
    return count


def write_text_atomic(path: Path, text: str | Iterable[str]) -> None:
    """Replace a file whole with `text`, or with the pieces an iterable yields (written as they come)."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fp:
        if isinstance(text, str):
            fp.write(text)
        else:
            for piece in text:
                fp.write(piece)
    os.replace(tmp, path)


def _split_volatile(report: dict[str, Any]) -> tuple[str, str | None]:
    """(the stable part of a report serialised as written, the whole line or None when the volatile keys are not
    the last ones: then the line is serialised on its own)."""
    keys = list(report)
    n = sum(1 for k in _VOLATILE if k in report)
    if n and set(keys[-n:]) <= set(_VOLATILE):  # build_report puts them last: one serialisation makes both
        stable = _dumps(dict(zip(keys[:-n], (report[k] for k in keys[:-n]), strict=True)))
        tail = _dumps({k: report[k] for k in keys[-n:]})
        line = tail if stable == "{}" else stable[:-1] + "," + tail[1:]
        return stable, line
    if not n:
        stable = _dumps(report)
        return stable, stable
    return _dumps({k: v for k, v in report.items() if k not in _VOLATILE}), None


def _fingerprint_digest(stable: str) -> bytes:
    return hashlib.blake2b(stable.encode("utf-8"), digest_size=16).digest()


def content_digest(report: dict[str, Any]) -> bytes:
    """16 bytes that identify a report's content (its URL included), blind to fetch time and validation.

    A hash of the report serialised as reports.jsonl has it, volatile keys left out, keys in the report's own
    order: a line read back from reports.jsonl gives the digest the report gave when it was written (json keeps
    the order), so a re-run recognises it without storing any fingerprint. A change to any other value changes
    it. (A code change that reorders keys makes every report 'changed' once.)
    """
    return _fingerprint_digest(_split_volatile(report)[0])


def serialise_report(report: dict[str, Any]) -> tuple[bytes, str]:
    """(content_digest(report), the line JsonlWriter.write would write): one serialisation for both."""
    stable, line = _split_volatile(report)
    return _fingerprint_digest(stable), line if line is not None else _dumps(report)


def content_fingerprint(report: dict[str, Any]) -> str:
    """Identity of a report's content, blind to fetch time and to changes in the validation rules (hex)."""
    return content_digest(report).hex()


def failure_digest(url: object, reason: object) -> bytes:
    """16 bytes for a failure's (url, reason): a failure seen before is not written again."""
    return hashlib.blake2b(_dumps([url, reason]).encode("utf-8"), digest_size=16).digest()


# ------------------------------------------------------------ re-run index


class ReportsIndex:
    """What a re-run needs of an existing reports.jsonl, as 16-byte digests: the content of every report (the
    output pipeline's dedupe) and, when asked, every url and page_url (DeltaFetch). One pass serves both."""

    def __init__(
        self, path: Path, url_digest: Callable[[str], bytes] | None = None, memory_limit: int = SEEN_IN_MEMORY
    ) -> None:
        self.path = path
        self.stamp = _stamp(path)
        # On disk past a limit: a re-run of a national crawl reads ~855,000 reports.
        self.contents = SeenSet(memory_limit=memory_limit, name="report contents")
        self.urls: SeenSet | None = SeenSet(memory_limit=memory_limit, name="captured URLs") if url_digest else None
        for _, line in read_jsonl(path):
            if "url" in line:
                self.contents.add(content_digest(line))
            if url_digest is not None:
                for key in ("url", "page_url"):
                    if line.get(key):
                        self.urls.add(url_digest(line[key]))  # type: ignore[union-attr]


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


# DeltaFetch reads reports.jsonl when the crawler is built, the output pipeline when the spider opens: the first
# leaves its index here for the second (per crawler, and only while the file is unchanged).
_handover: weakref.WeakKeyDictionary[Any, ReportsIndex] = weakref.WeakKeyDictionary()


def offer_reports_index(owner: Any, index: ReportsIndex) -> None:
    _handover[owner] = index


def take_reports_index(owner: Any, path: Path, memory_limit: int = SEEN_IN_MEMORY) -> ReportsIndex:
    """The index `offer_reports_index` left for this owner and file if the file has not changed since; else a
    fresh scan (contents only)."""
    index = _handover.pop(owner, None)
    if index is not None and index.path.resolve() == path.resolve() and index.stamp == _stamp(path):
        return index
    return ReportsIndex(path, memory_limit=memory_limit)
