"""How results are written: JSON Lines through the jsonlines package, UTF-8, one complete line per record.

Each record is written and flushed on its own, so a crawl killed at any moment leaves whole lines; a tail cut by a
kill in the middle of a write (possible only for a line larger than the OS write) is cut off at the next open.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import jsonlines

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


def write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def content_fingerprint(report: dict[str, Any]) -> str:
    """Identity of a report's content, blind to fetch time and to changes in the validation rules."""
    stable = {k: v for k, v in report.items() if k not in _VOLATILE}
    return hashlib.sha256(_dumps(stable, sort_keys=True).encode("utf-8")).hexdigest()
