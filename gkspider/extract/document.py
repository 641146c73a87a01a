"""A report as one stream of tokens, whatever it was published as.

HTML, PDF and DOCX readers all produce a `Document`: paragraphs and table cells in reading order. Table cells carry
their row (a grid row of one table), so extractors can keep a row's values together; text read line by line (the
flattened dumps, PDF text) has no rows, and extractors fall back on the expected number of values per row.
"""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Iterable, Iterator
from itertools import chain, repeat
from typing import NamedTuple

import lxml.etree

from gkspider.extract.text import clean, to_halfwidth

PARA = "para"
CELL = "cell"


class Token(NamedTuple):  # a tuple: a page has hundreds, and a dataclass costs twice as much to build
    text: str
    kind: str = PARA  # PARA or CELL
    row: tuple[int, int] | None = None  # (table number, row number) for cells of a grid
    container: int | None = None  # the enclosing block (tr/li/p/div), for metadata label/value pairing


class TokenColumns(NamedTuple):
    """The tokens as four parallel lists: entry i of each is field i of token i."""

    texts: list[str]
    kinds: list[str]
    rows: list[tuple[int, int] | None]
    containers: list[int | None]


_new_token = functools.partial(tuple.__new__, Token)  # builds a token from a tuple in C, without Token.__new__


class Document:
    """Paragraphs and table cells in reading order, with what the page says about itself.

    A reader hands over the tokens either as a list of `Token` or as `TokenColumns`; each form is built from the other
    on first use, and neither may change afterwards. The extractors read the columns. The HTML reader builds only the
    columns: a page has hundreds of cells, a Token per cell (a tuple subclass, built through tuple.__new__) cost about
    0.09 ms a page, and the four lists, filled a table at a time, a third of that.
    """

    __slots__ = ("_tokens", "_columns", "meta", "html_title", "headings", "notes", "line_mode")

    def __init__(
        self,
        tokens: list[Token] | None = None,
        meta: dict[str, str] | None = None,
        html_title: str | None = None,
        headings: list[str] | None = None,
        notes: list[str] | None = None,
        line_mode: bool = False,
        *,
        columns: TokenColumns | None = None,
    ) -> None:
        if tokens is None and columns is None:
            tokens = []
        self._tokens = tokens
        self._columns = columns
        self.meta: dict[str, str] = meta if meta is not None else {}  # <meta name=…> tags, names lower-cased
        self.html_title = html_title
        self.headings: list[str] = headings if headings is not None else []  # h1-h3 texts, for the title
        self.notes: list[str] = notes if notes is not None else []  # what the reader had to work around
        self.line_mode = line_mode  # read line by line: no rows, a label's value may sit on the next line

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = list(map(_new_token, zip(*self._columns, strict=True)))  # type: ignore[misc]
        return self._tokens

    @property
    def columns(self) -> TokenColumns:
        if self._columns is None:
            tokens = self._tokens or []
            self._columns = TokenColumns(
                [t.text for t in tokens],
                [t.kind for t in tokens],
                [t.row for t in tokens],
                [t.container for t in tokens],
            )
        return self._columns

    def _fields(self) -> tuple:
        return (self.tokens, self.meta, self.html_title, self.headings, self.notes, self.line_mode)

    def __eq__(self, other: object) -> bool:
        return self._fields() == other._fields() if isinstance(other, Document) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return (
            f"Document(tokens={self.tokens!r}, meta={self.meta!r}, html_title={self.html_title!r}, "
            f"headings={self.headings!r}, notes={self.notes!r}, line_mode={self.line_mode!r})"
        )

    def paragraphs(self) -> list[str]:
        texts, kinds, _, _ = self.columns
        return [text for text, kind in zip(texts, kinds, strict=True) if kind == PARA and text]

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
# A container holds metadata label/value pairs together. A small li/dl/tr (a pair) is one container whatever blocks it
# nests: <li><span>索引号</span><p>value</p></li>. A large one (page layout) does not hold pairs together.
_CONTAINER_TAGS = frozenset("tr li dl p div h1 h2 h3 h4 h5 h6 section article ul ol".split())
_PAIR_TAGS = frozenset(("li", "dl", "tr"))
_PAIR_MAX_TEXT = 200
_SKIP_TAGS = frozenset("script style noscript template iframe object embed svg select option button textarea".split())


_PARSER = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
_UTF8_PARSER = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, encoding="utf-8")
_XML_DECLARATION = re.compile(r"\s*<\?xml[^>]*>")


def parse_html(text: str) -> lxml.etree._Element:
    """A tolerant parse (plain lxml elements: no per-element class lookup); never raises, never returns None."""
    text = text or ""
    declaration = _XML_DECLARATION.match(text)
    if declaration:
        text = text[declaration.end() :]  # lxml refuses str input that declares an encoding
    return _parse(text, _PARSER) if text.strip() else _empty_page()


def _parse(data: str | bytes, parser: lxml.etree.HTMLParser) -> lxml.etree._Element:
    try:
        root = lxml.etree.fromstring(data, parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        root = None
    return root if root is not None else _empty_page()


def _empty_page() -> lxml.etree._Element:
    return lxml.etree.fromstring("<html><body></body></html>", _PARSER)


def _parse_as_text(body: bytes, text: str) -> lxml.etree._Element:
    """parse_html(text), for `text` decoded from `body` as UTF-8. libxml2 reads UTF-8 natively, while a str reaches
    it as UTF-16 to convert (5-7 % of the parse): the bytes go as they are unless parse_html would change the text
    first (a BOM, an XML declaration) or it is blank. NUL bytes take the str path too, to be safe."""
    if body.startswith(codecs.BOM_UTF8) or b"\x00" in body or _XML_DECLARATION.match(text) or not text.strip():
        return parse_html(text)
    return _parse(body, _UTF8_PARSER)


def _text_of(el: lxml.etree._Element) -> str:
    # Serialising as text runs in C: about ten times faster than joining itertext() in Python.
    return lxml.etree.tostring(el, method="text", encoding=str, with_tail=False)


# The page is flattened to one string by an XSLT transform, so the walk over every element runs in C (libxslt), not
# in Python: three to five times faster. Marks between the texts, Unicode noncharacters (never in real text; removed
# from the input if present), say where tokens end and containers open and close:
_FLUSH = "\ufdd0"  # a block starts or ends: the text so far is one token
_PUSH = "\ufdd1"  # ... and a container opens
_POP = "\ufdd2"  # ... and the innermost container closes
_TABLE = "\ufdd3"  # a data table (no nested tables) starts
_ROW = "\ufdd4"  # ... one of its tr
_CELL = "\ufdd5"  # ... one td/th of that row
_TABLE_END = "\ufdd6"
# The first three are written after this one, so the regex that finds their runs (below) starts with one literal
# character and searches at string-search speed; starting with a character class, it tested every character (~10 ns
# each: 0.2 ms of a 300 KB page).
_MARK_LEAD = "\ufdd7"
_ALL_MARKS = (_FLUSH, _PUSH, _POP, _TABLE, _ROW, _CELL, _TABLE_END, _MARK_LEAD)
_MARKS = re.compile(f"[{''.join(_ALL_MARKS)}]")
# A run of marks (and the blanks between them) ends the text before it: one piece per token, not one per mark.
_MARK_RUNS = re.compile(f"({_MARK_LEAD}[{_FLUSH}{_PUSH}{_POP}][{_MARK_LEAD}{_FLUSH}{_PUSH}{_POP}\\s]*)")
# A link-only list item (<li><a>…</a></li>) is a menu entry, never report text: portal templates print hundreds.
_MENU_ITEM = "li[count(.//a) = 1 and normalize-space(.) = normalize-space(.//a)]"


def _flattening_xslt() -> lxml.etree.XSLT:
    def union(tags: Iterable[str]) -> str:
        return "|".join(sorted(tags))

    flush, push, pop = (_MARK_LEAD + mark for mark in (_FLUSH, _PUSH, _POP))
    # Two modes: the normal walk, and inside a pair (a small li/dl/tr), where nested blocks open no container.
    stylesheet = f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="utf-8"/>
<xsl:template match="/">
  <xsl:choose>
    <xsl:when test="/*/body">
      <xsl:apply-templates select="/*/body[1]"/>
      <xsl:value-of select="/*/body[1]/following-sibling::node()[1][self::text()]"/>
    </xsl:when>
    <xsl:otherwise><xsl:apply-templates select="/*"/></xsl:otherwise>
  </xsl:choose>
</xsl:template>
<xsl:template match="{union(_SKIP_TAGS)}"/>
<xsl:template match="{union(_SKIP_TAGS)}" mode="pair"/>
<xsl:template match="{_MENU_ITEM}">{flush}</xsl:template>
<xsl:template match="{_MENU_ITEM}" mode="pair">{flush}</xsl:template>
<xsl:template match="table[not(.//table)]"><xsl:call-template name="cells"/></xsl:template>
<xsl:template match="table[not(.//table)]" mode="pair"><xsl:call-template name="cells"/></xsl:template>
<xsl:template name="cells">{_TABLE}<xsl:for-each select=".//tr">{_ROW}<xsl:for-each select="td|th">{_CELL}<xsl:value-of
  select="."/></xsl:for-each></xsl:for-each>{_TABLE_END}</xsl:template>
<xsl:template match="{union(_PAIR_TAGS)}">
  <xsl:choose>
    <xsl:when test="string-length(.) &lt;= {_PAIR_MAX_TEXT}">{push}<xsl:apply-templates mode="pair"/>{pop}</xsl:when>
    <xsl:otherwise>{push}<xsl:apply-templates/>{pop}</xsl:otherwise>
  </xsl:choose>
</xsl:template>
<xsl:template match="{union(_CONTAINER_TAGS - _PAIR_TAGS)}">{push}<xsl:apply-templates/>{pop}</xsl:template>
<xsl:template match="{union(_BLOCK_TAGS - _CONTAINER_TAGS)}">{flush}<xsl:apply-templates/>{flush}</xsl:template>
<xsl:template match="{union(_BLOCK_TAGS)}" mode="pair">{flush}<xsl:apply-templates mode="pair"/>{flush}</xsl:template>
</xsl:stylesheet>"""
    return lxml.etree.XSLT(lxml.etree.XML(stylesheet))


_FLATTEN = _flattening_xslt()


@functools.lru_cache(maxsize=4096)
def _run_effect(run: str) -> tuple[int, int]:
    """A run of marks as (containers closed, then containers opened); an open-and-close inside the run cancels."""
    pops = pushes = 0
    for mark in run:
        if mark == _PUSH:
            pushes += 1
        elif mark == _POP:
            if pushes:
                pushes -= 1
            else:
                pops += 1
    return pops, pushes


def _html_columns(root: lxml.etree._Element) -> TokenColumns:
    """Paragraphs and table cells in reading order; each with the container it ends in (an opaque number)."""
    return _columns_of_flat(str(_FLATTEN(root)))


def _segments(flat: str) -> Iterator[tuple[bool, str]]:
    """(is a data table, text) in order. str.split runs at memchr speed; a regex character class at ~10 ns a char."""
    chunks = flat.split(_TABLE)
    yield False, chunks[0]
    for chunk in chunks[1:]:
        table, _, after = chunk.partition(_TABLE_END)
        yield True, table
        yield False, after


def _columns_of_flat(flat: str) -> TokenColumns:
    texts: list[str] = []
    kinds: list[str] = []
    rows: list[tuple[int, int] | None] = []
    containers: list[int | None] = []
    stack = [0]
    next_container = 1
    tables = 0
    for is_table, part in _segments(flat):
        if is_table:  # rows of cells, each row its own container
            tables += 1
            # Cleaned as one string (what `clean` does to each cell), then cut: no Python call per cell.
            part = " ".join(to_halfwidth(part).split())
            for mark in (_ROW, _CELL):  # str.replace, not a regex with a group: that calls Python per match
                part = part.replace(" " + mark, mark).replace(mark + " ", mark)
            # The part is only marks and cell texts: (_ROW (_CELL text)*)*. The cells are cut in one split, and each
            # row's number and container repeated over its cells in C, not in a Python loop per row.
            grid = part.split(_ROW)[1:]
            cells_per_row = list(map(str.count, grid, repeat(_CELL)))
            cells = part.replace(_ROW, "").split(_CELL)[1:]
            texts += cells
            kinds += repeat(CELL, len(cells))
            rows += chain.from_iterable(map(repeat, zip(repeat(tables), range(len(grid))), cells_per_row))
            containers += chain.from_iterable(
                map(repeat, range(next_container, next_container + len(grid)), cells_per_row)
            )
            next_container += len(grid)  # each row its own container
            continue
        pieces = _MARK_RUNS.split(part)  # text, run of marks, text, …, text
        for i in range(0, len(pieces), 2):
            raw = pieces[i]
            if raw and not raw.isspace():
                text = clean(raw)
                if text:
                    texts.append(text)
                    kinds.append(PARA)
                    rows.append(None)
                    containers.append(stack[-1])
            if i + 1 < len(pieces):
                pops, pushes = _run_effect(pieces[i + 1])
                if pops:
                    del stack[-pops:]
                for _ in range(pushes):
                    stack.append(next_container)
                    next_container += 1
    return TokenColumns(texts, kinds, rows, containers)


class _Head(NamedTuple):
    meta: dict[str, str]  # <meta name=…> tags, names lower-cased, the first of a name wins
    title: str | None  # the first <title>
    headings: list[str]  # h1-h3 texts, non-empty, in order


def _head(root: lxml.etree._Element) -> _Head:
    """The <meta> tags, title and headings, in one walk over the tree (three separate walks cost twice as much)."""
    meta: dict[str, str] = {}
    title: str | None = None
    headings: list[str] = []
    for el in root.iter("meta", "title", "h1", "h2", "h3"):
        tag = el.tag
        if tag == "meta":
            name = (el.get("name") or el.get("property") or "").strip().lower()
            content = el.get("content")
            if name and content and name not in meta:
                meta[name] = clean(content)
        elif tag == "title":
            if title is None:
                title = clean(_text_of(el))
        else:
            heading = clean(_text_of(el))
            if heading:
                headings.append(heading)
    return _Head(meta, title, headings)


def document_from_html(body: bytes | str, declared_encoding: str | None = None) -> Document:
    notes: list[str] = []
    utf8_body: bytes | None = None  # the body, when it is the UTF-8 of the text
    if isinstance(body, bytes):
        text, encoding = decode_html(body, declared_encoding)
        if declared_encoding and _norm_encoding(declared_encoding) != encoding:
            notes.append(f"declared {declared_encoding}, decoded as {encoding}")
        if encoding == "utf-8":
            utf8_body = body
    else:
        text = body
    # `in` on the text: a one-character search in a str is ten times faster than a regex, and than searching the
    # bytes for the marks' two-byte UTF-8 prefix (a common lead byte there: full-width punctuation shares it).
    if any(mark in text for mark in _ALL_MARKS):
        text = _MARKS.sub("", text)
        utf8_body = None
    root = _parse_as_text(utf8_body, text) if utf8_body is not None else parse_html(text)
    columns = _html_columns(root)
    head = _head(root)
    return Document(columns=columns, meta=head.meta, html_title=head.title, headings=head.headings, notes=notes)


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
