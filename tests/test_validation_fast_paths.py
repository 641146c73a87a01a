"""The validation fast paths (gkspider/validation/rules.py) against the plain computations they stand in for: the
same answers on random input. Both sides are computed here; nothing is stored."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gkspider.validation import rules
from tests.corpus.synthetic import SECTIONS, random_tables

# ---------------------------------------------------------------- tables

_ODD_VALUES = [None, True, False, "3", 3.0, -1, 0, 1, 10**20, [], {}]


@st.composite
def _tables(draw: st.DrawFn) -> dict:
    """A valid pair of tables (every sum holds), then a few random edits: changed, odd, removed or added cells and
    rows. About half are left as they are, so that both the fast paths and the rules are taken."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    tables = random_tables(rng, draw(st.sampled_from(["2019", "2021"])))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 4]))):
        name = draw(st.sampled_from(["applications", "reviews"]))
        table = tables[name]
        if not table:
            continue
        row = draw(st.sampled_from(sorted(table)))
        op = draw(st.integers(0, 5))
        cells = table[row]
        if not isinstance(cells, dict) or not cells:
            op = 3
        col = draw(st.sampled_from(sorted(cells))) if op < 3 else None
        if op == 0:
            cells[col] = draw(st.sampled_from(_ODD_VALUES))
        elif op == 1 and cells[col].__class__ is int:
            cells[col] += draw(st.sampled_from([-2, -1, 1]))
        elif op == 2:
            del cells[col]
        elif op == 3:
            del table[row]
        elif op == 4:
            table[row] = draw(st.sampled_from([None, [], {}, 5]))
        else:
            table[draw(st.sampled_from(["other", "other_misc", "zzz"]))] = {c: 1 for c in rules.APPLICATION_COLUMNS}
    return tables


def _plain_int_grid(table: dict) -> dict:
    return {
        row: {c: v for c, v in cells.items() if v.__class__ is int}
        for row, cells in table.items()
        if cells.__class__ is dict
    }


@settings(max_examples=500, deadline=None)
@given(_tables())
def test_integer_grids_are_the_filtered_tables(tables: dict) -> None:
    for table in tables.values():
        assert rules._int_grid(table) == _plain_int_grid(table)


def _plain_outcome_rows(table: dict, template: object) -> tuple[str, ...]:
    has_2021 = any(r in table for r in rules._OTHER_ROWS_2021)
    has_2019 = "other" in table
    if has_2021 and not has_2019:
        others = rules._OTHER_ROWS_2021
    elif has_2019 and not has_2021:
        others = rules._OTHER_ROWS_2019
    else:
        others = rules._OTHER_ROWS_2019 if template == "2019" else rules._OTHER_ROWS_2021
    return rules._OUTCOME_ROWS_COMMON + others


@settings(max_examples=300, deadline=None)
@given(
    st.sets(st.sampled_from([*rules.APPLICATION_ROWS, "zzz"])).map(dict.fromkeys),
    st.sampled_from(["2019", "2021", None]),
)
def test_outcome_rows_are_the_plain_choice(table: dict, template: str | None) -> None:
    assert rules._outcome_rows(table, template) == _plain_outcome_rows(table, template)


@settings(max_examples=1000, deadline=None)
@given(_tables(), st.sampled_from(["2019", "2021", None]))
def test_sum_rules_with_the_add_up_tests_are_the_rules_alone(tables: dict, template: str | None) -> None:
    item = {"tables": tables, "template": template}
    apps = tables["applications"]
    grid = _plain_int_grid(apps)
    outcome = rules._outcome_rows(apps, template)
    assert list(rules._check_applications(item)) == list(rules._application_sum_flags(apps, grid, outcome))
    reviews = _plain_int_grid(tables["reviews"])
    assert list(rules._check_reviews(item)) == list(rules._review_sum_flags(reviews))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["2019", "2021"]))
def test_valid_tables_take_the_add_up_tests(seed: int, template: str) -> None:
    """The fast paths are the usual case: a complete table that adds up passes them."""
    tables = random_tables(random.Random(seed), template)
    apps = tables["applications"]
    assert rules._applications_add_up(rules._int_grid(apps), rules._outcome_rows(apps, template))
    assert rules._reviews_add_up(rules._int_grid(tables["reviews"]))


# ---------------------------------------------------------------- counts stated in the text

_DIGITS_BEFORE = re.compile(r"\d\s*\Z")


def _plain_count_units(text: str) -> dict[int, int]:
    """Each unit's count by regex: the digit that starts a match of \\d\\s*\\Z just before the unit."""
    units = {}
    for at, char in enumerate(text):
        if char in rules._COUNT_UNITS:
            m = _DIGITS_BEFORE.search(text, max(0, at - rules._COUNT_BLANKS), at)
            if m:
                units[m.start()] = at
    return units


def _plain_clauses_with_counts(text: str) -> list[str]:
    """The clauses around the counts, found with rfind and the regexes."""
    clauses, end = [], 0
    units = _plain_count_units(text)
    for count_start in sorted(units):
        if count_start < end:
            continue
        start = max(text.rfind(c, end, count_start) for c in rules._CLAUSE_ENDS) + 1
        stop = rules._CLAUSE_SPLIT.search(text, count_start)
        end = stop.start() if stop else len(text)
        if rules._HAS_COUNT.search(text[start:end]):
            clauses.append(text[start:end])
    return clauses


def _plain_stated_counts(text: str, report_year: int | None) -> dict[str, set[int]]:
    stated: dict[str, set[int]] = {}
    for clause in _plain_clauses_with_counts(unicodedata.normalize("NFKC", text)):
        clause = re.sub(r"\s+", "", clause)
        if not clause or rules._CLAUSE_SKIP.search(clause):
            continue
        years = {int(y) for y in re.findall(r"((?:19|20)\d{2})年", clause)}
        if report_year is not None and years - {report_year}:
            continue
        for key, pattern in rules._TEXT_PHRASES:
            if key in ("review", "litigation") and "复议" in clause and "诉讼" in clause:
                continue
            for m in pattern.finditer(clause):
                stated.setdefault(key, set()).add(int(m[1]))
    return stated


def test_str_blanks_and_digits_are_the_regex_classes() -> None:
    """_count_units reads \\s and \\d as str.isspace and str.isdecimal: the same characters, all of them."""
    chars = "".join(map(chr, range(0x110000)))
    assert re.findall(r"\s", chars) == [c for c in chars if c.isspace()]
    assert re.findall(r"\d", chars) == [c for c in chars if c.isdecimal()]
    assert re.findall(r"\s", chars) == [c for c in chars if not c.strip()]  # str.rstrip strips the same


_COUNT_TEXT = [*"件起宗 0123456789,。;、\n\r|年受理行政复议", "\u3000", "\u2028", "\x1c", "٣", "12", "\r\n", "2021年"]
_COUNT_TEXT += [" " * 30, " " * 70]

# A count's digit is found up to _COUNT_BLANKS characters before its unit, however many blanks come between; a line
# break between the number and its unit ends the clause before the unit, which may still hold an earlier count.
_COUNT_CASES = ["12件", " 3 件", "3" + " " * 62 + "件", "3" + " " * 63 + "件", "3" + " " * 64 + "件", "件3件", "a2\n件"]
_COUNT_CASES += ["5" + " " * 70 + "件" + "2\n件", "收到申请3\r\n件,行政复议1起", "٣件", "3\u2028件"]


@pytest.mark.parametrize("text", _COUNT_CASES)
def test_count_units_and_clauses_of_edge_cases(text: str) -> None:
    assert rules._count_units(text) == _plain_count_units(text)
    assert list(rules._clauses_with_counts(text)) == _plain_clauses_with_counts(text)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_COUNT_TEXT), max_size=60).map("".join))
def test_count_units_and_clauses_are_the_regex_scan(text: str) -> None:
    assert rules._count_units(text) == _plain_count_units(text)
    assert list(rules._clauses_with_counts(text)) == _plain_clauses_with_counts(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from([*rules._CLAUSE_ENDS, "a", "中", " "]), max_size=40), st.data())
def test_up_to_clause_end_is_the_last_rfind(text: str, data: st.DataObject) -> None:
    end = data.draw(st.integers(0, len(text)))
    count_start = data.draw(st.integers(end, len(text)))
    before = rules._UP_TO_CLAUSE_END.match(text, end, count_start)
    assert (before.end() if before else 0) == max(text.rfind(c, end, count_start) for c in rules._CLAUSE_ENDS) + 1


_PHRASE_TEXT = ["本年度共受理政府信息公开申请", "收到", "接收", "接到", "依申请公开", "上年", "结转", "结转至下年度", "下一年度", "不"]
_PHRASE_TEXT += ["予以公开", "部分公开", "行政复议", "行政诉讼", "和", "1", "12", "１２", "件", "起", "宗", " ", "\n", ",", "，"]
_PHRASE_TEXT += ["。", "2021年", "2022年", "２０２１年", "同比", "累计", " " * 70]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PHRASE_TEXT), max_size=24).map("".join), st.sampled_from([None, 2021, 2022]))
def test_stated_counts_are_the_plain_scan(text: str, year: int | None) -> None:
    assert rules._stated_counts(text, year) == _plain_stated_counts(text, year)


# ---------------------------------------------------------------- the end of validate_report


def _plain_rule_order(rule: str) -> tuple[int, str]:
    index = {r: i for i, r in enumerate(rules.RULES)}
    return (index[rule], "") if rule in index else (len(index), rule)


def _plain_finish(flags: list[dict]) -> dict:
    """validate_report's last steps as they were: dedupe, sort and status, whatever the number of flags."""
    seen: set[tuple] = set()
    unique = []
    for f in flags:
        key = (f["rule"], f["severity"], f["message"], f["path"])
        if key not in seen:
            seen.add(key)
            unique.append(f)
    unique.sort(key=lambda f: _plain_rule_order(f["rule"]))
    return {"status": rules.status_of(unique), "flags": unique}


def _outcome(fn: object, *args: object, **kwargs: object) -> object:
    try:
        return fn(*args, **kwargs)  # type: ignore[operator]
    except TypeError as e:  # an unhashable severity: both sides raise it
        return ("TypeError", str(e))


_CARRIED = st.fixed_dictionaries(
    {"rule": st.sampled_from([*rules.RULES, "zzz.other", "aaa.other"])},
    optional={
        "severity": st.sampled_from(["error", "warning", "", None, "info", ["error"], 0]),
        "message": st.sampled_from(["m", "", None, 3]),
        "path": st.sampled_from([None, "tables.applications.new.total", 5]),
    },
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(_CARRIED, st.sampled_from([None, "x", {"message": "no rule"}])), max_size=4), st.booleans())
def test_reports_with_few_flags_finish_as_the_plain_dedupe_and_sort(carried: list, with_text: bool) -> None:
    """A report whose rules flag nothing, with carried flags: none, one or several reach the end of validate_report."""
    tables = random_tables(random.Random(1), "2021")
    item = {"report_year": 2021, "template": "2021", "tables": tables, "title": "示例县教育局2021年政府信息公开工作年度报告"}
    item |= {"organ": "示例县教育局", "index_no": "1", "publish_date": "2022-01-10", "sections": list(SECTIONS)}
    text = "" if with_text else None
    recomputed = set(rules.RULES) - rules.EXTRACTION_RULES - rules.DATASET_RULES
    if text is None:
        recomputed.discard("text.table_mismatch")
    kept = [f for f in map(rules._normalise_carried, carried) if f is not None and f["rule"] not in recomputed]
    expected = _outcome(_plain_finish, kept)
    assert _outcome(rules.validate_report, item, text=text, carried_flags=carried) == expected
    for f in kept:
        assert rules._flag_order(f) == _plain_rule_order(f["rule"])


# ---------------------------------------------------------------- dates, metadata, text


def _raised(fn: object, *args: object) -> object:
    try:
        return list(fn(*args))  # type: ignore[operator]
    except (TypeError, ValueError) as e:
        return (type(e).__name__, str(e))


def _plain_check_dates(item: dict, is_government_own: bool | None) -> list[dict]:
    """_check_dates as it was: every date parsed where it is read, the deadline always asked for."""
    flags = []
    for key in ("publish_date", "written_date", "signed_date"):
        raw = item.get(key)
        if raw is not None and rules._parse_date(raw) is None:
            flags.append(rules._flag("date.invalid", f"{key}: expected a YYYY-MM-DD date, found {raw!r}", key))
    raw = item.get("publish_date")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return [*flags, rules._flag("date.missing", "no publish_date", "publish_date")]
    published = rules._parse_date(raw)
    year = rules._int(item.get("report_year"))
    if published is None or year is None:
        return flags
    period_end = rules.date(year, 12, 31)
    if published <= period_end:
        message = f"publish_date {published.isoformat()} is on or before the end of the period {period_end.isoformat()}"
        return [*flags, rules._flag("date.before_period", message, "publish_date")]
    deadline = rules.publication_deadline(item, is_government_own)
    if deadline is not None and published > deadline:
        message = (
            f"publish_date {published.isoformat()} is {(published - deadline).days} day(s) "
            f"after the deadline {deadline.isoformat()}"
        )
        flags.append(rules._flag("date.late", message, "publish_date"))
    return flags


_DATES = ["2020-01-09", "2021-01-31", "2021-02-01", "2021-03-31", "2021-04-01", "2020-12-31", " 2021-02-01 "]
_DATES += ["2022-07-07", "2020-13-01", "2021-2-1", "", "  ", "２０２１-０２-０１", "9999-12-31", "0001-01-01"]
_ORGANS = [None, "", "示例县教育局", "示例县人民政府", "新村镇", "高新区管委会", "示例县人民政府办公室", "ｘｘ县", 0, 123]


@settings(max_examples=2000, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "publish_date": st.one_of(st.sampled_from(_DATES), st.none(), st.just(20210201)),
            "written_date": st.sampled_from([None, "bad", "2021-01-01"]),
            "signed_date": st.sampled_from([None, "2021-02-30", "2021-01-05"]),
            "report_year": st.sampled_from([None, 2018, 2019, 2020, 2021, 9998, 9999, "2020", True]),
            "organ": st.sampled_from(_ORGANS),
            "title": st.sampled_from([None, "示例县人民政府2020年报告", "新村镇2020年报告", "示例县教育局2020年报告"]),
            "site": st.sampled_from([None, {"level": "township"}, {"level": "department"}, {"level": "county"}]),
        },
    ),
    st.sampled_from([None, True, False]),
)
def test_date_rules_are_the_plain_rules(item: dict, is_government_own: bool | None) -> None:
    assert _raised(rules._check_dates, item, is_government_own) == _raised(_plain_check_dates, item, is_government_own)


@pytest.mark.parametrize("organ", [None, "", 0, "示例县教育局", 123])
@pytest.mark.parametrize("published", ["2021-01-31", "2021-02-01"])
def test_date_rules_on_time_by_any_deadline(organ: object, published: str) -> None:
    """Published by 31 January: on time whoever reports, and the body is not classified; an organ that is not text
    still raises where it used to (the classification reads it)."""
    item = {"publish_date": published, "report_year": 2020, "organ": organ, "title": "示例县2020年报告"}
    assert _raised(rules._check_dates, item, None) == _raised(_plain_check_dates, item, None)


def _plain_check_metadata(item: dict) -> list[dict]:
    """_check_metadata as it was: every heading normalised on its own, then searched heading by heading."""
    flags = []
    for key in ("index_no", "organ"):
        value = item.get(key)
        if not (isinstance(value, str) and value.strip()):
            flags.append(rules._flag("metadata.missing", f"no {key}", key))
    sections = item.get("sections")
    headings = [rules._norm(s) for s in sections if isinstance(s, str)] if isinstance(sections, list) else []
    found = [label for label, keywords in rules._STANDARD_SECTIONS if any(k in h for h in headings for k in keywords)]
    if len(found) < len(rules._STANDARD_SECTIONS):
        missing = [label for label, _ in rules._STANDARD_SECTIONS if label not in found]
        message = (
            f"expected the {len(rules._STANDARD_SECTIONS)} standard sections, found {len(found)} "
            f"({len(headings)} heading(s)); missing: {'、'.join(missing)}"
        )
        flags.append(rules._flag("sections.missing", message, "sections"))
    return flags


# Keyword characters, blanks, NUL, and characters NFKC changes or composes: full-width, compatibility ideographs and
# ligatures, combining marks, Hangul jamo.
_HEADING_CHARS = [*"总体情况主动公开申请复议诉讼问题改进其他它概述基本", " ", "\u3000", "\n", "\x00", "\x1c", "Ａ", "㈱", "ﬁ"]
_HEADING_CHARS += ["\u0301", "\u0327", "e", "\u1100", "\u1161", "\u11a8", "\uf900", "⾦", "①", "\u200b"]


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        st.lists(st.one_of(st.text(alphabet=st.sampled_from(_HEADING_CHARS), max_size=8), st.none(), st.just(5))),
        st.lists(st.sampled_from([*SECTIONS, "一、总 体 情 况", "其它"])).map(lambda s: s[:6]),
        st.none(),
        st.just("总体情况"),
    ),
    st.sampled_from([None, "", " ", "x"]),
)
def test_metadata_rules_are_the_plain_rules(sections: object, organ: str | None) -> None:
    item = {"sections": sections, "organ": organ, "index_no": "1"}
    assert list(rules._check_metadata(item)) == _plain_check_metadata(item)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(_HEADING_CHARS), max_size=6), max_size=5))
def test_headings_normalised_together_are_the_headings_normalised_apart(headings: list[str]) -> None:
    joined = rules._HEADING_BREAK.join(headings)
    assert rules._norm(joined) == rules._HEADING_BREAK.join(map(rules._norm, headings))


def test_nfkc_leaves_the_heading_break_alone_next_to_any_character() -> None:
    """NUL is not changed by NFKC, is no blank, and no character composes with it on either side."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    brk = rules._HEADING_BREAK
    assert not brk.isspace()
    assert unicodedata.normalize("NFKC", brk.join(chars)) == brk.join(unicodedata.normalize("NFKC", c) for c in chars)


def _plain_check_text(item: dict, text: str) -> list[dict]:
    """_check_text as it was: the table values looked up whatever the text states, the accepted set always built."""
    stated = _plain_stated_counts(text, rules._int(item.get("report_year")))
    apps = rules._table(item, "applications")
    reviews = rules._table(item, "reviews")

    def app(row: str) -> int | None:
        return rules._cell(apps, row, "total") if apps is not None else None

    def rev(group: str) -> int | None:
        return rules._cell(reviews, group, "total") if reviews is not None else None

    lit_direct, lit_after = rev("litigation_direct"), rev("litigation_after_review")
    lit_sum = lit_direct + lit_after if None not in (lit_direct, lit_after) else None
    new, over, total = app("new"), app("carried_over"), app("total")
    handled = new + over if None not in (new, over) else None
    targets = {
        "new": ("tables.applications.new.total", new, (handled, total)),
        "carried_over": ("tables.applications.carried_over.total", over, ()),
        "carried_forward": ("tables.applications.carried_forward.total", app("carried_forward"), ()),
        "granted": ("tables.applications.granted.total", app("granted"), ()),
        "partial": ("tables.applications.partial.total", app("partial"), ()),
        "review": ("tables.reviews.review.total", rev("review"), ()),
        "litigation": ("tables.reviews.litigation_direct.total", lit_sum, (lit_direct, lit_after)),
    }
    flags = []
    for key, (path, value, alternatives) in targets.items():
        numbers = stated.get(key)
        if not numbers or value is None:
            continue
        if numbers & ({value} | {a for a in alternatives if a is not None}):
            continue
        said = "/".join(str(n) for n in sorted(numbers))
        message = f"the text states {key} = {said}, but the table has {value}"
        flags.append(rules._flag("text.table_mismatch", message, path))
    return flags


_STATED = ["本年度共受理政府信息公开申请", "上年结转", "结转下年度", "予以公开", "部分公开", "行政复议", "行政诉讼", "申请"]
_STATED += ["0", "1", "2", "3", "4", "件", "起", ",", "。", "和", "2021年", "2020年"]


@settings(max_examples=1500, deadline=None)
@given(_tables(), st.lists(st.sampled_from(_STATED), max_size=30).map("".join), st.sampled_from([2021, None]))
def test_text_rule_is_the_plain_rule(tables: dict, text: str, year: int | None) -> None:
    item = {"tables": tables, "report_year": year}
    assert list(rules._check_text(item, text)) == _plain_check_text(item, text)
