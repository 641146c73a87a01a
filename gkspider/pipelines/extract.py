"""ReportPage (bytes) -> report dict with the contract's keys. A page that breaks the extractor becomes a failure."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler

from gkspider.extract.report import REPORT_FIELDS, Extraction, extract_html, page_metadata
from gkspider.items import SCHEMA_VERSION, ReportFailure, ReportPage

logger = logging.getLogger(__name__)


@dataclass
class ReportRecord:
    """A report on its way to the output: the line to write, plus what validation needs and does not write."""

    report: dict[str, Any]
    text: str = ""
    extraction_flags: list[dict] = field(default_factory=list)
    image_only: bool = False  # a file with no text layer (a scan): validation says so on table.missing


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


def _read_file(body: bytes, fmt: str, page_meta: dict[str, Any] | None, soffice: str | None) -> Extraction:
    # Runs in a worker process: pdfplumber blocks for tens of milliseconds a page.
    from gkspider.extract.files import extract_file

    return extract_file(body, fmt, page_meta=page_meta, soffice=soffice)


class ExtractPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        settings = crawler.settings
        self.file_timeout = settings.getfloat("GKSPIDER_FILE_TIMEOUT")
        self.workers = max(1, settings.getint("GKSPIDER_FILE_WORKERS"))
        self.soffice = settings.get("GKSPIDER_SOFFICE")
        self._pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: workers do not inherit the reactor, its sockets or its threads.
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"))
        return self._pool

    def close_spider(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ReportPage):
            return item
        try:
            if item.kind == "file":
                extraction = await self._extract_file(item)
                if isinstance(extraction, ReportFailure):
                    return extraction
            else:
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
        record = ReportRecord(build_report(item, extraction), extraction.text, extraction.flags)
        record.image_only = bool(extraction.evidence.get("image_only"))
        return record

    async def _extract_file(self, item: ReportPage) -> Extraction | ReportFailure:
        from gkspider.extract.files import UnreadableFile, sniff_format

        fmt = sniff_format(item.body, item.url, item.content_type)
        site_id = item.site.get("id")
        if fmt == "html":
            # A 'file' link that answers with a web page (a viewer, or the report itself as HTML).
            return extract_html(item.body, declared_encoding=_charset(item.content_type))
        if fmt is None:
            return ReportFailure(item.url, item.page_url, site_id, "unsupported-format", item.status)
        page_meta = (
            page_metadata(item.page_body, declared_encoding=_charset(item.page_content_type))
            if item.page_body
            else None
        )
        self.stats.inc_value(f"gkspider/extract/files/{fmt}")
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor(), _read_file, item.body, fmt, page_meta, self.soffice)
        try:
            return await asyncio.wait_for(future, self.file_timeout)
        except UnreadableFile as exc:
            return ReportFailure(item.url, item.page_url, site_id, exc.reason, item.status, detail=exc.detail)
        except TimeoutError:
            # The worker may be stuck inside the parser: replace the pool rather than wait for it.
            if self._pool is not None:
                for proc in list(getattr(self._pool, "_processes", {}).values()):
                    proc.kill()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
            return ReportFailure(
                item.url,
                item.page_url,
                site_id,
                "file-timeout",
                item.status,
                detail=f"not read within {self.file_timeout:g} s",
            )
        except BrokenProcessPool:
            self._pool = None
            return ReportFailure(item.url, item.page_url, site_id, "file-crashed-reader", item.status)
