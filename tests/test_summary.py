"""Tests of gkspider.validation.summary and gkspider.revalidate."""

from __future__ import annotations

import json

import jsonlines
import pytest

from gkspider import revalidate
from gkspider.validation.rules import validate_report
from gkspider.validation.summary import build_summary, render_summary_html, render_summary_text
from tests.test_validation import make_report, with_cell

SEEDS = [
    {"id": "a-county", "name": "甲县人民政府", "level": "county", "region_code": None},
    {"id": "b-city", "name": "乙市人民政府", "level": "city", "region_code": None},
    {"id": "c-town", "name": "丙镇人民政府", "level": "township", "region_code": None},
]


def report(site_id: str, organ: str, year: int, *, broken: bool = False, **overrides) -> dict:
    site = next(s for s in SEEDS if s["id"] == site_id)
    item = make_report(report_year=year, site=site, organ=organ, url=f"http://{site_id}.gov.cn/{organ}/{year}.html")
    item.update(overrides)
    if broken:  # one balance error in the natural column
        item = with_cell(item, "applications", "carried_forward", "natural", 1)
        item["tables"]["applications"]["carried_forward"]["total"] += 1
    item["validation"] = validate_report(item)
    return item


@pytest.fixture
def crawl():
    reports = [
        report("a-county", "甲县人民政府", 2020),
        report("a-county", "甲县人民政府", 2021, broken=True),
        report("a-county", "甲县教育局", 2021, publish_date=None),
    ]
    failures = [
        {
            "url": "http://b-city.gov.cn/x.pdf",
            "page_url": None,
            "site_id": "b-city",
            "reason": "http_404",
            "status": 404,
        },
        {
            "url": "http://b-city.gov.cn/y.pdf",
            "page_url": None,
            "site_id": "b-city",
            "reason": "http_404",
            "status": 404,
        },
        {"url": "http://a-county.gov.cn/z.doc", "page_url": None, "site_id": "a-county", "reason": "unreadable"},
    ]
    dataset = [{"rule": "applications.cross_year", "severity": "warning", "message": "m", "path": "p"}]
    return reports, failures, dataset


def test_summary_counts(crawl):
    reports, failures, dataset = crawl
    s = build_summary(reports, failures, dataset, SEEDS)
    assert s["portals"] == {"crawled": 3, "with_reports": 1, "without_reports": 2}
    assert [p["id"] for p in s["portals_without_reports"]] == ["b-city", "c-town"]
    assert s["counts"] == {"candidates": 6, "reports": 3, "failures": 3, "add_up": True}
    assert s["reports_by_status"] == {"ok": 1, "warning": 1, "error": 1}
    assert s["years"] == [2020, 2021]

    county = next(p for p in s["per_portal"] if p["id"] == "a-county")
    assert county["reports"] == 3 and county["failures"] == 1
    assert {o["organ"]: o["years"] for o in county["organs"]} == {
        "甲县人民政府": {"2020": 1, "2021": 1},
        "甲县教育局": {"2021": 1},
    }
    by_rule = {r["rule"]: r for r in s["flags_by_rule"]}
    assert by_rule["applications.balance"]["count"] == 2  # natural and total columns
    assert by_rule["applications.balance"]["reports"] == 1
    assert by_rule["date.missing"]["count"] == 1
    assert s["flags_by_severity"]["error"] == sum(r["count"] for r in s["flags_by_rule"] if r["severity"] == "error")
    assert s["dataset_flags_by_rule"] == [{"rule": "applications.cross_year", "severity": "warning", "count": 1}]
    assert s["failures_by_reason"] == [{"reason": "http_404", "count": 2}, {"reason": "unreadable", "count": 1}]
    assert [f["status"] for f in s["flagged_reports"]] == ["error", "warning"]
    json.dumps(s, ensure_ascii=False)  # the summary can be written as JSON


def test_summary_counts_that_do_not_add_up(crawl):
    reports, failures, _ = crawl
    s = build_summary(reports, failures, seeds=SEEDS, stats={"candidates": 9})
    assert s["counts"]["add_up"] is False and s["counts"]["candidates"] == 9
    assert "do not add up" in render_summary_text(s)


def test_portals_only_in_reports_or_failures_are_counted():
    stray = make_report(site={"id": "z-unseeded", "name": "未知", "level": None, "region_code": None})
    s = build_summary([stray], [{"site_id": "y-other", "reason": "timeout"}])
    assert {p["id"] for p in s["per_portal"]} == {"z-unseeded", "y-other"}
    assert s["reports_by_status"]["unknown"] == 1  # a line without validation
    assert [p["id"] for p in s["portals_without_reports"]] == ["y-other"]


def test_text_calls_out_portals_with_no_report(crawl):
    reports, failures, dataset = crawl
    text = render_summary_text(build_summary(reports, failures, dataset, SEEDS))
    warning = text[text.index("WARNING") :]
    assert "2 of 3 portal(s) yielded NO report" in warning
    assert "b-city" in warning and "c-town" in warning and "a-county" not in warning
    assert "applications.balance" in text and "http_404" in text
    all_found = render_summary_text(build_summary(reports, [], seeds=SEEDS[:1]))
    assert "WARNING" not in all_found


def test_html_escapes_web_text_and_unsafe_links(crawl):
    reports, failures, dataset = crawl
    evil = report("a-county", "甲县<b>局</b>", 2021, broken=True, title="<script>alert('x')</script>年报")
    evil["url"] = "javascript:alert(1)"
    page = render_summary_html(build_summary([*reports, evil], failures, dataset, SEEDS), [*reports, evil])
    assert "<script>" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "甲县&lt;b&gt;局&lt;/b&gt;" in page
    assert 'href="javascript:' not in page
    assert page.count('href="http') == len(reports) * 2 - 1  # grid + flagged list (the clean one is not flagged)


# -------------------------------------------------------------- revalidate


def test_revalidate_writes_beside_the_input_and_skips_bad_lines(tmp_path, capsys):
    good = report("a-county", "甲县人民政府", 2020)
    good["validation"] = {"status": "ok", "flags": []}  # stale: no flags recorded
    good["tables"]["reviews"]["review"]["total"] = 5
    carried = {"rule": "cell.empty", "severity": "warning", "message": "empty", "path": "tables.reviews.review.other"}
    text_flag = {"rule": "text.table_mismatch", "severity": "warning", "message": "t", "path": "q"}
    later = report("a-county", "甲县人民政府", 2021)
    later["validation"] = {"status": "warning", "flags": [carried, text_flag]}
    later["tables"]["applications"]["carried_over"] = dict.fromkeys(later["tables"]["applications"]["new"], 0)
    later["tables"]["applications"]["carried_over"]["natural"] = 4

    src = tmp_path / "reports.jsonl"
    with src.open("w", encoding="utf-8") as fp:
        fp.write(json.dumps(good, ensure_ascii=False) + "\n")
        fp.write("{not json\n\n")
        fp.write(json.dumps(later, ensure_ascii=False) + "\n")
    original = src.read_bytes()

    assert revalidate.main([str(src)]) == 0
    assert src.read_bytes() == original
    out = list(jsonlines.open(tmp_path / "reports.revalidated.jsonl"))
    assert len(out) == 2
    assert [(f["rule"], f["path"]) for f in out[0]["validation"]["flags"]] == [
        ("reviews.sum", "tables.reviews.review.total")
    ]
    assert [f["rule"] for f in out[1]["validation"]["flags"]][:1] == ["cell.empty"]
    assert "text.table_mismatch" in {f["rule"] for f in out[1]["validation"]["flags"]}
    assert "甲县" in (tmp_path / "reports.revalidated.jsonl").read_text(encoding="utf-8")  # ensure_ascii=False
    dataset = list(jsonlines.open(tmp_path / "dataset_flags.revalidated.jsonl"))
    assert {f["path"] for f in dataset} >= {"tables.applications.carried_over.natural"}

    captured = capsys.readouterr()
    assert f"{src}:2:" in captured.err  # the malformed line, by number
    row = next(line for line in captured.out.splitlines() if line.startswith("reviews.sum"))
    assert row.split()[1:3] == ["0", "1"]  # before, after


def test_revalidate_refuses_to_overwrite_its_input(tmp_path):
    src = tmp_path / "reports.jsonl"
    src.write_text("", encoding="utf-8")
    assert revalidate.main([str(src), "-o", str(src)]) == 2
