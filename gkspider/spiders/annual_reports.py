"""The one spider: from seed rows to report pages. Discovery decides where reports are; pipelines read them.

A new portal is a seed row, not a new spider. The spider walks each portal's own navigation toward its 年报
columns (links scored by gkspider.discovery), follows every pagination family, and hands report pages to the item
pipelines as raw bytes. Every report candidate ends as a ReportPage or a ReportFailure: nothing is dropped silently.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
)
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed
from twisted.web.client import PotentialDataLoss

from gkspider.discovery.classify import (
    is_attachment,
    is_report_title,
    is_truncated,
    nav_score,
    needs_browser,
    page_problem,
)
from gkspider.discovery.links import Link, canonical_url, extract_links, parse_html, same_site
from gkspider.discovery.pagination import (
    PageRequest,
    embedded_records,
    find_pages,
    parse_jpage_xml,
    parse_json_list,
)
from gkspider.items import ReportFailure, ReportPage
from gkspider.seeds import Seed, load_seeds, seed_files
from gkspider.seen import SeenSet, memory_limit_of

REPORT_PRIORITY = 100
_REDIRECTS = (301, 302, 303, 307, 308)
_CHALLENGES = (
    412,
    521,
)  # anti-bot statuses whose page says whether a browser would get through  # report pages first: they are what a crawl is for, and they free memory soonest
_YEAR_LINK = re.compile(r"^\s*(?:19|20)\d{2}\s*(?:年|年度)?\s*$")
# Table labels only a report with its standard tables carries: a page without them that links a file is a cover page.
_TABLE_CUES = ("本年新收", "予以公开", "行政复议", "主动公开政府信息情况")


@dataclass
class Portal:
    seed: Seed
    pages: int = 0  # list/navigation pages requested
    seen_nav: set[str] = field(default_factory=set)
    caps_hit: Counter = field(default_factory=Counter)


class AnnualReportsSpider(scrapy.Spider):
    name = "annual_reports"

    def __init__(self, seeds: str | None = None, site: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seeds_path = seeds
        self.site_id = site
        self.portals: dict[str, Portal] = {}
        # Canonical URLs of report candidates, across portals: on disk past a limit (a national crawl sees ~855,000).
        self.seen_reports = SeenSet()
        self.seed_problems: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> AnnualReportsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Read once: settings are frozen while the crawl runs, and a getint per link or response adds up.
        settings = crawler.settings
        spider.max_depth = settings.getint("GKSPIDER_MAX_DEPTH")
        spider.max_list_pages = settings.getint("GKSPIDER_MAX_LIST_PAGES")
        spider.max_pages_per_list = settings.getint("GKSPIDER_MAX_PAGES_PER_LIST")
        spider.max_links_per_page = settings.getint("GKSPIDER_MAX_LINKS_PER_PAGE")
        spider.max_url_length = settings.getint("URLLENGTH_LIMIT")
        spider.max_redirects = settings.getint("REDIRECT_MAX_TIMES")
        spider.max_file_bytes = settings.getint("GKSPIDER_MAX_FILE_BYTES")
        spider.seen_reports = SeenSet(memory_limit=memory_limit_of(settings), name="report URLs")
        return spider

    def closed(self, reason: str) -> None:
        self.seen_reports.close()  # its temporary database, if the crawl was large enough to have one

    # ------------------------------------------------------------ start

    async def start(self) -> AsyncIterator[Request]:
        settings = self.crawler.settings
        paths = [Path(self.seeds_path)] if self.seeds_path else seed_files(settings.get("GKSPIDER_SEEDS_DIR"))
        if self.site_id:
            # One row: look for it list by list, so that a portal listed again in another file (the reference
            # portals are also in the national lists) is found under the id asked for.
            seeds, problems = [], []
            for path in paths:
                found, path_problems = load_seeds([path])
                match = [s for s in found if s.id == self.site_id]
                if match:
                    seeds, problems = match, path_problems
                    break
        else:
            seeds, problems = load_seeds(paths)
        for problem in problems:
            log = self.logger.error if problem.severity == "error" else self.logger.warning
            log("seed list: %s", problem)
            self.crawler.stats.inc_value(f"gkspider/seeds/{problem.severity}")
            self.seed_problems.append(str(problem))
        if self.site_id and not seeds:
            self.logger.error("no seed row with id %r in %s", self.site_id, ", ".join(map(str, paths)))
        self.crawler.stats.set_value("gkspider/seeds/portals", len(seeds))
        for seed in seeds:
            portal = self.portals[seed.id] = Portal(seed)
            # Seen from the start: a home page linking to itself (logo, nav) costs no request for the dupefilter
            # to drop, and no list page of the portal's budget.
            portal.seen_nav.add(canonical_url(seed.url))
            yield self._page_request(portal, PageRequest(seed.url), depth=0, role="home", priority=0)
            if seed.list_url:
                portal.seen_nav.add(canonical_url(seed.list_url))
                yield self._page_request(portal, PageRequest(seed.list_url), depth=1, role="list", priority=50)

    # ------------------------------------------------------------ requests

    def _page_request(
        self, portal: Portal, page: PageRequest, *, depth: int, role: str, priority: int, list_url: str | None = None
    ) -> Request:
        portal.pages += 1
        return Request(
            page.url,
            method=page.method,
            body=page.body,
            headers={"Content-Type": dict(page.meta).get("content_type", "application/x-www-form-urlencoded")}
            if page.body
            else None,
            callback=self.parse_page,
            errback=self.on_error,
            priority=priority,
            dont_filter=False,
            meta={
                "gk": {
                    "seed": portal.seed.id,
                    "role": role,
                    "depth": depth,
                    "kind": page.kind,
                    "page": page,
                    "list_url": list_url or page.url,
                }
            },
        )

    def _report_request(
        self, portal: Portal, link: Link, referer: str, *, verify: bool = False
    ) -> Request | ReportFailure | None:
        key = canonical_url(link.url)
        if not self.seen_reports.add(key):  # one lookup, not `in` then `add` (each an SQL query once on disk)
            self.crawler.stats.inc_value("gkspider/reports/duplicate_links")
            return None
        if len(link.url) > self.max_url_length:
            # Scrapy would drop it without an errback: say so instead.
            return ReportFailure(
                link.url[:4096], referer, portal.seed.id, "url-too-long", detail=f"{len(link.url)} characters"
            )
        gk = {
            "seed": portal.seed.id,
            "role": "report",
            "referer": referer,
            "anchor": link.title or link.text,
            "verify": verify,
            "hops": 0,
            "origin": link.url,  # the candidate as linked: its failure line names it, whatever redirects follow
        }
        return self._report_fetch(link.url, gk)

    def _report_fetch(self, url: str, gk: dict) -> Request:
        # Redirects of report pages are followed here, not by RedirectMiddleware, so that every hop passes the
        # same checks as a link: same site, not already captured (deltafetch), not already seen, no loop.
        return Request(
            url,
            callback=self.parse_report,
            errback=self.on_error,
            priority=REPORT_PRIORITY,
            meta={"gk": gk, "dont_redirect": True, "handle_httpstatus_list": [*_REDIRECTS, *_CHALLENGES]},
        )

    def _file_request(self, portal: Portal, url: str, *, page_url: str, page: Response | None = None) -> Request | None:
        """A report published as a file; `page` is the HTML page presenting it (its metadata goes with it)."""
        key = canonical_url(url)
        if not self.seen_reports.add(key) and page is None:
            self.crawler.stats.inc_value("gkspider/reports/duplicate_links")
            return None
        gk = {"seed": portal.seed.id, "role": "report", "referer": page_url, "origin": url, "page_url": page_url}
        if page is not None:
            gk["page_body"] = page.body
            gk["page_content_type"] = page.headers.get("Content-Type", b"").decode("latin-1") or None
        return Request(
            url,
            callback=self.parse_file,
            errback=self.on_error,
            priority=REPORT_PRIORITY,
            meta={"gk": gk, "download_maxsize": self.max_file_bytes},
        )

    def parse_file(self, response: Response) -> Iterator[Any]:
        gk = response.meta["gk"]
        portal = self.portals[gk["seed"]]
        if not response.body:
            yield ReportFailure(gk["origin"], gk["page_url"], portal.seed.id, "empty-page", response.status)
            return
        yield _report_page(
            response,
            portal,
            gk["page_url"],
            kind="file",
            page_body=gk.get("page_body"),
            page_content_type=gk.get("page_content_type"),
        )

    def _can_follow(self, portal: Portal, url: str) -> bool:
        if not same_site(url, portal.seed.url):
            self.crawler.stats.inc_value("gkspider/links/offsite")
            return False
        return True

    # ------------------------------------------------------------ navigation and lists

    def parse_page(self, response: Response) -> Iterator[Any]:
        gk = response.meta["gk"]
        portal = self.portals[gk["seed"]]
        page: PageRequest = gk["page"]
        if gk["kind"] == "jpage-xml":
            yield from self._follow(portal, parse_jpage_xml(response.body, response.url), response, gk)
            return
        if gk["kind"] == "json":
            # Record links are relative to the list page, not to the API's address (often another host).
            links, more = parse_json_list(response.body, gk["list_url"], page)
            yield from self._follow(portal, links, response, gk)
            for nxt in more:
                yield from self._list_page(portal, nxt, gk, response)
            return
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("gkspider/pages/not_text")
            return
        text = response.text
        looks_like_report = any(cue in text for cue in _TABLE_CUES)
        doc = parse_html(text)  # once, for the browser check and the links
        # A page with the tables' words is no script wall: skip the browser check on report pages.
        blocked = None if looks_like_report else needs_browser(text, response.status, doc=doc)
        if blocked:
            # Say so rather than silently finding nothing behind a script wall.
            yield ReportFailure(
                response.url, response.url, portal.seed.id, "needs-browser", response.status, detail=blocked
            )
            return
        cap = self.max_links_per_page
        links = extract_links(doc, response.url)
        if len(links) > cap:
            portal.caps_hit["links_per_page"] += 1
            self.logger.warning(
                "%s: %d links on %s, reading the first %d", portal.seed.id, len(links), response.url, cap
            )
            links = links[:cap]
        links += embedded_records(doc, response.url)
        yield from self._follow(portal, links, response, gk)
        for nxt in find_pages(doc, response.url, max_pages=self.max_pages_per_list):
            yield from self._list_page(portal, nxt, gk, response)

    def _claim_page(self, portal: Portal, key: str) -> bool:
        """Marks a navigation or list page as the portal's; False when it was claimed before or the portal's budget
        of list pages is spent (counted as a cap hit)."""
        if key in portal.seen_nav:
            return False
        portal.seen_nav.add(key)
        if portal.pages >= self.max_list_pages:
            portal.caps_hit["list_pages"] += 1
            self.crawler.stats.inc_value(f"gkspider/caps/list_pages/{portal.seed.id}")
            return False
        return True

    def _list_page(self, portal: Portal, page: PageRequest, gk: dict, response: Response) -> Iterator[Request]:
        if page.method == "GET" and not self._can_follow(portal, page.url):
            return
        if not self._claim_page(portal, canonical_url(page.url) + (f"#{page.body}" if page.body else "")):
            return
        yield self._page_request(
            portal, page, depth=gk["depth"], role="list", priority=40 - gk["depth"], list_url=gk["list_url"]
        )

    def _follow(self, portal: Portal, links: Iterable[Link], response: Response, gk: dict) -> Iterator[Any]:
        depth = gk["depth"]
        max_depth = self.max_depth
        in_column = gk.get("role") in ("list", "column")
        seed_url = portal.seed.url
        offsite = 0
        try:
            for link in links:
                if not same_site(link.url, seed_url):
                    offsite += 1
                    continue
                label = link.title or link.text
                attachment = is_attachment(link.url, link.text)
                label_is_report = is_report_title(label)
                if attachment and (label_is_report or is_report_title(_strip_extension(label))):
                    request = self._file_request(portal, link.url, page_url=response.url)
                    if request:
                        yield request
                    continue
                if label_is_report or (link.text != label and is_report_title(link.text)):
                    request = self._report_request(portal, link, response.url)
                    if request:
                        yield request
                    continue
                if is_truncated(label) and _may_be_report(label):
                    # A list title cut with '…' and no title attribute: the page's own title decides.
                    request = self._report_request(portal, link, response.url, verify=True)
                    if request:
                        yield request
                    continue
                if depth + 1 > max_depth:
                    continue
                score = nav_score(link)
                if score <= 0 and in_column and _YEAR_LINK.match(link.text or ""):
                    score = 1.0  # a year sub-column (2020年) inside a 年报 column
                if score <= 0:
                    continue
                if not self._claim_page(portal, canonical_url(link.url)):
                    continue
                role = "column" if score >= 5 else "nav"
                yield self._page_request(
                    portal, PageRequest(link.url), depth=depth + 1, role=role, priority=int(score * 5) - depth
                )
        finally:
            if offsite:
                # One stats call a page, not one a link: a home page has dozens of friend links.
                self.crawler.stats.inc_value("gkspider/links/offsite", offsite)

    # ------------------------------------------------------------ reports

    def parse_report(self, response: Response) -> Iterator[Any]:
        gk = response.meta["gk"]
        portal = self.portals[gk["seed"]]
        if response.status in _REDIRECTS:
            yield from self._follow_report_redirect(portal, response, gk)
            return
        if response.status in _CHALLENGES:
            text = response.text if isinstance(response, TextResponse) else ""
            reason = "needs-browser" if needs_browser(text, response.status) else f"http-{response.status}"
            yield ReportFailure(response.url, gk["referer"], portal.seed.id, reason, response.status)
            return
        # Decoded once here (each response.text works out the encoding again before it returns the cached text).
        text = response.text if isinstance(response, TextResponse) else None
        problem = page_problem(response.body, text)
        if problem:
            yield ReportFailure(response.url, gk["referer"], portal.seed.id, problem, response.status)
            return
        looks_like_report: bool | None = None
        refresh = _meta_refresh_target(response, text) if text is not None else None
        if refresh:
            looks_like_report = any(cue in text for cue in _TABLE_CUES)
            if not looks_like_report:
                yield from self._follow_report_redirect(portal, response, gk, location=refresh)
                return
        kind = is_attachment(response.url, gk.get("anchor") or "")
        if kind or text is None:
            # The report link led straight to a file: it is the report, presented by the list that linked it.
            yield _report_page(response, portal, gk["referer"], kind="file")
            return
        if looks_like_report is None:
            looks_like_report = any(cue in text for cue in _TABLE_CUES)
        # A page with the tables' words is no script wall: skip the (full-parse) browser check on report pages.
        # Any other page is parsed once, for the browser check, the title check and the cover page's files.
        doc = None if looks_like_report else parse_html(text)
        blocked = None if looks_like_report else needs_browser(text, response.status, doc=doc)
        if blocked:
            yield ReportFailure(
                response.url, gk["referer"], portal.seed.id, "needs-browser", response.status, detail=blocked
            )
            return
        if gk.get("verify"):
            if doc is None:
                doc = parse_html(text)
            titles = [t.text_content() for t in doc.iter("title", "h1", "h2")]
            if not any(is_report_title(t) for t in titles):
                self.crawler.stats.inc_value("gkspider/reports/truncated_title_not_report")
                return
        if not looks_like_report:
            files = [link for link in extract_links(doc, response.url) if is_attachment(link.url, link.text)]
            if files:
                # A cover page: the report is its file. Prefer the attachment named like a report.
                best = next((f for f in files if is_report_title(_strip_extension(f.title or f.text))), files[0])
                if not same_site(best.url, portal.seed.url):
                    yield ReportFailure(best.url, response.url, portal.seed.id, "offsite-attachment")
                    return
                request = self._file_request(portal, best.url, page_url=response.url, page=response)
                if request:
                    yield request
                return
        yield _report_page(response, portal, response.url)

    def _follow_report_redirect(
        self, portal: Portal, response: Response, gk: dict, location: str | None = None
    ) -> Iterator[Any]:
        if location is None:
            header = response.headers.get("Location")
            location = header.decode("latin-1").strip() if header else None
        target = response.urljoin(location) if location else None
        reason = None
        if not target or not target.startswith(("http://", "https://")):
            reason = "bad-redirect"
        elif gk["hops"] >= self.max_redirects or canonical_url(target) in gk.get("chain", ()):
            reason = "redirect-loop"
        elif not same_site(target, portal.seed.url):
            reason = "offsite-redirect"
        if reason:
            yield ReportFailure(
                gk.get("origin", response.url),
                gk["referer"],
                portal.seed.id,
                reason,
                response.status,
                detail=f"Location: {target}",
            )
            return
        key = canonical_url(target)
        if not self.seen_reports.add(key) and key != canonical_url(response.url):
            self.crawler.stats.inc_value("gkspider/reports/duplicate_after_redirect")
            return
        chain = (*gk.get("chain", ()), canonical_url(response.url))
        yield self._report_fetch(target, {**gk, "hops": gk["hops"] + 1, "chain": chain})

    # ------------------------------------------------------------ errors

    def on_error(self, failure: Failure) -> Iterator[ReportFailure]:
        request: Request = failure.request  # type: ignore[attr-defined]
        gk = request.meta.get("gk", {})
        reason, status = failure_reason(failure)
        self.crawler.stats.inc_value(f"gkspider/errors/{reason}")
        role = gk.get("role")
        if role == "report":
            yield ReportFailure(
                gk.get("origin", request.url),
                gk.get("referer"),
                gk.get("seed"),
                reason,
                status,
                detail=failure.getErrorMessage(),
            )
        elif role == "home":
            yield ReportFailure(
                request.url,
                None,
                gk.get("seed"),
                f"portal-unreachable:{reason}",
                status,
                detail=failure.getErrorMessage(),
            )
        else:
            self.logger.info("%s: list page %s failed: %s", gk.get("seed"), request.url, reason)


def _report_page(response: Response, portal: Portal, page_url: str, **extra: Any) -> ReportPage:
    return ReportPage(
        url=response.url,
        page_url=page_url,
        site=portal.seed.site(),
        body=response.body,
        content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
        status=response.status,
        **extra,
    )


def failure_reason(failure: Failure) -> tuple[str, int | None]:
    """A short, stable reason for failures.jsonl, and the HTTP status when there was one."""
    from scrapy.exceptions import IgnoreRequest

    if failure.check(HttpError):
        status = failure.value.response.status
        return f"http-{status}", status
    by_name = _SCRAPY_ERRORS.get(type(failure.value).__name__)  # Scrapy 2.19's own download errors
    if by_name:
        return by_name, None
    if failure.check(DNSLookupError):
        return "dns-error", None
    if failure.check(TwistedTimeoutError, TCPTimedOutError):
        return "timeout", None
    if failure.check(ConnectionRefusedError):
        return "connection-refused", None
    if failure.check(ConnectionLost, ConnectionDone, ResponseFailed, PotentialDataLoss):
        return "connection-lost", None
    if failure.check(IgnoreRequest):
        message = failure.getErrorMessage().lower()
        if "robots" in message:
            return "robots-disallowed", None
        return ("offsite-redirect" if message.startswith("offsite") else "ignored"), None
    return type(failure.value).__name__, None


_SCRAPY_ERRORS = {
    "CannotResolveHostError": "dns-error",
    "DownloadTimeoutError": "timeout",
    "DownloadConnectionRefusedError": "connection-refused",
    "ResponseDataLossError": "connection-lost",
    "DownloadCancelledError": "cancelled",
    "UnsupportedURLSchemeError": "unsupported-scheme",
    "DownloadFailedError": "download-failed",
}


def _meta_refresh_target(response: TextResponse, text: str) -> str | None:
    """A <meta http-equiv=refresh> that moves the reader on at once (a report page that only forwards).

    `text` is response.text. get_meta_refresh reads its first 4096 characters, and only tags whose attributes hold
    'refresh' in any case: without the word there (most pages) there is nothing to find, and its scans are skipped.
    No character but the ASCII letters lowercases to r, e, f, s or h, so the ASCII of the text decides.
    """
    if b"refresh" not in text[:4096].encode("ascii", "ignore").lower():
        return None
    from scrapy.utils.response import get_meta_refresh

    try:
        interval, url = get_meta_refresh(response)
    except Exception:  # noqa: BLE001 - a malformed refresh is no refresh
        return None
    return url if url and interval is not None and interval < 30 else None


def _strip_extension(text: str) -> str:
    return re.sub(r"\.(pdf|docx?|wps|ofd|xlsx?)$", "", text or "", flags=re.I)


def _may_be_report(label: str) -> bool:
    return bool(re.search(r"(?:19|20)\d{2}", label)) and any(
        w in label for w in ("政府信息公开", "信息公开", "年度报", "年报")
    )
