"""Seed lists: CSV files of portals to crawl (CONTRACT.md, "Seed lists").

Pure Python on purpose (no Scrapy import) so that scripts and tests can load and check seed lists cheaply.

Loading never raises on bad content: every problem becomes a ``SeedProblem`` naming file and line, the bad row is
skipped and the rest still load. See seeds/README.md for the rules as a clerk sees them.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REQUIRED_COLUMNS = ("id", "name", "url")
OPTIONAL_COLUMNS = ("level", "region_code", "list_url")
LEVELS = ("province", "city", "county", "township", "department")

ERROR = "error"
WARNING = "warning"

# Python's str.strip() already covers the full-width space U+3000 and NBSP; a BOM or a zero-width space pasted
# from a web page or Word is not "whitespace" to Python, so it is stripped explicitly.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$")
_IPV6_RE = re.compile(r"^[0-9a-f:.]+$")
# "www.xjwqx.gov.cn" or "xjwqx.gov.cn/gk/": a host with a dot and a letters-only top-level label, no scheme.
_BARE_HOST_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.[a-z]{{2,}}(?::\d+)?(?:[/?#].*)?$", re.IGNORECASE)
_CODE_LENGTHS = (6, 9, 12)


@dataclass(frozen=True)
class Seed:
    """One usable seed row."""

    id: str
    name: str
    url: str
    level: str | None
    region_code: str | None
    list_url: str | None
    source: str  # the file path as given
    line: int  # 1-based physical line number in the file (header is line 1)

    def site(self) -> dict:
        """The contract's ``site`` object: ``{id, name, level, region_code}``, absent columns None."""
        return {"id": self.id, "name": self.name, "level": self.level, "region_code": self.region_code}


@dataclass(frozen=True)
class SeedProblem:
    """A problem found while loading seed lists.

    severity "error": the row (or, for a file-level problem, the whole file) was skipped.
    severity "warning": nothing was lost. The row was kept as written, or kept with a repair (a bare host
    given the http:// scheme), or, for a second row whose URL an earlier row already has, merged into that
    earlier row: the portal is still crawled, once, under the first row's id.
    line 0 means the problem concerns the whole file.
    """

    path: str
    line: int
    message: str
    severity: str  # "error" (row skipped) or "warning" (row kept)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


def seed_files(seeds_dir: str | Path) -> list[Path]:
    """Every ``*.csv`` directly in ``seeds_dir``, sorted by name.

    Not recursive, so a backup folder inside seeds/ is not crawled twice. Hidden files and office lock files
    (``.~x.csv``, ``~$x.csv``) are left out. A missing directory gives an empty list.
    """
    root = Path(seeds_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob("*.csv") if p.is_file() and not p.name.startswith((".", "~")))


def load_seeds(paths: Iterable[str | Path]) -> tuple[list[Seed], list[SeedProblem]]:
    """Load seed lists in the order given.

    Returns the usable seeds and every problem found. A duplicate id (in any file given) is an error on the later
    row; a URL already seen is a warning on the later row, which is dropped so the portal is crawled once, under
    the first id. URLs are compared without their scheme (http/https), case of the host, a default port or a
    trailing root slash.
    """
    seeds: list[Seed] = []
    problems: list[SeedProblem] = []
    ids: dict[str, tuple[str, int]] = {}
    urls: dict[str, Seed] = {}
    seen_files: dict[str, str] = {}

    for given in paths:
        source = os.fspath(given)
        key = _file_key(source)
        if key in seen_files:
            problems.append(SeedProblem(source, 0, f"file given twice (also as {seen_files[key]}); read once", WARNING))
            continue
        seen_files[key] = source

        for seed in _load_file(source, problems):
            if seed.id in ids:
                first_path, first_line = ids[seed.id]
                problems.append(
                    SeedProblem(
                        source, seed.line, f"duplicate id {seed.id!r} (first at {first_path}:{first_line})", ERROR
                    )
                )
                continue
            ids[seed.id] = (seed.source, seed.line)
            url_key = _url_key(seed.url)
            first = urls.get(url_key)
            if first is not None:
                problems.append(
                    SeedProblem(
                        source,
                        seed.line,
                        f"url {seed.url} already listed as {first.id!r} at {first.source}:{first.line}; "
                        f"crawled once, as {first.id!r}",
                        WARNING,
                    )
                )
                continue
            urls[url_key] = seed
            seeds.append(seed)
    return seeds, problems


# --- one file -------------------------------------------------------------------------------------------------


def _file_key(source: str) -> str:
    try:
        return str(Path(source).resolve())
    except (OSError, RuntimeError):
        return source


def _load_file(source: str, problems: list[SeedProblem]) -> Iterator[Seed]:
    # A generator, so that problems found by the caller (duplicates) stay in line order with these.
    def problem(line: int, message: str, severity: str = ERROR) -> None:
        problems.append(SeedProblem(source, line, message, severity))

    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        problem(0, f"cannot read file: {exc.strerror or exc}")
        return

    text = _decode(data, problem)
    if text is None:
        return

    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    header: dict[str, int] | None = None
    width = 0
    data_rows = 0
    end = 0  # physical line on which the previous record ended
    try:
        for fields in reader:
            start, end = end + 1, reader.line_num
            values = [_clean(v) for v in fields]
            # A blank line, or a row of empty cells as Excel writes below a table: skipped silently.
            if not any(values):
                continue
            if header is None:
                header = _read_header(values, start, problem)
                if header is None:
                    return
                width = len(values)
                continue
            data_rows += 1
            seed = _read_row(values, fields, width, header, source, start, end, problem)
            if seed is not None:
                yield seed
    except csv.Error as exc:
        # Only on malformed quoting the csv module cannot recover from; rows read so far are kept.
        problem(reader.line_num, f"cannot read CSV here ({exc}); the rest of the file is skipped")
    if header is None:
        problem(0, "empty file: no header row")
    elif not data_rows:
        problem(0, "no seed rows below the header", WARNING)


def _decode(data: bytes, problem) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            problem(0, f"starts with a UTF-8 BOM but is not valid UTF-8 (byte {exc.start + 3})")
            return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export: UTF-16 and tab-separated, not a CSV.
        problem(0, 'file is UTF-16 (Excel "Unicode text"?); save it as "CSV UTF-8" instead')
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        problem(0, f'not UTF-8 and not GB18030/GBK text (bad byte at offset {exc.start}); save it as "CSV UTF-8"')
        return None
    # Excel and WPS on Chinese Windows save plain "CSV" in GBK, which GB18030 contains.
    problem(0, 'read as GB18030 (not UTF-8: Excel "CSV" on Chinese Windows?); "CSV UTF-8" is preferred', WARNING)
    return text


def _clean(value: str) -> str:
    return value.strip().strip(_INVISIBLE).strip()


def _read_header(values: list[str], line: int, problem) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, raw in enumerate(values):
        name = raw.lower()
        if not name:
            continue
        if name in columns:
            if name in REQUIRED_COLUMNS or name in OPTIONAL_COLUMNS:
                problem(line, f"column {name!r} appears twice in the header; no rows read from this file")
                return None
            continue  # duplicate extra columns are ignored like any extra column
        columns[name] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        problem(
            line,
            f"header lacks required column(s) {', '.join(missing)} (header is: {', '.join(values)}); "
            "no rows read from this file",
        )
        return None
    return columns


def _read_row(
    values: list[str],
    raw_fields: list[str],
    width: int,
    header: dict[str, int],
    source: str,
    start: int,
    end: int,
    problem,
) -> Seed | None:
    if any("\n" in f or "\r" in f for f in raw_fields):
        span = f"lines {start}-{end}" if end > start else f"line {start}"
        problem(start, f'row spans {span}: a line break inside a value, or an unbalanced quote "')
        return None
    if len(values) != width:
        hint = " (a comma inside a value must be quoted)" if len(values) > width else ""
        problem(start, f"row has {len(values)} fields, the header has {width}{hint}")
        return None

    def get(column: str) -> str:
        index = header.get(column)
        return values[index] if index is not None else ""

    errors: list[str] = []
    warnings: list[str] = []
    seed_id, name = get("id"), get("name")
    if not seed_id:
        errors.append("empty id")
    if not name:
        errors.append("empty name")

    url = _check_url("url", get("url"), errors, warnings, required=True)
    list_url = _check_url("list_url", get("list_url"), errors, warnings, required=False)

    level = get("level").lower() or None
    if level is not None and level not in LEVELS:
        errors.append(f"level {get('level')!r} is not one of {', '.join(LEVELS)}")

    region_code = get("region_code") or None
    if region_code is not None and not (
        region_code.isascii() and region_code.isdigit() and len(region_code) in _CODE_LENGTHS
    ):
        hint = ""
        if re.fullmatch(r"[\d.]+[eE][+-]?\d+|\d+\.0+", region_code):
            hint = " (Excel turned it into a number: format the column as text before saving)"
        errors.append(f"region_code {region_code!r} is not 6, 9 or 12 digits{hint}")

    for message in warnings:
        problem(start, message, WARNING)
    if errors:
        problem(start, "; ".join(errors))
        return None
    assert url is not None
    return Seed(seed_id, name, url, level, region_code, list_url, source, start)


def _check_url(column: str, value: str, errors: list[str], warnings: list[str], *, required: bool) -> str | None:
    if not value:
        if required:
            errors.append(f"empty {column}")
        return None
    if "://" not in value and _BARE_HOST_RE.match(value):
        # Clerks often paste a bare host; http:// is what the browser would try first too.
        fixed = "http://" + value
        warnings.append(f"{column} {value!r} has no scheme; read as {fixed}")
        value = fixed
    reason = _url_problem(value)
    if reason:
        errors.append(f"{column} {value!r} {reason}")
        return None
    return value


def _url_problem(url: str) -> str | None:
    if any(c.isspace() for c in url):
        return "contains a space"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "is not an http(s) URL"
    host = parts.hostname or ""
    if not host:
        return "has no host"
    if not host.isascii():
        return "has a non-ASCII host (full-width punctuation?)"
    if not (_HOSTNAME_RE.match(host) or (":" in host and _IPV6_RE.match(host))):
        return "has an invalid host"
    return None


def _url_key(url: str) -> str:
    """The same portal whether written http or https, with or without a trailing root slash or default port."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    key = netloc + (parts.path or "/")
    if parts.query:
        key += "?" + parts.query
    return key


def main(argv: list[str] | None = None) -> int:
    """``python -m gkspider.seeds FILE_OR_DIR ...``: check seed lists; status 1 when any row has an error."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    paths: list[str | Path] = []
    for arg in args or ["seeds"]:
        paths.extend(seed_files(arg) if Path(arg).is_dir() else [arg])
    seeds, problems = load_seeds(paths)
    for p in problems:
        print(f"{p.severity}: {p}")
    errors = sum(p.severity == ERROR for p in problems)
    print(f"{len(seeds)} seeds from {len(paths)} file(s); {errors} error(s), {len(problems) - errors} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
