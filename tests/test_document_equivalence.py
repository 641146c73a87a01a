"""The XSLT flattening of HTML (gkspider.extract.document) against the Python walker it replaced
(tests/reference_walker.py): the same tokens, texts, rows and containers, on every corpus page and on random markup."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gkspider.extract.document import (
    _MARKS,
    Document,
    Token,
    _html_columns,
    decode_html,
    document_from_html,
    parse_html,
)
from tests.corpus.render import FAMILIES, REPORT_IDS, content_type, render_report
from tests.reference_walker import reference_tokens


def _normalised(tokens: list[Token]) -> list[tuple]:
    """Containers are opaque ids: compare which tokens share one (numbered by first appearance), not their values."""
    ids: dict[object, int] = {}
    return [(t.text, t.kind, t.row, ids.setdefault(t.container, len(ids))) for t in tokens]


def _same(got: list[Token], expected: list[Token]) -> bool:
    return _normalised(got) == _normalised(expected)


def _html_tokens(text: str) -> list[Token]:
    return Document(columns=_html_columns(parse_html(text))).tokens


def _charset(ctype: str) -> str | None:
    return ctype.split("charset=", 1)[1] if "charset=" in ctype else None


def _cases() -> list[tuple[str, str]]:
    return [(rid, fam) for rid in REPORT_IDS for fam in FAMILIES]  # every report in every markup family


@pytest.mark.parametrize(("rid", "family"), _cases())
def test_corpus_pages_flatten_like_the_reference_walker(rid: str, family: str) -> None:
    body = render_report(rid, family)
    text, _ = decode_html(body, _charset(content_type(family)))
    expected = reference_tokens(text)
    assert expected, "the reference walker found nothing: the case is empty"
    assert _same(_html_tokens(text), expected)
    assert _same(document_from_html(body, _charset(content_type(family))).tokens, expected)


_TAGS = [
    "div",
    "p",
    "span",
    "li",
    "li",
    "a",
    "ul",
    "dl",
    "dt",
    "dd",
    "tr",
    "td",
    "th",
    "table",
    "tbody",
    "br",
    "h1",
    "h3",
    "b",
    "font",
    "a",
    "script",
    "section",
    "center",
    "o:p",
    "caption",
    "nav",
    "select",
    "option",
]
_WORDS = [
    "索引号",
    "：",
    "发布机构",
    "2023年1月5日",
    " ",
    "\u3000",
    "（一）",
    "0",
    "12",
    "文号",
    "&nbsp;",
    "x" * 120,
    "县人民政府",
    "\n",
    "申请人情",
    "况",
]


@st.composite
def _markup(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 5 and draw(st.booleans()):
            tag = draw(st.sampled_from(_TAGS))
            inner = draw(_markup(depth + 1))
            parts.append(f"<{tag}>{inner}</{tag}>" if tag != "br" else "<br>")
        else:
            parts.append(draw(st.sampled_from(_WORDS)))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(_markup())
def test_random_markup_flattens_like_the_reference_walker(body: str) -> None:
    text = f"<html><head><title>t</title></head><body>{body}</body></html>"
    assert _same(_html_tokens(text), reference_tokens(text))


def test_pages_without_body_and_with_text_after_it() -> None:
    for text in ("<p>一</p><p>二</p>", "<html><body><p>一</p></body></html>尾", "纯文本", "<table><tr><td>a</td></tr>"):
        assert _same(_html_tokens(text), reference_tokens(text)), text


def test_marker_characters_in_a_page_are_removed_not_split_on() -> None:
    body = "<html><body><p>索引号\ufdd0：\ufdd5123</p><table><tr><td>a\ufdd4b</td></tr></table></body></html>"
    for page, charset in ((body, None), (body.encode(), "utf-8"), (body.encode("gb18030"), "gbk")):
        doc = document_from_html(page, charset)
        assert [t.text for t in doc.tokens] == ["索引号:123", "ab"], charset
        assert not any(_MARKS.search(t.text) for t in doc.tokens)


def test_link_only_list_items_are_menu_entries_not_tokens() -> None:
    body = (
        "<html><body><ul><li><a href='/a'>政务公开</a></li><li> <a href='/b'>2021年年报</a> </li>"
        "<li>发布机构：<a href='/c'>县政府</a></li><li><a>一</a><a>二</a></li></ul><p>正文</p></body></html>"
    )
    texts = [t.text for t in document_from_html(body).tokens]
    assert texts == ["发布机构:县政府", "一二", "正文"]
