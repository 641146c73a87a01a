"""The portals of the mock web: five small government sites with their 年报 columns, for crawl tests and the demo.

build_web(web) adds every page to a MockWeb and returns the Manifest: per portal, the exact set of report URLs a
perfect crawl finds, the failures it must report, and the URLs it must never request. Report pages come from
tests/corpus (reference reports and synthetic ones); the navigation, list pages and traps are made here.

| seed id     | home                        | families (docs/FAMILIES.md)                                          |
| ----------- | --------------------------- | -------------------------------------------------------------------- |
| xj-wuqia    | http://www.xjwqx.gov.cn/    | trs createPageHTML (+ countPage variant), year sub-columns, 部门 tree |
| sd-hedong   | http://www.hedong.gov.cn/   | jpage (Hanweb dataproxy.jsp POST), xxgk on a subdomain                |
| yn-jinping  | https://www.hhjp.gov.cn/    | json ($.ajax GET), query (?page=N), needs-browser (SPA shell); HTTPS  |
| yn-chuxiong | http://www.cxs.gov.cn/      | plain (list_N.html 下一页/尾页), 乡镇 tree, robots.txt, PDF, GBK page |
| test-plain  | http://www.plainxian.gov.cn/ | query (?page=N), image anchors with a title only, meta_only reports |

Report URLs in the manifest are the URLs a crawl ends on (after redirects). The same report is reachable under
other URLs too (https://, …/index.html, an old URL that redirects): those are in `aliases`; compare crawl output
with gkspider.discovery.links.canonical_url when a test does not care which one was fetched.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from tests.corpus.render import FAMILY_DROPS, content_type, expected_for, load_doc, render_doc, render_report
from tests.corpus.synthetic import synthetic_doc, synthetic_expected
from tests.mockweb.server import MockRequest, MockResponse, MockWeb, not_found, page, redirect

HTML = "text/html; charset=utf-8"


# ---------------------------------------------------------------- manifest


@dataclass
class PortalManifest:
    seed_id: str
    home: str
    reports: dict[str, str] = field(default_factory=dict)  # final report URL -> "ref:000" | "syn:<organ>:<year>"
    expected_failures: dict[str, str] = field(default_factory=dict)  # URL -> reason (failures.jsonl)
    forbidden: set[str] = field(default_factory=set)  # never to be requested: off-site, robots-disallowed
    name: str = ""
    level: str = "county"
    region_code: str = ""
    site: str = ""  # the registrable domain: every on-site host is it or ends with "." + it
    families: tuple[str, ...] = ()  # the navigation/pagination families of docs/FAMILIES.md this portal uses
    renderings: dict[str, str] = field(default_factory=dict)  # report URL -> tests.corpus family of its page
    aliases: dict[str, str] = field(default_factory=dict)  # another URL serving a report -> its URL in reports
    pages: list[str] = field(default_factory=list)  # every URL served for this portal (a handler's URL once)

    def on_site(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return host == self.site or host.endswith("." + self.site)


@dataclass
class Manifest:
    portals: dict[str, PortalManifest] = field(default_factory=dict)
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)  # "syn:<organ>:<year>" -> its synthetic doc

    def all_reports(self) -> dict[str, str]:
        return {url: key for p in self.portals.values() for url, key in p.reports.items()}

    def expected(self, report_url: str) -> dict[str, Any]:
        """The expected item (title … tables) of a manifest report, as read from the page it is served as."""
        for portal in self.portals.values():
            url = portal.aliases.get(report_url, report_url)
            if url in portal.reports:
                key, family = portal.reports[url], portal.renderings[url]
                if key.startswith("ref:"):
                    return expected_for(key[4:], family)
                expected = synthetic_expected(self.docs[key])
                for name in FAMILY_DROPS.get(family, ()):
                    expected[name] = None
                return expected
        raise KeyError(report_url)

    def seeds_csv(self, ids: Iterable[str] | None = None) -> str:
        """A seed list (seeds/README.md format) of these portals, or of the ids given."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "name", "url", "level", "region_code", "list_url"])
        for seed_id in ids or self.portals:
            p = self.portals[seed_id]
            writer.writerow([p.seed_id, p.name, p.home, p.level, p.region_code, ""])
        return out.getvalue()


# ---------------------------------------------------------------- building blocks


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def a(href: str, text: str, *, title: str | None = None, blank: bool = False) -> str:
    attrs = f' title="{esc(title)}"' if title else ""
    attrs += ' target="_blank"' if blank else ""
    return f'<a href="{esc(href)}"{attrs}>{esc(text)}</a>'


def cut(text: str, keep: int = 18) -> str:
    """A list title as CMS templates cut it: the first characters and '...'."""
    return text if len(text) <= keep else text[:keep] + "..."


def _publish_day(doc: dict[str, Any]) -> str:
    for item in doc.get("metadata", []):
        if item.get("field") == "publish" and item.get("value"):
            return item["value"][:10]
    raise ValueError(f"doc {doc.get('id')} has no publish date")


@dataclass
class Entry:
    """One row of a list page: a report, a trap or a dead link."""

    href: str  # as linked (relative or absolute)
    title: str
    day: str  # YYYY-MM-DD
    cut: bool = False  # text cut with '...', the whole title only in the title attribute
    url: str = ""  # the absolute URL the href leads to, when the builder knows it

    def linked_as(self, href: str) -> Entry:
        """The same row, linked another way (absolute path, ../, https://)."""
        return replace(self, href=href)


_HREF = re.compile(rb"""(?:href|src)\s*=\s*["']([^"']+)["']|"(?:url|link|href)"\s*:\s*"([^"]+)\"""", re.I)


class _Site:
    """Adds the pages of one portal to the web and keeps its manifest up to date."""

    def __init__(self, web: MockWeb, manifest: Manifest, portal: PortalManifest) -> None:
        self.web, self.manifest, self.pm = web, manifest, portal
        manifest.portals[portal.seed_id] = portal

    def add(
        self,
        url: str,
        body: bytes | str,
        *,
        ctype: str = HTML,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        self.web.add(url, body, status=status, headers=headers, content_type=ctype)
        self._note(url, body)
        return url

    def add_dir(self, url: str, body: bytes | str) -> str:
        """A directory page, also served as …/index.html (TRS and most CMSs publish both)."""
        assert url.endswith("/"), url
        self.add(url + "index.html", body)
        return self.add(url, body)

    def route(
        self, url: str, handler: Callable[[MockRequest], MockResponse | None], bodies: Iterable[bytes | str]
    ) -> str:
        """A dynamic page; bodies are all it can answer with (scanned for off-site links)."""
        self.web.route(url, handler)
        self.pm.pages.append(url)
        for body in bodies:
            self._scan(url, body)
        return url

    def report(self, url: str, key: str, doc: dict[str, Any], family: str) -> str:
        body = render_report(key[4:], family) if key.startswith("ref:") else render_doc(doc, family)
        self.add(url, body, ctype=content_type(family))
        self.pm.reports[url] = key
        self.pm.renderings[url] = family
        if key.startswith("syn:"):
            self.manifest.docs[key] = doc
        return url

    def alias(self, url: str, report_url: str) -> str:
        """Serve a report under one more URL (same bytes)."""
        key, family = self.pm.reports[report_url], self.pm.renderings[report_url]
        body = render_report(key[4:], family) if key.startswith("ref:") else render_doc(self.manifest.docs[key], family)
        self.add(url, body, ctype=content_type(family))
        self.pm.aliases[url] = report_url
        return url

    def moved(self, old_url: str, report_url: str) -> str:
        """A report's old address, answered with a 301 to its present one."""
        self.web.route(old_url, redirect(report_url))
        self.pm.pages.append(old_url)
        self.pm.aliases[old_url] = report_url
        return old_url

    def _note(self, url: str, body: bytes | str) -> None:
        self.pm.pages.append(url)
        self._scan(url, body)

    def _scan(self, url: str, body: bytes | str) -> None:
        # Every off-site link the portal shows is a URL a correct crawl never requests.
        raw = body.encode("utf-8") if isinstance(body, str) else body
        for m in _HREF.finditer(raw):
            target = urljoin(url, (m.group(1) or m.group(2)).decode("latin-1").strip())
            if target.startswith(("http://", "https://")) and not self.pm.on_site(target):
                self.pm.forbidden.add(target.split("#", 1)[0])


def _seed(organ: str, year: int) -> int:
    return zlib.crc32(f"{organ}|{year}".encode()) % 100000


def _syn(organ: str, year: int, crumbs: list[str]) -> tuple[str, dict[str, Any]]:
    doc = synthetic_doc(organ=organ, year=year, seed=_seed(organ, year))
    doc["crumbs"] = crumbs  # the portal's own breadcrumb; not part of the expected item
    return f"syn:{organ}:{year}", doc


def _ref(report_id: str) -> tuple[str, dict[str, Any]]:
    return f"ref:{report_id}", load_doc(report_id)


def _page(title: str, body: str, *, charset: str = "utf-8", head: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta http-equiv="Content-Type" content="text/html; '
        f'charset={charset}">\n<title>{esc(title)}</title>\n{head}</head>\n<body>\n{body}\n</body></html>\n'
    )


def _article(chrome: Callable[[str, str], str], title: str, paragraphs: Iterable[str], day: str) -> str:
    """A plain news/notice article: what every trap page is."""
    text = "\n".join(f'<p style="text-indent:2em">{esc(p)}</p>' for p in paragraphs)
    return chrome(
        title,
        f'<div class="article"><h1>{esc(title)}</h1><div class="info">发布日期:{day}</div>\n'
        f'<div class="content">{text}</div></div>',
    )


def _ul(entries: Iterable[Entry], cls: str = "list") -> str:
    items = []
    for e in entries:
        if e.cut:
            link = a(e.href, cut(e.title), title=e.title, blank=True)
        else:
            link = a(e.href, e.title, blank=True)
        items.append(f'<li>{link}<span class="date">{e.day}</span></li>')
    return f'<ul class="{cls}">\n' + "\n".join(items) + "\n</ul>"


def _trap_text(title: str) -> list[str]:
    return [
        f"{title}。",
        "为深入贯彻落实《中华人民共和国政府信息公开条例》,进一步做好政府信息公开工作,现将有关事项说明如下。",
        "一、高度重视,加强组织领导。二、突出重点,抓好工作落实。三、强化监督,确保取得实效。",
    ]


# ---------------------------------------------------------------- xj-wuqia: TRS


def _wuqia(web: MockWeb, manifest: Manifest) -> None:
    base = "http://www.xjwqx.gov.cn"
    site = _Site(
        web,
        manifest,
        PortalManifest(
            "xj-wuqia",
            f"{base}/",
            name="乌恰县人民政府",
            region_code="653024",
            site="xjwqx.gov.cn",
            families=("trs", "trs-countPage", "year-subcolumns", "organ-tree"),
        ),
    )
    owner = "乌恰县人民政府"

    def chrome(title: str, main: str, crumbs: Iterable[tuple[str, str]] = ()) -> str:
        trail = " &gt; ".join(a(h, t) for h, t in [("/", "首页"), *crumbs])
        return _page(
            f"{title}_{owner}",
            f"""<div class="top"><a href="/">{owner}</a> | <a href="#">无障碍浏览</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/xwzx/">新闻中心</a></li></ul></div>
<div class="position">当前位置:{trail}</div>
<div class="main">
{main}
</div>
<div class="footer"><div class="links">友情链接:<a href="http://www.gov.cn/" target="_blank">中国政府网</a>
<a href="http://www.xinjiang.gov.cn/" target="_blank">新疆维吾尔自治区人民政府</a>
<a href="http://www.xjkz.gov.cn/" target="_blank">克孜勒苏柯尔克孜自治州人民政府</a></div>
<p>主办单位:{owner}办公室 &nbsp; 网站标识码:6530240001</p></div>""",
            head='<script src="/js/jquery.min.js"></script>\n',
        )

    def trs_report(col: str, key_doc: tuple[str, dict[str, Any]], n: int) -> Entry:
        key, doc = key_doc
        day = _publish_day(doc)
        url = f"{base}{col}{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{n}.html"
        site.report(url, key, doc, "trs")
        return Entry(f"./{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{n}.html", doc["title"], day, url=url)

    def trap(col: str, title: str, day: str, n: int) -> Entry:
        rel = f"{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{n}.html"
        url = site.add(f"{base}{col}{rel}", _article(chrome, title, _trap_text(title), day))
        return Entry("./" + rel, title, day, url=url)

    def trs_list(
        col: str,
        title: str,
        pages: list[list[Entry]],
        crumbs: list[tuple[str, str]],
        *,
        variant: bool = False,
        top: str = "",
    ) -> None:
        count = len(pages)
        for i, entries in enumerate(pages):
            if variant:  # the countPage variant: the same call, through variables
                pager = (
                    f'<script>\nvar countPage = {count};\nvar currentPage = {i};\nvar prefixName = "index";\n'
                    'var suffixName = "html";\ncreatePageHTML(countPage, currentPage, prefixName, suffixName);\n'
                    "</script>"
                )
            else:
                pager = f'<script>createPageHTML({count}, {i}, "index", "html");</script>'
            body = chrome(
                title,
                f'<h2 class="column-title">{esc(title)}</h2>\n{top}\n{_ul(entries)}\n<div class="page">{pager}</div>',
                crumbs,
            )
            if i == 0:
                site.add_dir(f"{base}{col}", body)
            else:
                site.add(f"{base}{col}index_{i}.html", body)

    # home and navigation
    site.add_dir(
        f"{base}/",
        chrome(
            "首页",
            f"""<div class="banner"><img src="/images/banner.jpg" alt=""></div>
<div class="block"><h3>政务公开</h3><ul>
<li>{a("/zwgk/", "政务公开")}</li>
<li>{a("/zwgk/zfxxgkzl/", "政府信息公开专栏")}</li></ul></div>
<div class="block"><h3>新闻中心</h3><ul>
<li>{a("/xwzx/202403/t20240312_900.html", "乌恰县召开2024年政务公开工作推进会")}</li>
<li>{a("https://www.xjats.gov.cn/zwgk/gknb/202301/t20230120_7.html", "阿图什市2022年政府信息公开工作年度报告", blank=True)}</li>
</ul></div>""",
        ),
    )
    site.add_dir(
        f"{base}/xwzx/",
        chrome(
            "新闻中心",
            _ul([Entry("./202403/t20240312_900.html", "乌恰县召开2024年政务公开工作推进会", "2024-03-12")]),
            [("/xwzx/", "新闻中心")],
        ),
    )
    site.add(
        f"{base}/xwzx/202403/t20240312_900.html",
        _article(chrome, "乌恰县召开2024年政务公开工作推进会", ["会议总结了2023年政务公开工作。"], "2024-03-12"),
    )
    zwgk = [("/zwgk/", "政务公开")]
    points = trap("/zwgk/zcwj/", "乌恰县2023年政务公开工作要点", "2023-03-01", 501)
    rule_of_law = trap("/zwgk/zcwj/", "乌恰县2022年法治政府建设年度报告", "2023-02-15", 502)
    site.add_dir(f"{base}/zwgk/zcwj/", chrome("政策文件", _ul([points, rule_of_law]), zwgk))
    site.add_dir(
        f"{base}/zwgk/",
        chrome(
            "政务公开",
            f"""<div class="side"><ul>
<li>{a("/zwgk/zfxxgkzl/", "政府信息公开专栏")}</li>
<li>{a("/zwgk/zcwj/", "政策文件")}</li></ul></div>
<div class="list"><h3>工作动态</h3>{
                _ul(
                    [
                        points.linked_as(points.url.removeprefix(base)),
                        rule_of_law.linked_as(rule_of_law.url.removeprefix(base)),
                    ]
                )
            }</div>""",
            zwgk,
        ),
    )
    zl = [*zwgk, ("/zwgk/zfxxgkzl/", "政府信息公开专栏")]
    site.add_dir(
        f"{base}/zwgk/zfxxgkzl/zfxxgkzn/",
        _article(chrome, "乌恰县人民政府政府信息公开指南", _trap_text("乌恰县人民政府政府信息公开指南"), "2020-06-01"),
    )
    site.add_dir(
        f"{base}/zwgk/zfxxgkzl/gkml/",
        _article(chrome, "乌恰县人民政府政府信息公开目录", _trap_text("乌恰县人民政府政府信息公开目录"), "2020-06-01"),
    )
    site.add_dir(
        f"{base}/zwgk/zfxxgkzl/",
        chrome(
            "政府信息公开专栏",
            f"""<div class="side"><ul>
<li>{a("./zfxxgkzn/", "政府信息公开指南")}</li>
<li>{a("./gkml/", "政府信息公开目录")}</li>
<li>{a("./gknb/", "公开年报")}</li>
<li>{a("./bmxxgk/", "部门信息公开")}</li></ul></div>""",
            zl,
        ),
    )

    # 公开年报: three TRS pages, two year sub-columns, traps in the list, a dead link, a cut title
    col = "/zwgk/zfxxgkzl/gknb/"
    crumbs = [*zl, (col, "公开年报")]
    ref000 = trs_report(col, _ref("000"), 86)
    ref004 = trs_report(col, _ref("004"), 221)
    syn = {
        y: trs_report(
            col, _syn(owner, y, ["首页", "政务公开", "政府信息公开专栏", "公开年报", f"{y}年"]), 100 + y - 2000
        )
        for y in (2019, 2021, 2022, 2023, 2024)
    }
    syn[2021].cut = True
    figure = trap(col, "图解：乌恰县人民政府2023年政府信息公开工作年度报告", "2024-01-26", 301)
    reading = trap(col, "关于《乌恰县人民政府2022年政府信息公开工作年度报告》的解读", "2023-01-20", 302)
    dead = Entry("./201901/t20190125_12.html", f"{owner}2018年政府信息公开工作年度报告", "2019-01-25")
    site.pm.expected_failures[f"{base}{col}201901/t20190125_12.html"] = "http-404"
    years = f'<div class="years">{a("./2025/", "2025年")} {a("./2020/", "2020年")}</div>'
    trs_list(
        col,
        "公开年报",
        [[ref004, syn[2024], figure, syn[2023]], [syn[2022], reading, syn[2021]], [ref000, syn[2019], dead]],
        crumbs,
        top=years,
    )
    # The 2020年 sub-column links 000 again, as https://: one report, two columns, two schemes.
    https000 = site.alias(ref000.url.replace("http://", "https://", 1), ref000.url)
    trs_list(f"{col}2020/", "2020年", [[ref000.linked_as(https000)]], [*crumbs, (f"{col}2020/", "2020年")])
    trs_list(
        f"{col}2025/",
        "2025年",
        [[ref004.linked_as("../" + ref004.href.removeprefix("./"))]],
        [*crumbs, (f"{col}2025/", "2025年")],
    )

    # 部门信息公开: three departments, each with its own 年报 column
    bm = f"{base}/zwgk/zfxxgkzl/bmxxgk/"
    depts = [
        ("fgw", "乌恰县发展和改革委员会", (2019, 2020, 2021, 2022)),
        ("jyj", "乌恰县教育局", (2021, 2022)),
        ("czj", "乌恰县财政局", (2022, 2023)),
    ]
    bm_crumbs = [*zl, ("/zwgk/zfxxgkzl/bmxxgk/", "部门信息公开")]
    site.add_dir(
        bm,
        chrome(
            "部门信息公开",
            '<ul class="dept">\n'
            + "\n".join(f"<li>{a(f'./{slug}/', organ)}</li>" for slug, organ, _ in depts)
            + "\n</ul>",
            bm_crumbs,
        ),
    )
    for k, (slug, organ, dept_years) in enumerate(depts):
        dcol = f"/zwgk/zfxxgkzl/bmxxgk/{slug}/gknb/"
        d_crumbs = [*bm_crumbs, (f"/zwgk/zfxxgkzl/bmxxgk/{slug}/", organ)]
        site.add_dir(
            f"{bm}{slug}/",
            chrome(
                organ,
                f"""<h2>{esc(organ)}</h2><div class="side"><ul>
<li>{a("#", "机构职能")}</li>
<li>{a("./gknb/", "政府信息公开年报")}</li>
<li>{a("/zwgk/zfxxgkzl/zfxxgkzn/", "政府信息公开指南")}</li></ul></div>""",
                d_crumbs,
            ),
        )
        entries = [
            trs_report(dcol, _syn(organ, y, ["首页", "部门信息公开", organ, "政府信息公开年报"]), 400 + 10 * k + i)
            for i, y in enumerate(sorted(dept_years, reverse=True))
        ]
        pages = [entries[:2], entries[2:]] if slug == "fgw" else [entries]
        trs_list(dcol, "政府信息公开年报", pages, [*d_crumbs, (dcol, "政府信息公开年报")], variant=slug == "fgw")


# ---------------------------------------------------------------- sd-hedong: Hanweb jpage


def _hedong(web: MockWeb, manifest: Manifest) -> None:
    www, xxgk = "http://www.hedong.gov.cn", "http://xxgk.hedong.gov.cn"
    site = _Site(
        web,
        manifest,
        PortalManifest(
            "sd-hedong",
            f"{www}/",
            name="河东区人民政府",
            region_code="371312",
            site="hedong.gov.cn",
            families=("jpage", "subdomain"),
        ),
    )
    owner = "临沂市河东区人民政府"
    webname = quote("临沂市河东区人民政府")

    def chrome(title: str, main: str) -> str:
        return _page(
            f"{title} {owner}",
            f"""<div id="header"><div class="logo"><img src="/images/logo.png" alt="{owner}"></div>
<div class="menu"><a href="{www}/">首页</a> <a href="{xxgk}/">政府信息公开</a> <a href="{www}/col/col100/index.html">新闻中心</a></div></div>
<div class="dqwz">您现在的位置:<a href="{www}/">首页</a> &gt; {esc(title)}</div>
<div id="main">
{main}
</div>
<div id="footer">版权所有:{owner} &nbsp; <a href="http://www.gov.cn/">中国政府网</a> <a href="http://www.shandong.gov.cn/">山东省人民政府</a>
<a href="http://www.linyi.gov.cn/">临沂市人民政府</a></div>""",
            head='<script src="/module/jslib/jquery/jquery.js"></script>\n',
        )

    def record(e: Entry) -> str:
        return (
            f'<li><a href="{esc(e.href)}" title="{esc(e.title)}" target="_blank">{esc(cut(e.title, 22))}</a>'
            f"<span>{e.day}</span></li>"
        )

    columns: dict[str, list[Entry]] = {}

    def jpage_column(colid: str, title: str, entries: list[Entry], per_page: int = 15, group: int = 3) -> None:
        columns[colid] = entries
        nextgroup = (
            f'<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid={colid}'
            f'&unitid=12345&webname={webname}&permissiontype=0"></a>'
        )
        records = "\n".join(f"<record><![CDATA[{record(e)}]]></record>" for e in entries[:per_page])
        main = f"""<div class="lm_name">{esc(title)}</div>
<div id="{colid}"><script type="text/xml"><datastore><nextgroup><![CDATA[{nextgroup}]]></nextgroup><recordset>
{records}
</recordset></datastore></script></div>
<script type="text/javascript" src="/module/web/jpage/jpage.js"></script>
<script>$(function(){{ $('#{colid}').jpage({{ dataStore: dataStore, perPage: {per_page}, totalRecord: {len(entries)}, groupSize: {group}, barPosition: 'bottom', proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: {{ col: 1, appid: 1, webid: 1, path: '/', columnid: {colid}, sourceContentType: 1, unitid: 12345, webname: '{webname}', permissiontype: 0 }} }}); }});</script>"""
        site.add(f"{xxgk}/col/col{colid}/index.html", chrome(title, main))

    def dataproxy(request: MockRequest) -> MockResponse:
        if request.method != "POST":
            return page("<html><body>405 Method Not Allowed</body></html>", status=405, Allow="POST")
        entries = columns.get(request.arg("columnid") or "", [])
        try:
            start = max(int(request.arg("startrecord") or 1), 1)
            end = int(request.arg("endrecord") or start + 44)
        except ValueError:
            start, end = 1, 0
        return page(
            _jpage_xml(len(entries), [record(e) for e in entries[start - 1 : end]]),
            content_type="text/xml;charset=UTF-8",
        )

    n = iter(range(200, 10_000))

    def hanweb_report(colid: str, key_doc: tuple[str, dict[str, Any]], art: int | None = None) -> Entry:
        key, doc = key_doc
        day = _publish_day(doc)
        y, m, d = (int(x) for x in day.split("-"))
        path = f"/art/{y}/{m}/{d}/art_{colid}_{art or next(n)}.html"
        site.report(f"{xxgk}{path}", key, doc, "hanweb")
        return Entry(path, doc["title"], day)

    def trap(colid: str, title: str, day: str) -> Entry:
        y, m, d = (int(x) for x in day.split("-"))
        path = f"/art/{y}/{m}/{d}/art_{colid}_{next(n)}.html"
        site.add(f"{xxgk}{path}", _article(chrome, title, _trap_text(title), day))
        return Entry(path, title, day)

    # www home → xxgk subdomain
    site.add_dir(
        f"{www}/",
        chrome(
            "首页",
            f"""<ul class="menu">
<li>{a(xxgk + "/", "政府信息公开")}</li>
<li>{a("/col/col100/index.html", "新闻中心")}</li>
<li>{a("http://www.gov.cn/", "中国政府网")}</li></ul>
<ul class="news"><li>{a("/art/2023/2/19/art_100_55.html", "河东区召开政府信息公开工作推进会")}</li></ul>""",
        ),
    )
    site.add(
        f"{www}/col/col100/index.html",
        chrome(
            "新闻中心", _ul([Entry("/art/2023/2/19/art_100_55.html", "河东区召开政府信息公开工作推进会", "2023-02-19")])
        ),
    )
    site.add(
        f"{www}/art/2023/2/19/art_100_55.html",
        _article(chrome, "河东区召开政府信息公开工作推进会", ["会议部署了年度报告编制工作。"], "2023-02-19"),
    )

    # 区政府 年报 column (4588): few records, all embedded; traps beside the reports
    county = [
        hanweb_report("4588", _syn("河东区人民政府", y, ["首页", "政府信息公开", "政府信息公开年报"]))
        for y in (2022, 2021, 2020, 2019)
    ]
    gov_report = trap("4588", "2023年河东区人民政府工作报告", "2023-01-10")
    stats = trap("4588", "河东区2022年国民经济和社会发展统计公报", "2023-03-20")
    jpage_column("4588", "政府信息公开年报", [stats, gov_report, *county])

    # 部门年报 column (4589): 22 records, 15 embedded, the rest only through POST dataproxy.jsp
    organs = ["河东区发展和改革局", "河东区教育和体育局", "河东区财政局", "河东区民政局", "河东区司法局"]
    dept: list[Entry] = []
    for y in (2022, 2021, 2020, 2019):
        dept += [hanweb_report("4589", _syn(o, y, ["首页", "政府信息公开", o, "部门年报"])) for o in organs]
        if y == 2021:
            dept.append(trap("4589", "河东区教育和体育局2021年政府信息公开工作年度报告解读", "2022-02-10"))
        if y == 2020:
            dept.append(hanweb_report("4589", _ref("001"), art=123))  # record 17: behind the POST
    jpage_column("4589", "部门年报", dept)
    site.route(
        f"{xxgk}/module/web/jpage/dataproxy.jsp",
        dataproxy,
        [_jpage_xml(len(es), [record(e) for e in es]) for es in columns.values()],
    )

    # xxgk home
    guide = f"{xxgk}/col/col4581/index.html"
    site.add(
        guide,
        _article(chrome, "河东区人民政府政府信息公开指南", _trap_text("河东区人民政府政府信息公开指南"), "2020-05-01"),
    )
    site.add(
        f"{xxgk}/col/col4582/index.html",
        _article(chrome, "河东区人民政府政府信息公开目录", _trap_text("河东区人民政府政府信息公开目录"), "2020-05-01"),
    )
    site.add_dir(
        f"{xxgk}/",
        chrome(
            "政府信息公开",
            f"""<div class="xxgk-nav"><ul>
<li>{a("/col/col4581/index.html", "政府信息公开指南")}</li>
<li>{a("/col/col4582/index.html", "政府信息公开目录")}</li>
<li>{a("/col/col4588/index.html", "政府信息公开年报")}</li>
<li>{a("/col/col4589/index.html", "部门年报")}</li></ul></div>""",
        ),
    )


def _jpage_xml(total: int, records: list[str]) -> str:
    body = "".join(f"<record><![CDATA[{r}]]></record>" for r in records)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{total}</totalrecord>'
        f"<recordset>{body}</recordset></datastore>"
    )


# ---------------------------------------------------------------- yn-jinping: HTTPS, JSON, ?page=N, SPA


def _jinping(web: MockWeb, manifest: Manifest) -> None:
    base = "https://www.hhjp.gov.cn"
    site = _Site(
        web,
        manifest,
        PortalManifest(
            "yn-jinping",
            f"{base}/",
            name="金平苗族瑶族傣族自治县人民政府",
            region_code="532530",
            site="hhjp.gov.cn",
            families=("https", "json", "query", "needs-browser"),
        ),
    )
    owner = "金平苗族瑶族傣族自治县人民政府"
    # The seed list says http://: the portal answers with a redirect to its https home.
    site.add("http://www.hhjp.gov.cn/", b"", status=301, headers={"Location": f"{base}/"})

    def chrome(title: str, main: str) -> str:
        return _page(
            f"{title}-{owner}",
            f"""<div class="topbar"><span>欢迎访问{owner}门户网站</span></div>
<div class="header"><a class="logo" href="/">{owner}</a>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li></ul></div>
<div class="wrap">
{main}
</div>
<div class="footer"><a href="http://www.hh.gov.cn/" target="_blank">红河州人民政府</a> <a href="https://www.yn.gov.cn/" target="_blank">云南省人民政府</a>
<p>主办:{owner}办公室</p></div>""",
            head='<script src="/static/js/jquery-3.6.0.min.js"></script>\n',
        )

    counter = iter(range(600, 10_000))

    def ulli_report(col: str, key_doc: tuple[str, dict[str, Any]], n: int | None = None) -> Entry:
        key, doc = key_doc
        day = _publish_day(doc)
        path = f"{col}{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{n or next(counter)}.html"
        site.report(base + path, key, doc, "ulli")
        return Entry(path, doc["title"], day)

    def trap(col: str, title: str, day: str) -> Entry:
        path = f"{col}{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{next(counter)}.html"
        site.add(base + path, _article(chrome, title, _trap_text(title), day))
        return Entry(path, title, day)

    site.add_dir(
        f"{base}/",
        chrome(
            "首页",
            f"""<div class="block"><h3>政务公开</h3><ul>
<li>{a("/zwgk/", "政务公开")}</li></ul></div>
<div class="block"><h3>县市动态</h3><ul>
<li>{a("http://www.mengzi.gov.cn/zwgk/xxgknb/202302/t20230210_3.html", "蒙自市2022年政府信息公开工作年度报告", blank=True)}</li>
</ul></div>""",
        ),
    )
    site.add_dir(
        f"{base}/zwgk/", chrome("政务公开", f'<ul class="side"><li>{a("/zwgk/zfxxgk/", "政府信息公开")}</li></ul>')
    )
    notice = trap("/zwgk/tzgg/", "关于开展2022年度企业年报公示工作的通知", "2023-01-05")
    site.add_dir(
        f"{base}/zwgk/zfxxgk/",
        chrome(
            "政府信息公开",
            f"""<ul class="side">
<li>{a("/zwgk/zfxxgk/gknb/", "政府信息公开年报")}</li>
<li>{a("/zwgk/zfxxgk/bmnb/", "部门信息公开年报")}</li>
<li>{a("/zwgk/zfxxgk/xznb/", "乡镇信息公开年报")}</li></ul>
<div class="notice"><h3>通知公告</h3>{_ul([notice])}</div>""",
        ),
    )

    # 政府信息公开年报: an empty <ul> filled by $.ajax from /api/content/list
    col = "/zwgk/zfxxgk/gknb/"
    ref002 = ulli_report(col, _ref("002"), 586)
    years = {
        y: ulli_report(col, _syn("金平县人民政府", y, ["首页", "政务公开", "政府信息公开", "政府信息公开年报"]))
        for y in (2019, 2020, 2021, 2023, 2024)
    }
    records = [
        years[2024],
        years[2023],
        trap(col, "一图读懂金平县2022年政府信息公开工作年度报告", "2023-02-21"),
        ref002,
        trap(col, "关于做好2022年政府信息公开工作年度报告编制工作的通知", "2022-12-15"),
        years[2021],
        years[2020],
        years[2019],
    ]
    json_records = [{"title": e.title, "url": e.href, "publishDate": e.day} for e in records]
    json_records[5]["url"] = base + json_records[5]["url"]  # some CMSs give absolute links
    site.add_dir(
        f"{base}{col}",
        chrome(
            "政府信息公开年报",
            """<div class="lm-title">政府信息公开年报</div>
<ul id="list"></ul>
<div id="pager"></div>
<script>
function render(list) { var h = ""; for (var i = 0; i < list.length; i++) { h += '<li><a href="' + list[i].url + '" target="_blank">' + list[i].title + '</a><span>' + list[i].publishDate + '</span></li>'; } $("#list").html(h); }
$.ajax({ url: "/api/content/list", type: "GET", dataType: "json",
         data: { channelId: "1024", pageNo: 1, pageSize: 3 },
         success: function (res) { render(res.data.list); } });
</script>""",
        ),
    )

    def api(request: MockRequest) -> MockResponse:
        rows = json_records if request.arg("channelId") == "1024" else []
        try:
            number = max(int(request.arg("pageNo") or 1), 1)
            size = max(int(request.arg("pageSize") or 10), 1)
        except ValueError:
            return page('{"code": 400, "msg": "bad parameter"}', status=400, content_type="application/json")
        data = {
            "total": len(rows),
            "pageNo": number,
            "pageSize": size,
            "pages": -(-len(rows) // size),
            "list": rows[(number - 1) * size : number * size],
        }
        return page(
            json.dumps({"code": 200, "data": data}, ensure_ascii=False), content_type="application/json;charset=UTF-8"
        )

    site.route(f"{base}/api/content/list", api, [json.dumps(json_records, ensure_ascii=False)])

    # 部门信息公开年报: ?page=N
    bcol = "/zwgk/zfxxgk/bmnb/"
    organs = [
        ("金平县教育体育局", (2023, 2022, 2021)),
        ("金平县卫生健康局", (2023, 2022, 2021)),
        ("金平县自然资源局", (2023, 2022)),
    ]
    entries = [ulli_report(bcol, _syn(o, y, ["首页", "政务公开", "部门信息公开年报"])) for o, ys in organs for y in ys]
    entries.sort(key=lambda e: e.day, reverse=True)
    entries.insert(4, trap(bcol, "金平县市场监督管理局关于2022年度企业年报公示的提示", "2023-01-15"))
    per = 3
    pages = [entries[i : i + per] for i in range(0, len(entries), per)]
    bodies = {}
    for i, chunk in enumerate(pages, 1):
        pager = [a("?page=1", "首页")] + ([a(f"?page={i - 1}", "上一页")] if i > 1 else [])
        pager += [a(f"?page={k}", str(k)) for k in range(1, len(pages) + 1)]
        pager += ([a(f"?page={i + 1}", "下一页")] if i < len(pages) else []) + [a(f"?page={len(pages)}", "尾页")]
        bodies[i] = chrome(
            "部门信息公开年报",
            f'<div class="lm-title">部门信息公开年报</div>\n{_ul(chunk)}\n'
            f'<div class="pagination">{" ".join(pager)}</div>',
        )
    empty = chrome(
        "部门信息公开年报", '<div class="lm-title">部门信息公开年报</div>\n<ul class="list"></ul>\n<p>暂无数据</p>'
    )

    def by_page(request: MockRequest) -> MockResponse | None:
        if request.path_only not in (bcol, bcol + "index.html"):
            return None
        try:
            number = int(request.arg("page") or 1)
        except ValueError:
            number = 1
        return page(bodies.get(number, empty))

    site.route(f"{base}{bcol}", by_page, bodies.values())

    # 乡镇信息公开年报: a Vue shell; the list exists only after scripts run
    spa = _page(
        owner,
        """<noscript><strong>We're sorry but this site doesn't work properly without JavaScript enabled. Please enable it to continue.</strong></noscript>
<div id="app"></div>
<script src="/zwgk/zfxxgk/xznb/static/js/chunk-vendors.3f1a2b.js"></script><script src="/zwgk/zfxxgk/xznb/static/js/app.9c8d7e.js"></script>""",
        head='<link href="/zwgk/zfxxgk/xznb/static/css/app.9c8d7e.css" rel="stylesheet">\n',
    )
    spa_url = site.add_dir(f"{base}/zwgk/zfxxgk/xznb/", spa)
    for asset, ctype in (
        ("js/chunk-vendors.3f1a2b.js", "application/javascript"),
        ("js/app.9c8d7e.js", "application/javascript"),
        ("css/app.9c8d7e.css", "text/css"),
    ):
        # The bundles exist but hold no links a crawler could read: the list is fetched by code at run time.
        site.add(
            f"{spa_url}static/{asset}",
            "/* built */\n"
            if ctype == "text/css"
            else '(function(){var api="/api/v2/xxgk/list";window.__APP__={api:api};})();\n',
            ctype=ctype,
        )
    site.pm.expected_failures[spa_url] = "needs-browser"


# ---------------------------------------------------------------- yn-chuxiong: plain list_N.html, 乡镇 tree


def _chuxiong(web: MockWeb, manifest: Manifest) -> None:
    base = "http://www.cxs.gov.cn"
    site = _Site(
        web,
        manifest,
        PortalManifest(
            "yn-chuxiong",
            f"{base}/",
            name="楚雄市人民政府",
            region_code="532301",
            site="cxs.gov.cn",
            families=("plain", "organ-tree", "robots", "attachment", "gbk", "redirect"),
        ),
    )
    owner = "楚雄市人民政府"
    site.add(f"{base}/robots.txt", "User-agent: *\nDisallow: /private/\n", ctype="text/plain")

    def chrome(title: str, main: str) -> str:
        return _page(
            f"{title}--{owner}",
            f"""<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0"><tr><td class="top_bg">{owner}</td></tr>
<tr><td class="menu"><a href="/">首页</a> | <a href="/xxgk/">信息公开</a></td></tr></table>
<table width="1000" border="0" align="center"><tr><td class="wz">您当前的位置: <a href="/">首页</a> &gt;&gt; {esc(title)}</td></tr></table>
<table width="1000" border="0" align="center"><tr><td class="main">
{main}
</td></tr></table>
<table width="1000" border="0" align="center"><tr><td class="bottom">主办:{owner} &nbsp; <a href="http://www.cxz.gov.cn/">楚雄彝族自治州人民政府</a> &nbsp; <a href="https://www.yn.gov.cn/">云南省人民政府</a> &nbsp; 滇ICP备05000001号</td></tr></table>""",
        )

    def cxs_report(col: str, key_doc: tuple[str, dict[str, Any]], n: int, family: str = "cxs") -> Entry:
        key, doc = key_doc
        day = _publish_day(doc)
        name = f"{day.replace('-', '')}{n:03d}.html"
        url = site.report(f"{base}{col}{name}", key, doc, family)
        return Entry(name, doc["title"], day, url=url)

    def plain_list(col: str, title: str, entries: list[Entry], per: int) -> None:
        pages = [entries[i : i + per] for i in range(0, len(entries), per)] or [[]]
        last = len(pages)
        for i, chunk in enumerate(pages, 1):
            name = "list.html" if i == 1 else f"list_{i}.html"
            pager = ""
            if last > 1:  # 首页/上一页/下一页/尾页, as the CMS prints them (list.html is page 1)
                links = [a("list.html", "首页")]
                if i > 1:
                    links.append(a("list.html" if i == 2 else f"list_{i - 1}.html", "上一页"))
                if i < last:
                    links.append(a(f"list_{i + 1}.html", "下一页"))
                links.append(a(f"list_{last}.html", "尾页"))
                pager = f'<div class="page">共{len(entries)}条 第{i}/{last}页 {" ".join(links)}</div>'
            site.add(f"{base}{col}{name}", chrome(title, f'<div class="lm">{esc(title)}</div>\n{_ul(chunk)}\n{pager}'))

    def trap(col: str, title: str, day: str, n: int) -> Entry:
        name = f"{day.replace('-', '')}{n:03d}.html"
        site.add(f"{base}{col}{name}", _article(chrome, title, _trap_text(title), day))
        return Entry(name, title, day)

    # The /private/ report: robots.txt forbids it, so it must never be requested.
    pkey, pdoc = _syn(owner, 2021, ["首页", "信息公开"])
    private = f"{base}/private/nb/2022/0120/1.html"
    web.add(private, render_doc(pdoc, "cxs"), content_type=content_type("cxs"))
    site.pm.pages.append(private)
    site.pm.forbidden.add(private)
    site.pm.expected_failures[private] = "robots-disallowed"

    site.add_dir(
        f"{base}/",
        chrome(
            "首页",
            f"""<table width="100%"><tr><td class="lmtitle">{a("/xxgk/", "信息公开")}</td></tr>
<tr><td>{a("/xwzx/list.html", "楚雄要闻")}</td></tr></table>""",
        ),
    )
    site.add(f"{base}/xwzx/list.html", chrome("楚雄要闻", _ul([])))
    guide = trap("/xxgk/zn/", "楚雄市人民政府政府信息公开指南", "2020-04-01", 1)
    site.add_dir(
        f"{base}/xxgk/",
        chrome(
            "信息公开",
            f"""<table class="xxgk" width="100%">
<tr><td>{a("/xxgk/xzxxgk/", "乡镇信息公开")}</td></tr>
<tr><td>{a("/xxgk/zn/" + guide.href, guide.title)}</td></tr>
<tr><td>{a(private, "楚雄市人民政府2021年政府信息公开工作年度报告")}</td></tr></table>""",
        ),
    )

    towns = [("xcz", "新村镇"), ("lhz", "吕合镇"), ("dhz", "东华镇")]
    site.add_dir(
        f"{base}/xxgk/xzxxgk/",
        chrome(
            "乡镇信息公开",
            '<table width="100%">'
            + "".join(f"<tr><td>{a(f'./{slug}/', town)}</td></tr>" for slug, town in towns)
            + "</table>",
        ),
    )
    for slug, town in towns:
        site.add_dir(
            f"{base}/xxgk/xzxxgk/{slug}/",
            chrome(
                f"{town}信息公开",
                f"""<table width="100%">
<tr><td>{a("#", "机构概况")}</td></tr>
<tr><td>{a("./gknb/list.html", "政府信息公开年报")}</td></tr></table>""",
            ),
        )

    # 新村镇: three list pages; the 2019 report is linked under its old address, which redirects
    col = "/xxgk/xzxxgk/xcz/gknb/"
    crumbs = ["首页", "信息公开", "乡镇信息公开", "新村镇", "政府信息公开年报"]
    x = {y: cxs_report(col, _syn("楚雄市新村镇", y, crumbs), y - 2010) for y in (2019, 2021, 2022, 2023)}
    ref003 = cxs_report(col, _ref("003"), 1)
    old = x[2019].linked_as(f"show.jsp?id={x[2019].href.removesuffix('.html')}")
    site.moved(f"{base}{col}{old.href}", x[2019].url)
    points = trap(col, "新村镇2023年政务公开工作要点", "2023-03-10", 9)
    plain_list(
        col,
        "政府信息公开年报",
        [
            x[2023],
            x[2022],
            points,
            x[2021],
            ref003,
            old,
        ],
        2,
    )

    # 吕合镇: one page; its 2021 report is a Word-made GBK page whose server names no charset
    col = "/xxgk/xzxxgk/lhz/gknb/"
    crumbs = ["首页", "信息公开", "乡镇信息公开", "吕合镇", "政府信息公开年报"]
    plain_list(
        col,
        "政府信息公开年报",
        [
            cxs_report(col, _syn("楚雄市吕合镇", 2022, crumbs), 3),
            cxs_report(col, _syn("楚雄市吕合镇", 2021, crumbs), 4, "word_gbk"),
        ],
        10,
    )

    # 东华镇: its 2020 report exists only as a PDF attached to a cover page
    col = "/xxgk/xzxxgk/dhz/gknb/"
    crumbs = ["首页", "信息公开", "乡镇信息公开", "东华镇", "政府信息公开年报"]
    d2021 = cxs_report(col, _syn("楚雄市东华镇", 2021, crumbs), 5)
    pdf = f"{base}/u/cms/2021/0129/P020210129.pdf"
    from tests.corpus.render_files import render_pdf  # reportlab loads only when the portals are built

    key, doc = _syn("楚雄市东华镇", 2020, crumbs)
    site.add(pdf, render_pdf(doc), ctype="application/pdf")
    site.manifest.docs[key] = doc
    site.pm.reports[pdf] = key
    site.pm.renderings[pdf] = "pdf"
    title = "楚雄市东华镇2020年政府信息公开工作年度报告"
    site.add(
        f"{base}{col}20210129006.html",
        chrome(
            title,
            f"""<table width="100%"><tr><td class="title" align="center">{title}</td></tr>
<tr><td align="center">发表时间:2021-01-29</td></tr>
<tr><td class="content"><p>详见附件。</p><p>附件:{a("/u/cms/2021/0129/P020210129.pdf", title + ".pdf")}</p></td></tr></table>""",
        ),
    )
    # Its 2019 report is an OFD file linked straight from the list: no reader for that format.
    ofd = f"{base}/u/cms/2020/0120/P020200120.ofd"
    site.add(ofd, b"PK\x03\x04" + b"\x00" * 64, ctype="application/ofd")
    site.pm.expected_failures[ofd] = "unsupported-format"
    plain_list(
        col,
        "政府信息公开年报",
        [
            d2021,
            Entry("20210129006.html", title, "2021-01-29"),
            Entry("/u/cms/2020/0120/P020200120.ofd", "楚雄市东华镇2019年政府信息公开工作年度报告.ofd", "2020-01-20"),
        ],
        10,
    )


# A small but well-formed one-page PDF (its text is not a real report: no extraction reads it).
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
    b"4 0 obj<</Length 44>>stream\nBT /F1 12 Tf 72 770 Td (report 2020) Tj ET\nendstream endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


# ---------------------------------------------------------------- test-plain: ?page=N, meta_only reports


def _plain(web: MockWeb, manifest: Manifest) -> None:
    base = "http://www.plainxian.gov.cn"
    site = _Site(
        web,
        manifest,
        PortalManifest(
            "test-plain",
            f"{base}/",
            name="平县人民政府",
            region_code="",
            site="plainxian.gov.cn",
            families=("query", "image-anchor", "index-html-duplicate"),
        ),
    )
    owner = "平县人民政府"

    def chrome(title: str, main: str) -> str:
        return _page(
            f"{title} - {owner}",
            f"""<header class="site-header"><a class="logo" href="/">{owner}</a><nav><a href="/">首页</a><a href="/xxgk/">信息公开</a></nav></header>
<main>
{main}
</main>
<footer><p>&copy; {owner}</p><p><a href="http://www.gov.cn/">中国政府网</a></p></footer>""",
        )

    reports = {}
    for y in (2019, 2020, 2021, 2022):
        key, doc = _syn(owner, y, ["首页", "信息公开", "政府信息公开年度报告"])
        reports[y] = Entry(f"/xxgk/ndbg/{y}/", doc["title"], _publish_day(doc))
        site.report(f"{base}/xxgk/ndbg/{y}/", key, doc, "meta_only")
    # the newest report is also linked as …/index.html: one page, two URLs
    latest = site.alias(f"{base}/xxgk/ndbg/2022/index.html", f"{base}/xxgk/ndbg/2022/")
    stats = Entry("/xxgk/tjxx/2023/t0320.html", "平县2022年国民经济和社会发展统计公报", "2023-03-20")
    law = Entry("/xxgk/tjxx/2023/t0301.html", "平县2022年法治政府建设年度报告", "2023-03-01")
    for e in (stats, law):
        site.add(base + e.href, _article(chrome, e.title, _trap_text(e.title), e.day))

    site.add_dir(
        f"{base}/",
        chrome(
            "首页",
            f"""<section class="entries">
<a href="/xxgk/"><img src="/images/xxgk.png" alt="信息公开"></a>
<a href="/xxgk/ndbg/" title="政府信息公开年度报告"><img src="/images/ndbg.png"></a></section>
<section class="latest"><h2>最新公开</h2><ul><li>{a(latest, reports[2022].title)}</li><li>{a(stats.href, stats.title)}</li></ul></section>""",
        ),
    )
    site.add(
        f"{base}/xxgk/gkml.html",
        _article(chrome, "平县政府信息公开目录", _trap_text("平县政府信息公开目录"), "2021-01-01"),
    )
    site.add_dir(
        f"{base}/xxgk/",
        chrome(
            "信息公开",
            f"""<ul class="menu">
<li>{a("/xxgk/gkml.html", "政府信息公开目录")}</li>
<li><a href="/xxgk/ndbg/" title="政府信息公开年度报告"><img src="/images/ndbg_small.png" alt=""></a></li></ul>
<ul class="list"><li>{a(law.href, law.title)}</li></ul>""",
        ),
    )

    entries = [reports[2022], reports[2021], law, reports[2020], reports[2019]]
    per = 3
    pages = [entries[i : i + per] for i in range(0, len(entries), per)]
    bodies = {}
    for i, chunk in enumerate(pages, 1):
        pager = " ".join(
            [a(f"?page={k}", str(k)) for k in range(1, len(pages) + 1)]
            + ([a(f"?page={i + 1}", "下一页")] if i < len(pages) else [])
            + [a(f"?page={len(pages)}", "尾页")]
        )
        bodies[i] = chrome(
            "政府信息公开年度报告", f'<h1>政府信息公开年度报告</h1>\n{_ul(chunk)}\n<nav class="pager">{pager}</nav>'
        )

    def by_page(request: MockRequest) -> MockResponse | None:
        if request.path_only not in ("/xxgk/ndbg/", "/xxgk/ndbg/index.html"):
            return None
        try:
            number = int(request.arg("page") or 1)
        except ValueError:
            number = 1
        return page(bodies[number]) if number in bodies else not_found(request.url)

    site.route(f"{base}/xxgk/ndbg/", by_page, bodies.values())


# ---------------------------------------------------------------- entry point

PORTAL_BUILDERS: dict[str, Callable[[MockWeb, Manifest], None]] = {
    "xj-wuqia": _wuqia,
    "sd-hedong": _hedong,
    "yn-jinping": _jinping,
    "yn-chuxiong": _chuxiong,
    "test-plain": _plain,
}


def build_web(web: MockWeb) -> Manifest:
    """Add every portal's pages to web; the manifest says what a perfect crawl of them finds."""
    manifest = Manifest()
    for build in PORTAL_BUILDERS.values():
        build(web, manifest)
    return manifest
