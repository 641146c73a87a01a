"""Incremental re-crawl and safe resume.

`DeltaFetchMiddleware` (spider middleware): a report page already captured in reports.jsonl is not downloaded again;
list and navigation pages always are, so new reports are found. scrapy-deltafetch does this job but crashes on
Scrapy >= 2.16; this one keeps no state of its own: reports.jsonl, which is written line by line and flushed, is the
state, so it can never disagree with the output (a crash between two writes loses or duplicates nothing).

`JobdirGuard` (extension): a run killed hard (SIGKILL, power loss) can leave JOBDIR's disk queue truncated, and
queuelib then fails on every push (struct.error). A run that starts while the previous one never closed moves the
queue and the seen-request file aside and starts from the seeds again; with DeltaFetch nothing captured is fetched
again and nothing is written twice. After Ctrl-C (a clean shutdown) the queue is intact and is resumed as usual.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.job import job_dir
from scrapy.utils.request import RequestFingerprinterProtocol

from gkspider.discovery.links import canonical_url
from gkspider.output import ReportsIndex, offer_reports_index
from gkspider.pipelines.output import REPORTS
from gkspider.seen import SEEN_IN_MEMORY, SeenSet, memory_limit_of

logger = logging.getLogger(__name__)


def _digest(url: str) -> bytes:
    # 16 bytes a URL keeps the index small for a national crawl (hundreds of thousands of reports).
    return hashlib.blake2b(canonical_url(url).encode("utf-8"), digest_size=16).digest()


class DeltaFetchMiddleware(BaseSpiderMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.enabled = crawler.settings.getbool("GKSPIDER_DELTAFETCH_ENABLED", True)
        self.reset = crawler.settings.getbool("GKSPIDER_DELTAFETCH_RESET", False)
        self.captured = SeenSet()  # URL digests of the reports in reports.jsonl
        if self.enabled and not self.reset:
            path = Path(crawler.settings.get("GKSPIDER_OUTPUT_DIR")) / REPORTS
            # One pass for both: the output pipeline takes the content digests when the spider opens.
            index = ReportsIndex(path, url_digest=_digest, memory_limit=memory_limit_of(crawler.settings))
            self.captured = index.urls or self.captured
            index.urls = None
            offer_reports_index(crawler, index)
            if self.captured:
                logger.info("deltafetch: %d report URLs already captured in %s", len(self.captured), path)

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if not self.enabled or request.meta.get("gk", {}).get("role") != "report":
            return request
        if _digest(request.url) in self.captured:
            seed = request.meta["gk"].get("seed")
            self.crawler.stats.inc_value("gkspider/deltafetch/skipped")
            self.crawler.stats.inc_value(f"gkspider/deltafetch/skipped/{seed}")
            return None
        return request


class JobdirGuard:
    MARKER = "gkspider.running"

    def __init__(self, crawler: Crawler, jobdir: Path) -> None:
        self.marker = jobdir / self.MARKER
        if self.marker.exists():
            stamp = time.strftime("%Y%m%d-%H%M%S")
            for name in ("requests.queue", "requests.seen"):
                path = jobdir / name
                if path.exists():
                    aside = jobdir / f"{name}.unclean-{stamp}"
                    shutil.move(str(path), str(aside))
                    logger.warning(
                        "JOBDIR: the previous run did not close cleanly; moved %s to %s and starting "
                        "from the seeds (reports already captured are not fetched again)",
                        path,
                        aside,
                    )
            crawler.stats.set_value("gkspider/jobdir/unclean_restart", 1)
        jobdir.mkdir(parents=True, exist_ok=True)
        self.marker.write_text(str(time.time()), encoding="utf-8")
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir:
            from scrapy.exceptions import NotConfigured

            raise NotConfigured
        return cls(crawler, Path(jobdir))

    def spider_closed(self, reason: str) -> None:
        # 'finished' and 'shutdown' (Ctrl-C) both leave a consistent queue behind.
        self.marker.unlink(missing_ok=True)


class SeenSetDupeFilter(RFPDupeFilter):
    """Scrapy's request dupefilter, its fingerprints in a `SeenSet` (on disk past a limit) instead of a set that
    grows with the crawl: ~930,000 fingerprints in a national crawl. With JOBDIR it still appends each fingerprint to
    `requests.seen` in Scrapy's own format (2-byte big-endian length, then the bytes), so a resumed crawl, or stock
    Scrapy, reads the same file back."""

    def __init__(
        self,
        path: str | None = None,
        debug: bool = False,
        *,
        fingerprinter: RequestFingerprinterProtocol | None = None,
        memory_limit: int = SEEN_IN_MEMORY,
    ) -> None:
        super().__init__(None, debug, fingerprinter=fingerprinter)
        self._fingerprints = SeenSet(memory_limit=memory_limit, name="request fingerprints")  # type: ignore[assignment]
        if path:
            self.file = Path(path, "requests.seen").open("a+b")  # noqa: SIM115 (closed by RFPDupeFilter.close)
            self.file.seek(0)
            self._fingerprints.update(_read_seen_file(self.file))

    def request_seen(self, request: Request) -> bool:
        # RFPDupeFilter's, with one `add` in place of `in` then `add`: one SQL query a request once on disk.
        fingerprint = self._fingerprint(request)
        if not self._fingerprints.add(fingerprint):
            return True
        if self.file:
            self.file.write(len(fingerprint).to_bytes(2, "big") + fingerprint)
        return False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenSetDupeFilter:
        return cls(
            job_dir(crawler.settings),
            crawler.settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
            memory_limit=memory_limit_of(crawler.settings),
        )

    def close(self, reason: str) -> None:
        super().close(reason)
        self._fingerprints.close()


def _read_seen_file(fp: BinaryIO, chunk: int = 1 << 20) -> Iterator[bytes]:
    """The fingerprints of a `requests.seen` file, read a chunk at a time (the whole file would be ~20 MB for a
    national crawl); a record cut short by a hard kill ends the list."""
    buffer = b""
    while True:
        data = fp.read(chunk)
        buffer += data
        pos = 0
        while pos + 2 <= len(buffer):
            size = int.from_bytes(buffer[pos : pos + 2], "big")
            if pos + 2 + size > len(buffer):
                break
            yield buffer[pos + 2 : pos + 2 + size]
            pos += 2 + size
        buffer = buffer[pos:]
        if not data:
            return


class CrawlDelayMiddleware:
    """Honours robots.txt Crawl-delay, which Scrapy reads (Protego parses it) but never applies.

    Placed after RobotsTxtMiddleware: it asks that middleware for the host's parsed robots.txt, raises the host's
    download-slot delay to the Crawl-delay (capped by GKSPIDER_MAX_CRAWL_DELAY), and tells AutoThrottle not to
    lower it again.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.cap = crawler.settings.getfloat("GKSPIDER_MAX_CRAWL_DELAY", 60.0)
        self.user_agent = crawler.settings.get("USER_AGENT")
        self.applied: dict[str, float] = {}
        self._robots: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            from scrapy.exceptions import NotConfigured

            raise NotConfigured
        return cls(crawler)

    def _robots_middleware(self) -> Any:
        if self._robots is None:
            from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

            downloader = self.crawler.engine.downloader
            self._robots = next(
                (m for m in downloader.middleware.middlewares if isinstance(m, RobotsTxtMiddleware)), False
            )
        return self._robots

    async def process_request(self, request: Request) -> None:
        if request.url.endswith("/robots.txt") or request.meta.get("dont_obey_robotstxt"):
            return None
        robots = self._robots_middleware()
        if not robots:
            return None
        parser = await robots.robot_parser(request)
        if parser is None:
            return None
        delay = parser.crawl_delay(self.user_agent)
        if not delay:
            return None
        delay = min(float(delay), self.cap)
        downloader = self.crawler.engine.downloader
        key, slot = downloader._get_slot(request)  # the slot is created here if this is the host's first request
        if slot.delay < delay or slot.jitter:
            # The asked delay is a minimum: no random jitter below it.
            slot.delay = max(slot.delay, delay)
            slot.jitter = 0.0
            if key not in self.applied:
                logger.info("robots.txt of %s asks for Crawl-delay %s s: honoured", key, delay)
                self.crawler.stats.set_value(f"gkspider/crawl_delay/{key}", delay)
            self.applied[key] = delay
        request.meta["autothrottle_dont_adjust_delay"] = True
        return None


class SameSiteMiddleware:
    """Never request another site: every request of a portal (redirect hops included, which Scrapy reschedules
    through here, and dont_filter requests, which skip the offsite filter) must stay on its seed's site."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SameSiteMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        seed_id = request.meta.get("gk", {}).get("seed")
        if seed_id is None:
            return None
        from gkspider.discovery.links import same_site

        portals = getattr(self.crawler.spider, "portals", {})
        portal = portals.get(seed_id)
        if portal is not None and not same_site(request.url, portal.seed.url):
            from scrapy.exceptions import IgnoreRequest

            self.crawler.stats.inc_value("gkspider/offsite/refused")
            raise IgnoreRequest(f"offsite: {request.url} is not on {portal.seed.url}'s site")
        return None
