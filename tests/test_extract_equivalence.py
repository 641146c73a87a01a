"""The extraction fast paths against the plain computations they replaced, on every corpus page in every markup
family and on random input: the same answers. No stored results: both sides are computed here."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gkspider.extract import tables
from gkspider.extract.document import CELL, PARA, Document, Token, document_from_html
from gkspider.extract.labels import label_data, lookup
from gkspider.extract.metadata import _MAX_PAIR_TOKEN, _assign, _pairs_in_token, _value_shaped, raw_metadata
from gkspider.extract.text import _ENUM_COMMA, _LABEL_FOLD, clean, label_key, to_halfwidth
from gkspider.validation import rules
from tests.corpus.render import FAMILIES, REPORT_IDS, content_type, render_report

_SPACES = [chr(c) for c in range(0x110000) if chr(c).isspace()] + ["\u200b", "\ufeff"]


@cache
def _corpus_docs() -> list[Document]:
    docs = []
    for rid in REPORT_IDS:
        for family in FAMILIES:
            ctype = content_type(family)
            charset = ctype.split("charset=", 1)[1] if "charset=" in ctype else None
            docs.append(document_from_html(render_report(rid, family), charset))
    return docs


# ---------------------------------------------------------------- whitespace


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from([*_SPACES, "a", "中", "\u3000", "，"]), max_size=30))
def test_whitespace_by_str_split_is_the_regex(text: str) -> None:
    assert clean.__wrapped__(text) == re.sub(r"\s+", " ", to_halfwidth(text)).strip()
    key = re.sub(r"\s+", "", to_halfwidth(text)).translate(_LABEL_FOLD)
    assert label_key.__wrapped__(text) == _ENUM_COMMA.sub(r"\1.", key).rstrip(":")
    assert rules._norm(text) == re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# ---------------------------------------------------------------- document columns


@pytest.mark.parametrize("n", range(len(REPORT_IDS) * len(FAMILIES)))
def test_columns_and_tokens_are_one_list(n: int) -> None:
    doc = _corpus_docs()[n]
    again = Document(tokens=list(doc.tokens))
    assert again.columns == doc.columns
    assert again.paragraphs() == [t.text for t in doc.tokens if t.kind == PARA and t.text]


# ---------------------------------------------------------------- metadata


def _metadata_by_token_walk(doc: Document) -> dict[str, str]:
    """raw_metadata as it was: every token visited in order."""
    found: dict[str, str] = {}
    pending: str | None = None
    pending_container: int | None = None
    for tok in doc.tokens:
        text = tok.text
        if not text or len(text) > _MAX_PAIR_TOKEN:
            pending = None
            continue
        pairs = _pairs_in_token(text)
        if pairs:
            for field, value in pairs:
                _assign(found, field, value)
            last_field, last_value = pairs[-1]
            pending, pending_container = (last_field, tok.container) if not last_value else (None, None)
            continue
        if pending and (tok.container == pending_container or (doc.line_mode and _value_shaped(text))):
            _assign(found, pending, text)
        pending = None
    return found


def test_metadata_of_corpus_pages_is_the_token_walk() -> None:
    for doc in _corpus_docs():
        assert raw_metadata(doc) == _metadata_by_token_walk(doc)


_META_WORDS = [
    *(v for vs in label_data()["metadata"].values() for v in vs[:2]),
    "号:",
    "称:",
    "",
    "2023-01-05",
    "〔2023〕1号",
    "11530000/2023-00012",
    "某县人民政府",
    "索引号:",
    "发布机构:某县",
    "x" * 130,
    "正文,很长的一句话。",
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_META_WORDS), st.integers(0, 3)), max_size=14),
    st.booleans(),
)
def test_metadata_of_random_tokens_is_the_token_walk(tokens: list[tuple[str, int]], line_mode: bool) -> None:
    doc = Document([Token(text, PARA, None, container) for text, container in tokens], line_mode=line_mode)
    assert raw_metadata(doc) == _metadata_by_token_walk(doc)


# ---------------------------------------------------------------- tables


def _collect_by_token_walk(doc: Document, labels: list, start: int) -> tuple[list[str], int]:
    """tables._collect's grid-row path as it was: token by token."""
    tokens = doc.tokens
    label_row = tokens[start].row
    values: list[str] = []
    j = start + 1
    while j < len(tokens):
        tok = tokens[j]
        if tok.row != label_row:
            break
        if labels[j] is not None:
            if values:
                break
            return [], j
        values.append(tok.text)
        j += 1
    return values, j


def test_row_values_and_labels_are_the_token_walk() -> None:
    for doc in _corpus_docs():
        scan = tables._Scan(doc)
        labels = [lookup(t.text) if len(t.text) <= 60 else None for t in doc.tokens]
        assert scan.labels == labels
        assert scan.labelled == [i for i, lab in enumerate(labels) if lab is not None]
        for i in scan.row_labels:
            if doc.tokens[i].row is not None:
                assert tables._collect(scan, i, None) == _collect_by_token_walk(doc, labels, i)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["0", "3", "（一）予以公开", "总计", "其他", ""]), st.integers(0, 2)), max_size=12
    )
)
def test_row_values_of_random_grids_are_the_token_walk(cells: list[tuple[str, int]]) -> None:
    doc = Document([Token(text, CELL, (1, row), row) for text, row in cells])
    scan = tables._Scan(doc)
    for i in scan.row_labels:
        assert tables._collect(scan, i, None) == _collect_by_token_walk(doc, scan.labels, i)


_REVIEW_TEXT = st.text(alphabet=st.sampled_from(list("".join(tables._REVIEW_WORDS)) + ["|", ",", "0", " ", "、"]))


@settings(max_examples=500, deadline=None)
@given(st.one_of(_REVIEW_TEXT, st.lists(st.sampled_from(tables._REVIEW_WORDS)).map("|".join)))
def test_reviews_header_rejection_is_the_replacements(text: str) -> None:
    key = label_key(text)
    plain = bool(key) and len(key) <= 120
    for word in tables._REVIEW_WORDS:
        key = key.replace(word, "")
    assert tables._is_reviews_header(text) == (plain and key.strip("|,") == "")


# ---------------------------------------------------------------- validation


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(st.sampled_from("abcdefg"), st.one_of(st.integers(-5, 5), st.none(), st.booleans(), st.just("3")))
)
def test_integer_rows_are_the_filtered_rows(cells: dict) -> None:
    assert rules._int_row(cells) == {col: v for col, v in cells.items() if v.__class__ is int}


# ---------------------------------------------------------------- parsing UTF-8 bytes


def _tree(root: object) -> bytes:
    import lxml.etree

    return lxml.etree.tostring(root, encoding="utf-8")


@pytest.mark.parametrize(("rid", "family"), [(r, f) for r in REPORT_IDS for f in FAMILIES if f != "word_gbk"])
def test_utf8_bytes_parse_like_their_text(rid: str, family: str) -> None:
    from gkspider.extract.document import _parse_as_text, parse_html

    body = render_report(rid, family)
    text = body.decode("utf-8")
    assert _tree(_parse_as_text(body, text)) == _tree(parse_html(text))


_MARKUP = [
    "<html>",
    "<head>",
    '<meta charset="gbk">',
    '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
    "<title>",
    "</title>",
    "<body>",
    "<p>",
    "</p>",
    "<table><tr><td>",
    "</td></tr></table>",
    "<script>var a = '<p>';</script>",
    "<!-- 注释 -->",
    "<?php echo 1; ?>",
    "&nbsp;",
    "&#12345;",
    "&#0;",
    "&bogus;",
    "索引号：",
    "２０２２年",
    "\u3000",
    "\r\n",
    "\t",
    "\x01",
    "\ufeff",
    "<br/>",
    "<li><a href='#'>菜单</a></li>",
    "<",
    ">",
    "&",
    "中文",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_MARKUP), max_size=25).map("".join))
def test_utf8_bytes_of_random_markup_parse_like_their_text(text: str) -> None:
    from gkspider.extract.document import _parse_as_text, parse_html

    assert _tree(_parse_as_text(text.encode("utf-8"), text)) == _tree(parse_html(text))
