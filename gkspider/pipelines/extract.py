"""ReportPage (bytes) -> report dict with the contract's keys. A page that breaks the extractor becomes a failure."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler

from gkspider.extract.report import REPORT_FIELDS, Extraction, extract_html
from gkspider.items import SCHEMA_VERSION, ReportFailure, ReportPage

logger = logging.getLogger(__name__)


@dataclass
class ReportRecord:
    """A report on its way to the output: the line to write, plus what validation needs and does not write."""

    report: dict[str, Any]
    text: str = ""
    extraction_flags: list[dict] = field(default_factory=list)


def _charset(content_type: str | None) -> str | None:
    if content_type and "charset=" in content_type.lower():
        return content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'") or None
    return None


def build_report(page: ReportPage, extraction: Extraction) -> dict[str, Any]:
    """The report line (without `validation`), keys in the contract's order."""
    fields = extraction.fields
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "url": page.url,
        "page_url": page.page_url,
        "site": page.site,
    }
    report.update({k: fields[k] for k in REPORT_FIELDS})
    if not report["title"]:
        report["title"] = ""
    report["validation"] = None
    report["fetched_at"] = page.fetched_at
    report["sha256"] = hashlib.sha256(page.body).hexdigest()
    return report


class ExtractPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ReportPage):
            return item
        try:
            extraction = extract_html(item.body, declared_encoding=_charset(item.content_type))
        except Exception as exc:  # noqa: BLE001 - one bad page must not stop the crawl; it becomes a failure line
            logger.exception("extraction failed on %s", item.url)
            self.stats.inc_value("gkspider/extract/crashed")
            return ReportFailure(
                item.url,
                item.page_url,
                item.site.get("id"),
                "extraction-error",
                item.status,
                detail=f"{type(exc).__name__}: {exc}",
            )
        self.stats.inc_value("gkspider/extract/reports")
        return ReportRecord(build_report(item, extraction), extraction.text, extraction.flags)
