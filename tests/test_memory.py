"""Memory of a crawl's output side (issue 8): what OutputPipeline keeps does not grow with the reports' size, the
cross-year rule reads a data set in bounded memory, and re-runs still dedupe reports and failures."""

from __future__ import annotations

import copy
import gc
import json
import tracemalloc
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from gkspider.items import ReportFailure
from gkspider.middlewares import DeltaFetchMiddleware
from gkspider.output import JsonlWriter, content_digest, read_jsonl, serialise_report
from gkspider.pipelines.extract import ReportRecord
from gkspider.pipelines.output import OutputPipeline
from gkspider.validation.rules import cross_year_flags, cross_year_view, validate_report
from gkspider.validation.summary import build_summary, render_summary_html
from tests.test_validation import make_applications, make_report

ORGANS = (
    "人民政府",
    "人民政府办公室",
    "教育局",
    "财政局",
    "公安局",
    "民政局",
    "卫生健康委员会",
    "交通运输局",
    "水利局",
)


def synthetic_report(i: int) -> dict:
    """Report i of a crawl shaped like the bench web's: 45 a portal (9 organs x 5 years), every one distinct."""
    portal, organ, year = i // 45, ORGANS[(i // 5) % 9], 2019 + i % 5
    county = f"县{portal:05d}"
    site = {"id": f"p-{portal:05d}", "name": f"{county}人民政府", "level": "county", "region_code": None}
    url = f"http://www.p{portal:05d}.gov.cn/xxgk/gknb/{year + 1}02/t{year + 1}0209_{i}.html"
    report = make_report(report_year=year, site=site, organ=county + organ, url=url, page_url=url)
    report["title"] = f"{county}{organ}{year}年政府信息公开工作年度报告"
    report["tables"]["applications"]["carried_over"]["natural"] = i % 7
    report["validation"] = validate_report(report)
    report["fetched_at"] = "2024-01-01T00:00:00+00:00"
    report["sha256"] = f"{i:064x}"
    return report


def crawler_for(out: Path, **settings):
    return get_crawler(settings_dict={"GKSPIDER_OUTPUT_DIR": str(out), **settings})


def run(out: Path, reports: list[dict], failures: list[ReportFailure] = (), *, deltafetch: bool = False, **settings):
    crawler = crawler_for(out, **settings)
    if deltafetch:  # built with the crawler, before the spider opens: reads reports.jsonl first
        DeltaFetchMiddleware(crawler)
    pipeline = OutputPipeline.from_crawler(crawler)
    pipeline.open_spider()
    for report in reports:
        pipeline.process_item(ReportRecord(copy.deepcopy(report)))
    for failure in failures:
        pipeline.process_item(failure)
    pipeline.close_spider()
    return crawler.stats.get_stats(), pipeline


def retained_bytes(tmp_path: Path, lines: list[str]) -> int:
    """Bytes the pipeline still holds after these reports (made before tracing starts, each dropped after)."""
    crawler = crawler_for(
        tmp_path / f"out-{len(lines)}", GKSPIDER_SUMMARY_MAX_LINKS=50, GKSPIDER_SUMMARY_MAX_FLAGGED=20
    )
    pipeline = OutputPipeline.from_crawler(crawler)
    pipeline.open_spider()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for line in lines:
            record = ReportRecord(json.loads(line))
            pipeline.process_item(record)
            del record
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    pipeline.reports.close()
    pipeline.failures.close()
    return retained


def test_output_pipeline_keeps_a_few_dozen_bytes_a_report(tmp_path: Path) -> None:
    lines = [json.dumps(synthetic_report(i), ensure_ascii=False) for i in range(1800)]
    small, large = 180, len(lines)
    grown = retained_bytes(tmp_path, lines) - retained_bytes(tmp_path, lines[:small])
    per_report = grown / (large - small)
    # A report line is ~4 KB and the old summary kept ~2.7 KB of each; now: a 16-byte digest in a set, a status
    # count per organ and year, an entry per organ and portal (~200 bytes a report at 9 organs x 5 years).
    assert per_report < 400, f"{per_report:.0f} bytes retained per report"


# In memory, and with every seen-set on disk from its sixth key (the dedupe sets of a national crawl).
@pytest.mark.parametrize("seen_in_memory", [20_000, 5], ids=["in-memory", "on-disk"])
def test_rerun_dedupes_reports_and_failures(tmp_path: Path, seen_in_memory: int) -> None:
    limit = {"GKSPIDER_SEEN_IN_MEMORY": seen_in_memory}
    out = tmp_path / "out"
    reports = [synthetic_report(i) for i in range(90)]
    failures = [
        ReportFailure(url=f"http://www.p00000.gov.cn/{i}.pdf", page_url=None, site_id="p-00000", reason="http_404")
        for i in range(3)
    ]
    stats, _ = run(out, reports, failures, **limit)
    assert stats["gkspider/output/reports_written"] == 90 and stats["gkspider/output/failures/http_404"] == 3
    first = (out / "reports.jsonl").read_bytes()
    assert first.count(b"\n") == 90

    # the line written is the one JsonlWriter.write would write
    old_style = tmp_path / "old.jsonl"
    writer = JsonlWriter(old_style)
    for report in reports:
        writer.write(report)
    writer.close()
    assert old_style.read_bytes() == first

    # again, fetched later and revalidated: nothing new (with DeltaFetch handing its index over, and without)
    later = [{**r, "fetched_at": "2025-01-01T00:00:00+00:00", "sha256": "0", "validation": None} for r in reports]
    for deltafetch in (True, False):
        stats, pipeline = run(out, later, failures, deltafetch=deltafetch, **limit)
        assert pipeline.known.spilled == (seen_in_memory < len(reports))
        assert stats.get("gkspider/output/reports_written") is None
        assert stats["gkspider/output/reports_unchanged"] == 90
        assert stats["gkspider/output/failures_repeated"] == 3
        assert (out / "reports.jsonl").read_bytes() == first
        summary = json.loads((out / "summary.json").read_text("utf-8"))
        assert summary["counts"]["reports"] == 90 and summary["counts"]["failures"] == 3

    # a change of content is written, once
    changed = copy.deepcopy(reports[7])
    changed["tables"]["applications"]["granted"]["natural"] += 1
    stats, _ = run(out, [changed, changed], deltafetch=True, **limit)
    assert stats["gkspider/output/reports_written"] == 1 and stats["gkspider/output/reports_unchanged"] == 1
    assert (out / "reports.jsonl").read_bytes().count(b"\n") == 91


def test_content_digest_survives_the_file_and_key_order(tmp_path: Path) -> None:
    report = synthetic_report(3)
    digest, line = serialise_report(report)
    assert digest == content_digest(json.loads(line)) == content_digest(report)
    # volatile keys anywhere (a line from another writer): the same content still gives the same digest
    shuffled = {
        "sha256": "x",
        "validation": None,
        **{k: v for k, v in report.items() if k not in ("sha256", "validation")},
    }
    assert content_digest(shuffled) == digest
    _, shuffled_line = serialise_report(shuffled)
    assert json.loads(shuffled_line) == shuffled
    assert content_digest({**report, "title": report["title"] + "x"}) != digest
    assert content_digest({**report, "fetched_at": "later", "sha256": "y"}) == digest


def test_cross_year_flags_spill_to_disk_gives_the_same_flags() -> None:
    reports = []
    for i in range(300):
        a = synthetic_report(i)
        a["tables"]["applications"] = make_applications(
            a["template"], carried_over={"natural": i % 3}, carried_forward={"natural": i % 4}
        )
        reports.append(a)
        if i % 11 == 0:  # a second copy (its PDF) with other numbers: ambiguous unless titles pair them
            pdf = copy.deepcopy(a)
            pdf["url"] = a["url"].replace(".html", ".pdf")
            pdf["title"] = "另一单位" + a["title"]
            pdf["tables"]["applications"]["carried_forward"]["natural"] = 9
            reports.append(pdf)
    flags = cross_year_flags(reports)
    assert flags
    assert cross_year_flags(cross_year_view(r) for r in reports) == flags
    assert cross_year_flags((cross_year_view(r) for r in reports), spill_rows=10) == flags
    assert cross_year_flags(reports[::-1], spill_rows=10) == cross_year_flags(reports[::-1])


def test_cross_year_flags_memory_is_bounded_when_spilling() -> None:
    lines = []
    for i in range(3000):
        report = synthetic_report(i)
        apps = report["tables"]["applications"]
        apps["carried_forward"] = dict.fromkeys(apps["carried_forward"], i)  # the next year carries it over
        apps["carried_over"] = dict.fromkeys(apps["carried_over"], i - 1 if i % 5 else 0)
        lines.append(json.dumps(report, ensure_ascii=False))

    def peak(spill_rows: int) -> int:
        gc.collect()
        tracemalloc.start()
        try:  # as the output pipeline reads reports.jsonl: a line parsed, cut to its view, the line dropped
            assert cross_year_flags((cross_year_view(json.loads(line)) for line in lines), spill_rows=spill_rows) == []
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    in_memory, spilled = peak(10**9), peak(150)
    assert spilled < in_memory / 2, (spilled, in_memory)


def test_summary_caps_flagged_reports_and_grid_links() -> None:
    reports = [synthetic_report(i) for i in range(90)]
    for r in reports[::3]:
        r["publish_date"] = None  # date.missing: flagged
        r["validation"] = validate_report(r)
    flagged = [r for r in reports if r["validation"]["status"] != "ok"]
    full = build_summary(reports, [], max_flagged=None)
    capped = build_summary(reports, [], max_flagged=5)
    assert full["flagged_reports_total"] == capped["flagged_reports_total"] == len(flagged) > 5
    assert capped["flagged_reports"] == full["flagged_reports"][:5]
    assert {k: v for k, v in capped.items() if k != "flagged_reports"} == {
        k: v for k, v in full.items() if k != "flagged_reports"
    }
    page = render_summary_html(capped, reports)
    assert page.count('class="flagged"') == 5 and f"and {len(flagged) - 5} more" in page
    assert page.count('<a class="status') == len(reports)  # each report linked in the grid

    from gkspider.validation.summary import SummaryBuilder

    builder = SummaryBuilder(max_flagged=5, max_links=10)
    for r in reports:
        builder.add_report(r)
    assert builder.links is None  # past the limit: cells count by status
    page = render_summary_html(builder.build(), builder)
    assert page.count('<a class="status') == 0 and 'id="coverage-note"' in page
    assert 'title="1 warning report(s)">warning</span>' in page


def test_failures_jsonl_is_read_back_as_digests(tmp_path: Path) -> None:
    out = tmp_path / "out"
    failure = ReportFailure(url="http://a.gov.cn/x.pdf", page_url=None, site_id="a", reason="timeout")
    run(out, [], [failure, failure])
    assert [line["reason"] for _, line in read_jsonl(out / "failures.jsonl")] == ["timeout"]
    _, pipeline = run(
        out, [], [ReportFailure(url="http://a.gov.cn/x.pdf", page_url=None, site_id="a", reason="http_404")]
    )
    assert all(isinstance(k, bytes) and len(k) == 16 for k in pipeline.known_failures)
    assert [line["reason"] for _, line in read_jsonl(out / "failures.jsonl")] == ["timeout", "http_404"]


def test_extraction_caches_are_bounded() -> None:
    """Every cache of the extraction that takes an argument keeps a bounded number of entries: a crawl meets millions
    of distinct texts (names, prose), and a cache grows with them (at 65,536 entries the text caches held ~90 MB of
    a 1,000-portal bench crawl). Caches of no argument (a data table loaded once) hold one entry."""
    import importlib
    import inspect
    import pkgutil

    import gkspider.extract as extract_package
    from gkspider.extract.text import TEXT_CACHE_ENTRIES, clean

    sizes = {}
    for info in pkgutil.iter_modules(extract_package.__path__):
        module = importlib.import_module(f"gkspider.extract.{info.name}")
        for name, fn in vars(module).items():
            cached = hasattr(fn, "cache_parameters") and fn.__module__ == module.__name__
            if cached and inspect.signature(fn.__wrapped__).parameters:
                sizes[f"{info.name}.{name}"] = fn.cache_parameters()["maxsize"]
    assert {"text.clean", "text.label_key", "labels.lookup", "metadata._pairs_in_token"} <= set(sizes)
    too_large = {name: size for name, size in sizes.items() if size is None or size > TEXT_CACHE_ENTRIES}
    assert not too_large

    for i in range(TEXT_CACHE_ENTRIES + 100):
        clean(f"第{i}号 名称")
    assert clean.cache_info().currsize == TEXT_CACHE_ENTRIES
