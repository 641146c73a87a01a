"""A report as one stream of tokens, whatever it was published as.

HTML, PDF and DOCX readers all produce a `Document`: paragraphs and table cells in reading order. Table cells carry
their row (a grid row of one table), so extractors can keep a row's values together; text read line by line (the
flattened dumps, PDF text) has no rows, and extractors fall back on the expected number of values per row.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import lxml.etree

from gkspider.extract.text import clean

PARA = "para"
CELL = "cell"


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    kind: str = PARA  # PARA or CELL
    row: tuple[int, int] | None = None  # (table number, row number) for cells of a grid
    container: int | None = None  # id of the enclosing block (tr/li/p/div) for metadata label/value pairing


@dataclass
class Document:
    tokens: list[Token]
    meta: dict[str, str] = field(default_factory=dict)  # <meta name=…> tags, names lower-cased
    html_title: str | None = None
    headings: list[str] = field(default_factory=list)  # h1-h3 texts, for the title
    notes: list[str] = field(default_factory=list)  # what the reader had to work around, e.g. 'decoded as gb18030'
    line_mode: bool = False  # read line by line: no rows, a label's value may sit on the next line

    def paragraphs(self) -> list[str]:
        return [t.text for t in self.tokens if t.kind == PARA and t.text]

    def plain_text(self) -> str:
        return "\n".join(self.paragraphs())


# ---------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_-]+)""", re.I)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "csgb2312", "euc-cn", "cp936", "hz-gb-2312"}


def _norm_encoding(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    if name in _GB_FAMILY:
        return "gb18030"  # a superset: pages labelled gb2312 use GBK characters all the time
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Bytes to text, trusting nothing blindly: BOM, then the declared charset (header, then meta) if the bytes
    really decode with it, then UTF-8, then GB18030, then charset detection. Returns (text, encoding used)."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(enc, errors="replace"), enc
    candidates: list[str] = []
    for name in (declared, *(m.decode("ascii", "ignore") for m in _META_CHARSET.findall(body[:4096]))):
        enc = _norm_encoding(name)
        if enc and enc not in candidates:
            candidates.append(enc)
    for enc in ("utf-8", "gb18030"):
        if enc not in candidates:
            candidates.append(enc)
    for enc in candidates:
        try:
            return body.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes  # only for bytes that fit no declared or usual encoding

    best = from_bytes(body[:200_000]).best()
    enc = best.encoding if best else "gb18030"
    return body.decode(enc, errors="replace"), enc


# ---------------------------------------------------------------- HTML

_BLOCK_TAGS = frozenset(
    "p div br li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table tbody thead tfoot section article header footer "
    "blockquote pre center form fieldset nav aside address hr caption".split()
)
_CONTAINER_TAGS = frozenset("tr li dl p div h1 h2 h3 h4 h5 h6 section article ul ol".split())
_PAIR_TAGS = frozenset(("li", "dl", "tr"))
_PAIR_MAX_TEXT = 200
_SKIP_TAGS = frozenset("script style noscript template iframe object embed svg select option button textarea".split())


_PARSER = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)


def parse_html(text: str) -> lxml.etree._Element:
    """A tolerant parse (plain lxml elements: no per-element class lookup); never raises, never returns None."""
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text or "")  # lxml refuses str input that declares an encoding
    try:
        root = lxml.etree.fromstring(text, _PARSER) if text.strip() else None
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        root = None
    return root if root is not None else lxml.etree.fromstring("<html><body></body></html>", _PARSER)


def _text_of(el: lxml.etree._Element) -> str:
    # Serialising as text runs in C: about ten times faster than joining itertext() in Python.
    return lxml.etree.tostring(el, method="text", encoding=str, with_tail=False)


def _cell_text(cell: lxml.etree._Element) -> str:
    # Word-pasted cells split one label over several spans and <p>s ('申请人情' + '况'): join without separators.
    return clean(_text_of(cell))


def _is_data_table(table: lxml.etree._Element) -> bool:
    """A table without nested tables holds data; one with nested tables is page layout, walked as blocks."""
    return next(table.iterdescendants("table"), None) is None


def _table_rows(table: lxml.etree._Element) -> Iterable[list[lxml.etree._Element]]:
    for tr in table.iterdescendants("tr"):
        yield [c for c in tr if c.tag in ("td", "th")]


class _HtmlWalker:
    def __init__(self) -> None:
        self.tokens: list[Token] = []
        self.buffer: list[str] = []
        self.container = 0
        self.tables = 0
        self.container_stack: list[int] = [0]
        self.next_container = 1
        self.in_pair = False

    def flush(self) -> None:
        if self.buffer:
            text = clean("".join(self.buffer))
            self.buffer = []
            if text:
                self.tokens.append(Token(text, PARA, None, self.container_stack[-1]))

    def walk(self, el: lxml.etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP_TAGS or not tag:
            if el.tail:
                self.buffer.append(el.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            self.flush()
        if tag == "table" and _is_data_table(el):
            self.table(el)
        else:
            # Inside a small li/dl/tr (a label/value pair), nested blocks share its container: <li><span>索引号</span>
            # <p>value</p></li> pairs. A large one (page layout) does not hold pairs together.
            pair = tag in _PAIR_TAGS and not self.in_pair and len(_text_of(el)) <= _PAIR_MAX_TEXT
            pushed = (tag in _CONTAINER_TAGS and not self.in_pair) or pair
            if pair:
                self.in_pair = True
            if pushed:
                self.container_stack.append(self.next_container)
                self.next_container += 1
            if el.text:
                self.buffer.append(el.text)
            for child in el:
                self.walk(child)
            if block:
                self.flush()
            if pushed:
                self.container_stack.pop()
            if pair:
                self.in_pair = False
        if el.tail:
            if block:
                self.flush()
            self.buffer.append(el.tail)

    def table(self, table: lxml.etree._Element) -> None:
        self.tables += 1
        number = self.tables
        for r, cells in enumerate(_table_rows(table)):
            container = self.next_container
            self.next_container += 1
            for cell in cells:
                self.tokens.append(Token(_cell_text(cell), CELL, (number, r), container))


def _meta_tags(root: lxml.etree._Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    for m in root.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        content = m.get("content")
        if name and content and name not in meta:
            meta[name] = clean(content)
    return meta


def document_from_html(body: bytes | str, declared_encoding: str | None = None) -> Document:
    notes: list[str] = []
    if isinstance(body, bytes):
        text, encoding = decode_html(body, declared_encoding)
        if declared_encoding and _norm_encoding(declared_encoding) != encoding:
            notes.append(f"declared {declared_encoding}, decoded as {encoding}")
    else:
        text = body
    root = parse_html(text)
    walker = _HtmlWalker()
    body_el = root.find("body")
    walker.walk(body_el if body_el is not None else root)
    walker.flush()
    title_el = root.find(".//title")
    headings = [clean(_text_of(h)) for h in root.iter("h1", "h2", "h3")]
    return Document(
        tokens=walker.tokens,
        meta=_meta_tags(root),
        html_title=clean(_text_of(title_el)) if title_el is not None else None,
        headings=[h for h in headings if h],
        notes=notes,
    )


# ---------------------------------------------------------------- text lines

_PIPE_ONLY = re.compile(r"^[|\s]*$")
_NUMBER_RUN = re.compile(r"^[-+]?[\d.,]+(?:\s+[-+]?[\d.,]+)+$")
_BULLET = re.compile(r"^\s*(?:\d+\.\s+|[•·▪●]\s*)")


def document_from_lines(lines: Iterable[str]) -> Document:
    """Text read line by line (PDF text, flattened pages): each non-blank line a token, no rows.

    A line of several numbers ('0   0   3') is several cells; a trailing ' |' cell marker is dropped and lines of only
    pipes (padding cells of a flattened grid) are skipped.
    """
    tokens: list[Token] = []
    for n, raw in enumerate(lines):
        line = clean(raw)
        if _PIPE_ONLY.match(line):
            continue
        line = _BULLET.sub("", line) if len(line) < 40 else line
        if line.endswith("|"):
            line = line.rstrip("| ").strip()
            if not line:
                continue
        if "|" in line:
            # A 'label | value | label | value |' row of a flattened metadata table: one container, several cells.
            for part in line.split("|"):
                tokens.append(Token(clean(part), PARA, None, n))
            continue
        if _NUMBER_RUN.match(line):
            tokens.extend(Token(part, PARA, None, n) for part in line.split())
            continue
        tokens.append(Token(line, PARA, None, n))
    return Document(tokens=tokens, line_mode=True)
