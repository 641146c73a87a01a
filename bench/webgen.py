"""A large generated mock web: N county portals, each home → 信息公开 → 年报 column (list_N.html) → report pages.

Nothing per portal is stored: every page is computed from the portal's number when it is asked for. Report pages
come from a small pool of synthetic docs rendered once per (family, year, variant) with a placeholder organ, and
the placeholder is swapped for the real organ per request (a bytes.replace), so 1,000 portals cost no more memory
than 50 and the server spends microseconds, not milliseconds, per report page.

Every same-host <a href> on every page points inside the set of pages the annual_reports spider fetches (home,
信息公开, list pages, reports, robots.txt), so the bare spider, which follows every same-host link, fetches exactly
the same pages and the two throughputs compare like for like.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path

from tests.corpus.render import FAMILIES, content_type, render_doc
from tests.corpus.synthetic import synthetic_doc

PLACEHOLDER = "占位县人民政府"
YEARS = (2019, 2020, 2021, 2022, 2023)  # both templates (2019 and 2021)
VARIANTS = 3  # distinct synthetic docs per (family, year): tables and dates differ between portals
PER_LIST_PAGE = 15
REPORTS_PER_PORTAL = 45  # 9 organs x 5 years -> 3 list pages; ~51 requests a portal with robots.txt
_DEPARTMENTS = (
    "人民政府",
    "人民政府办公室",
    "发展和改革局",
    "教育局",
    "财政局",
    "民政局",
    "自然资源局",
    "卫生健康局",
    "交通运输局",
)
_FIRST = "安宝昌成达东丰福广海和华嘉建江金景乐临龙茂南宁平庆瑞山泰通文武西祥新兴永玉云长正中"
_SECOND = "安北昌城川德丰阜谷河湖华江康乐林陵门南宁平清泉山石水台田阳源州"
# Off-site links a county home page carries (friend links): both spiders read and drop them.
_FRIENDS = [f"http://www.gov{n:02d}.gov.cn/" for n in range(40)] + ["http://www.gov.cn/", "https://www.beian.gov.cn/"]
# Chrome links of the corpus families (/zwgk/, ../../index.html, /login…) lead to pages this web does not have.
_A_HREF = re.compile(rb"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(?!javascript:|#|https?://)[^"']*\2""", re.I)


@dataclass(frozen=True)
class Report:
    organ: str
    year: int
    family: str
    variant: int
    path: str  # /xxgk/gknb/202201/t20220115_107.html
    title: str
    day: str  # YYYY-MM-DD, the doc's publish day


@dataclass(frozen=True)
class PooledPage:
    body: bytes  # rendered with PLACEHOLDER as the organ
    placeholder: bytes  # PLACEHOLDER in the page's encoding
    short: bytes  # PLACEHOLDER[:2] in that encoding (文号 prefixes such as 占位政办发)
    encoding: str
    content_type: str
    day: str


def _encoding(family: str) -> str:
    return "gb18030" if family == "word_gbk" else "utf-8"


@cache
def pooled(family: str, year: int, variant: int) -> PooledPage:
    doc = synthetic_doc(organ=PLACEHOLDER, year=year, seed=variant * 1000 + year)
    doc["crumbs"] = ["首页", "政府信息公开", "政府信息公开年报", f"{year}年"]
    body = _A_HREF.sub(rb"\1\2/\2", render_doc(doc, family))
    enc = _encoding(family)
    day = next(m["value"][:10] for m in doc["metadata"] if m["field"] == "publish")
    return PooledPage(body, PLACEHOLDER.encode(enc), PLACEHOLDER[:2].encode(enc), enc, content_type(family), day)


def report_body(report: Report) -> bytes:
    page = pooled(report.family, report.year, report.variant)
    organ = report.organ.encode(page.encoding)
    return page.body.replace(page.placeholder, organ).replace(page.short, organ[: len(page.short)])


class Portal:
    """Portal number i of the generated web (0-based)."""

    def __init__(self, i: int) -> None:
        self.i = i
        self.seed_id = f"bench-{i:04d}"
        self.host = f"www.bench{i:04d}.gov.cn"
        self.home = f"http://{self.host}/"
        self.county = _FIRST[i % len(_FIRST)] + _SECOND[(i // len(_FIRST)) % len(_SECOND)] + "县"
        if i >= len(_FIRST) * len(_SECOND):
            self.county = f"{self.county[:2]}{i}县"
        self.name = f"{self.county}人民政府"
        self.family = FAMILIES[i % len(FAMILIES)]  # one CMS per portal, as in life

    @cached_property
    def reports(self) -> list[Report]:
        out = []
        for k, dept in enumerate(_DEPARTMENTS):
            organ = self.county + dept
            for year in YEARS:
                variant = (self.i + k) % VARIANTS
                day = pooled(self.family, year, variant).day
                n = 100 + k * len(YEARS) + (year - YEARS[0])
                path = f"/xxgk/gknb/{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{n}.html"
                title = f"{organ}{year}年政府信息公开工作年度报告"
                out.append(Report(organ, year, self.family, variant, path, title, day))
        out.sort(key=lambda r: (r.day, r.path), reverse=True)  # newest first, as CMS lists are
        return out

    def list_pages(self) -> int:
        return -(-REPORTS_PER_PORTAL // PER_LIST_PAGE)

    def urls(self) -> list[str]:
        """Every URL a complete crawl of this portal requests."""
        pages = ["/robots.txt", "/", "/xxgk/"] + [self.list_path(n) for n in range(1, self.list_pages() + 1)]
        return [f"http://{self.host}{p}" for p in pages + [r.path for r in self.reports]]

    @staticmethod
    def list_path(n: int) -> str:
        return "/xxgk/gknb/list.html" if n == 1 else f"/xxgk/gknb/list_{n}.html"

    # ------------------------------------------------------------ pages

    def _chrome(self, title: str, main: str) -> str:
        friends = "\n".join(f'<li><a href="{u}" target="_blank">{html.escape(u[7:-1])}</a></li>' for u in _FRIENDS)
        return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}_{self.name}</title>
<link rel="stylesheet" href="/css/style.css"><script src="/js/jquery.min.js"></script></head>
<body>
<div class="top"><a href="/">{self.name}</a> | <a href="javascript:;">无障碍浏览</a> | <a href="#">繁體</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/xxgk/">政府信息公开</a></li></ul></div>
<div class="position">当前位置:<a href="/">首页</a> &gt; {html.escape(title)}</div>
<div class="main">
{main}
</div>
<div class="footer"><ul class="links">
{friends}
</ul><p>主办单位:{self.name}办公室 &nbsp; 网站标识码:{5300000000 + self.i}</p></div>
</body></html>
"""

    def home_page(self) -> str:
        return self._chrome(
            "首页",
            """<div class="banner"><img src="/images/banner.jpg" alt=""></div>
<div class="block"><h3>政务公开</h3><ul>
<li><a href="/xxgk/">政府信息公开</a></li>
<li><a href="/xxgk/gknb/list.html">政府信息公开年报</a></li></ul></div>""",
        )

    def xxgk_page(self) -> str:
        return self._chrome(
            "政府信息公开",
            """<div class="side"><ul>
<li><a href="/xxgk/gknb/list.html">政府信息公开年报</a></li></ul></div>""",
        )

    def list_page(self, n: int) -> str | None:
        last = self.list_pages()
        if not 1 <= n <= last:
            return None
        rows = []
        for j, r in enumerate(self.reports[(n - 1) * PER_LIST_PAGE : n * PER_LIST_PAGE]):
            href = html.escape(r.path)
            if j % 3 == 2:  # a title cut by the template, whole only in the title attribute
                text = html.escape(r.title[:18] + "...")
                link = f'<a href="{href}" title="{html.escape(r.title)}" target="_blank">{text}</a>'
            else:
                link = f'<a href="{href}" target="_blank">{html.escape(r.title)}</a>'
            rows.append(f'<li>{link}<span class="date">{r.day}</span></li>')
        pager = ['<a href="list.html">首页</a>']
        if n > 1:
            pager.append(f'<a href="{"list.html" if n == 2 else f"list_{n - 1}.html"}">上一页</a>')
        if n < last:
            pager.append(f'<a href="list_{n + 1}.html">下一页</a>')
        pager.append(f'<a href="list_{last}.html">尾页</a>')
        return self._chrome(
            "政府信息公开年报",
            '<div class="lm">政府信息公开年报</div>\n<ul class="list">\n'
            + "\n".join(rows)
            + f'\n</ul>\n<div class="page">共{REPORTS_PER_PORTAL}条 第{n}/{last}页 {" ".join(pager)}</div>',
        )

    def report_at(self, path: str) -> Report | None:
        m = re.fullmatch(r"/xxgk/gknb/\d{6}/t\d{8}_(\d+)\.html", path)
        if not m:
            return None
        for r in self.reports:
            if r.path == path:
                return r
        return None


_LIST = re.compile(r"/xxgk/gknb/list(?:_(\d+))?\.html")


def answer(portal: Portal, path: str) -> tuple[int, bytes, str]:
    """(status, body, content type) of a path of a portal."""
    html_type = "text/html; charset=utf-8"
    path = path.split("?", 1)[0]
    if path == "/robots.txt":
        return 200, b"User-agent: *\nAllow: /\n", "text/plain"
    if path in ("/", "/index.html"):
        return 200, portal.home_page().encode(), html_type
    if path in ("/xxgk/", "/xxgk/index.html"):
        return 200, portal.xxgk_page().encode(), html_type
    m = _LIST.fullmatch(path)
    if m:
        body = portal.list_page(int(m[1] or 1))
        if body is not None:
            return 200, body.encode(), html_type
    report = portal.report_at(path)
    if report is not None:
        return 200, report_body(report), pooled(report.family, report.year, report.variant).content_type
    return 404, b"<html><body><h1>404 Not Found</h1></body></html>", html_type


@lru_cache(maxsize=256)  # the portals being crawled right now; a few hundred KB
def portal_of_host(host: str) -> Portal | None:
    m = re.fullmatch(r"www\.bench(\d{4})\.gov\.cn", host)
    return Portal(int(m[1])) if m else None


def write_seeds(path: Path, portals: int) -> Path:
    """The seed list (seeds/README.md format) of the first `portals` portals."""
    with path.open("w", newline="", encoding="utf-8") as fp:
        writer = csv.writer(fp, lineterminator="\n")
        writer.writerow(["id", "name", "url", "level", "region_code", "list_url"])
        for i in range(portals):
            p = Portal(i)
            writer.writerow([p.seed_id, p.name, p.home, "county", f"{500000 + i:06d}", ""])
    return path
