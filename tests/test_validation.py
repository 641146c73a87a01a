"""Tests of gkspider.validation.rules: each rule tripped and not tripped, plus properties."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gkspider.validation.rules import (
    APPLICATION_COLUMNS,
    EXTRACTION_RULES,
    RULES,
    cross_year_flags,
    publication_deadline,
    report_body_kind,
    status_of,
    validate_report,
)

APPLICANTS = APPLICATION_COLUMNS[:-1]
COMMON_OUTCOMES = [
    "granted",
    "partial",
    "denied_state_secret",
    "denied_law",
    "denied_safety",
    "denied_third_party",
    "denied_internal",
    "denied_process",
    "denied_case_file",
    "denied_query",
    "unable_not_held",
    "unable_to_create",
    "unable_unclear",
    "rejected_complaint",
    "rejected_repeat",
    "rejected_publication",
    "rejected_mass",
    "rejected_confirm",
]
OTHER_ROWS = {"2019": ["other"], "2021": ["other_no_correction", "other_unpaid_fee", "other_misc"]}
SUM_RULES = {"applications.balance", "applications.row_sum", "applications.results_sum", "reviews.sum"}
SIX_SECTIONS = [
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
]


# ------------------------------------------------------------------ builders


def outcome_rows(template: str) -> list[str]:
    return COMMON_OUTCOMES + OTHER_ROWS[template]


def make_applications(template: str = "2019", outcomes=None, carried_over=None, carried_forward=None) -> dict:
    """A consistent applications table built from per-column outcome counts.

    outcomes: {row: {applicant column: n}}; missing cells are 0. new is derived
    so that new + carried_over = total + carried_forward holds in every column.
    """
    outcomes = outcomes or {}
    carried_over = carried_over or {}
    carried_forward = carried_forward or {}
    table: dict[str, dict] = {}
    for row in outcome_rows(template):
        table[row] = {c: outcomes.get(row, {}).get(c, 0) for c in APPLICANTS}
    table["total"] = {c: sum(table[r][c] for r in outcome_rows(template)) for c in APPLICANTS}
    table["carried_over"] = {c: carried_over.get(c, 0) for c in APPLICANTS}
    table["carried_forward"] = {c: carried_forward.get(c, 0) for c in APPLICANTS}
    table["new"] = {c: table["total"][c] + table["carried_forward"][c] - table["carried_over"][c] for c in APPLICANTS}
    for cells in table.values():
        cells["total"] = sum(cells[c] for c in APPLICANTS)
    return table


def make_reviews(**groups) -> dict:
    out = {}
    for group in ("review", "litigation_direct", "litigation_after_review"):
        parts = dict.fromkeys(("upheld", "corrected", "other", "pending"), 0)
        parts.update(groups.get(group, {}))
        out[group] = {**parts, "total": sum(parts.values())}
    return out


def make_report(**overrides) -> dict:
    """A clean 2020 county government report that trips no rule; override any key."""
    year = overrides.pop("report_year", 2020)
    template = overrides.pop("template", "2019" if year < 2021 else "2021")
    item = {
        "schema_version": "1.0",
        "url": f"http://www.example.gov.cn/gk/{year}.html",
        "page_url": f"http://www.example.gov.cn/gk/{year}.html",
        "site": {"id": "test-county", "name": "测试县人民政府", "level": "county", "region_code": None},
        "title": f"测试县人民政府{year}年政府信息公开工作年度报告",
        "report_year": year,
        "organ": "测试县人民政府",
        "index_no": f"T001-{year + 1}-000001",
        "doc_no": None,
        "category": None,
        "publish_date": f"{year + 1}-01-20",
        "written_date": None,
        "signed_date": None,
        "period": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        "template": template,
        "sections": list(SIX_SECTIONS),
        "tables": {
            "active_disclosure": {"regulations": {"made": 0, "published": 0, "total": 0}},
            "applications": make_applications(template, outcomes={"granted": {"natural": 3}}),
            "reviews": make_reviews(),
        },
    }
    item.update(overrides)
    return item


def rules_of(result: dict) -> set[str]:
    return {f["rule"] for f in result["flags"]}


def flags_of(result: dict, rule: str) -> list[dict]:
    return [f for f in result["flags"] if f["rule"] == rule]


def with_cell(item: dict, table: str, row: str, col: str, value) -> dict:
    item = copy.deepcopy(item)
    item["tables"][table].setdefault(row, {})[col] = value
    return item


# ------------------------------------------------------------------- basics


def test_clean_report_is_ok():
    result = validate_report(make_report())
    assert result == {"status": "ok", "flags": []}


def test_rules_cover_the_contract():
    contract = {
        "applications.balance": "error",
        "applications.row_sum": "error",
        "applications.results_sum": "error",
        "reviews.sum": "error",
        "table.missing": "error",
        "table.shape": "error",
        "cell.not_number": "error",
        "cell.empty": "warning",
        "template.outdated": "warning",
        "date.missing": "warning",
        "date.before_period": "error",
        "date.late": "warning",
        "year.mismatch": "warning",
        "metadata.missing": "warning",
        "sections.missing": "warning",
        "applications.cross_year": "warning",
        "text.table_mismatch": "warning",
    }
    for rule, severity in contract.items():
        assert RULES[rule] == severity, rule
    assert set(RULES.values()) <= {"error", "warning"}
    assert EXTRACTION_RULES.issubset(RULES)


def test_flags_have_the_contract_shape_and_known_rules():
    item = make_report(publish_date=None, index_no=None, sections=[])
    item = with_cell(item, "applications", "new", "natural", 99)
    for flag in validate_report(item)["flags"]:
        assert set(flag) == {"rule", "severity", "message", "path"}
        assert flag["severity"] == RULES[flag["rule"]]
        assert flag["message"] and isinstance(flag["path"], str)


def test_output_matches_the_project_schema():
    jsonschema = pytest.importorskip("jsonschema")
    from gkspider.items import report_schema

    schema = report_schema()["properties"]["validation"]
    item = make_report(publish_date=None, index_no=None, title="测试县2019年报告")
    item = with_cell(item, "applications", "granted", "natural", 7)
    carried = [{"rule": "cell.empty", "severity": "warning", "message": "empty", "path": None}]
    result = validate_report(item, carried_flags=carried, text="受理政府信息公开申请1件")
    assert len(result["flags"]) >= 5
    jsonschema.validate(result, schema)


def test_old_validation_key_is_ignored():
    item = make_report(validation={"status": "error", "flags": [{"rule": "applications.balance"}]})
    assert validate_report(item)["status"] == "ok"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([], "ok"),
        ([{"rule": "date.late", "severity": "warning"}], "warning"),
        ([{"rule": "date.late", "severity": "warning"}, {"rule": "table.missing", "severity": "error"}], "error"),
        ([{"rule": "applications.balance"}], "error"),  # severity looked up when absent
    ],
)
def test_status_of(flags, expected):
    assert status_of(flags) == expected


# ----------------------------------------------------------------- sum rules


def test_balance_trips_with_numbers_in_message():
    item = with_cell(make_report(), "applications", "carried_forward", "natural", 1)
    # keep the row sum right so only the balance is wrong
    item["tables"]["applications"]["carried_forward"]["total"] = 1
    result = validate_report(item)
    balance = flags_of(result, "applications.balance")
    assert [f["path"] for f in balance] == [
        "tables.applications.carried_forward.natural",
        "tables.applications.carried_forward.total",
    ]
    assert "new + carried_over = 3 + 0 = 3, but total + carried_forward = 3 + 1 = 4" in balance[0]["message"]
    assert rules_of(result) == {"applications.balance"}
    assert result["status"] == "error"


def test_row_sum_trips_and_not():
    item = with_cell(make_report(), "applications", "partial", "total", 2)
    result = validate_report(item)
    assert [f["path"] for f in flags_of(result, "applications.row_sum")] == ["tables.applications.partial.total"]
    assert "but total = 2" in flags_of(result, "applications.row_sum")[0]["message"]
    assert flags_of(validate_report(make_report()), "applications.row_sum") == []


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_results_sum_uses_the_templates_other_rows(template):
    last_other = OTHER_ROWS[template][-1]
    table = make_applications(template, outcomes={last_other: {"legal": 2}})
    item = make_report(report_year=2021 if template == "2021" else 2020)
    item["tables"]["applications"] = table
    assert rules_of(validate_report(item)) == set()  # other* rows are counted as outcomes

    # an outcome row raised by one in a column (with its row total) leaves total.<col> short
    broken = with_cell(item, "applications", "granted", "legal", 1)
    broken["tables"]["applications"]["granted"]["total"] += 1
    result = validate_report(broken)
    assert [f["path"] for f in result["flags"]] == [
        "tables.applications.total.legal",
        "tables.applications.total.total",
    ]
    assert rules_of(result) == {"applications.results_sum"}
    assert "sum to 3" in result["flags"][0]["message"] and "but total = 2" in result["flags"][0]["message"]


def test_reviews_sum_trips_and_not():
    item = make_report()
    item["tables"]["reviews"] = make_reviews(review={"upheld": 3})
    assert rules_of(validate_report(item)) == set()
    item["tables"]["reviews"]["litigation_direct"]["total"] = 2
    result = validate_report(item)
    assert [(f["rule"], f["path"]) for f in result["flags"]] == [
        ("reviews.sum", "tables.reviews.litigation_direct.total")
    ]
    assert "= 0, but total = 2" in result["flags"][0]["message"]


def test_null_operand_makes_an_equation_unassessable():
    item = with_cell(make_report(), "applications", "new", "natural", None)
    assert rules_of(validate_report(item)) == set()
    item = make_report()
    del item["tables"]["applications"]["carried_forward"]  # a missing row is a null row
    item["tables"]["reviews"]["review"]["pending"] = None
    item["tables"]["reviews"]["review"]["total"] = 7
    assert rules_of(validate_report(item)) == set()


def test_count_negative_trips_and_not():
    item = make_report()
    item["tables"]["applications"] = make_applications(carried_forward={"social": 2})
    assert "count.negative" not in rules_of(validate_report(item))
    item["tables"]["applications"] = make_applications(carried_over={"social": 2})  # new.social = -2
    flags = flags_of(validate_report(item), "count.negative")
    assert {f["path"] for f in flags} == {"tables.applications.new.social", "tables.applications.new.total"}


def test_report_002_balance_in_natural_and_total_only():
    """金平县人民政府2022年 (reference 002): new 6 + carried_over 0 != total 6 + carried_forward 1."""
    natural = {"new": 6, "carried_over": 0, "granted": 5, "rejected_complaint": 1, "total": 6, "carried_forward": 1}
    rows = ["new", "carried_over", *outcome_rows("2021"), "total", "carried_forward"]
    applications = {}
    for row in rows:
        cells = dict.fromkeys(APPLICATION_COLUMNS, 0)
        cells["natural"] = cells["total"] = natural.get(row, 0)
        applications[row] = cells
    reviews = {
        g: dict.fromkeys(("upheld", "corrected", "other", "pending", "total"), 0)
        for g in ("review", "litigation_direct", "litigation_after_review")
    }
    item = make_report(
        report_year=2022,
        site={"id": "yn-jinping", "name": "金平县人民政府", "level": "county", "region_code": None},
        title="金平县人民政府2022年信息公开工作年度报告",
        organ="金平县人民政府办公室",
        index_no="000014348/2023-00586",
        publish_date="2023-02-19",
    )
    item["tables"]["applications"] = applications
    item["tables"]["reviews"] = reviews
    text = "(二)信息依申请公开情况。2022年共收到州级转办依申请公开信息6件,全部按时予以答复。"
    result = validate_report(item, text=text)
    errors = [f for f in result["flags"] if f["severity"] == "error"]
    assert [(f["rule"], f["path"]) for f in errors] == [
        ("applications.balance", "tables.applications.carried_forward.natural"),
        ("applications.balance", "tables.applications.carried_forward.total"),
    ]
    assert "6 + 0 = 6, but total + carried_forward = 6 + 1 = 7" in errors[0]["message"]
    assert result["status"] == "error"


# ---------------------------------------------------- property-based sums

_count = st.integers(min_value=0, max_value=40)


@st.composite
def consistent_tables(draw):
    template = draw(st.sampled_from(["2019", "2021"]))
    rows = outcome_rows(template)
    outcomes = {
        row: {c: draw(_count) for c in APPLICANTS}
        for row in draw(st.lists(st.sampled_from(rows), max_size=6, unique=True))
    }
    fwd = {c: draw(_count) for c in APPLICANTS}
    # carried_over may not exceed what was handled plus carried forward, or new would be negative
    table = make_applications(template, outcomes, carried_forward=fwd)
    over = {c: draw(st.integers(0, table["new"][c])) for c in APPLICANTS}
    return template, make_applications(template, outcomes, carried_over=over, carried_forward=fwd)


def expected_sum_flags(row: str, col: str, template: str) -> set[tuple[str, str]]:
    """The (rule, path) pairs that changing one cell of a consistent table must raise."""
    base = "tables.applications"
    expected = {("applications.row_sum", f"{base}.{row}.total")}
    if row in ("new", "carried_over", "total", "carried_forward"):
        expected.add(("applications.balance", f"{base}.carried_forward.{col}"))
    if row == "total" or row in outcome_rows(template):
        expected.add(("applications.results_sum", f"{base}.total.{col}"))
    return expected


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_tables(), st.data())
def test_property_consistent_table_has_no_sum_flags_and_one_change_trips_exactly(drawn, data):
    template, table = drawn
    item = make_report(report_year=2021 if template == "2021" else 2020, template=template)
    item["tables"]["applications"] = table
    assert rules_of(validate_report(item)) & SUM_RULES == set()

    row = data.draw(st.sampled_from(sorted(table)), label="row")
    col = data.draw(st.sampled_from(APPLICATION_COLUMNS), label="col")
    old = table[row][col]
    new = data.draw(st.integers(0, 200).filter(lambda v: v != old), label="new value")
    changed = with_cell(item, "applications", row, col, new)
    found = {(f["rule"], f["path"]) for f in validate_report(changed)["flags"]}
    assert found == expected_sum_flags(row, col, template)


@settings(max_examples=60)
@given(consistent_tables(), st.data())
def test_property_a_null_cell_never_raises_a_sum_flag(drawn, data):
    template, table = drawn
    item = make_report(report_year=2021 if template == "2021" else 2020, template=template)
    item["tables"]["applications"] = table
    row = data.draw(st.sampled_from(sorted(table)))
    col = data.draw(st.sampled_from(APPLICATION_COLUMNS))
    assert validate_report(with_cell(item, "applications", row, col, None))["flags"] == []


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)
_keys = st.sampled_from(
    ["tables", "report_year", "publish_date", "period", "title", "organ", "sections", "template", "site", "index_no"]
)


@settings(max_examples=200)
@given(st.dictionaries(_keys, _json), st.one_of(st.none(), st.text(max_size=40)))
def test_property_malformed_items_do_not_crash(item, text):
    result = validate_report(item, text=text)
    assert result["status"] in ("ok", "warning", "error")
    assert result["status"] == status_of(result["flags"])


# -------------------------------------------------------------- table rules


def test_table_missing_from_2019_on():
    item = make_report(report_year=2019)
    item["tables"]["reviews"] = None
    flags = flags_of(validate_report(item), "table.missing")
    assert [f["path"] for f in flags] == ["tables.reviews"]
    old = make_report(report_year=2018)
    old["tables"] = {"active_disclosure": None, "applications": None, "reviews": None}
    assert "table.missing" not in rules_of(validate_report(old))
    assert len(flags_of(validate_report(make_report(tables=None)), "table.missing")) == 3


def test_template_outdated():
    assert "template.outdated" in rules_of(validate_report(make_report(report_year=2021, template="2019")))
    assert "template.outdated" not in rules_of(validate_report(make_report(report_year=2021, template="2021")))
    assert "template.outdated" not in rules_of(validate_report(make_report(report_year=2020, template="2019")))


# --------------------------------------------------------------- date rules


def test_date_missing_and_invalid():
    assert [f["path"] for f in flags_of(validate_report(make_report(publish_date=None)), "date.missing")] == [
        "publish_date"
    ]
    result = validate_report(make_report(publish_date="2021-02-30"))
    assert [f["path"] for f in flags_of(result, "date.invalid")] == ["publish_date"]
    assert "date.missing" not in rules_of(result)
    assert "date.invalid" not in rules_of(validate_report(make_report(written_date="2021-01-10")))


def test_date_before_period():
    assert "date.before_period" in rules_of(validate_report(make_report(publish_date="2020-12-31")))
    assert "date.before_period" not in rules_of(validate_report(make_report(publish_date="2021-01-01")))


def department(**overrides) -> dict:
    return make_report(title="测试县教育局2020年政府信息公开工作年度报告", organ="测试县教育局", **overrides)


@pytest.mark.parametrize(
    ("item", "override", "late"),
    [
        (make_report(publish_date="2021-03-31"), None, False),  # government: 31 March
        (make_report(publish_date="2021-04-01"), None, True),
        (department(publish_date="2021-01-31"), None, False),  # department: 31 January
        (department(publish_date="2021-02-01"), None, True),
        (department(publish_date="2021-02-01"), True, False),  # caller knows better
        (make_report(publish_date="2021-02-01"), False, True),
        # an office may publish its own or the government's report: unsure, so lenient 31 March
        (
            make_report(
                title="测试县人民政府办公室2020年年度报告", organ="测试县人民政府办公室", publish_date="2021-03-01"
            ),
            None,
            False,
        ),
        (make_report(title="测试镇2020年年度报告", organ="测试镇人民政府", publish_date="2021-02-10"), None, True),
        # reports for 2018 fall under the old 条例: 31 March for everyone
        (department(report_year=2018, publish_date="2019-03-01"), None, False),
    ],
)
def test_date_late(item, override, late):
    result = validate_report(item, is_government_own=override)
    assert ("date.late" in rules_of(result)) is late
    if late:
        assert "after the deadline" in flags_of(result, "date.late")[0]["message"]


def test_body_kind_heuristic():
    assert report_body_kind(make_report()) == "government"
    assert report_body_kind(department()) == "department"
    # the title's body wins over an office as publishing organ (reference 002)
    gov_by_office = make_report(title="金平县人民政府2022年信息公开工作年度报告", organ="金平县人民政府办公室")
    assert report_body_kind(gov_by_office) == "government"
    assert (
        report_body_kind(make_report(title="2020年年度报告", organ=None, site={"level": "department"})) == "department"
    )
    assert publication_deadline({**make_report(), "report_year": None}) is None


# --------------------------------------------------------- years, metadata


def test_year_mismatch():
    result = validate_report(make_report(title="测试县人民政府2021年政府信息公开工作年度报告"))
    assert [f["path"] for f in flags_of(result, "year.mismatch")] == ["title"]
    assert "2021" in flags_of(result, "year.mismatch")[0]["message"]
    no_year = validate_report(make_report(title="测试县人民政府政府信息公开工作年度报告"))
    assert "year.mismatch" not in rules_of(no_year)
    cn_year = validate_report(make_report(title="测试县人民政府二〇二〇年政府信息公开工作年度报告"))
    assert "year.mismatch" not in rules_of(cn_year)
    period = validate_report(make_report(period={"start": "2019-01-01", "end": "2019-12-31"}))
    assert [f["path"] for f in flags_of(period, "year.mismatch")] == ["period.start", "period.end"]


def test_metadata_missing():
    result = validate_report(make_report(index_no=None, organ=" "))
    assert [f["path"] for f in flags_of(result, "metadata.missing")] == ["index_no", "organ"]
    assert "metadata.missing" not in rules_of(validate_report(make_report()))


def test_sections_missing():
    result = validate_report(make_report(sections=SIX_SECTIONS[:4] + SIX_SECTIONS[5:]))
    flags = flags_of(result, "sections.missing")
    assert len(flags) == 1 and "存在的主要问题及改进情况" in flags[0]["message"]
    # numbering left on and variant wording still count
    variant = [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及下步工作打算",
        "六、其他需要报告的事项",
    ]
    assert "sections.missing" not in rules_of(validate_report(make_report(sections=variant)))
    assert "sections.missing" in rules_of(validate_report(make_report(sections=None)))


# ------------------------------------------------------------------- text


def hedong_like() -> dict:
    """Tables as in reference 001: new 20, granted 5, partial 4, 行政复议 3."""
    item = make_report()
    item["tables"]["applications"] = make_applications(
        outcomes={
            "granted": {"natural": 5},
            "partial": {"natural": 4},
            "denied_case_file": {"natural": 1},
            "denied_query": {"natural": 1},
            "unable_not_held": {"natural": 9},
        }
    )
    item["tables"]["reviews"] = make_reviews(review={"upheld": 3})
    return item


HEDONG_TEXT = (
    "2020年,区政府(办公室)受理政府信息公开申请20件,上年结转办理0件。主要涉及土地征收、房屋拆迁、城市规划等。"
    "其中予以公开5件、部分公开4件、不予公开1件、无法提供9件、行政执法案卷1件、行政查询事项1件。"
    "2020年,全区共收到因政府信息公开提起的行政复议3件,未收到因政府信息公开提起的行政诉讼。"
)


def test_text_matching_the_table_is_not_flagged():
    assert "text.table_mismatch" not in rules_of(validate_report(hedong_like(), text=HEDONG_TEXT))
    wuqia = make_report()
    wuqia["tables"]["applications"] = make_applications(outcomes={"unable_not_held": {"natural": 1}})
    text = "2020年受理依申请公开1件,为互联网申请,未引起行政诉讼或复议。"  # reference 000
    assert "text.table_mismatch" not in rules_of(validate_report(wuqia, text=text))


@pytest.mark.parametrize(
    ("replace", "path"),
    [
        ("申请20件", "tables.applications.new.total"),
        ("予以公开5件", "tables.applications.granted.total"),
        ("部分公开4件", "tables.applications.partial.total"),
        ("行政复议3件", "tables.reviews.review.total"),
        ("上年结转办理0件", "tables.applications.carried_over.total"),
    ],
)
def test_text_differing_from_the_table_is_flagged(replace, path):
    wrong = replace.replace("20", "27").replace("5", "8").replace("4", "7").replace("3", "6").replace("0件", "2件")
    result = validate_report(hedong_like(), text=HEDONG_TEXT.replace(replace, wrong))
    flags = flags_of(result, "text.table_mismatch")
    assert [f["path"] for f in flags] == [path]
    assert result["status"] == "warning"


def test_text_rule_is_conservative():
    item = hedong_like()
    # another year, a change against last year, a combined count, a null cell: none is compared
    for text in (
        "2019年受理政府信息公开申请8件。",
        "受理政府信息公开申请较上年增加12件。",
        "行政复议和行政诉讼共7件。",
        "受理行政许可申请300件。",
        "不予以公开2件。",  # not 予以公开
    ):
        assert "text.table_mismatch" not in rules_of(validate_report(item, text=text)), text
    nulled = with_cell(item, "applications", "granted", "total", None)
    assert "text.table_mismatch" not in rules_of(validate_report(nulled, text="予以公开9件。"))
    assert "text.table_mismatch" not in rules_of(validate_report(item, text=None))
    lawsuits = validate_report(item, text="行政诉讼2件。")
    assert [f["path"] for f in flags_of(lawsuits, "text.table_mismatch")] == ["tables.reviews.litigation_direct.total"]


def _reference_dir() -> Path | None:
    here = Path(__file__).resolve().parents[1]
    for candidate in (here.parent / "shared" / "reference", Path("/work/shared/reference")):
        if candidate.is_dir():
            return candidate
    return None


@pytest.mark.skipif(_reference_dir() is None, reason="shared/reference (real reports) not beside the repo")
def test_reference_texts_match_their_tables():
    ref = _reference_dir()
    wuqia = make_report()
    wuqia["tables"]["applications"] = make_applications(outcomes={"unable_not_held": {"natural": 1}})
    text_000 = next(ref.glob("000_*.txt")).read_text(encoding="utf-8")
    assert "text.table_mismatch" not in rules_of(validate_report(wuqia, text=text_000))
    text_001 = next(ref.glob("001_*.txt")).read_text(encoding="utf-8")
    assert "text.table_mismatch" not in rules_of(validate_report(hedong_like(), text=text_001))
    # the same text against a table that disagrees is caught
    off = with_cell(hedong_like(), "applications", "partial", "total", 1)
    assert "text.table_mismatch" in rules_of(validate_report(off, text=text_001))


# ------------------------------------------------------------ carried flags


def test_extraction_flags_are_carried_and_stale_ones_dropped():
    carried = [
        {"rule": "cell.empty", "severity": "warning", "message": "empty cell", "path": "tables.applications.new.legal"},
        {"rule": "cell.empty", "severity": "warning", "message": "empty cell", "path": "tables.applications.new.legal"},
        {"rule": "applications.balance", "severity": "error", "message": "stale", "path": "x"},
        {"rule": "text.table_mismatch", "severity": "warning", "message": "from the text", "path": "y"},
    ]
    result = validate_report(make_report(), carried_flags=carried)
    assert [f["rule"] for f in result["flags"]] == ["cell.empty", "text.table_mismatch"]
    assert result["status"] == "warning"
    # with the text at hand, text.table_mismatch is recomputed instead of carried
    with_text = validate_report(make_report(), carried_flags=carried, text="")
    assert [f["rule"] for f in with_text["flags"]] == ["cell.empty"]
    shape = validate_report(make_report(), carried_flags=[{"rule": "table.shape", "path": "tables.reviews"}])
    assert shape["status"] == "error" and shape["flags"][0]["severity"] == "error"


def test_output_is_deterministic():
    item = make_report(publish_date=None, index_no=None, sections=[], title="测试县2019年报告")
    item = with_cell(item, "applications", "new", "research", 5)
    carried = [{"rule": "cell.not_number", "message": "text", "path": "tables.reviews.review.total"}]
    first = validate_report(item, carried_flags=carried)
    assert first == validate_report(copy.deepcopy(item), carried_flags=list(carried))
    order = list(RULES)
    assert [order.index(f["rule"]) for f in first["flags"]] == sorted(order.index(f["rule"]) for f in first["flags"])


# ---------------------------------------------------------------- cross-year


def series(fwd_2020: dict, over_2021: dict, organ_2021: str = "测试县人民政府") -> list[dict]:
    a = make_report(report_year=2020)
    a["tables"]["applications"] = make_applications(carried_forward=fwd_2020)
    b = make_report(report_year=2021, organ=organ_2021)
    b["tables"]["applications"] = make_applications("2021", carried_over=over_2021)
    return [b, a]


def test_cross_year_trips_per_column():
    flags = cross_year_flags(series({"natural": 2}, {"natural": 1}))
    assert [f["path"] for f in flags] == [
        "tables.applications.carried_over.natural",
        "tables.applications.carried_over.total",
    ]
    flag = flags[0]
    assert flag["rule"] == "applications.cross_year" and flag["severity"] == "warning"
    assert flag["years"] == [2020, 2021]
    assert flag["url"].endswith("2021.html") and flag["other_url"].endswith("2020.html")
    assert "= 2" in flag["message"] and "= 1" in flag["message"]


def test_cross_year_not_tripped():
    assert cross_year_flags(series({"natural": 2}, {"natural": 2})) == []
    # organ spelt 政府 instead of 人民政府 is the same organ
    assert len(cross_year_flags(series({"natural": 2}, {"natural": 1}, organ_2021="测试县 政府"))) == 2
    assert cross_year_flags(series({"natural": 2}, {"natural": 1}, organ_2021="测试县教育局")) == []
    reports = series({"natural": 2}, {"natural": 1})
    for r in reports:
        r["tables"]["applications"]["carried_over"]["natural"] = None
        r["tables"]["applications"]["carried_over"]["total"] = None
    assert cross_year_flags(reports) == []


def test_cross_year_duplicate_copies_count_once():
    a, b = series({"natural": 2}, {"natural": 1})[::-1]
    pdf = copy.deepcopy(a)
    pdf["url"] = a["url"].replace(".html", ".pdf")
    assert len(cross_year_flags([a, pdf, b])) == 2


def test_cross_year_view_keeps_what_the_rule_needs() -> None:
    from gkspider.validation.rules import cross_year_flags, cross_year_view

    def line(year: int, over: int, forward: int) -> dict:
        apps = {row: dict.fromkeys(APPLICATION_COLUMNS, 0) for row in ("new", "granted", "total")}
        apps["carried_over"] = {**dict.fromkeys(APPLICATION_COLUMNS, 0), "natural": over, "total": over}
        apps["carried_forward"] = {**dict.fromkeys(APPLICATION_COLUMNS, 0), "natural": forward, "total": forward}
        return {
            "url": f"http://x.gov.cn/{year}.html",
            "site": {"id": "s", "name": "n"},
            "organ": "某县人民政府",
            "title": f"某县人民政府{year}年政府信息公开工作年度报告",
            "report_year": year,
            "tables": {"applications": apps, "reviews": None, "active_disclosure": None},
        }

    lines = [line(2020, 0, 2), line(2021, 1, 0)]
    full = cross_year_flags(lines)
    assert full and cross_year_flags([cross_year_view(r) for r in lines]) == full
