"""End to end: `scrapy crawl annual_reports` over the mock web, checked against the mock web's manifest."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from gkspider.discovery.links import canonical_url
from gkspider.items import failure_schema, report_schema
from tests.corpus.render import expected_for
from tests.crawling import read_lines, run_crawl, write_seeds

FAMILY_FREE = ("report_year", "period", "template", "sections", "signed_date", "tables")


@pytest.fixture(scope="module")
def crawl(mockweb, tmp_path_factory):
    out = tmp_path_factory.mktemp("crawl")
    seeds = write_seeds(mockweb.manifest, out / "seeds.csv")
    mockweb.web.clear_log()
    result = run_crawl(mockweb.env, seeds, out)
    assert result.returncode == 0, result.stderr[-3000:]
    requests = mockweb.web.requests
    return {
        "out": out,
        "seeds": seeds,
        "stderr": result.stderr,
        "reports": read_lines(out / "reports.jsonl"),
        "failures": read_lines(out / "failures.jsonl"),
        "requests": requests,
        "manifest": mockweb.manifest,
    }


def _requested_urls(requests) -> set[str]:
    return {f"{r.scheme}://{r.host}{r.path}" for r in requests}


def test_every_line_is_valid_against_the_schema(crawl) -> None:
    assert crawl["reports"], "the crawl found no report"
    report_validator = jsonschema.Draft202012Validator(report_schema())
    failure_validator = jsonschema.Draft202012Validator(failure_schema())
    for line in crawl["reports"]:
        errors = [e.message for e in report_validator.iter_errors(line)]
        assert errors == [], (line["url"], errors)
    for line in crawl["failures"]:
        assert [e.message for e in failure_validator.iter_errors(line)] == []


def test_files_are_utf8_without_escapes_and_end_in_whole_lines(crawl) -> None:
    for name in ("reports.jsonl", "failures.jsonl"):
        raw = (crawl["out"] / name).read_bytes()
        assert b"\\u" not in raw
        assert raw.endswith(b"\n")
        raw.decode("utf-8")
    assert "乌恰县" in (crawl["out"] / "reports.jsonl").read_text("utf-8")


def test_exactly_the_reports_each_portal_publishes(crawl) -> None:
    """Recall and precision both 100%, per portal; one report, one item (http/https, index.html, 301 folded)."""
    for seed_id, portal in crawl["manifest"].portals.items():
        found = [r["url"] for r in crawl["reports"] if r["site"]["id"] == seed_id]
        assert len(found) == len({canonical_url(u) for u in found}), f"{seed_id}: duplicate reports"
        assert {canonical_url(u) for u in found} == {canonical_url(u) for u in portal.reports}, seed_id


def test_expected_failures_and_no_others(crawl) -> None:
    expected = {
        (canonical_url(url), reason)
        for p in crawl["manifest"].portals.values()
        for url, reason in p.expected_failures.items()
    }
    found = {(canonical_url(f["url"]), f["reason"]) for f in crawl["failures"]}
    assert found == expected


def test_nothing_off_site_or_disallowed_is_requested(crawl) -> None:
    requested = _requested_urls(crawl["requests"])
    portal_hosts = {r.host for r in crawl["requests"] if r.path == "/robots.txt"}
    for portal in crawl["manifest"].portals.values():
        assert not requested & set(portal.forbidden), portal.seed_id
    # Every host asked for belongs to a seed's site.
    seed_sites = {
        p.home.split("//", 1)[1].split("/", 1)[0].removeprefix("www.") for p in crawl["manifest"].portals.values()
    }
    for host in {r.host for r in crawl["requests"]} | portal_hosts:
        assert any(host == s or host.endswith("." + s) for s in seed_sites), host


def test_reference_reports_come_out_as_their_goldens(crawl) -> None:
    checked = 0
    for portal in crawl["manifest"].portals.values():
        for url, origin in portal.reports.items():
            if not origin.startswith("ref:"):
                continue
            report_id = origin.split(":", 1)[1]
            line = next(r for r in crawl["reports"] if canonical_url(r["url"]) == canonical_url(url))
            expected = expected_for(report_id, "trs")
            for key in FAMILY_FREE:
                assert line[key] == expected[key], (report_id, key)
            assert line["sha256"] and line["page_url"] == line["url"]
            checked += 1
    assert checked >= 5


def test_report_002_is_flagged_for_its_real_inconsistency_only(crawl) -> None:
    line = next(r for r in crawl["reports"] if r["title"].startswith("金平县人民政府2022年"))
    errors = [(f["rule"], f["path"]) for f in line["validation"]["flags"] if f["severity"] == "error"]
    assert sorted(errors) == [
        ("applications.balance", "tables.applications.carried_forward.natural"),
        ("applications.balance", "tables.applications.carried_forward.total"),
    ]
    assert line["validation"]["status"] == "error"


def test_summary_files_and_counts_add_up(crawl) -> None:
    import json

    summary = json.loads((crawl["out"] / "summary.json").read_text("utf-8"))
    assert summary["counts"]["reports"] == len(crawl["reports"])
    assert summary["counts"]["failures"] == len(crawl["failures"])
    assert summary["counts"]["add_up"] is True
    html = (crawl["out"] / "summary.html").read_text("utf-8")
    assert "<script" not in html.lower() and "乌恰" in html
    assert "reports" in crawl["stderr"].lower()


def test_rerun_fetches_no_captured_report_and_writes_nothing_new(crawl, mockweb) -> None:
    before = (crawl["out"] / "reports.jsonl").read_bytes()
    mockweb.web.clear_log()
    result = run_crawl(mockweb.env, crawl["seeds"], crawl["out"])
    assert result.returncode == 0, result.stderr[-3000:]
    assert (crawl["out"] / "reports.jsonl").read_bytes() == before
    requested = {canonical_url(u) for u in _requested_urls(mockweb.web.requests)}
    report_urls = {canonical_url(r["url"]) for r in crawl["reports"]}
    assert not requested & report_urls, "captured report pages were downloaded again"
    homes = {canonical_url(p.home) for p in crawl["manifest"].portals.values()}
    assert homes <= requested, "list and navigation pages must be re-read"


def test_seen_sets_on_disk_change_nothing(crawl, mockweb, tmp_path: Path) -> None:
    """Every seen-set (dupefilter, report URLs, content digests, DeltaFetch) moved to disk from its third key, as
    in a national crawl: the same reports and failures, the same requests, and a re-run still fetches no captured
    report and writes nothing."""
    on_disk = {"GKSPIDER_SEEN_IN_MEMORY": "2", "JOBDIR": str(tmp_path / "job")}
    mockweb.web.clear_log()
    result = run_crawl(mockweb.env, crawl["seeds"], tmp_path, settings=on_disk)
    assert result.returncode == 0, result.stderr[-3000:]
    reports, failures = read_lines(tmp_path / "reports.jsonl"), read_lines(tmp_path / "failures.jsonl")
    assert sorted(r["url"] for r in reports) == sorted(r["url"] for r in crawl["reports"])
    assert sorted((f["url"], f["reason"]) for f in failures) == sorted(
        (f["url"], f["reason"]) for f in crawl["failures"]
    )
    assert Counter(_requested_urls(mockweb.web.requests)) == Counter(_requested_urls(crawl["requests"]))
    for name in ("request fingerprints", "report URLs", "report contents"):
        assert f"seen {name}: more than 2, moved to a temporary database on disk" in result.stderr

    before = (tmp_path / "reports.jsonl").read_bytes()
    mockweb.web.clear_log()
    rerun = {**on_disk, "JOBDIR": str(tmp_path / "job2")}
    result = run_crawl(mockweb.env, crawl["seeds"], tmp_path, settings=rerun)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "reports.jsonl").read_bytes() == before
    assert "seen captured URLs: more than 2" in result.stderr
    requested = {canonical_url(u) for u in _requested_urls(mockweb.web.requests)}
    assert not requested & {canonical_url(r["url"]) for r in reports}


def test_a_bad_seed_row_is_named_and_the_rest_still_run(mockweb, tmp_path: Path) -> None:
    seeds = write_seeds(mockweb.manifest, tmp_path / "seeds.csv", only={"test-plain"})
    with seeds.open("a", encoding="utf-8") as fp:
        fp.write("bad-row,某县人民政府,not a url,county,,\n")
    result = run_crawl(mockweb.env, seeds, tmp_path / "out")
    assert result.returncode == 0
    assert f"{seeds}:3" in result.stderr
    reports = read_lines(tmp_path / "out" / "reports.jsonl")
    assert reports and {r["site"]["id"] for r in reports} == {"test-plain"}


def test_site_argument_crawls_one_row(mockweb, tmp_path: Path) -> None:
    seeds = write_seeds(mockweb.manifest, tmp_path / "seeds.csv")
    result = run_crawl(mockweb.env, seeds, tmp_path / "out", "-a", "site=yn-chuxiong")
    assert result.returncode == 0, result.stderr[-2000:]
    reports = read_lines(tmp_path / "out" / "reports.jsonl")
    assert Counter(r["site"]["id"] for r in reports) == Counter(
        {"yn-chuxiong": len(mockweb.manifest.portals["yn-chuxiong"].reports)}
    )


def test_a_report_published_as_a_pdf_is_read_from_the_file(crawl) -> None:
    """Content from the file (url), metadata from the page that presents it (page_url)."""
    manifest = crawl["manifest"]
    pdf_urls = [u for p in manifest.portals.values() for u, f in p.renderings.items() if f == "pdf"]
    assert pdf_urls
    for url in pdf_urls:
        line = next(r for r in crawl["reports"] if r["url"] == url)
        expected = manifest.expected(url)
        assert line["tables"] == expected["tables"]
        assert (line["report_year"], line["template"], line["period"]) == (
            expected["report_year"],
            expected["template"],
            expected["period"],
        )
        assert line["page_url"] != url and line["page_url"].endswith(".html")
        assert line["publish_date"] == "2021-01-29"  # 发表时间 on the cover page, not in the file
        assert line["title"] == "楚雄市东华镇2020年政府信息公开工作年度报告"
