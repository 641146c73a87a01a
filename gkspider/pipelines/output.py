"""Writes reports.jsonl and failures.jsonl as items arrive; at the close, dataset-level flags and the summaries."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler

from gkspider.items import ReportFailure
from gkspider.output import JsonlWriter, content_fingerprint, read_jsonl, write_jsonl_atomic, write_text_atomic
from gkspider.pipelines.extract import ReportRecord
from gkspider.validation.rules import cross_year_flags, cross_year_view
from gkspider.validation.summary import build_summary, render_summary_html, render_summary_text

logger = logging.getLogger(__name__)

REPORTS = "reports.jsonl"
FAILURES = "failures.jsonl"
DATASET_FLAGS = "dataset_flags.jsonl"
_SUMMARY_KEYS = ("url", "page_url", "site", "title", "report_year", "organ", "publish_date", "validation")


class OutputPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.out_dir = Path(crawler.settings.get("GKSPIDER_OUTPUT_DIR"))
        self.known: set[tuple[str, str]] = set()  # (url, content fingerprint) already in reports.jsonl
        self.run_reports: list[dict[str, Any]] = []  # what this run found (written or unchanged), for the summary
        self.run_failures: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutputPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.reports = JsonlWriter(self.out_dir / REPORTS)
        self.failures = JsonlWriter(self.out_dir / FAILURES)
        for _, line in read_jsonl(self.out_dir / REPORTS):
            if "url" in line:
                self.known.add((line["url"], content_fingerprint(line)))
        # A candidate that failed the same way before is not written again (a resumed or repeated crawl).
        self.known_failures = {(f.get("url"), f.get("reason")) for _, f in read_jsonl(self.out_dir / FAILURES)}

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ReportRecord):
            report = item.report
            self.run_reports.append({k: report.get(k) for k in _SUMMARY_KEYS})
            key = (report["url"], content_fingerprint(report))
            if key in self.known:
                self.stats.inc_value("gkspider/output/reports_unchanged")
                return item
            self.known.add(key)
            self.reports.write(report)
            self.stats.inc_value("gkspider/output/reports_written")
        elif isinstance(item, ReportFailure):
            line = item.line()
            self.run_failures.append(line | {"detail": item.detail})
            if (line["url"], line["reason"]) in self.known_failures:
                self.stats.inc_value("gkspider/output/failures_repeated")
                return item
            self.known_failures.add((line["url"], line["reason"]))
            self.failures.write(line)
            self.stats.inc_value(f"gkspider/output/failures/{item.reason}")
        return item

    def close_spider(self) -> None:
        self.reports.close()
        self.failures.close()
        # This run's and earlier runs' reports, each cut to what the rule reads (whole lines would not fit a
        # national crawl in memory).
        dataset_flags = cross_year_flags(cross_year_view(line) for _, line in read_jsonl(self.out_dir / REPORTS))
        write_jsonl_atomic(self.out_dir / DATASET_FLAGS, dataset_flags)
        spider = self.crawler.spider
        portals = getattr(spider, "portals", {})
        seeds = [p.seed.site() for p in portals.values()]
        stats = dict(self.stats.get_stats())
        caps = {pid: dict(p.caps_hit) for pid, p in portals.items() if p.caps_hit}
        summary = build_summary(self.run_reports, self.run_failures, dataset_flags, seeds, stats)
        summary.setdefault("caps_hit", caps)
        summary.setdefault("seed_problems", getattr(spider, "seed_problems", []))
        summary["output_dir"] = str(self.out_dir.resolve())
        write_text_atomic(self.out_dir / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        write_text_atomic(self.out_dir / "summary.html", render_summary_html(summary, self.run_reports))
        text = render_summary_text(summary)
        if caps:
            text += "\nCaps hit (discovery stopped early): " + json.dumps(caps, ensure_ascii=False)
        print(text, file=sys.stderr)
        logger.info("output written to %s", self.out_dir.resolve())
