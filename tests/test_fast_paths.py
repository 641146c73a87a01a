"""Fast paths written for speed (issue 8) against the plain code they replaced: the same answers on random input."""

from __future__ import annotations

import difflib
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from gkspider.extract.text import _FULLWIDTH, to_halfwidth
from gkspider.validation.rules import _CLAUSE_SPLIT, _HAS_COUNT, _clauses_with_counts

_FULLWIDTH_CHARS = [chr(c) for c in _FULLWIDTH]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from([*_FULLWIDTH_CHARS, "a", "中", "，", " ", "\n"]), max_size=40))
def test_to_halfwidth_is_the_translate_table(text: str) -> None:
    assert to_halfwidth(text) == text.translate(_FULLWIDTH)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("，,。;；!！?？、\n\r|件起宗 0123456789受理结转行政复议年")), max_size=60))
def test_clauses_with_counts_are_the_split_clauses_that_state_a_count(text: str) -> None:
    text = unicodedata.normalize("NFKC", text)
    expected = [clause for clause in _CLAUSE_SPLIT.split(text) if _HAS_COUNT.search(clause)]
    assert list(_clauses_with_counts(text)) == expected


_LABEL_CHARS = "县人民政府办公室教育局关于年度报告工作信息公开申请处理决定复议诉讼数量予以部分不第三方合法权益"


@st.composite
def _edited_label(draw: st.DrawFn) -> str:
    from gkspider.extract.labels import _index

    chars = list(draw(st.sampled_from(_index().fuzzy_pool)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(chars) - 1))
        op = draw(st.sampled_from("sid"))
        if op == "s":
            chars[at] = draw(st.sampled_from(_LABEL_CHARS))
        elif op == "i":
            chars.insert(at, draw(st.sampled_from(_LABEL_CHARS)))
        elif len(chars) > 6:
            del chars[at]
    return "".join(chars)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(_edited_label(), st.text(alphabet=st.sampled_from(_LABEL_CHARS), min_size=6, max_size=40)))
def test_fuzzy_label_candidates_lose_no_difflib_match(text: str) -> None:
    """The bigram prefilter in front of difflib (labels._fuzzy_candidates) finds what difflib over the whole pool finds."""
    from gkspider.extract.labels import _fuzzy_candidates, _index

    pool = _index().fuzzy_pool
    whole = difflib.get_close_matches(text, pool, n=1, cutoff=0.85)
    candidates = _fuzzy_candidates(text)
    assert difflib.get_close_matches(text, candidates, n=1, cutoff=0.85) == whole
