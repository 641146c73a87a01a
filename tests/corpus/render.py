"""Render a structured report doc (tests/corpus/docs/*.json) as the full HTML page a real portal family emits.

A doc is a dict:

- `title`, `site_name` (the portal owner, for the page chrome), optional `crumbs` (navigation), optional `domain`;
- `metadata`: `[{"label", "value", "field"}]` in page order, label and value as published (`field` names what the
  label means: index_no, category, organ, publish, written, name, doc_no, validity, source, generated);
- `body`: blocks in order, `{"h": heading}`, `{"p": text, "align"?: "center"|"right"}`, `{"table": grid}` where a
  grid is `{"kind", "rows": [[{"text", "rowspan", "colspan"}]]}` (see grids.py).

Each family lays the same metadata out the way its CMS does (its own labels, order and markup), so the expected
item of a doc is the same in every family except the fields a family cannot carry at all (FAMILY_DROPS).
"""

from __future__ import annotations

import copy
import html
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from tests.corpus import load_expected
from tests.corpus.grids import reviews_grid

HERE = Path(__file__).resolve().parent
REPORT_IDS: tuple[str, ...] = ("000", "001", "002", "003", "004")
FAMILIES: tuple[str, ...] = ("trs", "hanweb", "ulli", "cxs", "meta_only", "word_gbk")
FAMILY_DROPS: dict[str, frozenset[str]] = {
    "trs": frozenset(),
    "hanweb": frozenset(),
    "ulli": frozenset(),
    "cxs": frozenset(),
    # Only ArticleTitle / PubDate / ContentSource survive: there is no 索引号, 文号, 分类 or 成文日期 anywhere.
    "meta_only": frozenset({"index_no", "doc_no", "category", "written_date"}),
    "word_gbk": frozenset(),
}
HOME_FAMILIES: dict[str, tuple[str, ...]] = {
    "000": ("trs", "meta_only", "word_gbk"),
    "001": ("hanweb", "ulli", "word_gbk"),
    "002": ("ulli", "trs", "word_gbk"),
    "003": ("cxs", "hanweb", "word_gbk"),
    "004": ("trs", "hanweb", "meta_only", "word_gbk"),
}
# Every (report id, family) page the mock web serves and the golden tests read.
HOME_CASES: tuple[tuple[str, str], ...] = tuple((r, f) for r in REPORT_IDS for f in HOME_FAMILIES[r])

_ENCODING = {f: "utf-8" for f in FAMILIES} | {"word_gbk": "gb18030"}


def load_doc(report_id: str) -> dict[str, Any]:
    """The structured source of a reference report (a fresh copy: callers may change it)."""
    return copy.deepcopy(_load_doc(report_id))


@cache
def _load_doc(report_id: str) -> dict[str, Any]:
    return json.loads((HERE / "docs" / f"{report_id}.json").read_text(encoding="utf-8"))


def content_type(family: str) -> str:
    """The Content-Type header a server sends with the page (word_gbk's server names no charset)."""
    if family == "word_gbk":
        return "text/html"
    _check(family)
    return "text/html; charset=utf-8"


def render_doc(doc: dict[str, Any], family: str) -> bytes:
    """The full page bytes of `doc` in `family`, in that family's encoding."""
    _check(family)
    page = _RENDERERS[family](doc)
    return page.encode(_ENCODING[family])


def render_report(report_id: str, family: str) -> bytes:
    return render_doc(_load_doc(report_id), family)


def expected_for(report_id: str, family: str) -> dict[str, Any]:
    """The golden expected item of a reference report as read from its page in `family`."""
    _check(family)
    expected = load_expected(report_id)
    for key in FAMILY_DROPS[family]:
        expected[key] = None
    return expected


def _check(family: str) -> None:
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")


# ---------------------------------------------------------------- shared helpers

def esc(text: str) -> str:
    return html.escape(text, quote=True)


_CANON_LABEL = {
    "index_no": "索引号",
    "category": "主题分类",
    "organ": "发布机构",
    "publish": "发布日期",
    "written": "成文日期",
    "name": "名称",
    "doc_no": "文号",
    "validity": "有效性",
    "source": "来源",
    "generated": "生成日期",
}
_FULL_LABELS = frozenset(
    ["索引号", "主题分类", "公开目录", "信息分类", "发布机构", "发布日期", "发表时间", "成文日期", "发文日期",
     "名称", "文号", "有效性", "时效性", "来源", "生成日期"]
)


def meta(doc: dict[str, Any], field: str) -> str | None:
    """The value of the first metadata entry meaning `field`, or None when the doc has none."""
    for item in doc.get("metadata", []):
        if item["field"] == field:
            return item["value"]
    return None


def full_label(item: dict[str, Any]) -> str:
    # 003 prints truncated labels (号, 称); families other than cxs print the whole label.
    return item["label"] if item["label"] in _FULL_LABELS else _CANON_LABEL[item["field"]]


def publish_day(doc: dict[str, Any]) -> str:
    return (meta(doc, "publish") or "").split(" ")[0]


def page_time(doc: dict[str, Any]) -> str:
    # The CMS's own timestamp (PubDate meta); the published 发布日期 when the doc records none.
    return doc.get("page_time") or meta(doc, "publish") or ""


def organ_name(doc: dict[str, Any]) -> str:
    return meta(doc, "organ") or doc.get("site_name", "")


def widen(text: str) -> str:
    """Full-width punctuation as Chinese pages print it in prose and labels (the reference dumps were normalised
    to ASCII); leaves URLs, times and numbers alone."""
    text = text.replace(",", "，").replace(";", "；").replace("(", "（").replace(")", "）")
    return re.sub(r"(?<=[\u4e00-\u9fff）])[:](?!//)", "：", text)


def is_number_text(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[+-]?\d[\d.,]*\s*(万元|元)?\s*", text))


def place(rows: list[list[dict[str, Any]]]) -> list[list[tuple[dict[str, Any], int, int]]]:
    """Each row's cells with their grid column and how many cells from rows above cover that row (rowspans)."""
    owner: dict[tuple[int, int], int] = {}
    out: list[list[tuple[dict[str, Any], int, int]]] = []
    serial = 0
    for r, row in enumerate(rows):
        col = 0
        placed = []
        covering = {v for (rr, _c), v in owner.items() if rr == r}
        for c in row:
            while (r, col) in owner:
                col += 1
            placed.append((c, col, len(covering)))
            serial += 1
            for dr in range(c.get("rowspan", 1)):
                for dc in range(c.get("colspan", 1)):
                    owner[(r + dr, col + dc)] = serial
            col += c.get("colspan", 1)
        out.append(placed)
    return out


def spans(c: dict[str, Any], *, quote: str = '"') -> str:
    attrs = ""
    if c.get("rowspan", 1) > 1:
        attrs += f" rowspan={quote}{c['rowspan']}{quote}"
    if c.get("colspan", 1) > 1:
        attrs += f" colspan={quote}{c['colspan']}{quote}"
    return attrs


def lines(text: str) -> list[str]:
    return text.split("\n")


def page_text_title(doc: dict[str, Any]) -> str:
    return f"{doc['title']}_{doc.get('site_name', '')}"


def crumbs(doc: dict[str, Any]) -> list[str]:
    return doc.get("crumbs") or ["首页", "政务公开", "政府信息公开", "政府信息公开年报"]


def body_blocks(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["body"]


# ---------------------------------------------------------------- trs (TRS WCM, 乌恰)

_TRS_LABEL = {
    "index_no": "索&nbsp;&nbsp;引&nbsp;&nbsp;号",
    "category": "主题分类",
    "organ": "发布机构",
    "publish": "发布日期",
    "written": "成文日期",
    "name": "名　　称",
    "doc_no": "文　　号",
    "validity": "有&nbsp;&nbsp;效&nbsp;&nbsp;性",
    "source": "来　　源",
    "generated": "生成日期",
}


def _trs(doc: dict[str, Any]) -> str:
    site = esc(doc.get("site_name", ""))
    values = {f: esc(meta(doc, f) or "") for f in _TRS_LABEL}
    extra = [f for f in ("written", "generated") if meta(doc, f) is not None]

    def td(field: str, colspan: int = 1) -> str:
        span = f' colspan="{colspan}"' if colspan > 1 else ""
        return (f'<td class="td-label" width="12%">{_TRS_LABEL[field]}</td>'
                f'<td class="td-value"{span}>{values[field]}</td>')

    meta_rows = [
        td("index_no") + td("category"),
        td("organ") + td("publish"),
        td("name", 3),
        td("doc_no") + td("validity"),
        td("source", 3),
    ]
    if extra:
        meta_rows.insert(2, "".join(td(f) for f in extra) + ("<td></td><td></td>" if len(extra) == 1 else ""))
    crumb_html = "\n".join(
        f'<li><a href="../../{"../" * i}index.html" target="_self" title="{esc(c)}" class="CurrChnlCls">{esc(c)}</a></li>'
        for i, c in enumerate(crumbs(doc))
    )
    body = []
    for block in body_blocks(doc):
        if "h" in block:
            body.append(f'<p style="text-indent:2em"><strong>{esc(widen(block["h"]))}</strong></p>')
        elif "p" in block:
            align = block.get("align")
            style = f"text-align:{align}" if align else "text-indent:2em"
            body.append(f'<p style="{style}">{esc(widen(block["p"]))}</p>')
        else:
            body.append(_trs_table(block["table"]))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="SiteName" content="{site}">
<meta name="ColumnName" content="公开年报">
<meta name="ArticleTitle" content="{esc(doc['title'])}">
<title>{esc(page_text_title(doc))}</title>
<link rel="stylesheet" href="/images/gk_style.css">
<script src="/js/jquery-1.11.3.min.js"></script>
<script>var _trs_uv_fixedseed = "{doc.get('id', 'x')}"; var _trs_ta_url = "/ta/trs_ta.gif";</script>
</head>
<body>
<div class="top"><div class="w1200"><span class="weather"></span><a href="/">{site}</a> | <a href="#">无障碍浏览</a> | <a href="#">长者模式</a></div></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zmhd/">政民互动</a></li><li><a href="/bsfw/">办事服务</a></li></ul></div>
<div class="w1200 position">
<ol><li>当前位置:</li>
{crumb_html}
<li>&gt; 正文</li></ol>
</div>
<div class="w1200 xxgk_detail">
<h1 class="article-title">{esc(doc['title'])}</h1>
<table class="xxgk_table" width="100%" border="0" cellspacing="0" cellpadding="0">
<tbody>
{"".join(f"<tr>{r}</tr>{chr(10)}" for r in meta_rows)}</tbody>
</table>
<div class="article-content">
<div class="TRS_Editor"><div class="TRS_Editor">
{chr(10).join(body)}
</div></div>
</div>
<div class="related"><h4>解读文章</h4><ul></ul></div>
<div class="article-tool"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="footer"><p>主办单位:{site}办公室 &nbsp; 网站标识码:6530240001</p>
<p>新ICP备05001234号-1 &nbsp; <a href="http://www.beian.gov.cn/">新公网安备 65302402000001号</a></p></div>
<script src="/js/share.js"></script>
<script>_trs_ta_track();</script>
</body>
</html>
"""


def _trs_table(grid: dict[str, Any]) -> str:
    rows = []
    for row in grid["rows"]:
        tds = []
        for c in row:
            text = "<br/>".join(esc(widen(t)) for t in lines(c["text"]))
            tds.append(f'<td{spans(c)} style="text-align:center">{text}</td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return ('<table border="1" cellspacing="0" cellpadding="0" align="center" style="border-collapse:collapse">\n'
            "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>")


# ---------------------------------------------------------------- hanweb (大汉, 河东)

_HANWEB_LABEL = {
    "index_no": "索 引 号:",
    "category": "公开目录:",
    "written": "成文日期:",
    "publish": "发布日期:",
    "organ": "发布机构:",
    "doc_no": "文　　号:",
    "generated": "生成日期:",
}


def _hanweb(doc: dict[str, Any]) -> str:
    val = {f: esc(meta(doc, f) or "") for f in _HANWEB_LABEL}

    def pair(f: str) -> str:
        return f'<td class="t1">{_HANWEB_LABEL[f]}</td><td class="t2">{val[f]}</td>'

    meta_rows = [pair("index_no") + pair("category"), pair("written") + pair("publish"),
                 pair("organ") + '<td class="t1"></td><td class="t2"></td>']
    if meta(doc, "doc_no") is not None:
        meta_rows.append(pair("doc_no") + '<td class="t1"></td><td class="t2"></td>')
    body = []
    for block in body_blocks(doc):
        if "h" in block:
            body.append(f'<p style="text-indent: 2em; line-height: 1.75em;"><b>{esc(widen(block["h"]))}</b></p>')
        elif "p" in block:
            align = block.get("align")
            style = f"text-align: {align};" if align else "text-indent: 2em; line-height: 1.75em;"
            body.append(f'<p style="{style}">{esc(widen(block["p"]))}</p>')
        else:
            body.append(_hanweb_table(block["table"]))
    pub = esc(page_time(doc))
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta name="SiteName" content="{esc(doc.get('site_name', ''))}" />
<meta name="ArticleTitle" content="{esc(doc['title'])}" />
<meta name="PubDate" content="{pub}" />
<meta name="ContentSource" content="{esc(organ_name(doc))}" />
<meta name="Keywords" content="政府信息公开,年度报告" />
<title>{esc(doc['title'])}</title>
<script type="text/javascript" src="/script/jquery.js"></script>
<script type="text/javascript" src="/script/hanweb.js"></script>
</head>
<body>
<!-- 头部 -->
<div id="header"><div class="logo"><img src="/images/logo.png" alt="{esc(doc.get('site_name', ''))}" /></div></div>
<div class="dqwz">您现在的位置:<a href="/">首页</a> &gt; {" &gt; ".join(esc(c) for c in crumbs(doc)[1:])}</div>
<div class="xxgk_xl">
<table class="xxgk_xl_table" width="100%" border="0" cellpadding="0" cellspacing="1">
{chr(10).join(f"<tr>{r}</tr>" for r in meta_rows)}
</table>
</div>
<div class="wzy_title">{esc(doc['title'])}</div>
<div class="wzy_bt"><span>信息来源:{esc(organ_name(doc))}</span> <span>发布时间:{pub}</span> <span>浏览次数:<script language="javascript" src="/module/visitcount/articlehits.jsp?colid=123&artid=456"></script></span></div>
<div id="zoom">
{chr(10).join(body)}
</div>
<div class="wzy_fx">【<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>】 【<a href="javascript:window.print()">打印本页</a>】 【<a href="javascript:window.close()">关闭窗口</a>】</div>
<div id="footer">版权所有:{esc(doc.get('site_name', ''))} &nbsp; 鲁ICP备05012345号 <script type="text/javascript">document.write(unescape("%3Cspan id='_ideConac' %3E%3C/span%3E"));</script></div>
</body>
</html>
"""


def _hanweb_table(grid: dict[str, Any]) -> str:
    # Like 河东's page: a cell keeps its colspan only in the first grid column (a row label, or the corner cell that
    # also spans rows); other colspans are dropped and, with every cell covering the row from above, paid back as
    # empty padding cells at the end of the row, so header spans no longer line up with the data rows.
    out = []
    for row in place(grid["rows"]):
        data_row = any(is_number_text(c["text"]) for c, _col, _cov in row)
        tds = []
        pads = row[0][2] if row else 0
        for c, col, _cov in row:
            keep = col == 0 and (data_row or c.get("rowspan", 1) > 1)
            shown = dict(c) if keep else {**c, "colspan": 1}
            if not keep:
                pads += c.get("colspan", 1) - 1
            inner = "".join(f"<p>{esc(widen(t))}</p>" for t in lines(c["text"]))
            tds.append(f"<td{spans(shown)}>{inner}</td>")
        tds += ["<td></td>"] * pads
        out.append("<tr>" + "".join(tds) + "</tr>")
    return ('<table border="1" cellspacing="0" cellpadding="0" width="600" style="border-collapse: collapse;">\n'
            "<tbody>\n" + "\n".join(out) + "\n</tbody>\n</table>")


# ---------------------------------------------------------------- ulli (金平)

def _ulli(doc: dict[str, Any]) -> str:
    items = list(doc.get("metadata", []))
    if meta(doc, "doc_no") is None:
        # 金平's template always prints 文号, empty when there is none.
        items.insert(min(2, len(items)), {"label": "文号", "value": "", "field": "doc_no"})
    lis = "\n".join(
        f"<li><span>{esc(full_label(i))}</span><p>{esc(i['value'])}</p></li>"
        for i in items if i["field"] not in ("name", "generated")
    )
    body = []
    for block in body_blocks(doc):
        if "h" in block:
            body.append(f'<p>&nbsp;&nbsp;<strong>{esc(widen(block["h"]))}</strong></p>')
        elif "p" in block:
            align = block.get("align")
            if align:
                body.append(f'<p style="text-align:{align}">{esc(widen(block["p"]))}</p>')
            else:
                body.append(f'<p>&nbsp;&nbsp;{esc(widen(block["p"]))}</p>')
        else:
            body.append(_ulli_table(block["table"]))
            body.append("<p>&nbsp;</p>")
    site = esc(doc.get("site_name", ""))
    return f"""<!doctype html>
<html>
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{esc(doc['title'])}-{site}</title>
<link href="/static/css/common.css" rel="stylesheet">
<script src="/static/js/vue.min.js"></script>
</head>
<body>
<div class="topbar"><div class="wrap"><span>欢迎访问{site}门户网站</span><div class="fr"><a href="/login">登录</a> | <a href="/register">注册</a></div></div></div>
<div class="crumbs wrap">当前位置:{" &gt; ".join(f'<a href="#">{esc(c)}</a>' for c in crumbs(doc))}</div>
<div class="wrap detail">
<ul class="xxgk-info clearfix">
{lis}
</ul>
<div class="detail-title"><h2>{esc(doc['title'])}</h2></div>
<div class="detail-con" id="NewsContent">
{chr(10).join(body)}
</div>
<div class="detail-share"><span>分享到:</span><a class="wx" href="javascript:;"></a><a class="wb" href="javascript:;"></a></div>
</div>
<div class="footer"><p>{site}办公室主办 &nbsp; 滇ICP备12345678号</p><p><script src="https://example.invalid/jiucuo.js"></script></p></div>
<script>new Vue({{el: '#app'}});</script>
</body>
</html>
"""


def _ulli_table(grid: dict[str, Any]) -> str:
    rows = []
    reviews = grid.get("kind") == "reviews"
    for row in grid["rows"]:
        tds = []
        for c in row:
            text = c["text"]
            if reviews and not is_number_text(text) and len(text) == 4:
                # 金平 prints 结果纠正 as 结果&nbsp;&nbsp;&nbsp;纠正 (two lines squeezed into one).
                inner = f"{esc(text[:2])}&nbsp;&nbsp;&nbsp;{esc(text[2:])}"
            elif is_number_text(text) and reviews:
                inner = f"&nbsp;{esc(text)}&nbsp;"
            else:
                inner = "<br>".join(esc(widen(t)) for t in lines(text))
            tds.append(f'<td{spans(c)} valign="center" align="center">{inner}</td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return ('<table width="100%" border="1" cellspacing="0" style="border-collapse:collapse;">\n<tbody>\n'
            + "\n".join(rows) + "\n</tbody>\n</table>")


# ---------------------------------------------------------------- cxs (楚雄 township sites)

_CXS_LABEL = {"index_no": "号:", "category": "信息分类:", "written": "发文日期:", "organ": "发布机构:",
              "generated": "生成日期:", "name": "称:", "doc_no": "号:"}


def _cxs(doc: dict[str, Any]) -> str:
    v = {f: esc(meta(doc, f) or "") for f in _CXS_LABEL}
    lab = _CXS_LABEL
    body = []
    for block in body_blocks(doc):
        if "h" in block:
            body.append(f'<p><span style="font-family:黑体;font-size:16pt">{esc(block["h"])}</span></p>')
        elif "p" in block:
            align = block.get("align")
            attr = f' align="{align}"' if align else ' style="text-indent:32px"'
            body.append(f"<p{attr}>{esc(block['p'])}</p>")
        else:
            body.append(_cxs_table(block["table"]))
    return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{esc(doc['title'])}</title>
<link href="/css/style.css" rel="stylesheet" type="text/css">
<script language="javascript">function doZoom(size){{document.getElementById('zoom').style.fontSize=size+'px';}}</script>
</head>
<body leftmargin="0" topmargin="0">
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0"><tr><td class="top_bg">{esc(doc.get('site_name', ''))}</td></tr></table>
<table width="1000" border="0" align="center"><tr><td class="wz">您当前的位置: <a href="/">首页</a> &gt;&gt; 公开信息内容</td></tr></table>
<table width="1000" border="0" align="center" cellpadding="4" cellspacing="1" class="gk_info">
<tr><td class="lab">{lab['index_no']}</td><td>{v['index_no']}</td><td class="lab">{lab['category']}</td><td>{v['category']}</td></tr>
<tr><td class="lab">{lab['written']}</td><td colspan="3">{v['written']}</td></tr>
<tr><td class="lab">{lab['organ']}</td><td>{v['organ']}</td><td class="lab">{lab['generated']}</td><td>{v['generated']}</td></tr>
<tr><td class="lab">{lab['name']}</td><td colspan="3">{v['name']}</td></tr>
<tr><td class="lab">{lab['doc_no']}</td><td colspan="3">{v['doc_no']}</td></tr>
</table>
<table width="1000" border="0" align="center"><tr><td class="title" align="center"><b>{esc(doc['title'])}</b></td></tr>
<tr><td align="center" class="time">发表时间:{esc(publish_day(doc))} &nbsp;&nbsp; 字体:[<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>]</td></tr>
<tr><td id="zoom" class="content">
{chr(10).join(body)}
</td></tr></table>
<table width="1000" border="0" align="center"><tr><td class="bottom">主办:{esc(doc.get('site_name', ''))} &nbsp; 技术支持:楚雄市信息中心 &nbsp; 滇ICP备05000001号</td></tr></table>
</body>
</html>
"""


def _cxs_table(grid: dict[str, Any]) -> str:
    rows = []
    for row in grid["rows"]:
        tds = []
        for c in row:
            inner = "".join(f'<p align="center"><span style="font-size:14px">{esc(t)}</span></p>'
                            for t in lines(c["text"]))
            tds.append(f"<td{spans(c, quote='')} width=\"60\">{inner}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return '<table cellspacing="0" cellpadding="0" border="1" align="center">\n' + "\n".join(rows) + "\n</table>"


# ---------------------------------------------------------------- meta_only

def _meta_only(doc: dict[str, Any]) -> str:
    body = []
    for block in body_blocks(doc):
        if "h" in block:
            body.append(f"<h3>{esc(widen(block['h']))}</h3>")
        elif "p" in block:
            align = block.get("align")
            attr = f' style="text-align:{align}"' if align else ""
            body.append(f"<p{attr}>{esc(widen(block['p']))}</p>")
        else:
            body.append(_meta_only_table(block["table"]))
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="ArticleTitle" content="{esc(doc['title'])}">
<meta name="PubDate" content="{esc(page_time(doc))}">
<meta name="ContentSource" content="{esc(organ_name(doc))}">
<meta name="description" content="{esc(doc['title'])}">
<title>{esc(page_text_title(doc))}</title>
<script>window.__INITIAL_STATE__ = {{"channel": "gknb", "page": 1}};</script>
</head>
<body>
<header class="site-header"><a class="logo" href="/">{esc(doc.get('site_name', ''))}</a><nav><a href="/">首页</a><a href="/xxgk/">信息公开</a></nav></header>
<nav class="breadcrumb">{" / ".join(esc(c) for c in crumbs(doc))}</nav>
<main>
<article>
<h1>{esc(doc['title'])}</h1>
<section class="content">
{chr(10).join(body)}
</section>
</article>
</main>
<footer><p>&copy; {esc(doc.get('site_name', ''))}</p></footer>
</body>
</html>
"""


def _meta_only_table(grid: dict[str, Any]) -> str:
    # Header rows (no number in them) go to <thead> as <th>: another way CMS editors emit the same grid.
    head, rest = [], []
    seen_data = False
    for row in grid["rows"]:
        data = any(is_number_text(c["text"]) for c in row)
        seen_data = seen_data or data
        tag = "td" if seen_data else "th"
        cells = "".join(f"<{tag}{spans(c)}>{'<br>'.join(esc(widen(t)) for t in lines(c['text']))}</{tag}>"
                        for c in row)
        (rest if seen_data else head).append(f"<tr>{cells}</tr>")
    thead = "<thead>\n" + "\n".join(head) + "\n</thead>\n" if head else ""
    return f'<table class="table-bordered">\n{thead}<tbody>\n' + "\n".join(rest) + "\n</tbody>\n</table>"


# ---------------------------------------------------------------- word_gbk (pasted from Word, GBK page)

_SPAN = "<span lang=EN-US style='font-size:10.5pt;font-family:仿宋_GB2312'>"
_SPAN_CN = "<span style='font-size:10.5pt;font-family:仿宋_GB2312;mso-ascii-font-family:\"Times New Roman\"'>"


def _word_runs(text: str, *, split: bool) -> str:
    # Word splits a label into runs wherever the editor retyped it: 申请人情|况, 行政复|议.
    if split and len(text) >= 4 and not is_number_text(text):
        return f"{_SPAN_CN}{esc(widen(text[:-1]))}</span>{_SPAN}{esc(widen(text[-1]))}<o:p></o:p></span>"
    return f"{_SPAN}{esc(widen(text))}<o:p></o:p></span>"


def _word_gbk(doc: dict[str, Any]) -> str:
    body = []
    for block in body_blocks(doc):
        if "h" in block:
            body.append("<p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0'><b>"
                        f"<span style='font-size:16.0pt;font-family:黑体'>{esc(widen(block['h']))}</span></b></p>")
        elif "p" in block:
            align = block.get("align")
            attr = f" align={align} style='text-align:{align}'" if align else \
                " style='text-indent:32.0pt;mso-char-indent-count:2.0;line-height:28.0pt'"
            body.append(f"<p class=MsoNormal{attr}><span style='font-size:16.0pt;font-family:仿宋_GB2312'>"
                        f"{esc(widen(block['p']))}<span lang=EN-US><o:p></o:p></span></span></p>")
        else:
            body.append(_word_table(block["table"]))
    info = "&nbsp;&nbsp;".join(
        f"<span class=info>{esc(full_label(i))}：{esc(i['value'])}</span>"
        for i in doc.get("metadata", []) if i["field"] not in ("name",)
    )
    return f"""<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{esc(doc['title'])}</title>
<style>
<!--
 /* Style Definitions */
 p.MsoNormal, li.MsoNormal, div.MsoNormal {{margin:0cm; text-align:justify; font-size:10.5pt; font-family:"Times New Roman";}}
-->
</style>
<script language="JavaScript" src="/js/common.js"></script>
</head>
<body bgcolor="#FFFFFF">
<table width="980" align="center" border="0"><tr><td class="dh"><a href="/">首页</a> &gt; {" &gt; ".join(esc(c) for c in crumbs(doc)[1:])}</td></tr></table>
<table width="980" align="center" border="0"><tr><td align="center" class="bt"><font size="5"><b>{esc(doc['title'])}</b></font></td></tr>
<tr><td align="center" class="info">{info}</td></tr>
<tr><td class="nr">
<div class=WordSection1 style='layout-grid:15.6pt'>
{chr(10).join(body)}
</div>
</td></tr></table>
<table width="980" align="center"><tr><td align="center">{esc(doc.get('site_name', ''))} 版权所有 &nbsp; 联系电话:0000-0000000</td></tr></table>
</body>
</html>
"""


def _word_table(grid: dict[str, Any]) -> str:
    rows = grid["rows"]
    if grid.get("kind") == "reviews":
        # Word copies of the reviews table carry the short header: no 总计 cells, 12 labels over 15 numbers.
        rows = reviews_grid([c["text"] for c in rows[-1]], totals_in_header=False)["rows"]
    out = []
    for r, row in enumerate(rows):
        tds = []
        for c in row:
            paras = "".join(
                f"<p class=MsoNormal align=center style='text-align:center'>{_word_runs(t, split=r < 3)}</p>"
                for t in lines(c["text"])
            )
            tds.append(f"<td width=57{spans(c, quote='')} valign=top style='width:42.5pt;border:solid windowtext 1.0pt;"
                       f"padding:0cm 5.4pt 0cm 5.4pt'>{paras}</td>")
        out.append(f"<tr style='mso-yfti-irow:{r};height:20.0pt'>" + "".join(tds) + "</tr>")
    width = max(sum(c.get("colspan", 1) for c in row) for row in rows)
    junk = ("<![if !supportMisalignedColumns]>\n<tr height=0>"
            + "<td width=57 style='border:none'></td>" * width + "</tr>\n<![endif]>")
    return ("<div align=center>\n<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 "
            "style='border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt'>\n"
            + "\n".join(out) + "\n" + junk + "\n</table>\n</div>")


_RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "trs": _trs,
    "hanweb": _hanweb,
    "ulli": _ulli,
    "cxs": _cxs,
    "meta_only": _meta_only,
    "word_gbk": _word_gbk,
}
