"""Reports published as files (PDF, DOCX; DOC and WPS through LibreOffice) read into the same `Document` token
stream as web pages, so one extractor reads them all.

Table cells become CELL tokens with their (table number, row number), text outside tables PARA tokens. A table that
continues on the next page is simply the next table: the extractor finds rows by their labels, not by position.
Everything here is synchronous and blocking, bytes in and plain data out, with module-level functions only, so the
caller can run it in a process pool.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gkspider.extract.document import CELL, PARA, Document, Token, document_from_html
from gkspider.extract.labels import lookup
from gkspider.extract.report import Extraction, extract_document
from gkspider.extract.text import clean

FORMATS = ("pdf", "docx", "doc", "wps", "ofd", "xlsx", "html")
REASONS = frozenset(
    {
        "pdf-encrypted",
        "pdf-broken",
        "docx-broken",
        "zip-bomb",
        "too-many-pages",
        "unsupported-format",
        "conversion-failed",
        "file-too-large",
    }
)
# Prefixes of the notes of a file with no text to read (extract_file turns either into evidence['image_only']): a scan,
# or glyphs drawn from a font with no Unicode mapping ('(cid:123)'), which only OCR could read either.
IMAGE_ONLY_NOTE = "image-only"
UNMAPPED_NOTE = "no usable text layer"
MAX_FILE_BYTES = 64 * 1024 * 1024


class UnreadableFile(Exception):
    """A file that cannot be read at all; `reason` is the short stable id written to failures.jsonl."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[Any, ...]:
        # Crosses process-pool boundaries intact (the default would call __init__ with the message only).
        return (type(self), (self.reason, self.detail))


# ---------------------------------------------------------------- sniffing

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".doc": "doc",
    ".wps": "wps",
    ".ofd": "ofd",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".jhtml": "html",
    ".xhtml": "html",
}
_CONTENT_TYPES = (
    ("application/pdf", "pdf"),
    ("wordprocessingml", "docx"),
    ("application/msword", "doc"),
    ("kswps", "wps"),
    ("ms-works", "wps"),
    ("application/ofd", "ofd"),
    ("spreadsheetml", "xlsx"),
    ("text/html", "html"),
    ("application/xhtml", "html"),
)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S)


def _zip_kind(body: bytes) -> str | None:
    try:
        names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    if any(n.startswith("word/") for n in names):
        return "docx"
    if "OFD.xml" in names or any(n.lower().endswith("/ofd.xml") for n in names):
        return "ofd"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    return None


def _hint(url: str, content_type: str | None) -> str | None:
    path = urlsplit(url).path.lower() if url else ""
    ext = os.path.splitext(path)[1]
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    ctype = (content_type or "").lower()
    for needle, fmt in _CONTENT_TYPES:
        if needle in ctype:
            return fmt
    return None


def sniff_format(body: bytes, url: str = "", content_type: str | None = None) -> str | None:
    """'pdf' | 'docx' | 'doc' | 'wps' | 'ofd' | 'xlsx' | 'html' | None: the bytes first (servers label files
    wrongly, and send HTML error pages for .pdf links), then the URL's extension, then the Content-Type."""
    head = body[:1024]
    hint = _hint(url, content_type)
    if b"%PDF-" in head:  # a few generators write junk before the header; readers accept it within 1 KB
        return "pdf"
    if body.startswith(b"PK\x03\x04"):
        return _zip_kind(body) or (hint if hint in ("docx", "ofd", "xlsx") else None)
    if body.startswith(_OLE2):
        # Word 97-2003 and Kingsoft WPS both store a WordDocument stream; an OLE2 without it (xls, ppt) is not ours.
        if "W\x00o\x00r\x00d\x00D\x00o\x00c\x00u\x00m\x00e\x00n\x00t".encode("latin-1") not in body:
            return hint if hint in ("doc", "wps") else None
        return "wps" if hint == "wps" else "doc"
    text_head = head.lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(text_head) or re.search(rb"<html[\s>]", head, re.I):
        return "html"
    return hint


# ---------------------------------------------------------------- shared text helpers

_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")
_LATIN_BREAK = re.compile(r"(?:[A-Za-z]\n[A-Za-z0-9]|[0-9]\n[A-Za-z])")


def _join_wrapped(parts: Iterable[str]) -> str:
    """Lines of one paragraph or cell: joined without a space (Chinese wraps anywhere), except where a Latin word
    meets a word, where the line break stood for a space. Digits meeting digits stay joined: a wrapped number."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and _LATIN_BREAK.match(out[-1] + "\n" + part[0]):
            out += " "
        out += part
    return out


def _tidy(text: str) -> str:
    # Gaps between glyphs of justified Chinese become spaces in PDF text; they are no part of the words.
    return clean(_CJK_SPACE.sub("", text))


# ---------------------------------------------------------------- PDF

_PAGE_NUMBER = re.compile(
    r"^[-—–－_\s]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:(?:/|共)\s*\d{1,4}\s*页?)?[-—–－_\s]*$|^\s*(?:page\s*)?\d{1,4}\s*(?:of|/)\s*\d{1,4}\s*$",
    re.I,
)
_NUMBER_CELL = re.compile(r"^[+\-−]?\d[\d,，.]*\s*(?:万元|元|%|件|个|条)?$|^[/／—\-–]$")
_TOP_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,2}\s*[、,，.．]|、)\s*\S{2}")
_TABLE_LABEL_KINDS = frozenset({"active_row", "app_row", "app_group", "header", "reviews_header"})


@dataclass
class _Seg:
    """A run of glyphs on one line with no gap wider than about a character: a cell's line in a borderless table."""

    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    size: float


@dataclass
class _Line:
    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    size: float
    font: str  # the line's main font: digits set in another font do not make a line look different
    segs: list[_Seg]


@dataclass
class _Table:
    top: float
    rows: list[list[str]]


@dataclass
class _Page:
    number: int
    width: float
    height: float
    items: list[_Line | _Table] = field(default_factory=list)
    chars: int = 0
    unmapped: int = 0  # glyphs pdfminer could only name '(cid:N)'


def _build_lines(chars: list[dict[str, Any]]) -> list[_Line]:
    """Glyphs to lines (by vertical position) and lines to segments (by horizontal gaps)."""
    glyphs = [c for c in chars if c["text"].strip()]
    upright = [c for c in glyphs if c.get("upright", True)]
    if len(upright) * 2 >= len(glyphs):
        glyphs = upright  # a rotated watermark or stamp text is no part of the report
    glyphs.sort(key=lambda c: (c["top"], c["x0"]))
    clusters: list[list[dict[str, Any]]] = []
    for c in glyphs:
        # Same line when the tops agree within a third of the glyph size (sub/superscripts stay on their line).
        if clusters and abs(c["top"] - clusters[-1][0]["top"]) <= max(2.0, c["size"] * 0.33):
            clusters[-1].append(c)
        else:
            clusters.append([c])
    lines: list[_Line] = []
    for cluster in clusters:
        cluster.sort(key=lambda c: c["x0"])
        size = statistics.median(c["size"] for c in cluster)
        segs = _segments(cluster, size)
        lines.append(
            _Line(
                x0=cluster[0]["x0"],
                x1=max(c["x1"] for c in cluster),
                top=min(c["top"] for c in cluster),
                bottom=max(c["bottom"] for c in cluster),
                text=_tidy(" ".join(s.text for s in segs)),
                size=size,
                font=Counter(str(c.get("fontname", "")) for c in cluster).most_common(1)[0][0],
                segs=segs,
            )
        )
    return lines


def _segments(line: list[dict[str, Any]], size: float) -> list[_Seg]:
    """A line's glyphs split where the gap is wider than most of a character (cell padding, tab stops); narrower
    gaps are a space, or nothing (justified Chinese) once tidied."""
    groups: list[list[dict[str, Any]]] = []
    texts: list[list[str]] = []
    prev: dict[str, Any] | None = None
    for c in line:
        gap = c["x0"] - prev["x1"] if prev is not None else None
        if gap is None or gap > size * 0.8:
            groups.append([])
            texts.append([])
        elif gap > size * 0.25:
            texts[-1].append(" ")
        groups[-1].append(c)
        texts[-1].append(c["text"])
        prev = c
    return [
        _Seg(
            g[0]["x0"],
            max(c["x1"] for c in g),
            min(c["top"] for c in g),
            max(c["bottom"] for c in g),
            _tidy("".join(t)),
            size,
        )
        for g, t in zip(groups, texts, strict=True)
    ]


def _cell_text(text: str | None) -> str:
    # None is a grid position no cell covers (a span): an empty cell, as the extractor expects padding to look.
    if not text:
        return ""
    return _tidy(_join_wrapped(text.split("\n")))


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    cx = (obj["x0"] + obj["x1"]) / 2
    cy = (obj["top"] + obj["bottom"]) / 2
    return any(x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1 for x0, top, x1, bottom in boxes)


def _label_count(lines: list[_Line]) -> int:
    count = 0
    for line in lines:
        for seg in line.segs:
            lab = lookup(seg.text) if len(seg.text) <= 60 else None
            if lab is not None and lab.kind in _TABLE_LABEL_KINDS:
                count += 1
    return count


def _has_doubled_glyphs(chars: list[dict[str, Any]]) -> bool:
    # dedupe_chars sorts and clusters every glyph (a quarter of the reading time): only pay it when a glyph sits on
    # (nearly) the same glyph, which is what a fake bold looks like. Two grids, half a point apart, catch any pair
    # closer than half a point on each axis.
    seen: set[tuple[str, int, int]] = set()
    for c in chars:
        keys = [(c["text"], round(c["x0"] + dx), round(c["top"] + dy)) for dx in (0, 0.5) for dy in (0, 0.5)]
        if any(k in seen for k in keys):
            return True
        seen.update(keys)
    return False


def _read_page(page: Any) -> _Page:
    out = _Page(page.page_number, float(page.width), float(page.height))
    if _has_doubled_glyphs(page.chars):
        page = page.dedupe_chars()  # fake bold (each glyph drawn twice, offset) would double every character
    out.unmapped = sum(1 for c in page.chars if c["text"].startswith("(cid:"))
    if out.unmapped:
        page = page.filter(lambda o: o.get("object_type") != "char" or not o["text"].startswith("(cid:"))
    out.chars = sum(1 for c in page.chars if c["text"].strip())
    tables = [t for t in page.find_tables() if len(t.cells) >= 2]  # a lone box round a title is no table
    boxes = [t.bbox for t in tables]
    for t in tables:
        out.items.append(_Table(t.bbox[1], [[_cell_text(c) for c in row] for row in t.extract()]))
    chars = [c for c in page.chars if not _inside(c, boxes)] if boxes else list(page.chars)
    lines = _build_lines(chars)
    # Page numbers are looked for only among the two outermost lines at either end: a number inside is data.
    outer = {id(ln) for ln in lines[:2] + lines[-2:]}
    lines = [ln for ln in lines if not (id(ln) in outer and _is_page_number(ln, out.height))]
    if not tables and _label_count(lines) >= 3:
        # A borderless table: pdfplumber's 'text' strategy cuts Chinese cells apart and adds blank rows, so the
        # grid is rebuilt from the glyph runs themselves.
        tabs, lines = _borderless_tables(lines)
        out.items.extend(tabs)
    out.items.extend(lines)
    out.items.sort(key=lambda it: it.top)
    return out


def _in_margin(line: _Line, height: float) -> bool:
    return line.bottom < height * 0.1 or line.top > height * 0.9


def _is_page_number(line: _Line, height: float) -> bool:
    return _in_margin(line, height) and bool(_PAGE_NUMBER.match(line.text))


def _drop_running_lines(pages: list[_Page]) -> None:
    """Running headers and footers (the title or the organ atop every page) would cut paragraphs that cross a page
    and repeat in the text: a margin line seen on most pages goes."""
    if len(pages) < 3:
        return

    def key(line: _Line) -> tuple[str, int, int]:
        # Same words at the same height in the same size: not the title, which only looks like its running copy.
        return re.sub(r"\d+", "#", line.text), round(line.top / 4), round(line.size)

    seen: Counter[tuple[str, int, int]] = Counter()
    for page in pages:
        seen.update({key(it) for it in page.items if isinstance(it, _Line) and _in_margin(it, page.height)})
    running = {k for k, n in seen.items() if n >= max(3, (len(pages) * 3 + 4) // 5)}
    if running:
        for page in pages:
            page.items = [
                it
                for it in page.items
                if not (isinstance(it, _Line) and _in_margin(it, page.height) and key(it) in running)
            ]


# ---- borderless tables


def _is_number(text: str) -> bool:
    return bool(_NUMBER_CELL.match(text.strip()))


def _is_table_line(line: _Line) -> bool:
    if len(line.segs) >= 2 or all(_is_number(s.text) for s in line.segs):
        return True
    return any((lab := lookup(s.text)) is not None and lab.kind in _TABLE_LABEL_KINDS for s in line.segs)


def _borderless_tables(lines: list[_Line]) -> tuple[list[_Table], list[_Line]]:
    """Tables laid out without rules: runs of table-like lines between prose, grouped into rows by position."""
    long_lines = [ln for ln in lines if len(ln.text) >= 8]
    text_width = (max(ln.x1 for ln in long_lines) - min(ln.x0 for ln in long_lines)) if long_lines else 1.0
    tables: list[_Table] = []
    rest: list[_Line] = []
    run: list[_Line] = []

    def breaks(line: _Line) -> bool:
        # Prose (one wide run of text) and section headings end a table; wrapped label fragments do not.
        if len(line.segs) != 1 or _is_table_line(line):
            return False
        return (line.x1 - line.x0) > 0.6 * text_width or bool(_TOP_HEADING.match(line.text))

    def close_run() -> None:
        flags = [_is_table_line(ln) for ln in run]
        if not any(flags):
            rest.extend(run)
            return
        first = flags.index(True)
        last = len(flags) - 1 - flags[::-1].index(True)
        rest.extend(run[:first])
        rest.extend(run[last + 1 :])
        body = run[first : last + 1]
        if _label_count(body) >= 2:
            tables.append(_Table(body[0].top, _rows_by_position(body)))
        else:
            rest.extend(body)

    for line in lines:
        if breaks(line):
            close_run()
            run = []
            rest.append(line)
        else:
            run.append(line)
    close_run()
    rest.sort(key=lambda ln: ln.top)
    return tables, rest


@dataclass
class _Cell:
    segs: list[_Seg]

    @property
    def top(self) -> float:
        return min(s.top for s in self.segs)

    @property
    def bottom(self) -> float:
        return max(s.bottom for s in self.segs)

    @property
    def x0(self) -> float:
        return min(s.x0 for s in self.segs)

    @property
    def center(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def text(self) -> str:
        return _tidy(_join_wrapped(s.text for s in sorted(self.segs, key=lambda s: s.top)))


def _overlap(a: _Seg, b: _Seg) -> float:
    return max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) / max(1e-6, min(a.x1 - a.x0, b.x1 - b.x0))


def _rows_by_position(lines: list[_Line]) -> list[list[str]]:
    """Rows of a borderless table. A label wrapped in its cell is several runs stacked close together in one column:
    they are one cell. Number runs at one height make a row; a text cell belongs to the row of numbers beside it,
    else (headers) it makes a row of its own."""
    segs = sorted((s for ln in lines for s in ln.segs), key=lambda s: (s.top, s.x0))
    owner = list(range(len(segs)))

    def find(i: int) -> int:
        while owner[i] != i:
            owner[i] = owner[owner[i]]
            i = owner[i]
        return i

    for i, upper in enumerate(segs):
        if _is_number(upper.text):
            continue
        best: tuple[float, int] | None = None
        for j in range(i + 1, len(segs)):
            lower = segs[j]
            gap = lower.top - upper.bottom
            if gap > upper.size * 0.6:
                break
            if gap < -upper.size * 0.3 or _is_number(lower.text) or _overlap(upper, lower) < 0.5:
                continue
            both_labels = lookup(upper.text) is not None and lookup(lower.text) is not None
            if not both_labels and (best is None or gap < best[0]):
                best = (gap, j)
        if best is not None:
            owner[find(best[1])] = find(i)
    groups: dict[int, list[_Seg]] = {}
    for i, seg in enumerate(segs):
        groups.setdefault(find(i), []).append(seg)
    cells = [_Cell(g) for g in groups.values()]

    numbers = sorted((c for c in cells if _is_number(c.text)), key=lambda c: c.center)
    value_rows: list[list[_Cell]] = []
    for cell in numbers:
        if value_rows and abs(cell.center - value_rows[-1][0].center) <= cell.segs[0].size * 0.4:
            value_rows[-1].append(cell)
        else:
            value_rows.append([cell])
    centers = [statistics.fmean(c.center for c in row) for row in value_rows]
    standalone: list[_Cell] = []
    for cell in cells:
        if _is_number(cell.text):
            continue
        pad = cell.segs[0].size * 0.3
        near = [k for k, y in enumerate(centers) if cell.top - pad <= y <= cell.bottom + pad]
        if 1 <= len(near) <= 2:
            k = min(near, key=lambda k: abs(centers[k] - cell.center))
            value_rows[k].append(cell)
        else:
            standalone.append(cell)  # a header, or a group label spanning many rows
    header_rows: list[list[_Cell]] = []
    for cell in sorted(standalone, key=lambda c: c.center):
        if header_rows and abs(cell.center - header_rows[-1][0].center) <= cell.segs[0].size * 0.5:
            header_rows[-1].append(cell)
        else:
            header_rows.append([cell])
    rows = sorted(value_rows + header_rows, key=lambda row: min(c.top for c in row))
    return [[c.text for c in sorted(row, key=lambda c: c.x0)] for row in rows]


# ---- assembling pages


def _margins(pages: list[_Page]) -> tuple[float, float]:
    """The text block's left and right edges: where body lines start and where full lines end."""
    lines = [it for p in pages for it in p.items if isinstance(it, _Line) and len(it.text) >= 8]
    if not lines:
        return 0.0, 0.0
    # Left: the leftmost start shared by a tenth of the lines (continuation lines; first lines are indented), so a
    # stray line sticking out does not move it. Right: where nine in ten lines end at most.
    starts = Counter(round(ln.x0) for ln in lines)
    shared = [x for x, n in starts.items() if n >= max(2, len(lines) // 10)]
    left = float(min(shared)) if shared else float(starts.most_common(1)[0][0])
    ends = sorted(ln.x1 for ln in lines)
    return left, ends[int(0.9 * (len(ends) - 1))]


def _body_size(pages: list[_Page]) -> float:
    sizes = [round(it.size, 1) for p in pages for it in p.items if isinstance(it, _Line)]
    return float(statistics.mode(sizes)) if sizes else 0.0


def _continues(prev: _Line, line: _Line, *, left: float, right: float, same_page: bool, body: float) -> bool:
    """Whether `line` continues the paragraph `prev` ends: `prev` runs to the right edge and `line` starts at the
    left one (a first-line indent or a heading starts a new paragraph), in the same type; or both are lines of a
    centred title set larger than the body text."""
    if abs(prev.size - line.size) > 0.6 or prev.font != line.font:
        return False
    gap = line.top - prev.bottom
    if same_page and not (-prev.size * 0.3 <= gap <= prev.size * 1.2):
        return False
    tol = max(prev.size, line.size) * 1.5
    if prev.x1 >= right - tol and abs(line.x0 - left) <= tol * 0.5:
        return True
    middle = (left + right) / 2
    centred = all(abs((ln.x0 + ln.x1) / 2 - middle) <= ln.size for ln in (prev, line))
    return same_page and centred and prev.size > body + 0.5


def _assemble(pages: list[_Page]) -> tuple[list[Token], list[str]]:
    left, right = _margins(pages)
    body = _body_size(pages)
    tokens: list[Token] = []
    headings: list[str] = []
    table_no = 0
    container = 0
    para: list[_Line] = []
    para_page = -1

    def flush() -> None:
        nonlocal container, para
        if para:
            text = _tidy(_join_wrapped(ln.text for ln in para))
            if text:
                container += 1
                tokens.append(Token(text, PARA, None, container))
                if para[0].size > body + 0.5 and len(headings) < 10:
                    headings.append(text)
        para = []

    for page in pages:
        for item in page.items:
            if isinstance(item, _Table):
                flush()
                table_no += 1
                for r, row in enumerate(item.rows):
                    container += 1
                    tokens.extend(Token(clean(text), CELL, (table_no, r), container) for text in row)
                continue
            if para and _continues(
                para[-1], item, left=left, right=right, same_page=page.number == para_page, body=body
            ):
                para.append(item)
            else:
                flush()
                para = [item]
            para_page = page.number
    flush()
    return tokens, headings


def _pdf_failure(exc: BaseException) -> UnreadableFile:
    inner = exc.__cause__ or (exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc)
    name = type(inner).__name__
    if "Password" in name or "Encrypt" in name:
        return UnreadableFile("pdf-encrypted", f"{name}: {inner}"[:200])
    return UnreadableFile("pdf-broken", f"{name}: {inner}"[:200])


def document_from_pdf(body: bytes, *, max_pages: int = 200) -> Document:
    """A PDF's text layer as a token stream: ruled tables as cells (pdfplumber 'lines'), borderless ones rebuilt from
    glyph positions, and the text outside tables as paragraphs (lines joined where a line runs to the right margin
    and the next starts at the left). A file without a text layer gets the IMAGE_ONLY_NOTE."""
    import pdfplumber
    from pdfminer.pdftypes import resolve1

    if b"%PDF-" not in body[:1024]:
        raise UnreadableFile("pdf-broken", "no %PDF header")
    try:
        # NFKC: CJK compatibility forms and Kangxi radicals (⼀ for 一) that some generators emit become the
        # ordinary characters the labels are written in.
        pdf = pdfplumber.open(io.BytesIO(body), unicode_norm="NFKC")
    except Exception as exc:  # pdfminer raises many types on bad input; all mean the same to the crawl
        raise _pdf_failure(exc) from None
    notes: list[str] = []
    with pdf:
        try:
            declared = resolve1(resolve1(pdf.doc.catalog.get("Pages")).get("Count"))
        except Exception:
            declared = None
        if isinstance(declared, int) and declared > max_pages:
            raise UnreadableFile("too-many-pages", f"{declared} pages, limit {max_pages}")
        try:
            plumber_pages = pdf.pages
        except Exception as exc:
            raise _pdf_failure(exc) from None
        if len(plumber_pages) > max_pages:
            raise UnreadableFile("too-many-pages", f"{len(plumber_pages)} pages, limit {max_pages}")
        if not plumber_pages:
            raise UnreadableFile("pdf-broken", "no pages")
        pages: list[_Page] = []
        for page in plumber_pages:
            try:
                pages.append(_read_page(page))
            except Exception as exc:  # one bad content stream should not lose the other pages
                notes.append(f"page {page.page_number} unreadable: {type(exc).__name__}")
            finally:
                page.close()  # drops the page's cached objects: memory stays flat over long files
    if len(notes) == len(plumber_pages):
        raise UnreadableFile("pdf-broken", "; ".join(notes)[:200])
    _drop_running_lines(pages)
    chars = sum(p.chars for p in pages)
    unmapped = sum(p.unmapped for p in pages)
    if chars < 5 * len(plumber_pages) and unmapped > chars:
        notes.append(
            f"{UNMAPPED_NOTE}: {unmapped} glyphs have no Unicode mapping (a font without ToUnicode); OCR needed"
        )
    elif chars < 5 * len(plumber_pages):
        notes.append(f"{IMAGE_ONLY_NOTE} PDF: no text layer ({chars} characters on {len(plumber_pages)} pages), a scan")
    elif unmapped:
        notes.append(f"{unmapped} glyphs without a Unicode mapping dropped")
    tokens, headings = _assemble(pages)
    return Document(tokens=tokens, headings=headings, notes=notes)


# ---------------------------------------------------------------- DOCX

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
W_P, W_TBL, W_TR, W_TC, W_T = (f"{{{_W}}}{t}" for t in ("p", "tbl", "tr", "tc", "t"))
W_TAB, W_BR, W_CR, W_SDT, W_SDTCONTENT = (f"{{{_W}}}{t}" for t in ("tab", "br", "cr", "sdt", "sdtContent"))
W_CUSTOMXML, W_PPR, W_TCPR, W_VMERGE, W_VAL = (f"{{{_W}}}{t}" for t in ("customXml", "pPr", "tcPr", "vMerge", "val"))
W_NUMPR, W_DRAWING = f"{{{_W}}}numPr", f"{{{_W}}}drawing"
W_PICT, W_DEL, W_RPR, W_NOBREAKHYPHEN = (f"{{{_W}}}{t}" for t in ("pict", "del", "rPr", "noBreakHyphen"))
MC_FALLBACK = f"{{{_MC}}}Fallback"
_SKIP_IN_TEXT = frozenset({MC_FALLBACK, W_DEL, W_PPR, W_RPR})  # a text box's VML copy, deleted text, properties

_ZIP_LARGE_MEMBER = 10 * 1024 * 1024
_ZIP_MAX_RATIO = 100
_ZIP_MAX_MEMBERS = 10_000


def check_zip(body: bytes, *, max_uncompressed: int = 100 * 1024 * 1024, broken: str = "docx-broken") -> None:
    """Refuses a zip that would inflate too far, from its central directory alone (nothing is decompressed)."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(body)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise UnreadableFile(broken, f"not a zip: {exc}"[:200]) from None
    if len(infos) > _ZIP_MAX_MEMBERS:
        raise UnreadableFile("zip-bomb", f"{len(infos)} members")
    total = sum(i.file_size for i in infos)
    if total > max_uncompressed:
        raise UnreadableFile("zip-bomb", f"{total} bytes uncompressed, limit {max_uncompressed}")
    for i in infos:
        if i.file_size > _ZIP_LARGE_MEMBER and i.file_size > _ZIP_MAX_RATIO * max(i.compress_size, 1):
            raise UnreadableFile("zip-bomb", f"{i.filename}: {i.file_size} from {i.compress_size} bytes")


# ---- list numbering (Word computes 一、 and 1. of numbered paragraphs; they are not in the text)

_CN_DIGITS = "〇一二三四五六七八九"


def _chinese_number(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, sym in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= value:
            out, n = out + sym, n - value
    return out


def _format_number(n: int, fmt: str) -> str:
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "chineseLegalSimplified",
        "ideographTraditional",
        "taiwaneseCounting",
        "japaneseCounting",
        "ideographLegalTraditional",
        "taiwaneseCountingThousand",
    ):
        return _chinese_number(n)
    if fmt == "ideographDigital":
        return "".join(_CN_DIGITS[int(d)] for d in str(n))
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class _Numbering:
    """Counters of numbered paragraphs, from numbering.xml and the paragraph styles that carry a numPr."""

    def __init__(self, document: Any) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # abstractNumId -> ilvl -> (fmt, text, start)
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, start overrides)
        self.style_num: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            root = None
        if root is not None:
            for abstract in root.iterchildren(f"{{{_W}}}abstractNum"):
                levels: dict[int, tuple[str, str, int]] = {}
                for lvl in abstract.iterchildren(f"{{{_W}}}lvl"):
                    fmt = _child_val(lvl, "numFmt") or "decimal"
                    text = _child_val(lvl, "lvlText") or ""
                    start = _child_val(lvl, "start")
                    levels[int(lvl.get(f"{{{_W}}}ilvl", "0"))] = (
                        fmt,
                        text,
                        int(start) if start and start.isdigit() else 1,
                    )
                self.levels[abstract.get(f"{{{_W}}}abstractNumId", "")] = levels
            for num in root.iterchildren(f"{{{_W}}}num"):
                overrides: dict[int, int] = {}
                for ov in num.iterchildren(f"{{{_W}}}lvlOverride"):
                    start = _child_val(ov, "startOverride")
                    if start and start.isdigit():
                        overrides[int(ov.get(f"{{{_W}}}ilvl", "0"))] = int(start)
                self.nums[num.get(f"{{{_W}}}numId", "")] = (_child_val(num, "abstractNumId") or "", overrides)
        try:
            styles = document.styles.element
        except (NotImplementedError, KeyError, AttributeError):
            styles = None
        if styles is not None:
            for style in styles.iterchildren(f"{{{_W}}}style"):
                numpr = style.find(f"{W_PPR}/{W_NUMPR}")
                if numpr is not None:
                    num_id = _child_val(numpr, "numId")
                    ilvl = _child_val(numpr, "ilvl")
                    if num_id:
                        self.style_num[style.get(f"{{{_W}}}styleId", "")] = (num_id, int(ilvl or 0))

    def label(self, p: Any) -> str:
        ppr = p.find(W_PPR)
        num_id, ilvl = None, 0
        if ppr is not None:
            numpr = ppr.find(W_NUMPR)
            if numpr is not None:
                num_id = _child_val(numpr, "numId")
                ilvl = int(_child_val(numpr, "ilvl") or 0)
            elif (style := _child_val(ppr, "pStyle")) in self.style_num:
                num_id, ilvl = self.style_num[style]
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in overrides.items():
                counters[lvl] = start - 1
        fmt, text, start = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a new 一、 restarts its (一)
        for k in range(ilvl + 1):
            k_fmt, _t, k_start = levels.get(k, ("decimal", "", 1))
            text = text.replace(f"%{k + 1}", _format_number(counters.get(k, k_start), k_fmt))
        return text if fmt != "bullet" else ""


def _child_val(el: Any, name: str) -> str | None:
    child = el.find(f"{{{_W}}}{name}")
    return child.get(W_VAL) if child is not None else None


def _para_text(p: Any) -> str:
    """A paragraph's text with its runs, hyperlinks, insertions and text boxes; line breaks as '\\n'."""
    parts: list[str] = []
    stack = list(reversed(p))
    while stack:
        el = stack.pop()
        tag = el.tag
        if tag in _SKIP_IN_TEXT or not isinstance(tag, str):
            continue
        if tag == W_T:
            parts.append(el.text or "")
        elif tag == W_TAB:
            parts.append(" ")
        elif tag in (W_BR, W_CR):
            parts.append("\n")
        elif tag == W_NOBREAKHYPHEN:
            parts.append("-")
        elif tag == W_P:
            parts.append("\n")  # a paragraph of a text box inside this one
            stack.extend(reversed(el))
        else:
            stack.extend(reversed(el))
    return "".join(parts)


def _block_children(el: Any) -> Iterator[Any]:
    """Paragraphs and tables of a body or cell, looking through content controls and custom XML wrappers."""
    for child in el:
        if child.tag in (W_P, W_TBL):
            yield child
        elif child.tag == W_SDT:
            content = child.find(W_SDTCONTENT)
            if content is not None:
                yield from _block_children(content)
        elif child.tag == W_CUSTOMXML:
            yield from _block_children(child)


def _row_cells(tr: Any) -> Iterator[Any]:
    for child in tr:
        if child.tag == W_TC:
            yield child
        elif child.tag == W_SDT:
            content = child.find(W_SDTCONTENT)
            if content is not None:
                yield from _row_cells(content)
        elif child.tag == W_CUSTOMXML:
            yield from _row_cells(child)


def _table_rows(tbl: Any) -> Iterator[Any]:
    for child in tbl:
        if child.tag == W_TR:
            yield child
        elif child.tag in (W_SDT, W_CUSTOMXML):
            inner = child.find(W_SDTCONTENT) if child.tag == W_SDT else child
            if inner is not None:
                yield from _table_rows(inner)


def _continues_vmerge(tc: Any) -> bool:
    tcpr = tc.find(W_TCPR)
    vmerge = tcpr.find(W_VMERGE) if tcpr is not None else None
    return vmerge is not None and vmerge.get(W_VAL, "continue") == "continue"


class _DocxWalker:
    def __init__(self, numbering: _Numbering, heading_styles: frozenset[str]) -> None:
        self.numbering = numbering
        self.heading_styles = heading_styles
        self.tokens: list[Token] = []
        self.headings: list[str] = []
        self.tables = 0
        self.container = 0
        self.images = 0

    def paragraph_lines(self, p: Any) -> list[str]:
        text = self.numbering.label(p) + _para_text(p)
        if p.find(f".//{W_DRAWING}") is not None or p.find(f".//{W_PICT}") is not None:
            self.images += 1
        return [line for line in (clean(t) for t in text.split("\n")) if line]

    def block(self, el: Any) -> None:
        if el.tag == W_P:
            lines = self.paragraph_lines(el)
            self.container += 1
            for line in lines:
                self.tokens.append(Token(line, PARA, None, self.container))
            style = _child_val(el.find(W_PPR), "pStyle") if el.find(W_PPR) is not None else None
            if lines and style in self.heading_styles:
                self.headings.append(" ".join(lines))
        elif el.tag == W_TBL:
            self.table(el)

    def table(self, tbl: Any) -> None:
        if next(tbl.iterdescendants(W_TBL), None) is not None:
            # A table holding tables is page layout (a frame round the report): its cells are read as blocks.
            for tr in _table_rows(tbl):
                for tc in _row_cells(tr):
                    if not _continues_vmerge(tc):
                        for child in _block_children(tc):
                            self.block(child)
            return
        self.tables += 1
        for r, tr in enumerate(_table_rows(tbl)):
            self.container += 1
            for tc in _row_cells(tr):
                if _continues_vmerge(tc):
                    continue  # the lower part of a vertical merge: its origin cell above was emitted once
                # A horizontal merge is one w:tc with gridSpan, so each merged cell is emitted once by construction.
                # Its paragraphs only: a text box's paragraphs are read inside the paragraph that anchors them.
                lines = [line for p in _block_children(tc) if p.tag == W_P for line in self.paragraph_lines(p)]
                self.tokens.append(Token(clean(_join_wrapped(lines)), CELL, (self.tables, r), self.container))


def document_from_docx(body: bytes, *, max_uncompressed: int = 100 * 1024 * 1024) -> Document:
    """A DOCX in document order: paragraphs as PARA tokens (list numbering included), tables as CELL tokens with
    rows, each merged cell once; tables holding tables are layout. The zip is checked before anything inflates."""
    check_zip(body, max_uncompressed=max_uncompressed)
    import docx

    try:
        document = docx.Document(io.BytesIO(body))
    except Exception as exc:  # PackageNotFoundError, KeyError of a missing part, lxml syntax errors, …
        raise UnreadableFile("docx-broken", f"{type(exc).__name__}: {exc}"[:200]) from None
    heading_styles = frozenset(
        s.style_id
        for s in document.styles
        if getattr(s, "name", None) and re.match(r"(?i)^(title|heading [1-3]|标题(?: ?[1-3])?)$", s.name)
    )
    walker = _DocxWalker(_Numbering(document), heading_styles)
    for el in _block_children(document.element.body):
        walker.block(el)
    notes: list[str] = []
    text_chars = sum(len(t.text) for t in walker.tokens)
    if text_chars < 5 and walker.images:
        notes.append(f"{IMAGE_ONLY_NOTE} DOCX: only images ({walker.images}) and no text, a scan")
    title = None
    try:
        title = clean(document.core_properties.title) or None
    except Exception:  # damaged docProps: the title is only a fallback
        title = None
    return Document(tokens=walker.tokens, headings=walker.headings, notes=notes, html_title=title)


# ---------------------------------------------------------------- other formats


def _find_soffice(soffice: str | None) -> str | None:
    if soffice:
        return soffice if (os.path.exists(soffice) or shutil.which(soffice)) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_soffice(body: bytes, fmt: str, soffice: str, *, timeout: float = 120) -> bytes:
    """DOC/WPS bytes to DOCX bytes with LibreOffice headless, in a private temp dir and profile (parallel
    conversions would otherwise fight over one user profile); the whole process group dies on timeout."""
    is_word_binary = "W\x00o\x00r\x00d\x00D\x00o\x00c".encode("latin-1") in body
    suffix = "doc" if fmt == "doc" or (fmt == "wps" and is_word_binary) else fmt  # Kingsoft .wps is Word binary
    with tempfile.TemporaryDirectory(prefix="gkspider-soffice-") as tmp:
        src = Path(tmp) / f"report.{suffix}"
        src.write_bytes(body)
        cmd = [
            soffice,
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}",
            "--convert-to",
            "docx",
            "--outdir",
            tmp,
            str(src),
        ]
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
            )
        except OSError as exc:
            raise UnreadableFile("conversion-failed", f"cannot run {soffice}: {exc}"[:200]) from None
        try:
            _out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise UnreadableFile("conversion-failed", f"soffice timed out after {timeout:g}s") from None
        out = src.with_suffix(".docx")
        if not out.is_file() or out.stat().st_size == 0:
            detail = (err or b"").decode("utf-8", "replace").strip()[-200:]
            raise UnreadableFile("conversion-failed", f"soffice exit {proc.returncode}, no output: {detail}")
        return out.read_bytes()


def document_from_file(
    body: bytes, fmt: str, *, soffice: str | None = None, timeout: float = 120, max_bytes: int = MAX_FILE_BYTES
) -> Document:
    """Any supported file as a `Document`: pdf and docx directly, doc and wps converted by LibreOffice when it is
    available (`soffice`: a path; else found on PATH), html through the page reader. Raises UnreadableFile."""
    if len(body) > max_bytes:
        raise UnreadableFile("file-too-large", f"{len(body)} bytes, limit {max_bytes}")
    if fmt == "pdf":
        return document_from_pdf(body)
    if fmt == "docx":
        return document_from_docx(body)
    if fmt == "html":
        return document_from_html(body)
    if fmt in ("doc", "wps"):
        program = _find_soffice(soffice)
        if program is None:
            raise UnreadableFile("unsupported-format", f"{fmt}: LibreOffice (soffice) is not installed")
        doc = document_from_docx(convert_with_soffice(body, fmt, program, timeout=timeout))
        doc.notes.append(f"converted from {fmt} with LibreOffice")
        return doc
    raise UnreadableFile("unsupported-format", str(fmt))


def extract_file(body: bytes, fmt: str, *, page_meta: dict[str, Any] | None = None, **kw: Any) -> Extraction:
    """`extract_document` over a file. `evidence['image_only']` says the file had no text to read (a scan, or
    glyphs without a Unicode mapping): its fields are then empty and `evidence['notes']` says which."""
    doc = document_from_file(body, fmt, **kw)
    result = extract_document(doc, page_meta)
    result.evidence["image_only"] = any(n.startswith((IMAGE_ONLY_NOTE, UNMAPPED_NOTE)) for n in doc.notes)
    result.evidence["format"] = fmt
    return result
