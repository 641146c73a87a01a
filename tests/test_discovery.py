"""gkspider.discovery: links, classification and pagination, one small page per family of docs/FAMILIES.md."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gkspider.discovery.classify import (
    is_attachment,
    is_report_title,
    is_truncated,
    nav_score,
    needs_browser,
    title_year,
)
from gkspider.discovery.links import Link, canonical_url, extract_links, parse_html, same_site
from gkspider.discovery.pagination import (
    PageRequest,
    embedded_records,
    find_pages,
    parse_jpage_xml,
    parse_json_list,
)

DATA = Path(__file__).parent / "data" / "discovery"
SITE = "http://www.hedong.gov.cn"


def fixture(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def urls(reqs: list[PageRequest]) -> set[str]:
    return {r.url for r in reqs}


# ---------------------------------------------------------------------------------------------------------------
# parse_html


@pytest.mark.parametrize(
    "body",
    [
        b"",
        "",
        "   \n",
        b"\x00\x01\xff\xfe\x80garbage\x00",
        bytes(range(256)) * 20,
        "<div><p><a href='x'>unclosed <b><i>",
        "<?xml version='1.0' encoding='gbk'?><p>x",
        "<!-- only a comment -->",
        "\ud800 lone surrogate",
        b"\xef\xbb\xbf<p>bom</p>",
    ],
)
def test_parse_html_never_raises(body):
    doc = parse_html(body)
    assert doc.tag == "html"
    assert doc.find("body") is not None or len(doc) >= 0


def test_parse_html_decodes_gbk_by_meta_and_by_fallback():
    text = "<html><head><meta charset='gb2312'></head><body><a href='/a'>政府信息公开年报</a></body></html>"
    declared = parse_html(text.encode("gbk"))
    undeclared = parse_html(text.replace("<meta charset='gb2312'>", "").encode("gbk"))
    lying = parse_html(text.replace("gb2312", "utf-8").encode("gbk"))
    for doc in (declared, undeclared, lying):
        assert next(doc.iter("a")).text == "政府信息公开年报"


def test_parse_html_unclosed_tags_keep_links():
    links = extract_links(parse_html("<ul><li><a href='a.html'>甲<li><a href='b.html'>乙"), SITE + "/x/")
    assert [(link.url, link.text) for link in links] == [(SITE + "/x/a.html", "甲"), (SITE + "/x/b.html", "乙")]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400)))
def test_parse_html_and_extract_links_total(body):
    for link in extract_links(parse_html(body), SITE + "/"):
        assert link.url.startswith(("http://", "https://"))


# ---------------------------------------------------------------------------------------------------------------
# extract_links


def test_extract_links_home_page():
    links = extract_links(fixture("home.html"), SITE + "/index.html")
    by_url = {link.url: link for link in links}
    assert set(by_url) == {
        SITE + "/index.html",
        SITE + "/login.jsp",
        SITE + "/zwgk/",
        SITE + "/xwzx/",
        "http://www.gov.cn/",
        SITE + "/zwgk/gknb/",
        SITE + "/zwgk/zfxxgknb/",
        SITE + "/xwzx/2023/0219/t20230219_55.html",
        SITE + "/zwgk/zcjd/202302/t20230220_56.html",
        SITE + "/zwgk/bmxxgk/index.html",
    }
    # whitespace stripped and fragment removed
    assert by_url[SITE + "/zwgk/bmxxgk/index.html"].text == "部门信息公开"
    # an image link with only a title attribute takes the title as its text
    assert by_url[SITE + "/zwgk/zfxxgknb/"] == Link(SITE + "/zwgk/zfxxgknb/", "政府信息公开年报", "政府信息公开年报")
    # an image with an empty alt and no title: no text at all
    assert by_url[SITE + "/zwgk/gknb/"].text == ""


def test_extract_links_skips_non_http_schemes():
    html = """<a href="javascript:void(0)">a</a><a href=" JavaScript:open('/x')">b</a><a href="data:text/html,x">c</a>
    <a href="file:///etc/passwd">d</a><a href="mailto:a@b.cn">e</a><a href="tel:123">f</a><a href="about:blank">g</a>
    <a href="#">h</a><a href="#top">i</a><a href="">j</a><a>k</a><a href="ftp://x.cn/a">l</a>
    <a href="/ok.html">ok</a>"""
    assert [link.url for link in extract_links(html, SITE + "/a/")] == [SITE + "/ok.html"]


def test_extract_links_resolves_relative_and_base():
    html = '<a href="../b/c.html">1</a><a href="d.html?x=1#f">2</a><a href="//xxgk.hedong.gov.cn/">3</a>'
    assert [link.url for link in extract_links(html, SITE + "/a/z/index.html")] == [
        SITE + "/a/b/c.html",
        SITE + "/a/z/d.html?x=1",
        "http://xxgk.hedong.gov.cn/",
    ]
    with_base = '<head><base href="http://xxgk.hedong.gov.cn/col/"></head><a href="gknb/list.html">年报</a>'
    assert [link.url for link in extract_links(with_base, SITE + "/a/")] == [
        "http://xxgk.hedong.gov.cn/col/gknb/list.html"
    ]
    relative_base = '<base href="/zwgk/"><a href="gknb/">年报</a>'
    assert [link.url for link in extract_links(relative_base, SITE + "/a/b.html")] == [SITE + "/zwgk/gknb/"]


def test_extract_links_text_and_title():
    html = """<a href="/1" title=" 河东区2020年政府信息公开 工作年度报告 ">河东区2020年政府信息公开工...</a>
    <a href="/2"><img src="x.png" alt="公开年报"></a><a href="/3">  政务\n\t公开\u3000 </a>"""
    links = extract_links(html, SITE + "/")
    assert links == [
        Link(SITE + "/1", "河东区2020年政府信息公开工...", "河东区2020年政府信息公开 工作年度报告"),
        Link(SITE + "/2", "公开年报", None),
        Link(SITE + "/3", "政务 公开", None),
    ]


def test_extract_links_keeps_overlong_urls_for_the_spider_to_report():
    long_href = "/a?" + "x" * 2100
    links = extract_links(f'<a href="{long_href}">x</a><a href="/b">b</a>', SITE + "/")
    assert [len(link.url) > 2083 for link in links] == [True, False]


# ---------------------------------------------------------------------------------------------------------------
# canonical_url / same_site


@pytest.mark.parametrize(
    "a,b",
    [
        ("http://www.hedong.gov.cn/zwgk/", "https://www.hedong.gov.cn/zwgk/index.html"),
        ("http://WWW.Hedong.gov.cn:80/", "https://www.hedong.gov.cn:443"),
        ("http://www.hedong.gov.cn/a/index.shtml", "http://www.hedong.gov.cn/a/"),
        ("http://www.hedong.gov.cn/a/default.htm", "http://www.hedong.gov.cn/a/index.jsp"),
        ("http://www.hedong.gov.cn/a/index.php#frag", "http://www.hedong.gov.cn/a/"),
        ("http://x.gov.cn/list?b=2&a=1", "http://x.gov.cn/list?a=1&b=2"),
        ("http://x.gov.cn/年报/", "http://x.gov.cn/%e5%b9%b4%e6%8a%a5/"),
        ("http://x.gov.cn/a/./b/../c.html", "http://x.gov.cn/a/c.html"),
    ],
)
def test_canonical_url_equates(a, b):
    assert canonical_url(a) == canonical_url(b)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="/.?&=#%:abcAB1_-年报 ", max_size=40), st.sampled_from(["http", "https", "HTTP"]))
def test_canonical_url_is_idempotent(path, scheme):
    once = canonical_url(f"{scheme}://www.hedong.gov.cn/{path}")
    assert canonical_url(once) == once
    assert once.startswith("http://www.hedong.gov.cn/")


@pytest.mark.parametrize(
    "a,b",
    [
        ("http://x.gov.cn/a/", "http://x.gov.cn/a"),  # a directory and a file are different resources
        ("http://x.gov.cn/list?page=1", "http://x.gov.cn/list?page=2"),
        ("http://x.gov.cn:8080/", "http://x.gov.cn/"),
        ("http://x.gov.cn/a/list.html", "http://x.gov.cn/a/"),
        ("http://x.gov.cn/A/", "http://x.gov.cn/a/"),
    ],
)
def test_canonical_url_distinguishes(a, b):
    assert canonical_url(a) != canonical_url(b)


@pytest.mark.parametrize(
    "url,seed,expected",
    [
        ("http://xxgk.hedong.gov.cn/col/", "http://www.hedong.gov.cn/", True),
        ("https://hedong.gov.cn/", "http://www.hedong.gov.cn/", True),
        ("http://www.hedong.gov.cn:8080/zwgk/", "http://www.hedong.gov.cn/", True),
        ("http://www.hedong.gov.cn/", "http://xxgk.hedong.gov.cn/", True),
        ("http://jyj.hedong.gov.cn/", "http://xxgk.hedong.gov.cn/", True),
        ("http://www.gov.cn/zhengce/", "http://www.hedong.gov.cn/", False),
        ("http://www.ly.gov.cn/", "http://www.hedong.gov.cn/", False),
        ("http://www.shandong.gov.cn/", "http://www.hedong.gov.cn/", False),
        ("http://hedong.gov.cn.evil.com/", "http://www.hedong.gov.cn/", False),
        ("http://www.xhedong.gov.cn/", "http://www.hedong.gov.cn/", False),
        # a county hosted under its city's domain never spills into the city portal
        ("http://www.linyi.gov.cn/", "http://hedong.linyi.gov.cn/", False),
        ("http://xxgk.hedong.linyi.gov.cn/", "http://hedong.linyi.gov.cn/", True),
        ("http://www.hedong.gov.cn/", "http://www.gov.cn/", False),
        ("not a url", "http://www.hedong.gov.cn/", False),
    ],
)
def test_same_site(url, seed, expected):
    assert same_site(url, seed) is expected


# ---------------------------------------------------------------------------------------------------------------
# report titles

TITLES = [
    # reports
    ("2020年政府信息公开工作年度报告", True),
    ("乌恰县人民政府2020年政府信息公开工作年度报告", True),
    ("XX局2022年信息公开工作年度报告", True),
    ("2020年度政府信息公开工作报告", True),
    ("XX镇2021年政府信息公开年报", True),
    ("河东区发展和改革局2021年度政府信息公开工作年度报告", True),
    ("2020年政府信息公开工作年度报告（更正版）", True),
    ("楚雄市新村镇2020年政府信息公开工作年度报告.pdf", True),
    ("二〇二〇年政府信息公开工作年度报告", True),
    ("政府信息公开工作年度报告（2021年）", True),
    ("ＸＸ县２０２２年政府信息公开工作年度报告", True),
    ("XX县2010年政府信息公开工作报告", True),
    ("关于印发XX县2020年政府信息公开工作年度报告的通知", True),
    ("2020年政务公开工作年度报告", True),
    ("2019年政府信息公开工作年度报告统计表", True),
    ("《河东区2019年政府信息公开工作年度报告》", True),
    ("河东区人民政府办公室2020年政府信息公开工作年度报...", True),
    ("XX街道2021年政府信息公开工作年度报告…", True),
    ("中共XX县纪律检查委员会2020年政府信息公开工作年度报告", True),
    # not reports
    ("关于2020年政府信息公开工作年度报告的解读", False),
    ("图解：2021年政府信息公开工作年度报告", False),
    ("一图读懂河东区2022年政府信息公开工作年度报告", False),
    ("2021年政策解读", False),
    ("2022年政务公开工作要点", False),
    ("河东区2021年政务公开工作总结", False),
    ("2021年法治政府建设年度报告", False),
    ("2023年政府工作报告", False),
    ("企业年报公示", False),
    ("关于开展2022年度企业年报公示工作的通知", False),
    ("2021年河东区国民经济和社会发展统计公报", False),
    ("河东区人民政府政府信息公开指南", False),
    ("政府信息公开目录", False),
    ("关于做好2021年政府信息公开工作年度报告编制和发布工作的通知", False),
    ("关于做好政府信息公开工作年度报告报送工作的函", False),
    ("政府信息公开工作年度报告专栏", False),
    ("政府信息公开工作年度报告", False),
    ("年报", False),
    ("2020年", False),
    ("关于2020年度政府信息公开工作年度报告检查情况的通报", False),
    ("2021年度政府信息公开工作年度报告第三方评估报告", False),
    ("2020年政府信息公开工作年度报告汇总", False),
    ("关于2020年政府信息公开工作年度报告的更正说明", False),
    ("河东区人民政府办公室2020年政府信息公开工...", False),  # cut too early: the spider fetches the page
    ("关于2020年政府信息公开工作年度报告的解...", False),
    ("2020年政府信息公开工作年度报告解...", False),
    ("", False),
    ("...", False),
]


@pytest.mark.parametrize("title,expected", TITLES)
def test_is_report_title(title, expected):
    assert is_report_title(title) is expected


def test_title_functions_accept_none():
    # Link.title is None for most links; the spider may pass it straight through
    assert is_report_title(None) is False and title_year(None) is None and is_truncated(None) is False


def test_title_table_is_balanced():
    assert sum(1 for _, e in TITLES if e) >= 15 and sum(1 for _, e in TITLES if not e) >= 25


@pytest.mark.parametrize(
    "title,truncated",
    [
        ("河东区2020年政府信息公开工...", True),
        ("河东区2020年政府信息公开工…", True),
        ("河东区2020年政府⋯", True),
        ("河东区2020年政府信息公开工作年度报告", False),
        ("2020年报告（1.2版）", False),
    ],
)
def test_is_truncated(title, truncated):
    assert is_truncated(title) is truncated


@pytest.mark.parametrize(
    "title,year",
    [
        ("2020年政府信息公开工作年度报告", 2020),
        ("2020年度政府信息公开工作报告", 2020),
        ("二〇二〇年政府信息公开工作年度报告", 2020),
        ("二○二一年度政府信息公开工作年度报告", 2021),
        ("二零一九年政府信息公开年报", 2019),
        ("XX县２０２２年政府信息公开工作年度报告", 2022),
        ("政府信息公开工作年度报告（2021）", 2021),
        ("2021年3月发布的2020年政府信息公开工作年度报告", 2020),
        ("政府信息公开工作年度报告（2022-01-20）", None),
        ("政府信息公开工作年度报告", None),
        ("第12345号文件", None),
    ],
)
def test_title_year(title, year):
    assert title_year(title) == year


# ---------------------------------------------------------------------------------------------------------------
# nav_score


def _link(text: str, url: str = SITE + "/x/", title: str | None = None) -> Link:
    return Link(url, text, title)


def test_nav_score_orders_tiers():
    column = nav_score(_link("政府信息公开年报", SITE + "/zwgk/gknb/"))
    entry = nav_score(_link("政务公开", SITE + "/zwgk/"))
    organ_list = nav_score(_link("部门信息公开", SITE + "/zwgk/bmxxgk/"))
    department = nav_score(_link("区发改局", SITE + "/zwgk/bm/fgj/"))
    news = nav_score(_link("河东区召开政府信息公开工作推进会", SITE + "/xwzx/2023/0219/t20230219_55.html"))
    assert column > entry > organ_list > department > 0
    assert news == 0


@pytest.mark.parametrize(
    "link",
    [
        _link("关于2022年政府信息公开工作年度报告的解读", SITE + "/zwgk/zcjd/t20230220_56.html"),
        _link("政策解读", SITE + "/zwgk/zcjd/"),
        _link("新闻动态"),
        _link("登录", SITE + "/login.jsp"),
        _link("用户登录", SITE + "/xxgk/"),
        _link("附件下载"),
        _link("首页", SITE + "/"),
        _link("网站首页"),
        _link("返回首页"),
        _link("中国政府网", "http://www.gov.cn/"),
        _link("政府信息公开", "http://www.gov.cn/zhengce/xxgk/"),
        _link("政府信息公开指南"),
        _link("依申请公开"),
        _link("企业年报公示"),
        _link("2020年部门预算"),
        _link("下一页", SITE + "/zwgk/gknb/list_2.html"),
        _link("尾页", SITE + "/zwgk/gknb/list_9.html"),
        _link("", SITE + "/images/banner.jpg"),
        _link("关于印发河东区2023年工作计划的通知", SITE + "/zwgk/tzgg/t1.html"),
        _link("更多", SITE + "/xwzx/xwdt/"),
        _link("政务公开", SITE + "/search/?q=zwgk"),
        _link("我县政府信息公开工作获全市第一", SITE + "/zwgk/202302/t20230219_55.html"),
        _link("区发改局", SITE + "/art/2023/2/19/art_100_200.html"),
    ],
)
def test_nav_score_zero(link):
    assert nav_score(link) == 0


@pytest.mark.parametrize(
    "link,lo,hi",
    [
        (_link("", SITE + "/zwgk/gknb/"), 100, 100),  # an image anchor with no text: the URL alone
        (_link("", SITE + "/zwgk/zfxxgknb/", "政府信息公开年报"), 105, 110),  # title + URL agree
        (_link("年度报告", SITE + "/col/col4589/index.html"), 100, 100),
        (_link("政府信息公开工作年度报告专栏"), 100, 100),
        (_link("更多>>", SITE + "/xxgk/xxgknb/index.html"), 100, 100),
        (_link("政府信息公开", SITE + "/xxgk/index.html"), 55, 55),
        (_link("信息公开目录", SITE + "/col/col100/index.html"), 50, 50),
        (_link("2021年", SITE + "/zwgk/gknb/2021/"), 105, 105),  # year sub-column inside a 年报 column
        (_link("2021年", SITE + "/col/col4600/index.html"), 40, 40),
        (_link("乡镇（街道）信息公开"), 30, 30),
        (_link("镇街", SITE + "/xxgk/zjxxgk/"), 35, 35),
        (_link("新村镇", SITE + "/xxgk/xzxxgk/xcz/"), 20, 20),
        (_link("县教育局", SITE + "/col/col5001/index.html"), 20, 20),
        (_link("东城街道"), 30, 30),
    ],
)
def test_nav_score_values(link, lo, hi):
    assert lo <= nav_score(link) <= hi


def test_nav_score_on_home_page():
    links = extract_links(fixture("home.html"), SITE + "/")
    ranked = sorted((link for link in links if nav_score(link) > 0), key=nav_score, reverse=True)
    assert [link.url for link in ranked] == [
        SITE + "/zwgk/zfxxgknb/",
        SITE + "/zwgk/gknb/",
        SITE + "/zwgk/",
        SITE + "/zwgk/bmxxgk/index.html",
    ]


# ---------------------------------------------------------------------------------------------------------------
# attachments


@pytest.mark.parametrize(
    "url,text,kind",
    [
        (SITE + "/u/cms/2021/0129/report.pdf", "楚雄市新村镇2020年政府信息公开工作年度报告.pdf", "pdf"),
        (SITE + "/u/cms/2021/0129/REPORT.PDF", "", "pdf"),
        (SITE + "/u/a.docx", "", "docx"),
        (SITE + "/u/a.doc?v=2", "", "doc"),
        (SITE + "/u/a.wps", "", "wps"),
        (SITE + "/u/a.ofd", "", "ofd"),
        (SITE + "/u/a.xls", "", "xls"),
        (SITE + "/u/a.xlsx", "", "xlsx"),
        (SITE + "/u/%E5%B9%B4%E6%8A%A5.pdf", "", "pdf"),
        (SITE + "/download?fileId=8f2c", "河东区2020年政府信息公开工作年度报告.docx", "docx"),
        (SITE + "/download?fileId=8f2c", "附件：2020年年报.PDF（256KB）", "pdf"),
        (SITE + "/module/download/downfile.jsp?classid=0&filename=2101311.pdf", "下载", "pdf"),
        (SITE + "/download?fileId=8f2c", "点击下载", None),
        (SITE + "/art/2021/1/31/art_4589_123.html", "2020年政府信息公开工作年度报告.pdf", None),
        (SITE + "/zwgk/gknb/", "", None),
        (SITE + "/u/a.zip", "", None),
        (SITE + "/u/a.pdf.html", "", None),
    ],
)
def test_is_attachment(url, text, kind):
    assert is_attachment(url, text) == kind


# ---------------------------------------------------------------------------------------------------------------
# needs_browser


def test_needs_browser():
    assert needs_browser(fixture("spa_shell.html")) == "spa-shell"
    assert needs_browser(fixture("challenge_412.html"), 412) == "js-challenge"
    assert needs_browser(fixture("challenge_412.html"), 202) == "js-challenge"
    assert needs_browser("<html><script>location.reload()</script></html>", 412) == "js-challenge"
    assert needs_browser(fixture("home.html")) is None
    assert needs_browser(fixture("jpage_list.html")) is None
    assert needs_browser(JSON_PAGE) is None  # its list comes from an endpoint find_pages reads
    assert needs_browser("") is None
    assert needs_browser("<html><body><p>404 Not Found</p></body></html>", 404) is None


# ---------------------------------------------------------------------------------------------------------------
# pagination: trs

GKNB = SITE + "/zwgk/gknb/"


def test_trs_create_page_html():
    page = '<div class="page"><script>createPageHTML(5, 0, "index", "html");</script></div>'
    expected = {GKNB + f"index_{k}.html" for k in range(1, 5)}
    assert urls(find_pages(page, GKNB)) == expected
    assert urls(find_pages(page, GKNB + "index.html")) == expected
    assert all(r.method == "GET" and r.kind == "html" for r in find_pages(page, GKNB))


def test_trs_from_a_middle_page():
    page = "<script>createPageHTML(5, 2, 'index', 'html');</script>"
    assert urls(find_pages(page, GKNB + "index_2.html")) == {
        GKNB + "index.html",
        GKNB + "index_1.html",
        GKNB + "index_3.html",
        GKNB + "index_4.html",
    }


def test_trs_count_page_variables():
    page = """<script language="JavaScript">
    var countPage = 5; var currentPage = 0; var prefixName = "index"; var suffixName = "html";
    createPageHTML(countPage, currentPage, prefixName, suffixName);</script>"""
    assert urls(find_pages(page, GKNB)) == {GKNB + f"index_{k}.html" for k in range(1, 5)}


def test_trs_ignores_function_definition_and_single_page():
    page = """<script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){ }
    createPageHTML(1, 0, "index", "shtml");</script>"""
    assert find_pages(page, GKNB) == []


def test_trs_six_argument_variant_and_cap():
    page = "<script>createPageHTML('page_div', 500, 0, 'index', 'shtml', 9000);</script>"
    reqs = find_pages(page, GKNB, max_pages=20)
    assert len(reqs) == 20
    assert reqs[0].url == GKNB + "index_1.shtml"


# ---------------------------------------------------------------------------------------------------------------
# pagination: plain and query


def test_plain_next_and_last():
    page = """<div class="pages"><a href="list.html">首页</a><a href="list.html">上一页</a>
      <a href="list.html">1</a><span>2</span><a href="list_3.html">3</a><a href="list_3.html">下一页</a>
      <a href="list_9.html">尾页</a></div>"""
    assert urls(find_pages(page, GKNB + "list_2.html")) == {GKNB + "list.html"} | {
        GKNB + f"list_{k}.html" for k in range(3, 10)
    }


def test_plain_from_first_page():
    page = '<a href="list_2.html">下一页</a> <a href="list_9.html">尾页</a>'
    assert urls(find_pages(page, GKNB + "list.html")) == {GKNB + f"list_{k}.html" for k in range(2, 10)}
    assert urls(find_pages(page, GKNB + "list_1.html")) == {GKNB + f"list_{k}.html" for k in range(2, 10)}


def test_plain_only_next_visible():
    page = '<a href="/">首页</a><a href="list_4.html">下一页 &gt;</a>'
    assert [r.url for r in find_pages(page, GKNB + "list_3.html")] == [GKNB + "list_4.html"]


def test_plain_last_page_has_nothing_further():
    page = '<a href="list_8.html">上一页</a><a href="javascript:;">下一页</a><a href="javascript:;">尾页</a>'
    assert urls(find_pages(page, GKNB + "list_9.html")) == {GKNB + "list_8.html"}


def test_plain_ignores_year_links_and_lone_numbers():
    page = '<a href="/zwgk/gknb/2020/">2020</a><a href="/zwgk/gknb/2021/">2021</a><a href="list_5.html">5</a>'
    assert find_pages(page, GKNB) == []


def test_no_pages_on_a_page_without_a_list():
    assert find_pages(fixture("home.html"), SITE + "/") == []
    assert find_pages("", SITE + "/") == []
    assert find_pages(b"\x00\xff", SITE + "/") == []


def test_query_pages():
    page = """<div class="page"><a href="?page=2">2</a> <a href="?page=3">3</a> … <a href="?page=2">下一页</a>
      <a href="?page=5">尾页</a></div>"""
    base = SITE + "/zwgk/gknb/list.jsp"
    assert urls(find_pages(page, base)) == {f"{base}?page={k}" for k in range(2, 6)}
    assert urls(find_pages(page, base + "?page=1")) == {f"{base}?page={k}" for k in range(2, 6)}


def test_query_pages_keep_other_parameters():
    page = '<a href="list.do?cid=7&pageNo=2">下一页</a><a href="list.do?cid=7&pageNo=4">末页</a>'
    base = SITE + "/xxgk/list.do?cid=7&pageNo=1"
    assert urls(find_pages(page, base)) == {SITE + f"/xxgk/list.do?cid=7&pageNo={k}" for k in (2, 3, 4)}


# ---------------------------------------------------------------------------------------------------------------
# pagination: jpage

COL = SITE + "/col/col4589/index.html"
BODY = (
    "col=1&appid=1&webid=1&path=/&columnid=4589&sourceContentType=1&unitid=12345"
    "&webname=%E6%B2%B3%E4%B8%9C&permissiontype=0"
)


def test_jpage_requests():
    reqs = find_pages(fixture("jpage_list.html"), COL)
    jpage = [r for r in reqs if r.kind == "jpage-xml"]
    assert jpage == [
        PageRequest(
            SITE + "/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=60&perpage=15",
            method="POST",
            body=BODY,
            kind="jpage-xml",
            meta=(("startrecord", 16), ("endrecord", 60), ("perpage", 15), ("total", 47)),
        )
    ]
    # the breadcrumb links are not pages of this list
    assert reqs == jpage


def test_jpage_requests_cover_total_in_chunks():
    page = fixture("jpage_list.html").replace("totalRecord: 47", "totalRecord: 200")
    reqs = find_pages(page, COL)
    ranges = [
        (dict(parse_qsl(urlsplit(r.url).query))["startrecord"], dict(parse_qsl(urlsplit(r.url).query))["endrecord"])
        for r in reqs
    ]
    assert ranges == [("16", "60"), ("61", "105"), ("106", "150"), ("151", "195"), ("196", "240")]
    assert {r.body for r in reqs} == {BODY}


def test_jpage_all_embedded_means_no_request():
    page = fixture("jpage_list.html").replace("totalRecord: 47", "totalRecord: 15")
    assert find_pages(page, COL) == []


def test_embedded_records():
    for source in (
        fixture("jpage_list.html"),
        parse_html(fixture("jpage_list.html")),
        fixture("jpage_list.html").encode("utf-8"),
    ):
        links = embedded_records(source, COL)
        assert len(links) == 15
        assert links[0] == Link(
            SITE + "/art/2021/1/1/art_4589_100.html",
            "河东区发改局2020年政府信息公开工...",
            "河东区发改局2020年政府信息公开工作年度报告",
        )
        assert is_report_title(links[0].title) and not is_report_title(links[0].text)
    # lxml keeps script contents as text: the records are invisible to extract_links
    assert not any("/art/" in link.url for link in extract_links(fixture("jpage_list.html"), COL))


def test_parse_jpage_xml():
    links = parse_jpage_xml((DATA / "jpage_answer.xml").read_bytes(), COL)
    assert [link.url for link in links] == [SITE + f"/art/2020/1/{i}/art_4589_{200 + i}.html" for i in (1, 2, 3)]
    assert links[1].text == "河东区东城街道2019年政府信息公开工作年度报告"
    assert parse_jpage_xml(fixture("jpage_answer.xml"), COL) == links  # str input, declaration and all


def test_parse_jpage_xml_gbk_and_broken():
    gbk = (
        '<?xml version="1.0" encoding="GBK"?><datastore><recordset><record><![CDATA[<a href="/a.html">年报</a>]]>'
        "</record></recordset></datastore>"
    ).encode("gbk")
    assert parse_jpage_xml(gbk, COL) == [Link(SITE + "/a.html", "年报", None)]
    broken = '<datastore><recordset><record><![CDATA[<li><a href="/b.html">乙</a></li>]]></record><record>&nbsp;'
    assert parse_jpage_xml(broken, COL) == [Link(SITE + "/b.html", "乙", None)]
    assert parse_jpage_xml(b"", COL) == []
    assert parse_jpage_xml(b"\x00\xff not xml", COL) == []


def test_parse_jpage_xml_billion_laughs_does_not_expand():
    lol = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    lol += [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE datastore [' + "".join(lol) + "]><datastore><recordset>"
        '<record><![CDATA[<a href="/ok.html">ok</a>]]></record><record>&lol9;</record>'
        "</recordset></datastore>"
    )
    start = time.perf_counter()
    links = parse_jpage_xml(bomb.encode(), COL)
    assert time.perf_counter() - start < 1.0
    assert links in ([], [Link(SITE + "/ok.html", "ok", None)])
    assert sum(len(link.text) for link in links) < 100


# ---------------------------------------------------------------------------------------------------------------
# pagination: json

JSON_PAGE = """<html><body><div class="nav"><a href="/">首页</a></div><ul id="list"></ul>
<script>
$.ajax({ url: "/api/content/list", type: "GET", dataType: "json",
         data: { channelId: "1024", pageNo: 1, pageSize: 10 },
         success: function (res) { render(res.data.list); } });
</script></body></html>"""
LIST_PAGE = SITE + "/zwgk/gknb/"


def _answer(page: int, pages: int = 3, n: int = 10) -> str:
    return json.dumps(
        {
            "code": 200,
            "data": {
                "total": 23,
                "pageNo": page,
                "pageSize": 10,
                "pages": pages,
                "list": [
                    {
                        "title": f"<em>{page}-{i}</em> 2022年政府信息公开工作年度报告",
                        "url": f"/zwgk/gknb/202302/t2023_{page}{i}.html",
                        "publishDate": "2023-02-19",
                    }
                    for i in range(n)
                ],
            },
        },
        ensure_ascii=False,
    )


def test_json_request_from_ajax_get():
    reqs = find_pages(JSON_PAGE, LIST_PAGE)
    assert reqs == [
        PageRequest(
            SITE + "/api/content/list?channelId=1024&pageNo=1&pageSize=10",
            kind="json",
            meta=(
                ("page_param", "pageNo"),
                ("page", 1),
                ("first_page", 1),
                ("size_param", "pageSize"),
                ("page_size", 10),
            ),
        )
    ]


def test_json_request_from_ajax_post():
    page = JSON_PAGE.replace('type: "GET"', "type: 'POST'").replace(
        "/api/content/list", "https://api.hedong.gov.cn/list"
    )
    (req,) = find_pages(page, LIST_PAGE)
    assert (req.url, req.method, req.body, req.kind) == (
        "https://api.hedong.gov.cn/list",
        "POST",
        "channelId=1024&pageNo=1&pageSize=10",
        "json",
    )


def test_json_request_variants():
    page = """<script>var cid = "77"; function load(page){
      jQuery.post("/api/list.do", { columnId: cid, curPage: page, rows: 15, keyword: $("#kw").val() }, function(r){});
    }
    $.ajax({url: '/count/hit', data: {id: 3}});  // not paged: ignored
    </script>"""
    (req,) = find_pages(page, LIST_PAGE)
    assert (req.url, req.method, req.body) == (SITE + "/api/list.do", "POST", "columnId=77&curPage=1&rows=15")
    assert req.get("page_param") == "curPage"


def test_parse_json_list_links_and_next_pages():
    (req,) = find_pages(JSON_PAGE, LIST_PAGE)
    links, more = parse_json_list(_answer(1), LIST_PAGE, req)
    assert len(links) == 10
    assert links[0] == Link(SITE + "/zwgk/gknb/202302/t2023_10.html", "1-0 2022年政府信息公开工作年度报告", None)
    assert [r.url for r in more] == [SITE + f"/api/content/list?channelId=1024&pageNo={k}&pageSize=10" for k in (2, 3)]
    assert all(r.kind == "json" and r.get("page") == k for r, k in zip(more, (2, 3), strict=True))
    # the later pages were all requested from the first answer: they plan nothing more, the last one neither
    assert parse_json_list(_answer(2), LIST_PAGE, more[0])[1] == []
    links3, more3 = parse_json_list(_answer(3, n=3), LIST_PAGE, more[1])
    assert len(links3) == 3 and more3 == []


def test_parse_json_list_post_body_and_total_only():
    page = JSON_PAGE.replace('type: "GET"', 'type: "POST"')
    (req,) = find_pages(page, LIST_PAGE)
    answer = json.dumps({"rows": [{"docTitle": "a", "linkUrl": "/a.html"}], "totalCount": 25})
    _, more = parse_json_list(answer, LIST_PAGE, req)
    assert [(r.url, r.body) for r in more] == [
        (SITE + "/api/content/list", f"channelId=1024&pageNo={k}&pageSize=10") for k in (2, 3)
    ]


def test_parse_json_list_without_count_follows_has_more():
    req = PageRequest(SITE + "/api/list?page=4", kind="json")
    links, more = parse_json_list(b'{"hasMore": true, "items": [{"name": "x", "href": "/x.html"}]}', LIST_PAGE, req)
    assert links == [Link(SITE + "/x.html", "x", None)]
    assert [r.url for r in more] == [SITE + "/api/list?page=5"]
    assert parse_json_list(b'{"hasMore": false, "items": []}', LIST_PAGE, req) == ([], [])


def test_parse_json_list_jsonp_and_garbage():
    req = PageRequest(SITE + "/api/list?pageIndex=1", kind="json")
    body = 'cb({"data": {"content": [{"title": "t", "url": "javascript:;"}, {"title": "u", "url": "/u.html"}]}});'
    assert parse_json_list(body, LIST_PAGE, req) == ([Link(SITE + "/u.html", "u", None)], [])
    assert parse_json_list(b"<html>error</html>", LIST_PAGE, req) == ([], [])
    assert parse_json_list(b"", LIST_PAGE, req) == ([], [])


# ---------------------------------------------------------------------------------------------------------------
# speed: the crawler is CPU-bound


def test_extract_links_is_fast_on_a_large_page():
    page = "<ul>" + "".join(f'<li><a href="/art/{i}.html" title="t{i}">标题{i}</a></li>' for i in range(5000)) + "</ul>"
    start = time.perf_counter()
    links = extract_links(page, SITE + "/")
    scores = [nav_score(link) for link in links]
    elapsed = time.perf_counter() - start
    assert len(links) == 5000 and not any(scores)
    assert elapsed < 2.0
