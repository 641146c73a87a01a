"""A hostile portal for the mock web: every way a government site breaks a crawler, one report link per case.

build_hostile(web) adds the portal `hostile` (http://www.hostile.gov.cn/) to a MockWeb and returns its
HostileManifest: the exact report set and failure set (with reasons) a correct crawl ends with, the URLs it must
never request, and per case what else must hold. Navigation is like the other portals': 首页 → 政务公开 →
政府信息公开年报 (/zwgk/gknb/, a plain list whose page 2 is a 50,000-link page) and 部门年报 (a Hanweb jpage
column whose dataproxy.jsp answers with a billion-laughs XML).

Report pages are synthetic docs (tests/corpus/synthetic.py) rendered in the trs family (hanweb for the jpage
column), then damaged on purpose; their expected items come from synthetic_expected, never from the crawler.

| group    | case                     | expected                                                             |
| -------- | ------------------------ | -------------------------------------------------------------------- |
| encoding | control-utf8             | report, item equal                                                   |
| encoding | gbk-meta-only            | report, item equal (charset only in <meta http-equiv>)               |
| encoding | gbk-header-only          | report, item equal (charset only in Content-Type)                    |
| encoding | gbk-undeclared           | report, item equal (no charset anywhere: detect)                     |
| encoding | gbk-meta-says-utf8       | report, item equal (<meta charset=utf-8> over GBK bytes)             |
| encoding | utf8-bom                 | report, item equal (BOM wins over a stale <meta charset=gb2312>)     |
| encoding | gb18030-only-chars       | report, item equal (organ 海斯县䶮𬘭镇: no GBK code for 䶮, 𬘭)      |
| encoding | fullwidth-digits         | report, item equal (０１２ cells, 规　　章 / 发布　机构 labels)      |
| encoding | utf16-bom                | report, item equal (Word's "Unicode" HTML: UTF-16LE, NUL bytes)      |
| markup   | unclosed-tags            | report, item equal (no </p> </td> </tr> </div> </span> … anywhere)   |
| markup   | layout-table             | report, item equal (the whole article inside a layout table's cell) |
| markup   | split-applications-table | report, item equal (applications table broken in two <table>s)      |
| markup   | cut-table                | report, error flag table.shape or table.missing; active table equal  |
| markup   | padded-10mb              | report, item equal (10 MiB of junk markup around the article)        |
| markup   | empty-page               | failure empty-page                                                   |
| markup   | binary-as-html           | failure binary-content                                               |
| markup   | list-50k-links           | the 50,000-link list page is read, bounded, its cap reported         |
| markup   | list-50k-report-1..3     | report (the report-like links of that page)                          |
| fault    | http-404                 | failure http-404                                                     |
| fault    | http-500-then-200        | report, item equal                                                   |
| fault    | http-503-retry-after     | report, item equal                                                   |
| fault    | stall-timeout            | failure timeout (30 s stall, run with DOWNLOAD_TIMEOUT=2)            |
| fault    | reset-mid-body           | failure connection-… (any reason starting with 'connection')         |
| fault    | redirect-loop            | failure redirect-loop, on the URL linked (a → b → a)                 |
| fault    | challenge-412            | failure needs-browser (瑞数-style 412 + cookie script)              |
| fault    | waf-block-200            | failure blocked (WAF page 您的访问被拦截 with status 200)            |
| fault    | soft-404                 | failure soft-404 (200 with 您访问的页面不存在)                       |
| fault    | soft-404-in-chrome       | failure soft-404 (the same, inside the portal's full page template)  |
| fault    | offsite-redirect         | failure offsite-redirect; http://www.evil.com/x.html never requested |
| limits   | url-too-long             | failure url-too-long (2,200-character link); never requested         |
| limits   | javascript-link          | no line; the URL inside javascript:window.open(…) never requested   |
| limits   | data-link / file-link    | no line, nothing requested                                           |
| limits   | other-portal-links       | no line; other portals / look-alike hosts never requested            |
| limits   | billion-laughs-jpage     | dataproxy.jsp asked; crawl finishes, no MemoryError                  |
| limits   | jpage-report-1..2        | report (the jpage column's embedded records)                         |
| limits   | robots-binary            | robots.txt (binary garbage) asked; the crawl goes on as if allowed   |
"""

from __future__ import annotations

import base64
import copy
import itertools
import random
import re
from dataclasses import dataclass, field
from typing import Any

from tests.corpus.render import is_number_text, render_doc
from tests.corpus.synthetic import synthetic_doc, synthetic_expected
from tests.mockweb.portals import Entry, PortalManifest, _page, _publish_day, _ul, a, esc
from tests.mockweb.server import (
    Handler,
    MockRequest,
    MockResponse,
    MockWeb,
    cut_mid_body,
    delayed,
    page,
    redirect,
    retry_after,
)

SEED_ID = "hostile"
BASE = "http://www.hostile.gov.cn"
OWNER = "海斯县人民政府"
COLUMN = f"{BASE}/zwgk/gknb/"
HTML_UTF8 = "text/html; charset=utf-8"
HTML_BARE = "text/html"  # what many servers send: no charset, the page must say or be sniffed
PADDING_BYTES = 10 * 1024 * 1024
LIST_LINKS = 50_000
# Far past DOWNLOAD_TIMEOUT=2, and costs no test time (the crawler gives up at 2 s; stop() wakes the sleeper). Not
# 5 s: a crawler that blocks its event loop parsing a 10 MB page for 3 s would then see the answer arrive before
# its timer fires, and this case would pass or fail with the machine's load.
STALL_SECONDS = 30

# Outcomes of a case (HostileCase.outcome).
REPORT = "report"
FAILURE = "failure"
NEVER = "never-requested"  # not a candidate: no line, nothing it points to is requested
EXERCISED = "exercised"  # a trap the crawl must walk into (URL requested) and survive

CASE_NAMES: tuple[str, ...] = (
    "control-utf8",
    "gbk-meta-only",
    "gbk-header-only",
    "gbk-undeclared",
    "gbk-meta-says-utf8",
    "utf8-bom",
    "gb18030-only-chars",
    "fullwidth-digits",
    "utf16-bom",
    "unclosed-tags",
    "layout-table",
    "split-applications-table",
    "cut-table",
    "padded-10mb",
    "empty-page",
    "binary-as-html",
    "list-50k-links",
    "list-50k-report-1",
    "list-50k-report-2",
    "list-50k-report-3",
    "http-404",
    "http-500-then-200",
    "http-503-retry-after",
    "stall-timeout",
    "reset-mid-body",
    "redirect-loop",
    "challenge-412",
    "waf-block-200",
    "soft-404",
    "soft-404-in-chrome",
    "offsite-redirect",
    "url-too-long",
    "javascript-link",
    "data-link",
    "file-link",
    "other-portal-links",
    "billion-laughs-jpage",
    "jpage-report-1",
    "jpage-report-2",
    "robots-binary",
)


@dataclass(frozen=True)
class HostileCase:
    name: str
    group: str  # encoding | markup | fault | limits
    outcome: str  # REPORT | FAILURE | NEVER | EXERCISED
    url: str  # the candidate as linked (REPORT/FAILURE), or the URL the trap is reached by (EXERCISED)
    reason: str | None = None  # FAILURE: the exact reason in failures.jsonl
    reason_prefix: str | None = None  # FAILURE: any reason starting with this is accepted instead
    never: tuple[str, ...] = ()  # URLs this case must never cause to be requested
    note: str = ""


@dataclass
class HostileManifest(PortalManifest):
    cases: dict[str, HostileCase] = field(default_factory=dict)
    # report URL -> expected item (title … tables, synthetic_expected's keys) for the cases whose content is known
    expected_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    # report URL -> only these keys (dotted paths) of expected_items must match (a page cut short keeps what came
    # before the cut)
    partial_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    clean: set[str] = field(default_factory=set)  # reports that must carry no error flag (valid by construction)
    flagged: dict[str, frozenset[str]] = field(default_factory=dict)  # report URL -> one of these error rules
    reason_prefixes: dict[str, str] = field(default_factory=dict)  # failure URL -> accepted reason prefix
    # text that no requested path may contain: what a crawler would send if it fetched javascript:/data:/file: hrefs
    forbidden_fragments: tuple[str, ...] = ()
    max_requests: int = 1000  # a crawl of this portal that asks for more is not bounded (50,000 links on a page)


# ---------------------------------------------------------------- small helpers


def _fault_once(web: MockWeb, fault: MockResponse, then: MockResponse) -> Handler:
    """Answer `fault` to the first request for the URL in the web's request log, `then` to every later one.

    Crawl tests clear the log before each crawl, so every crawl meets the fault once and the page on its retry,
    however many crawls one server sees, and however many attempts a crawl needs (a retry that times out while
    the crawler is busy gets the page again, not the fault)."""

    def handler(request: MockRequest) -> MockResponse:
        # The request is logged before it is answered: it counts itself.
        seen = sum(1 for r in web.requests if r.method == request.method and r.url == request.url)
        return fault if seen <= 1 else then

    return handler


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _fullwidth_digits(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def _spaced_label(text: str) -> str:
    # How Word users align short labels: 规　　章, 自　然　人.
    if "\n" in text or is_number_text(text):
        return text
    if len(text) == 2:
        return text[0] + "\u3000\u3000" + text[1]
    if len(text) == 3:
        return "\u3000".join(text)
    return text


def _declare(html: str, meta: str | None) -> str:
    """The trs page with its <meta charset="utf-8"> replaced by another declaration, or none."""
    old = '<meta charset="utf-8">'
    assert old in html
    return html.replace(old, meta or "", 1)


GBK_META = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'

_CLOSE_TAGS = re.compile(r"</(?:p|td|th|tr|tbody|thead|li|ul|ol|div|span|h1|h4|head|body|html)>", re.I)


def _unclose(html: str) -> str:
    """Every structural end tag gone. Formatting elements (</a>, </strong>) stay closed: left open, a browser
    would carry them into every later paragraph, and no publisher leaves a whole page bold unnoticed."""
    return _CLOSE_TAGS.sub("", html)


def _layout_table(html: str) -> str:
    """The article inside the right cell of a page layout table, with a nested link table in the left cell."""
    start, end = '<div class="w1200 xxgk_detail">', '<div class="footer">'
    assert start in html and end in html
    side = (
        '<table class="sidebar" width="100%" border="0"><tr><td class="side-title">信息公开</td></tr>'
        f"<tr><td>{a('/zwgk/zn/', '政府信息公开指南')}</td></tr>"
        f"<tr><td>{a('/zwgk/zd/', '政府信息公开制度')}</td></tr>"
        f"<tr><td>{a('/zwgk/gknb/', '政府信息公开年报')}</td></tr></table>"
    )
    html = html.replace(
        start,
        '<table class="layout" width="1200" border="0" cellpadding="0" cellspacing="0" align="center"><tr>'
        f'<td width="220" valign="top" class="left">{side}</td>\n<td width="980" valign="top" class="right">\n' + start,
        1,
    )
    return html.replace(end, "</td></tr></table>\n" + end, 1)


def _split_applications(html: str) -> str:
    """The applications table broken in two before 三、本年度办理结果, as Word does at a page break; no span
    crosses that row boundary, so the two halves together hold the whole grid."""
    at = html.index("三、本年度办理结果")
    row = html.rindex("<tr>", 0, at)
    start = html.rindex("<table", 0, at)
    assert "本年新收" in html[start:row]
    table_open = html[start : html.index(">", start) + 1]  # the second half opens a table just like the first
    return (
        html[:row]
        + "</tbody>\n</table>\n"
        + '<p style="page-break-before:always">&nbsp;</p>\n'
        + table_open
        + "\n<tbody>\n"
        + html[row:]
    )


def _cut_in_applications(html: str) -> str:
    """The page as a CMS that died mid-render sends it: complete up to the middle of the applications table's
    (二)部分公开 row, then nothing (no closing tags, no reviews table, no later sections)."""
    at = html.index("部分公开")
    row_end = html.index("</tr>", at)
    cells = [m.end() for m in re.finditer("</td>", html[at:row_end])]
    return html[: at + cells[3]]  # the label and three of the seven numbers


def _padded(html: str, total: int) -> str:
    """Half the junk before the article, half after: hidden spans and empty icons, no text, no links."""
    unit = '<span class="s1" data-v="0"><i class="ico"></i><em></em></span>\n'
    half = unit * (total // 2 // len(unit) + 1)
    before = f'<div class="tj" style="display:none">\n{half}</div>\n'
    after = f'<div class="tj2" style="display:none">\n{half}</div>\n'
    html = html.replace('<div class="w1200 position">', before + '<div class="w1200 position">', 1)
    return html.replace('<div class="footer">', after + '<div class="footer">', 1)


def _fullwidth_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """Full-width digits in every number cell and Word-spaced short labels; the truth (doc['synthetic']) is
    unchanged because the printed values still mean the same numbers."""
    doc = copy.deepcopy(doc)
    for block in doc["body"]:
        if "table" not in block:
            continue
        for row in block["table"]["rows"]:
            for cell in row:
                text = cell["text"]
                cell["text"] = _fullwidth_digits(text) if is_number_text(text) else _spaced_label(text)
    return doc


def _fullwidth_meta_labels(html: str) -> str:
    for old, new in (
        ("索&nbsp;&nbsp;引&nbsp;&nbsp;号", "索\u3000引\u3000号"),
        (">发布机构<", ">发布\u3000机构<"),
        (">发布日期<", ">发布\u3000日期<"),
    ):
        assert old in html
        html = html.replace(old, new)
    return html


def _binary(size: int = 48 * 1024) -> bytes:
    rng = random.Random(6)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(size)


def _billion_laughs() -> str:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE datastore [\n '
        + "\n ".join(entities)
        + "\n]>\n<datastore><totalrecord>40</totalrecord><recordset><record>&lol9;</record>"
        "<record>&lol9;&lol9;&lol9;</record></recordset><nextgroup>&lol9;</nextgroup></datastore>\n"
    )


# Pages of the fault cases (what a person sees in a browser).
CHALLENGE_412 = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    '<meta id="9DhefwqGPrzGxEp9hPaoag" content="Vd8Ck2qmXs0wGQ1b9xQ" r=\'m\'>\n'
    "<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=72193;"
    '$_ts.cd="qxcDrpAlEcGxqGqJcaLmraQlEa";</script>\n'
    '<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js" r=\'m\'></script>'
    "</head>\n<body><script type=\"text/javascript\" r='m'>(function(){var _$v=document.cookie;location.reload();})();"
    "</script></body></html>\n"
)
WAF_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>访问受限</title>
<style>body{font-family:"Microsoft YaHei";background:#f5f5f5}.box{width:600px;margin:120px auto;background:#fff}</style>
</head><body><div class="box">
<h1>您的访问被拦截</h1>
<p>您的请求疑似包含攻击行为，已被网站Web应用防火墙拦截。</p>
<p>如果您是网站管理员，请登录防护控制台查看拦截日志。</p>
<p class="info">请求ID：9f2c4e1a-7b3d-4c52-a8e1-5d0f6b2c9e47 &nbsp; 拦截时间：2024-03-18 10:21:07</p>
<p class="info">您的IP：203.0.113.7 &nbsp; 拦截规则：Web应用防火墙 / 恶意爬虫防护</p>
</div></body></html>
"""
SOFT_404 = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>404 页面不存在</title></head>
<body><div class="error-page"><div class="code">404</div>
<h2>抱歉，您访问的页面不存在或已被删除！</h2>
<p>可能原因：网址有错误 / 网址已失效 / 页面已被移动</p>
<p><span id="sec">5</span> 秒后自动返回<a href="/">首页</a> &nbsp; <a href="javascript:history.back()">返回上一页</a></p>
</div>
<script>var s=5;setInterval(function(){s--;document.getElementById("sec").innerHTML=s;if(s<=0){location.href="/";}},1000);</script>
</body></html>
"""

SOFT_404_MAIN = """<div class="error-page"><div class="code">404</div>
<h2>抱歉，您访问的页面不存在或已被删除！</h2>
<p>可能原因：网址有错误 / 网址已失效 / 页面已被移动。您可以返回<a href="/">网站首页</a>，或浏览下列栏目。</p>
</div>"""


def _portal_chrome(title: str, main: str) -> str:
    """The portal's full page template (mega menu, latest news, links, footer), as its CMS wraps every page."""
    menu = {
        "走进海斯": ["海斯概况", "历史沿革", "行政区划", "人口民族", "自然资源", "经济发展", "社会事业", "旅游资源"],
        "政务公开": [
            "政府信息公开指南",
            "政府信息公开制度",
            "法定主动公开内容",
            "政府信息公开年报",
            "政策文件",
            "政策解读",
            "财政预决算",
            "人事信息",
            "规划计划",
            "统计信息",
            "应急管理",
            "重点领域信息公开",
        ],
        "政务服务": ["办事指南", "便民服务", "公共服务清单", "权责清单", "证明事项清单", "营商环境"],
        "互动交流": ["县长信箱", "在线访谈", "征集调查", "12345热线", "常见问题", "留言选登"],
        "专题专栏": ["乡村振兴", "优化营商环境", "安全生产", "生态环境保护", "疫情防控", "民族团结进步"],
    }
    nav = "\n".join(
        f'<li class="menu-item"><a href="/{i}/">{esc(head)}</a><ul class="sub">'
        + "".join(f'<li><a href="/{i}/{j}/">{esc(item)}</a></li>' for j, item in enumerate(items))
        + "</ul></li>"
        for i, (head, items) in enumerate(menu.items())
    )
    news = "\n".join(
        f'<li><a href="/xwzx/2023{m:02d}/t2023{m:02d}{d:02d}_{m * 31 + d}.html">{esc(t)}</a><span>2023-{m:02d}-{d:02d}</span></li>'
        for m, d, t in [
            (3, 18, "海斯县召开2023年全县经济工作会议暨优化营商环境推进大会"),
            (3, 15, "海斯县开展“3·15”国际消费者权益日宣传活动"),
            (3, 12, "县领导带头参加义务植树活动 共建绿色美丽家园"),
            (3, 9, "海斯县召开安全生产工作会议部署一季度重点工作"),
            (3, 6, "海斯县举行学雷锋志愿服务活动启动仪式"),
            (3, 2, "海斯县政府常务会议研究部署春耕备耕工作"),
            (2, 27, "海斯县2023年重点项目集中开工 总投资超过三十亿元"),
            (2, 24, "海斯县召开乡村振兴工作推进会 压实各级工作责任"),
            (2, 20, "海斯县开展民族团结进步宣传月活动 营造浓厚氛围"),
            (2, 16, "海斯县召开全县教育工作会议 推动教育高质量发展"),
            (2, 13, "海斯县启动2023年“春风行动”专场招聘会 助力就业"),
            (2, 9, "海斯县召开生态环境保护委员会全体会议"),
        ]
    )
    notices = "\n".join(
        f'<li><a href="/zwgk/tzgg/2023{m:02d}/t2023{m:02d}{d:02d}_{m * 37 + d}.html">{esc(t)}</a><span>2023-{m:02d}-{d:02d}</span></li>'
        for m, d, t in [
            (3, 17, "关于公开招聘2023年度社区工作者的公告"),
            (3, 14, "海斯县2023年第一批重点建设项目环境影响评价公示"),
            (3, 10, "关于开展2023年度城乡居民基本医疗保险集中参保缴费的通知"),
            (3, 7, "海斯县人民政府关于划定禁止燃放烟花爆竹区域的通告"),
            (3, 3, "关于征求《海斯县国土空间总体规划（征求意见稿）》意见的公告"),
            (2, 28, "海斯县2023年春季森林草原防火期有关事项的通告"),
            (2, 23, "关于2023年度县级预算公开情况的说明"),
            (2, 17, "海斯县农村集体经营性建设用地使用权出让公告"),
            (2, 14, "关于做好2023年春节后农民工返岗复工服务保障工作的通知"),
            (2, 8, "海斯县2022年度政府信息公开工作考核结果的通报"),
        ]
    )
    friends = " ".join(
        f'<a href="http://www.{slug}.gov.cn/" target="_blank">{esc(name)}</a>'
        for slug, name in [
            ("gov", "中国政府网"),
            ("linxian", "邻县人民政府"),
            ("beixian", "北县人民政府"),
            ("nanxian", "南县人民政府"),
            ("dongxian", "东县人民政府"),
            ("xixian", "西县人民政府"),
        ]
    )
    return _page(
        f"{title}_{OWNER}",
        f"""<div class="topbar"><span>欢迎访问{OWNER}门户网站！</span> <a href="#">无障碍浏览</a> <a href="#">长者模式</a> <a href="#">English</a></div>
<div class="header"><a class="logo" href="/">{OWNER}</a><form action="/search/"><input name="q" placeholder="请输入关键词"><button>搜索</button></form></div>
<ul class="mega-menu"><li><a href="/">首页</a></li>
{nav}</ul>
<div class="position">当前位置：<a href="/">首页</a> &gt; {esc(title)}</div>
<div class="main">
{main}
<div class="recommend"><h3>最新动态</h3><ul>
{news}
</ul></div>
<div class="recommend"><h3>通知公告</h3><ul>
{notices}
</ul></div>
</div>
<div class="friend-links">友情链接：{friends}</div>
<div class="footer"><p>主办单位：{OWNER}办公室 &nbsp; 承办单位：海斯县融媒体中心 &nbsp; 地址：海斯县人民路1号 &nbsp; 邮编：000000</p>
<p>联系电话：0000-0000000（仅受理网站建设维护相关事宜） &nbsp; 网站标识码：0000000001 &nbsp; 某ICP备00000000号-1 &nbsp; 某公网安备 00000000000001号</p>
<p>建议使用1366×768及以上分辨率，IE9及以上版本浏览器浏览本站 &nbsp; 网站地图 &nbsp; 隐私声明 &nbsp; 联系我们</p></div>""",
    )


# One organ per case, so that every report link has its own title.
_ORGANS: dict[str, str] = {
    "control-utf8": "海斯县教育局",
    "gbk-meta-only": "海斯县财政局",
    "gbk-header-only": "海斯县民政局",
    "gbk-undeclared": "海斯县司法局",
    "gbk-meta-says-utf8": "海斯县审计局",
    "utf8-bom": "海斯县商务局",
    "gb18030-only-chars": "海斯县䶮𬘭镇",
    "fullwidth-digits": "海斯县水利局",
    "utf16-bom": "海斯县人民防空办公室",
    "unclosed-tags": "海斯县交通运输局",
    "layout-table": "海斯县自然资源局",
    "split-applications-table": "海斯县生态环境局",
    "cut-table": "海斯县卫生健康局",
    "padded-10mb": "海斯县应急管理局",
    "empty-page": "海斯县医疗保障局",
    "binary-as-html": "海斯县林业和草原局",
    "list-50k-report-1": "海斯县东河镇",
    "list-50k-report-2": "海斯县西山乡",
    "list-50k-report-3": "海斯县南湖街道办事处",
    "http-404": "海斯县农业农村局",
    "http-500-then-200": "海斯县住房和城乡建设局",
    "http-503-retry-after": "海斯县人力资源和社会保障局",
    "stall-timeout": "海斯县公安局",
    "reset-mid-body": "海斯县科学技术局",
    "redirect-loop": "海斯县发展和改革局",
    "challenge-412": "海斯县工业和信息化局",
    "waf-block-200": "海斯县城市管理局",
    "soft-404": "海斯县信访局",
    "soft-404-in-chrome": "海斯县妇女联合会",
    "offsite-redirect": "海斯县档案局",
    "url-too-long": "海斯县统计局",
    "javascript-link": "海斯县文化和旅游局",
    "data-link": "海斯县退役军人事务局",
    "file-link": "海斯县市场监督管理局",
    "other-portal-links": "邻县人民政府",
    "jpage-report-1": "海斯县粮食和物资储备局",
    "jpage-report-2": "海斯县乡村振兴局",
}
_YEARS: dict[str, int] = {"fullwidth-digits": 2020, "gbk-undeclared": 2019, "unclosed-tags": 2020, "cut-table": 2023}


# ---------------------------------------------------------------- the portal


class _Builder:
    def __init__(self, web: MockWeb) -> None:
        self.web = web
        self.pm = HostileManifest(
            SEED_ID,
            f"{BASE}/",
            name=OWNER,
            region_code="",
            site="hostile.gov.cn",
            families=("plain", "jpage", "hostile"),
        )
        self.entries: list[Entry] = []  # the 年报 column's page 1, in order
        self.serial = itertools.count(1)

    # pages

    def add(self, url: str, body: bytes | str, *, ctype: str = HTML_UTF8, status: int = 200) -> str:
        self.web.add(url, body, status=status, content_type=ctype)
        self.pm.pages.append(url)
        return url

    def route(self, url: str, handler: Handler) -> str:
        self.web.route(url, handler)
        self.pm.pages.append(url)
        return url

    def doc(self, name: str, year: int | None = None) -> dict[str, Any]:
        organ = _ORGANS[name]
        year = year or _YEARS.get(name, 2022)
        doc = synthetic_doc(organ=organ, year=year, seed=next(self.serial))
        doc["crumbs"] = ["首页", "政务公开", "政府信息公开年报"]
        return doc

    def report_url(self, name: str) -> str:
        return f"{COLUMN}2023/{name}.html"

    def link(self, name: str, url: str, title: str, day: str, *, href: str | None = None) -> None:
        self.entries.append(Entry(href or url.removeprefix(BASE), title, day, url=url))

    # cases

    def case(self, case: HostileCase) -> HostileCase:
        assert case.name in CASE_NAMES, case.name
        self.pm.cases[case.name] = case
        if case.outcome == REPORT:
            self.pm.reports[case.url] = f"case:{case.name}"
        elif case.outcome == FAILURE:
            assert case.reason
            self.pm.expected_failures[case.url] = case.reason
            if case.reason_prefix:
                self.pm.reason_prefixes[case.url] = case.reason_prefix
        self.pm.forbidden.update(case.never)
        return case

    def report(
        self,
        name: str,
        group: str,
        body: bytes | Handler,
        doc: dict[str, Any],
        *,
        ctype: str = HTML_UTF8,
        note: str = "",
        url: str | None = None,
        clean: bool = True,
        linked: bool = True,
    ) -> str:
        """A report case: body is the page bytes, or a handler that serves them (faults that recover)."""
        url = url or self.report_url(name)
        if callable(body):
            self.route(url, body)
        else:
            self.add(url, body, ctype=ctype)
        self.case(HostileCase(name, group, REPORT, url, note=note))
        self.pm.expected_items[url] = synthetic_expected(doc)
        if clean:
            self.pm.clean.add(url)
        if linked:
            self.link(name, url, doc["title"], _publish_day(doc))
        return url

    def failure(
        self,
        name: str,
        group: str,
        reason: str,
        *,
        body: bytes | str | None = None,
        handler: Handler | None = None,
        status: int = 200,
        ctype: str = HTML_UTF8,
        url: str | None = None,
        href: str | None = None,
        prefix: str | None = None,
        never: tuple[str, ...] = (),
        note: str = "",
    ) -> str:
        url = url or self.report_url(name)
        if handler is not None:
            self.route(url, handler)
        elif body is not None:
            self.add(url, body, ctype=ctype, status=status)
        self.case(HostileCase(name, group, FAILURE, url, reason, prefix, never, note))
        self.link(name, url, f"{_ORGANS[name]}2022年政府信息公开工作年度报告", "2023-01-20", href=href)
        return url


def _trs(doc: dict[str, Any]) -> str:
    return render_doc(doc, "trs").decode("utf-8")


def _chrome(title: str, main: str) -> str:
    return _page(
        f"{title}_{OWNER}",
        f"""<div class="top"><a href="/">{OWNER}</a></div>
<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<div class="main">
{main}
</div>
<div class="footer">主办:{OWNER}办公室</div>""",
    )


def _encodings(b: _Builder) -> None:
    g = "encoding"
    doc = b.doc("control-utf8")
    b.report("control-utf8", g, _trs(doc).encode("utf-8"), doc, note="a plain trs page, for comparison")

    doc = b.doc("gbk-meta-only")
    b.report("gbk-meta-only", g, _declare(_trs(doc), GBK_META).encode("gbk"), doc, ctype=HTML_BARE)

    doc = b.doc("gbk-header-only")
    body = _declare(_trs(doc), None).encode("gbk")
    b.report("gbk-header-only", g, body, doc, ctype="text/html; charset=GBK")

    doc = b.doc("gbk-undeclared")
    b.report("gbk-undeclared", g, _declare(_trs(doc), None).encode("gbk"), doc, ctype=HTML_BARE)

    doc = b.doc("gbk-meta-says-utf8")
    b.report("gbk-meta-says-utf8", g, _trs(doc).encode("gbk"), doc, ctype=HTML_BARE)

    doc = b.doc("utf8-bom")
    body = b"\xef\xbb\xbf" + _declare(_trs(doc), '<meta charset="gb2312">').encode("utf-8")
    b.report("utf8-bom", g, body, doc, ctype=HTML_BARE, note="BOM, then a stale gb2312 meta: the BOM decides")

    doc = b.doc("gb18030-only-chars")
    html = _declare(_trs(doc), GBK_META)
    assert not _encodable(html, "gbk"), "the gb18030 case must hold characters GBK cannot encode"
    b.report("gb18030-only-chars", g, html.encode("gb18030"), doc, ctype=HTML_BARE)

    doc = b.doc("fullwidth-digits")
    body = _fullwidth_meta_labels(_trs(_fullwidth_doc(doc))).encode("utf-8")
    b.report("fullwidth-digits", g, body, doc)

    # Word's "Save as Web Page, Unicode": UTF-16LE with a BOM, declared charset=unicode; every other byte is NUL.
    doc = b.doc("utf16-bom")
    body = _declare(_trs(doc), '<meta http-equiv="Content-Type" content="text/html; charset=unicode">').encode("utf-16")
    b.report("utf16-bom", g, body, doc, ctype=HTML_BARE)


def _markup(b: _Builder) -> None:
    g = "markup"
    doc = b.doc("unclosed-tags")
    b.report("unclosed-tags", g, _unclose(_trs(doc)).encode("utf-8"), doc)

    doc = b.doc("layout-table")
    b.report("layout-table", g, _layout_table(_trs(doc)).encode("utf-8"), doc)

    doc = b.doc("split-applications-table")
    b.report("split-applications-table", g, _split_applications(_trs(doc)).encode("utf-8"), doc)

    doc = b.doc("cut-table")
    url = b.report("cut-table", g, _cut_in_applications(_trs(doc)).encode("utf-8"), doc, clean=False)
    b.pm.flagged[url] = frozenset({"table.shape", "table.missing"})
    # What precedes the cut must still be read: the metadata and the whole active-disclosure table.
    b.pm.partial_keys[url] = ("title", "report_year", "organ", "index_no", "publish_date", "tables.active_disclosure")

    doc = b.doc("padded-10mb")
    body = _padded(_trs(doc), PADDING_BYTES).encode("utf-8")
    assert len(body) > PADDING_BYTES
    b.report("padded-10mb", g, body, doc, note=f"{len(body) / 2**20:.1f} MiB page; DOWNLOAD_MAXSIZE is 32 MiB")

    b.failure("empty-page", g, "empty-page", body=b"", note="200, Content-Length: 0")
    b.failure("binary-as-html", g, "binary-content", body=_binary(), note="PNG-like bytes sent as text/html")


def _faults(b: _Builder) -> None:
    g = "fault"
    b.failure("http-404", g, "http-404", note="nothing served there")

    doc = b.doc("http-500-then-200")
    ok = page(_trs(doc))
    err = page("<html><body><h1>500 Internal Server Error</h1></body></html>", status=500)
    b.report("http-500-then-200", g, _fault_once(b.web, err, ok), doc, note="500, then the page on the retry")

    doc = b.doc("http-503-retry-after")
    busy = retry_after(503, seconds=1, body="<html><body>服务器繁忙，请稍后再试</body></html>")
    b.report("http-503-retry-after", g, _fault_once(b.web, busy, page(_trs(doc))), doc, note="503, Retry-After: 1")

    stall_doc = b.doc("stall-timeout")  # a real page behind the stall: waiting it out would find a report
    b.failure(
        "stall-timeout",
        g,
        "timeout",
        handler=delayed(STALL_SECONDS, page(_trs(stall_doc))),
        note=f"answers after {STALL_SECONDS} s",
    )

    cut_doc = b.doc("reset-mid-body")
    b.failure(
        "reset-mid-body",
        g,
        "connection-lost",
        handler=lambda request: cut_mid_body(_trs(cut_doc)),
        prefix="connection",
        note="full Content-Length announced, half the body sent, then the connection closed",
    )

    loop_a, loop_b = b.report_url("redirect-loop"), f"{COLUMN}2023/redirect-loop-b.html"
    b.route(loop_b, redirect(loop_a, 302))
    b.failure("redirect-loop", g, "redirect-loop", handler=redirect(loop_b, 302), note="a → b → a; the line names a")

    b.failure("challenge-412", g, "needs-browser", body=CHALLENGE_412, status=412, note="瑞数-style challenge")
    b.failure("waf-block-200", g, "blocked", body=WAF_PAGE, note="a WAF block page with status 200")
    b.failure("soft-404", g, "soft-404", body=SOFT_404, note="'page does not exist' with status 200")
    b.failure(
        "soft-404-in-chrome",
        g,
        "soft-404",
        body=_portal_chrome("页面不存在", SOFT_404_MAIN),
        note="the CMS's 404 template: menus, news and footer around 您访问的页面不存在, status 200",
    )

    evil = "http://www.evil.com/x.html"
    evil_doc = b.doc("offsite-redirect")
    b.web.add(evil, _trs(evil_doc))  # a real report there: following the redirect would find it
    b.failure(
        "offsite-redirect", g, "offsite-redirect", handler=redirect(evil, 302), never=(evil,), note="302 to evil.com"
    )


def _limits(b: _Builder) -> None:
    g = "limits"
    # A link over the 2,083-character limit: refused without a request, and said so.
    long_url = f"{COLUMN}2023/show.jsp?id=2023&token=" + "Ab3" * 733
    assert len(long_url) > 2083
    long_doc = b.doc("url-too-long")
    b.web.add(long_url, _trs(long_doc))  # served: a crawler without the limit would find a report here
    b.failure("url-too-long", g, "url-too-long", url=long_url, never=(long_url,), note=f"{len(long_url)} characters")

    def never(name: str, href: str, targets: tuple[str, ...], note: str) -> None:
        title = f"{_ORGANS[name]}2022年政府信息公开工作年度报告"
        b.entries.append(Entry(href, title, "2023-01-20"))
        b.case(HostileCase(name, g, NEVER, href, never=targets, note=note))

    js_target = f"{COLUMN}2023/js-target.html"
    b.web.add(js_target, _trs(b.doc("javascript-link")))
    never(
        "javascript-link",
        "javascript:window.open('/zwgk/gknb/2023/js-target.html')",
        (js_target,),
        "javascript: hrefs are not links; the URL inside the script is not one either",
    )
    data_page = _trs(b.doc("data-link")).encode("utf-8")
    never("data-link", "data:text/html;base64," + base64.b64encode(data_page[:600]).decode("ascii"), (), "data: URL")
    never("file-link", "file:///etc/passwd", (), "file: URL (a local file, if a crawler fetched it)")
    b.entries.append(Entry("jav&#x09;ascript:alert(1)", "海斯县2022年政府信息公开工作年度报告(附表)", "2023-01-20"))
    b.entries.append(Entry(" JAVASCRIPT:void(0)", "海斯县2021年政府信息公开工作年度报告", "2022-01-20"))

    other_doc = b.doc("other-portal-links")
    others = (
        "http://www.linxian.gov.cn/zwgk/gknb/2023/t20230120_1.html",  # another county's portal
        "http://www.hostile.gov.cn.evil.com/zwgk/gknb/2023/a.html",  # our host as a prefix of theirs
        "http://evilhostile.gov.cn/zwgk/gknb/2023/b.html",  # our domain as a suffix of a label
        "http://www.evil.com/y.html",  # reached through http://www.hostile.gov.cn@www.evil.com/y.html
        "http://www.evil.com/z.html",  # protocol-relative //www.evil.com/z.html
    )
    for url in others:
        b.web.add(url, _trs(other_doc))
    hrefs = (others[0], others[1], others[2], "http://www.hostile.gov.cn@www.evil.com/y.html", "//www.evil.com/z.html")
    for i, href in enumerate(hrefs):
        b.entries.append(Entry(href, f"邻县人民政府{2018 + i}年政府信息公开工作年度报告", "2023-01-20"))
    b.case(HostileCase("other-portal-links", g, NEVER, others[0], never=others, note="off-site report links"))

    b.pm.forbidden_fragments = ("script:", "alert(", "void(", "data:text", "file:", "etc/passwd")

    # robots.txt: binary garbage. Read as an empty file: everything allowed.
    robots = f"{BASE}/robots.txt"
    rng = random.Random(7)
    b.add(robots, b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + rng.randbytes(4096), ctype="text/plain")
    b.case(HostileCase("robots-binary", g, EXERCISED, robots, note="a GIF's bytes as robots.txt"))


def _jpage(b: _Builder) -> str:
    """部门年报: a Hanweb jpage column with two embedded records; dataproxy.jsp answers a billion-laughs XML."""
    colid = "9001"
    col = f"{BASE}/col/col{colid}/index.html"
    records = []
    for i, name in enumerate(("jpage-report-1", "jpage-report-2"), 1):
        doc = b.doc(name)
        day = _publish_day(doc)
        y, m, d = (int(x) for x in day.split("-"))
        url = f"{BASE}/art/{y}/{m}/{d}/art_{colid}_{i}.html"
        b.report(name, "limits", render_doc(doc, "hanweb"), doc, url=url, linked=False)
        records.append(
            f'<record><![CDATA[<li><a href="{url.removeprefix(BASE)}" title="{esc(doc["title"])}" target="_blank">'
            f"{esc(doc['title'])}</a><span>{day}</span></li>]]></record>"
        )
    nextgroup = (
        f'<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid={colid}'
        '&unitid=777&webname=%E6%B5%B7%E6%96%AF%E5%8E%BF&permissiontype=0"></a>'
    )
    main = f"""<div class="lm_name">部门年报</div>
<div id="{colid}"><script type="text/xml"><datastore><nextgroup><![CDATA[{nextgroup}]]></nextgroup><recordset>
{chr(10).join(records)}
</recordset></datastore></script></div>
<script type="text/javascript" src="/module/web/jpage/jpage.js"></script>
<script>$(function(){{ $('#{colid}').jpage({{ dataStore: dataStore, perPage: 15, totalRecord: 40, groupSize: 3, barPosition: 'bottom', proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: {{ col: 1, appid: 1, webid: 1, path: '/', columnid: {colid}, sourceContentType: 1, unitid: 777, webname: '海斯县', permissiontype: 0 }} }}); }});</script>"""
    b.add(col, _chrome("部门年报", main))

    proxy = f"{BASE}/module/web/jpage/dataproxy.jsp"
    bomb = page(_billion_laughs(), content_type="text/xml;charset=UTF-8")
    refuse = page("<html><body>405 Method Not Allowed</body></html>", status=405, Allow="POST")
    b.route(proxy, lambda request: bomb if request.method == "POST" else refuse)
    b.case(HostileCase("billion-laughs-jpage", "limits", EXERCISED, proxy, note="10^9 'lol's if entities expand"))
    return col


def _big_list(b: _Builder) -> str:
    """Page 2 of the 年报 column: three report links, then 49,997 news links (none worth a request)."""
    url = f"{COLUMN}list_2.html"
    items = []
    for i in (1, 2, 3):
        name = f"list-50k-report-{i}"
        doc = b.doc(name, 2018 + i)
        rurl = b.report(name, "markup", _trs(doc).encode("utf-8"), doc, linked=False)
        items.append(f"<li>{a(rurl.removeprefix(BASE), doc['title'], blank=True)}<span>{_publish_day(doc)}</span></li>")
    for i in range(LIST_LINKS - 3):
        day = f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}"
        items.append(
            f'<li><a href="/xwzx/{day[:7].replace("-", "")}/t{day.replace("-", "")}_{i}.html" target="_blank">'
            f"海斯县政务动态第{i}期</a><span>{day}</span></li>"
        )
    assert len(items) == LIST_LINKS
    pager = f'<div class="page">共{LIST_LINKS}条 第2/2页 {a("./", "首页")} {a("./", "上一页")}</div>'
    b.add(url, _chrome("政府信息公开年报", '<ul class="list">\n' + "\n".join(items) + f"\n</ul>\n{pager}"))
    b.case(HostileCase("list-50k-links", "markup", EXERCISED, url, note=f"{LIST_LINKS} links on one list page"))
    return url


def build_hostile(web: MockWeb) -> HostileManifest:
    """Add the hostile portal's pages to web; the manifest says what a correct crawl of it ends with."""
    b = _Builder(web)
    _encodings(b)
    _markup(b)
    _faults(b)
    _limits(b)
    jpage_col = _jpage(b)
    big = _big_list(b)

    b.add(
        f"{BASE}/",
        _chrome("首页", f'<ul class="menu"><li>{a("/zwgk/", "政务公开")}</li><li>{a("/xwzx/", "新闻中心")}</li></ul>'),
    )
    b.add(
        f"{BASE}/zwgk/",
        _chrome(
            "政务公开",
            f"""<ul class="side">
<li>{a("/zwgk/gknb/", "政府信息公开年报")}</li>
<li>{a(jpage_col.removeprefix(BASE), "部门年报")}</li></ul>""",
        ),
    )
    pager = f'<div class="page">共{len(b.entries) + LIST_LINKS}条 第1/2页 {a(big.removeprefix(BASE), "下一页")} '
    pager += f"{a(big.removeprefix(BASE), '尾页')}</div>"
    column = _chrome("政府信息公开年报", f'<h2 class="column-title">政府信息公开年报</h2>\n{_ul(b.entries)}\n{pager}')
    # _ul escapes hrefs: put the tab entity of the disguised javascript: link back as the page prints it.
    column = column.replace("jav&amp;#x09;ascript:", "jav&#x09;ascript:")
    b.add(COLUMN, column)
    b.add(COLUMN + "index.html", column)

    missing = set(CASE_NAMES) - set(b.pm.cases)
    assert not missing, f"cases without a page: {sorted(missing)}"
    return b.pm
