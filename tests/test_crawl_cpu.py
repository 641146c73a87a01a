"""Crawl CPU per page (issue 8): the spider's cheap paths give the answers the plain ones gave.

page_problem scans a page once for every marker (it used to scan it once per marker), the meta-refresh check skips
Scrapy's scans when the page never says 'refresh', and Scrapy's per-response costs that buy nothing here are
switched off in settings. Each test compares with the plain computation, or checks what the setting relies on.
"""

from __future__ import annotations

import asyncio
import random
import re
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse
from scrapy.settings import Settings
from scrapy.utils.misc import is_generator_with_return_value
from scrapy.utils.response import get_meta_refresh
from scrapy.utils.test import get_crawler

import gkspider.settings as gk_settings
from gkspider.discovery.classify import needs_browser, page_problem
from gkspider.discovery.links import parse_html
from gkspider.discovery.terms import terms
from gkspider.items import ReportPage
from gkspider.seeds import Seed
from gkspider.spiders.annual_reports import AnnualReportsSpider, Portal, _meta_refresh_target
from tests.corpus.render import HOME_CASES, render_report

# ---------------------------------------------------------------------------------------------------------------
# page_problem


def _page_problem_plain(body: bytes, text: str | None) -> str | None:
    """page_problem as it was: one `in` scan of the page per marker."""
    if not body.strip():
        return "empty-page"
    head = body[:8192]
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not utf16 and (b"\x00" in head or len(re.findall(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]", head)) > len(head) // 20):
        return "binary-content"
    if text is None:
        return None
    cfg = terms()["page_problems"]
    markers = (*cfg["blocked"], *cfg["soft_404"])
    if not any(m in text for m in markers) and not any(m.replace(" ", "") in text for m in cfg["soft_404"]):
        return None
    visible = re.sub(r"<(script|style)\b.*?</\1\s*>|<[^>]+>|&nbsp;|\s+", "", text, flags=re.S | re.I)
    if len(visible) > cfg["max_text"]:
        return None
    if any(m in visible for m in cfg["blocked"]):
        return "blocked"
    if any(m.replace(" ", "") in visible for m in cfg["soft_404"]):
        return "soft-404"
    return None


_CFG = terms()["page_problems"]
_MARKERS = sorted({*_CFG["blocked"], *_CFG["soft_404"], *(m.replace(" ", "") for m in _CFG["soft_404"])})
_WRAPS = (
    "{}",
    "<html><body><h1>对不起，{}！</h1><a href='/'>返回首页</a></body></html>",
    "<html><head><title>{}</title></head><body><p>提示</p></body></html>",
    "<html><body><script>var msg = '{}';</script><p>请稍候</p></body></html>",  # only in a script: not visible
    "<p>{}</p><style>p {{ color: red }}</style>&nbsp;",
    "<html><body><p>" + "公" * 1480 + "{}</p></body></html>",  # just short enough
    "<html><body><p>" + "公" * 1500 + "{}</p></body></html>",  # too long to be a block page
)


@pytest.mark.parametrize("marker", _MARKERS)
def test_page_problem_finds_every_marker_as_before(marker: str) -> None:
    answers = set()
    for wrap in _WRAPS:
        html = wrap.replace("{}", marker)
        for body, text in ((html.encode(), html), (html.encode("utf-16"), html), (html.encode(), None)):
            expected = _page_problem_plain(body, text)
            assert page_problem(body, text) == expected, (wrap[:40], text is None)
            answers.add(expected)
    # The cases reach every outcome a marker can have, so the comparison means something. (A blocked marker with a
    # space, 'Access Denied', never matches: the visible text it is looked for in has no whitespace left.)
    reachable = "soft-404" if marker not in _CFG["blocked"] else None if " " in marker else "blocked"
    assert {None, reachable} <= answers


def test_page_problem_markers_spread_out_or_cut_are_no_marker() -> None:
    for marker in _MARKERS:
        for html in (
            f"<p>{marker[:-1]}</p><p>{marker[-1]}</p>",  # split by markup: visible joins it, the page scan does not
            f"<p>{marker[:-1]}</p>",
            " ".join(marker),
        ):
            assert page_problem(html.encode(), html) == _page_problem_plain(html.encode(), html) is None, html


def test_page_problem_on_report_pages_as_before() -> None:
    seen = 0
    for report_id, family in HOME_CASES:
        body = render_report(report_id, family)
        text = body.decode("gb18030" if "gbk" in family else "utf-8", "replace")
        for b, t in ((body, text), (body, None), (body[:3000], text[:3000])):
            assert page_problem(b, t) == _page_problem_plain(b, t) is None
            seen += 1
    assert seen >= 30


def test_page_problem_bytes_checks_as_before() -> None:
    rnd = random.Random(8)
    alphabet = b" \t\n\r\x0b\x0c\x1b\x1c\x1f\x00\x01\x08\x0e\x1aab\x7f\x80\xff"
    outcomes = set()
    for _ in range(2000):
        n = rnd.randrange(0, 300)
        body = bytes(rnd.choice(alphabet) if rnd.random() < 0.7 else rnd.randrange(256) for _ in range(n))
        for text in (None, body.decode("latin-1")):
            expected = _page_problem_plain(body, text)
            assert page_problem(body, text) == expected, body
            outcomes.add(expected)
    for body in (b"", b" ", b"\t\n\r\x0b\x0c", b"\x1c", b"\x85", b"\xa0", b" \x00 ", b"\xff\xfe\x00\x00", b"a" * 9000):
        assert page_problem(body, body.decode("latin-1")) == _page_problem_plain(body, body.decode("latin-1"))
    assert {"empty-page", "binary-content", None} <= outcomes


def test_needs_browser_on_a_page_parsed_by_the_caller_as_on_its_text() -> None:
    pages = [p.read_text("utf-8") for p in sorted((Path(__file__).parent / "data" / "discovery").glob("*.html"))]
    pages += ["<html><script>location.reload()</script></html>", "<html><body><div id='app'></div></body></html>"]
    pages += ['<html><body><div id="app"></div><script src="/app.js"></script></body></html>', ""]
    answers = set()
    for html in pages:
        for status in (200, 202, 412, 521):
            expected = needs_browser(html, status)
            assert needs_browser(html, status, doc=parse_html(html)) == expected, (html[:60], status)
            answers.add(expected)
    assert answers == {None, "js-challenge", "spa-shell"}


# ---------------------------------------------------------------------------------------------------------------
# meta refresh


def _meta_refresh_plain(response: TextResponse) -> str | None:
    try:
        interval, url = get_meta_refresh(response)
    except Exception:  # noqa: BLE001
        return None
    return url if url and interval is not None and interval < 30 else None


_REFRESH_PAGES = [
    '<html><head><meta http-equiv="refresh" content="0;url=/a.html"></head><body>x</body></html>',
    '<html><head><META HTTP-EQUIV="REFRESH" CONTENT="0; URL=/b.html"></head></html>',
    "<html><head><meta http-equiv='ReFrEsH' content='1;url=http://other.gov.cn/c.html'></head></html>",
    '<html><head><meta http-equiv="refresh" content="60;url=/slow.html"></head></html>',  # too slow: not a forward
    '<html><head><meta http-equiv="refresh" content="5"></head></html>',  # reload, no target
    '<html><head><script>var s = \'<meta http-equiv="refresh" content="0;url=/s.html">\';</script></head></html>',
    '<html><head><meta http-equiv="&#82;efresh" content="0;url=/entity.html"></head></html>',
    "<html><body><p>refresh the page / 刷新 REFRESH</p></body></html>",  # the word, no tag
    "<html><body><p>" + "年报" * 3000 + '</p><meta http-equiv="refresh" content="0;url=/late.html"></body></html>',
    "<html><head><title>年度报告</title>" + "<!-- 注释 -->" * 400 + '<meta http-equiv="refresh" content="0;url=/d">',
    "<html><head><title>年度报告</title>" + "<!-- 注释 -->" * 340 + '<meta http-equiv="refresh" content="0;url=/e">',
    "<html><head><title>年度报告</title>" + "<!-- 注释 -->" * 370 + '<meta http-equiv="refresh" content="0;url=/f">',
    '<html><head><meta http-equiv="refresh" content="0;url=/中文.html"></head><body>政府信息公开</body></html>',
    "<html><body>no refresh at all, 政府信息公开工作年度报告</body></html>",
]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16"])
def test_meta_refresh_check_agrees_with_scrapy(encoding: str) -> None:
    found = 0
    for html in _REFRESH_PAGES:
        response = HtmlResponse("http://www.x.gov.cn/p/1.html", body=html.encode(encoding), encoding=encoding)
        expected = _meta_refresh_plain(response)
        fresh = HtmlResponse("http://www.x.gov.cn/p/1.html", body=html.encode(encoding), encoding=encoding)
        assert _meta_refresh_target(fresh, fresh.text) == expected, html[:80]
        found += expected is not None
    assert found >= 4


# ---------------------------------------------------------------------------------------------------------------
# the spider


def _spider() -> tuple[AnnualReportsSpider, Portal]:
    crawler = get_crawler(AnnualReportsSpider, {k: v for k, v in vars(gk_settings).items() if k.isupper()})
    spider = AnnualReportsSpider.from_crawler(crawler)
    crawler.spider = spider
    seed = Seed("t-1", "测试县人民政府", "http://www.x.gov.cn/", "county", None, None, "seeds.csv", 2)
    portal = spider.portals[seed.id] = Portal(seed)
    return spider, portal


def _report_response(url: str, html: str, **gk: Any) -> HtmlResponse:
    meta = {"gk": {"seed": "t-1", "role": "report", "referer": "http://www.x.gov.cn/list.html", "hops": 0, **gk}}
    request = Request(url, meta=meta)
    return HtmlResponse(url, body=html.encode(), encoding="utf-8", request=request)


_TABLES = "<table><tr><td>本年新收政府信息公开申请数量</td><td>3</td></tr></table>"


def test_parse_report_forwards_a_refresh_page_and_keeps_a_report_that_has_one() -> None:
    spider, _ = _spider()
    forward = '<html><head><meta http-equiv="refresh" content="0;url=/xxgk/2023/t1.html"></head><body></body></html>'
    out = list(spider.parse_report(_report_response("http://www.x.gov.cn/r/1.html", forward)))
    assert [type(o) for o in out] == [Request]
    assert out[0].url == "http://www.x.gov.cn/xxgk/2023/t1.html" and out[0].meta["gk"]["hops"] == 1

    # A page with the report's tables stays, refresh or not.
    report = forward.replace("<body>", f"<body><h1>某县2023年政府信息公开工作年度报告</h1>{_TABLES}")
    out = list(spider.parse_report(_report_response("http://www.x.gov.cn/r/2.html", report)))
    assert [type(o) for o in out] == [ReportPage]

    plain = f"<html><body><h1>某县2023年政府信息公开工作年度报告</h1>{_TABLES}</body></html>"
    out = list(spider.parse_report(_report_response("http://www.x.gov.cn/r/3.html", plain)))
    assert [type(o) for o in out] == [ReportPage] and out[0].page_url == "http://www.x.gov.cn/r/3.html"


def test_parse_report_verify_and_cover_page_share_one_parse() -> None:
    spider, _ = _spider()
    cover = (
        "<html><head><title>某县2023年政府信息公开工作年度报告</title></head><body>"
        '<a href="/files/2023nb.pdf">某县2023年政府信息公开工作年度报告.pdf</a></body></html>'
    )
    out = list(spider.parse_report(_report_response("http://www.x.gov.cn/r/4.html", cover, verify=True)))
    assert [type(o) for o in out] == [Request] and out[0].url == "http://www.x.gov.cn/files/2023nb.pdf"
    not_report = cover.replace("政府信息公开工作年度报告</title>", "工作动态</title>")
    assert list(spider.parse_report(_report_response("http://www.x.gov.cn/r/5.html", not_report, verify=True))) == []
    assert spider.crawler.stats.get_value("gkspider/reports/truncated_title_not_report") == 1


def test_parse_page_counts_offsite_links_once_a_page_and_skips_the_home_page(tmp_path: Path) -> None:
    spider, _ = _spider()
    seeds = tmp_path / "seeds.csv"
    seeds.write_text(
        "id,name,url,level,region_code,list_url\nt-2,测试市人民政府,http://www.y.gov.cn/,city,,\n", encoding="utf-8"
    )
    spider.seeds_path = str(seeds)

    async def start() -> list[Request]:
        return [r async for r in spider.start()]

    [home_request] = asyncio.run(start())
    friends = "".join(f'<a href="http://www.gov{i:02d}.gov.cn/">友情链接{i}</a>' for i in range(7))
    home = (
        '<html><body><a href="/">政务公开</a><a href="/index.html">信息公开</a>'
        f'<a href="/xxgk/">政府信息公开</a>{friends}'
        '<a href="/nb/1.html" title="查看详情">测试市2023年政府信息公开工作年度报告</a></body></html>'
    )
    response = HtmlResponse(home_request.url, body=home.encode(), encoding="utf-8", request=home_request)
    out = list(spider.parse_page(response))
    # The seed's own page is not asked for again (the dupefilter would drop the request; here none is made).
    # A link whose title attribute says nothing is still a report when its text is a report title.
    assert [o.url for o in out] == ["http://www.y.gov.cn/xxgk/", "http://www.y.gov.cn/nb/1.html"]
    assert out[1].callback == spider.parse_report
    assert spider.portals["t-2"].pages == 2
    assert spider.crawler.stats.get_value("gkspider/links/offsite") == 7
    list(spider.parse_page(response))
    assert spider.crawler.stats.get_value("gkspider/links/offsite") == 14


# ---------------------------------------------------------------------------------------------------------------
# settings


def test_scrapy_per_response_costs_are_off() -> None:
    settings = Settings()
    settings.setmodule("gkspider.settings", priority="project")
    # One item pipeline worker a response: each callback yields at most one item.
    assert settings.getint("CONCURRENT_ITEMS") == 1
    assert settings.getbool("WARN_ON_GENERATOR_RETURN_VALUE") is False


@pytest.mark.parametrize("name", ["parse_page", "parse_report", "parse_file", "on_error"])
def test_no_callback_returns_a_value_from_a_generator(name: str) -> None:
    # What WARN_ON_GENERATOR_RETURN_VALUE checked on every response, checked once here.
    spider, _ = _spider()
    assert not is_generator_with_return_value(getattr(spider, name))
