"""The HTML walker gkspider used before the XSLT flattening in gkspider/extract/document.py: the same semantics in
plain Python, kept as the readable reference the fast path is tested against (tests/test_document_equivalence.py).
Both must give the same tokens; containers are compared by which tokens share one, not by their numbers."""

from __future__ import annotations

from collections.abc import Iterable

import lxml.etree

from gkspider.extract.document import CELL, PARA, Token, parse_html
from gkspider.extract.text import clean

_BLOCK_TAGS = frozenset(
    "p div br li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table tbody thead tfoot section article header footer "
    "blockquote pre center form fieldset nav aside address hr caption".split()
)
_CONTAINER_TAGS = frozenset("tr li dl p div h1 h2 h3 h4 h5 h6 section article ul ol".split())
_PAIR_TAGS = frozenset(("li", "dl", "tr"))
_PAIR_MAX_TEXT = 200
_SKIP_TAGS = frozenset("script style noscript template iframe object embed svg select option button textarea".split())


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
        if tag == "li" and el.xpath("count(.//a) = 1 and normalize-space(.) = normalize-space(.//a)"):
            # A link-only list item is a menu entry: no token (its tail still is text).
            if el.tail:
                self.buffer.append(el.tail)
            return
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


def reference_tokens(text: str) -> list[Token]:
    root = parse_html(text)
    walker = _HtmlWalker()
    body_el = root.find("body")
    walker.walk(body_el if body_el is not None else root)
    walker.flush()
    return walker.tokens
