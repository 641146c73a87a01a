"""Unit tests of the pure extraction pieces: dates, cells, labels, decoding, metadata layouts, sections, year."""

from __future__ import annotations

import pytest

from gkspider.extract import cells
from gkspider.extract.dates import parse_date
from gkspider.extract.document import decode_html, document_from_html, document_from_lines
from gkspider.extract.labels import lookup
from gkspider.extract.metadata import extract_metadata
from gkspider.extract.report import decide_year, extract_html, find_period, find_sections, find_signed_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2021-01-23 19:13", "2021-01-23"),
        ("2021年1月23日", "2021-01-23"),
        ("2021年1月23", "2021-01-23"),
        ("2021.01.29", "2021-01-29"),
        ("2021/1/29", "2021-01-29"),
        ("二〇二一年一月二十九日", "2021-01-29"),
        ("二〇二〇年十二月三十一日", "2020-12-31"),
        ("２０２１年０１月２９日", "2021-01-29"),
        ("发布时间：2023-02-19 10:00:00", "2023-02-19"),
        ("", None),
        ("暂无", None),
        ("2021-02-30", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("raw", "value", "rule"),
    [
        ("0", 0, None),
        ("+56", 56, None),
        ("-6", -6, None),
        ("１２", 12, None),
        ("1,234", 1234, None),
        ("", None, cells.EMPTY),
        ("/", None, cells.EMPTY),
        (" ", None, cells.EMPTY),
        ("无", None, cells.NOT_NUMBER),
        ("1.5", None, cells.NOT_NUMBER),
        ("3件", 3, None),
    ],
)
def test_parse_int_keeps_blank_zero_slash_and_text_apart(raw: str, value: int | None, rule: str | None) -> None:
    assert cells.parse_int(raw) == (value, rule)


@pytest.mark.parametrize(
    ("raw", "unit", "yuan"),
    [
        ("2449.4638万元", "万元", 24494638),
        ("70280元", "万元", 70280),
        ("4245.64", "万元", 42456400),
        ("98", "元", 98),
        ("0", "万元", 0),
        ("１.５万元", "元", 15000),
    ],
)
def test_amounts_in_yuan(raw: str, unit: str, yuan: int) -> None:
    assert cells.parse_amount_yuan(raw, unit) == (yuan, None)


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("1.属于国家机密", "denied_state_secret"),
        ("4.保护第三放合法权益", "denied_third_party"),
        ("5.属于三类内部事物信息", "denied_internal"),
        ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "partial"),
        ("3.危及“三安全一稳定”", "denied_safety"),
        ("四、结转下年度继续办理", "carried_forward"),
        ("3.其他", "other_misc"),
        ("（七）总计", "total"),
        ("其它对外管理服务事项", "other_services"),
    ],
)
def test_row_labels_with_typos_and_variants(label: str, key: str) -> None:
    found = lookup(label)
    assert found is not None and found.key == key


def test_short_column_labels_are_not_rows() -> None:
    assert lookup("其他").kind == "header"
    assert lookup("总计").kind == "reviews_header"
    assert lookup("总体情况") is None


def test_decode_gbk_declared_only_in_meta_and_wrongly_declared() -> None:
    page = '<html><head><meta charset="gb2312"></head><body><p>索引号：ABC-1</p></body></html>'
    text, enc = decode_html(page.encode("gbk"))
    assert "索引号" in text and enc == "gb18030"
    lying = page.replace("gb2312", "utf-8").encode("gbk")  # meta says utf-8, bytes are GBK
    text, enc = decode_html(lying)
    assert "索引号" in text and enc == "gb18030"
    bom = "\ufeff<p>发布机构：乌恰县人民政府</p>".encode()
    assert "乌恰县" in decode_html(bom)[0]


@pytest.mark.parametrize(
    "markup",
    [
        # TRS table of label/value cells with &nbsp; and full-width spaces inside labels
        "<table><tr><td>索&nbsp;&nbsp;引&nbsp;&nbsp;号</td><td>WQX001-2021-000086</td><td>主题分类</td><td></td></tr>"
        "<tr><td>发布机构</td><td>乌恰县人民政府</td><td>发布日期</td><td>2021-01-23 19:13</td></tr>"
        "<tr><td>文　　号</td><td>〔〕号</td><td>有　效　性</td><td></td></tr></table>",
        # <ul><li> pairs
        "<ul><li><span>索引号</span><p>WQX001-2021-000086</p></li><li><span>发布机构</span><p>乌恰县人民政府</p></li>"
        "<li><span>文号</span><p></p></li><li><span>发布日期</span><p>2021-01-23</p></li></ul>",
        # label: value in one line, several pairs per line
        "<div>索引号：WQX001-2021-000086 主题分类：</div><div>发布机构：乌恰县人民政府 发布日期：2021年1月23日</div>",
    ],
)
def test_metadata_layouts(markup: str) -> None:
    meta = extract_metadata(document_from_html(f"<html><body>{markup}<p>正文</p></body></html>"))
    assert meta["index_no"] == "WQX001-2021-000086"
    assert meta["organ"] == "乌恰县人民政府"
    assert meta["publish_date"] == "2021-01-23"
    assert meta["doc_no"] is None
    assert meta["category"] is None


def test_metadata_from_meta_tags_when_there_is_no_block() -> None:
    page = (
        '<html><head><meta name="ArticleTitle" content="某县2020年政府信息公开工作年度报告">'
        '<meta name="PubDate" content="2021-01-23 19:13"><meta name="ContentSource" content="某县人民政府">'
        "</head><body><p>一、总体情况</p></body></html>"
    )
    result = extract_html(page)
    assert result.fields["title"] == "某县2020年政府信息公开工作年度报告"
    assert result.fields["publish_date"] == "2021-01-23"
    assert result.fields["organ"] == "某县人民政府"
    assert result.fields["report_year"] == 2020


def test_short_labels_decide_by_value_shape() -> None:
    doc = document_from_lines(
        [
            "号: cxs045-/2021-0129001 信息分类: 政府信息公开年报",
            "称: 某镇2020年政府信息公开工作年度报告",
            "号:",
            "某镇2020年政府信息公开工作年度报告",
        ]
    )
    meta = extract_metadata(doc)
    assert meta["index_no"] == "cxs045-/2021-0129001"
    assert meta["doc_no"] is None
    assert meta["category"] == "政府信息公开年报"


def test_period_without_second_year_and_with_cue() -> None:
    assert find_period(["本报告中所列数据统计期限从2020年1月1日到12月31日止。"]) == {
        "start": "2020-01-01",
        "end": "2020-12-31",
    }
    assert find_period(["统计时限从2020年1月1日起至2020年12月31日止"]) == {"start": "2020-01-01", "end": "2020-12-31"}
    assert find_period(["没有期限"]) is None


def test_sections_skip_table_row_labels_and_accept_missing_numeral() -> None:
    paras = [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "一、本年新收政府信息公开申请数量",
        "四、结转下年度继续办理",
        "四、政府信息公开行政复议、行政诉讼情况",
        "、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    sections, last = find_sections(paras)
    assert sections == [
        "总体情况",
        "主动公开政府信息情况",
        "收到和处理政府信息公开申请情况",
        "政府信息公开行政复议、行政诉讼情况",
        "存在的主要问题及改进情况",
        "其他需要报告的事项",
    ]
    assert last == 7


def test_signed_date_is_the_date_under_the_signature() -> None:
    paras = ["六、其他需要报告的事项", "无。", "新村镇人民政府", "2021年1月29日"]
    assert find_signed_date(paras, 0) == "2021-01-29"
    assert find_signed_date(["六、其他需要报告的事项", "本年度于2021年1月5日召开会议，研究部署工作。"], 0) is None


def test_year_evidence_that_agrees_wins_over_a_title_typo() -> None:
    period = {"start": "2020-01-01", "end": "2020-12-31"}
    assert decide_year(2021, period, "2021-01-23")[0] == 2020  # title typo: period and publishing date agree
    assert decide_year(2020, None, "2021-01-23")[0] == 2020
    assert decide_year(None, None, "2021-03-01")[0] == 2020
    assert decide_year(None, None, None)[0] is None
