"""Writes reports.jsonl and failures.jsonl as items arrive; at the close, dataset-level flags and the summaries.

What it keeps while crawling does not grow with the reports' size: 16-byte digests of what reports.jsonl and
failures.jsonl hold (the dedupe of re-runs), and the summary's counters (SummaryBuilder), not the reports.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler

from gkspider.items import ReportFailure
from gkspider.output import (
    JsonlWriter,
    failure_digest,
    read_jsonl,
    serialise_report,
    take_reports_index,
    write_jsonl_atomic,
    write_text_atomic,
)
from gkspider.pipelines.extract import ReportRecord
from gkspider.seen import SeenSet, memory_limit_of
from gkspider.validation.rules import cross_year_flags, cross_year_view
from gkspider.validation.summary import (
    FLAGGED_MAX,
    GRID_LINKS_MAX,
    SummaryBuilder,
    iter_summary_html,
    render_summary_text,
)

logger = logging.getLogger(__name__)

REPORTS = "reports.jsonl"
FAILURES = "failures.jsonl"
DATASET_FLAGS = "dataset_flags.jsonl"


class OutputPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.out_dir = Path(crawler.settings.get("GKSPIDER_OUTPUT_DIR"))
        self.known = SeenSet()  # content digests (output.content_digest) of the reports in reports.jsonl
        self.known_failures: set[bytes] = set()  # output.failure_digest of the failures in failures.jsonl
        # What this run found (written or unchanged), for the summary: counters, not the reports.
        self.summary = SummaryBuilder(
            max_flagged=crawler.settings.getint("GKSPIDER_SUMMARY_MAX_FLAGGED", FLAGGED_MAX),
            max_links=crawler.settings.getint("GKSPIDER_SUMMARY_MAX_LINKS", GRID_LINKS_MAX),
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutputPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.reports = JsonlWriter(self.out_dir / REPORTS)
        self.failures = JsonlWriter(self.out_dir / FAILURES)
        # DeltaFetch has usually read reports.jsonl already, and left the digests for us.
        self.known = take_reports_index(
            self.crawler, self.out_dir / REPORTS, memory_limit=memory_limit_of(self.crawler.settings)
        ).contents
        # A candidate that failed the same way before is not written again (a resumed or repeated crawl).
        self.known_failures = {
            failure_digest(f.get("url"), f.get("reason")) for _, f in read_jsonl(self.out_dir / FAILURES)
        }

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ReportRecord):
            report = item.report
            self.summary.add_report(report)
            key, line = serialise_report(report)
            if not self.known.add(key):  # already in reports.jsonl
                self.stats.inc_value("gkspider/output/reports_unchanged")
                return item
            self.reports.write_serialised(line)
            self.stats.inc_value("gkspider/output/reports_written")
        elif isinstance(item, ReportFailure):
            line = item.line()
            self.summary.add_failure(line)
            key = failure_digest(line["url"], line["reason"])
            if key in self.known_failures:
                self.stats.inc_value("gkspider/output/failures_repeated")
                return item
            self.known_failures.add(key)
            self.failures.write(line)
            self.stats.inc_value(f"gkspider/output/failures/{item.reason}")
        return item

    def close_spider(self) -> None:
        self.reports.close()
        self.failures.close()
        self.known.close()  # its temporary database, if it has one
        # This run's and earlier runs' reports, each cut to a small tuple as it is read (cross_year_flags groups
        # them, on disk past a limit).
        dataset_flags = cross_year_flags(cross_year_view(line) for _, line in read_jsonl(self.out_dir / REPORTS))
        write_jsonl_atomic(self.out_dir / DATASET_FLAGS, dataset_flags)
        spider = self.crawler.spider
        portals = getattr(spider, "portals", {})
        seeds = [p.seed.site() for p in portals.values()]
        stats = dict(self.stats.get_stats())
        caps = {pid: dict(p.caps_hit) for pid, p in portals.items() if p.caps_hit}
        summary = self.summary.build(dataset_flags, seeds, stats)
        summary.setdefault("caps_hit", caps)
        summary.setdefault("seed_problems", getattr(spider, "seed_problems", []))
        summary["output_dir"] = str(self.out_dir.resolve())
        encoder = json.JSONEncoder(ensure_ascii=False, indent=2, default=str)
        write_text_atomic(self.out_dir / "summary.json", encoder.iterencode(summary))
        write_text_atomic(self.out_dir / "summary.html", iter_summary_html(summary, self.summary))
        text = render_summary_text(summary)
        if caps:
            text += "\nCaps hit (discovery stopped early): " + json.dumps(caps, ensure_ascii=False)
        print(text, file=sys.stderr)
        logger.info("output written to %s", self.out_dir.resolve())
