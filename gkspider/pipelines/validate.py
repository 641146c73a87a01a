"""Validation never drops: it writes `validation` on every report and counts flags by rule in the stats."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from gkspider.pipelines.extract import ReportRecord
from gkspider.validation.rules import validate_report


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ReportRecord):
            return item
        validation = validate_report(item.report, text=item.text, carried_flags=item.extraction_flags)
        if item.image_only:
            for flag in validation["flags"]:
                if flag["rule"] == "table.missing":
                    flag["message"] += "; the file is an image (a scan with no text layer): its tables need OCR"
        item.report["validation"] = validation
        self.stats.inc_value(f"gkspider/validation/status/{validation['status']}")
        for flag in validation["flags"]:
            self.stats.inc_value(f"gkspider/validation/rule/{flag['rule']}")
        return item
