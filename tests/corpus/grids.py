"""Cell grids of the three standard tables in their official layouts (国办公开办函〔2019〕60号 and 〔2021〕30号).

A grid is `{"rows": [[{"text", "rowspan", "colspan"}, ...], ...]}` as a doc's `{"table": ...}` block holds it.
`text` is what the cell prints; a `\\n` in it is a line break inside the cell. These builders fill the official
layout with printed values; the reference docs were transcribed with them and then patched where the published
page differs (typos, split labels, a header without 总计), so the JSON files, not these functions, are the source.
"""

from __future__ import annotations

from typing import Any

Cell = dict[str, Any]

APPLICATION_COLUMNS = ("natural", "commercial", "research", "social", "legal", "other", "total")
REVIEW_GROUPS = ("review", "litigation_direct", "litigation_after_review")
REVIEW_FIELDS = ("upheld", "corrected", "other", "pending", "total")

# (section label, column headers, [(row key, row label)]) in printed order.
ACTIVE_LAYOUT: dict[str, list[tuple[str, list[str], list[tuple[str, str]]]]] = {
    "2019": [
        ("第二十条第(一)项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
         [("regulations", "规章"), ("normative_documents", "规范性文件")]),
        ("第二十条第(五)项", ["上一年项目数量", "本年增/减", "处理决定数量"],
         [("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")]),
        ("第二十条第(六)项", ["上一年项目数量", "本年增/减", "处理决定数量"],
         [("penalties", "行政处罚"), ("coercion", "行政强制")]),
        ("第二十条第(八)项", ["上一年项目数量", "本年增/减"], [("fees", "行政事业性收费")]),
        ("第二十条第(九)项", ["采购项目数量", "采购总金额"], [("procurement", "政府集中采购")]),
    ],
    "2021": [
        ("第二十条第(一)项", ["本年制发件数", "本年废止件数", "现行有效件数"],
         [("regulations", "规章"), ("normative_documents", "行政规范性文件")]),
        ("第二十条第(五)项", ["本年处理决定数量"], [("licensing", "行政许可")]),
        ("第二十条第(六)项", ["本年处理决定数量"], [("penalties", "行政处罚"), ("coercion", "行政强制")]),
        ("第二十条第(八)项", ["本年收费金额(单位:万元)"], [("fees", "行政事业性收费")]),
    ],
}

# Fields of each active-disclosure row, in column order (the contract's keys).
ACTIVE_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "2019": {
        "regulations": ("made", "published", "total"),
        "normative_documents": ("made", "published", "total"),
        "licensing": ("previous", "change", "decisions"),
        "other_services": ("previous", "change", "decisions"),
        "penalties": ("previous", "change", "decisions"),
        "coercion": ("previous", "change", "decisions"),
        "fees": ("previous", "change"),
        "procurement": ("projects", "amount_yuan"),
    },
    "2021": {
        "regulations": ("issued", "repealed", "in_force"),
        "normative_documents": ("issued", "repealed", "in_force"),
        "licensing": ("decisions",),
        "penalties": ("decisions",),
        "coercion": ("decisions",),
        "fees": ("amount_yuan",),
    },
}

APPLICATIONS_CORNER = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"

# Outcome groups under 三、本年度办理结果: (group label or None, [(row key, label)]).
_OUTCOMES_COMMON: list[tuple[str | None, list[tuple[str, str]]]] = [
    (None, [("granted", "(一)予以公开")]),
    (None, [("partial", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)")]),
    ("(三)不予公开", [
        ("denied_state_secret", "1.属于国家秘密"),
        ("denied_law", "2.其他法律行政法规禁止公开"),
        ("denied_safety", "3.危及“三安全一稳定”"),
        ("denied_third_party", "4.保护第三方合法权益"),
        ("denied_internal", "5.属于三类内部事务信息"),
        ("denied_process", "6.属于四类过程性信息"),
        ("denied_case_file", "7.属于行政执法案卷"),
        ("denied_query", "8.属于行政查询事项"),
    ]),
    ("(四)无法提供", [
        ("unable_not_held", "1.本机关不掌握相关政府信息"),
        ("unable_to_create", "2.没有现成信息需要另行制作"),
        ("unable_unclear", "3.补正后申请内容仍不明确"),
    ]),
    ("(五)不予处理", [
        ("rejected_complaint", "1.信访举报投诉类申请"),
        ("rejected_repeat", "2.重复申请"),
        ("rejected_publication", "3.要求提供公开出版物"),
        ("rejected_mass", "4.无正当理由大量反复申请"),
        ("rejected_confirm", "5.要求行政机关确认或重新出具已获取信息"),
    ]),
]
APPLICATION_OUTCOMES: dict[str, list[tuple[str | None, list[tuple[str, str]]]]] = {
    "2019": [*_OUTCOMES_COMMON, (None, [("other", "(六)其他处理")]), (None, [("total", "(七)总计")])],
    "2021": [
        *_OUTCOMES_COMMON,
        ("(六)其他处理", [
            ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
            ("other_unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
            ("other_misc", "3.其他"),
        ]),
        (None, [("total", "(七)总计")]),
    ],
}


def application_rows(template: str) -> list[str]:
    """Row keys of the applications table in printed order."""
    rows = ["new", "carried_over"]
    for _group, items in APPLICATION_OUTCOMES[template]:
        rows += [key for key, _label in items]
    return [*rows, "carried_forward"]


def outcome_rows(template: str) -> list[str]:
    """The outcome rows granted … other* whose sum is the (七)总计 row."""
    return [r for r in application_rows(template) if r not in ("new", "carried_over", "total", "carried_forward")]


def cell(text: str, rowspan: int = 1, colspan: int = 1) -> Cell:
    return {"text": text, "rowspan": rowspan, "colspan": colspan}


def active_grid(template: str, values: dict[str, list[str]], labels: dict[str, str] | None = None) -> dict[str, Any]:
    """The 二、主动公开 table, 4 columns wide; `values[row]` are the printed cells of that row."""
    labels = labels or {}
    rows: list[list[Cell]] = []
    for section, headers, items in ACTIVE_LAYOUT[template]:
        rows.append([cell(labels.get(section, section), colspan=4)])
        head = [cell(labels.get("信息内容", "信息内容"))] + [cell(labels.get(h, h)) for h in headers]
        head[-1]["colspan"] = 5 - len(head)
        rows.append(head)
        for key, label in items:
            data = [cell(labels.get(label, label))] + [cell(v) for v in values[key]]
            data[-1]["colspan"] = 5 - len(data)
            rows.append(data)
    return {"kind": "active_disclosure", "rows": rows}


def applications_grid(
    template: str, values: dict[str, list[str]], labels: dict[str, str] | None = None
) -> dict[str, Any]:
    """The 三、申请 table: a 3-row header, then label cells (3 columns) and 7 numbers per row."""
    labels = labels or {}

    def lab(text: str) -> str:
        return labels.get(text, text)

    def nums(key: str) -> list[Cell]:
        assert len(values[key]) == 7, key
        return [cell(v) for v in values[key]]

    rows: list[list[Cell]] = [
        [cell(lab(APPLICATIONS_CORNER), rowspan=3, colspan=3), cell(lab("申请人情况"), colspan=7)],
        [cell(lab("自然人"), rowspan=2), cell(lab("法人或其他组织"), colspan=5), cell(lab("总计"), rowspan=2)],
        [cell(lab(t)) for t in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")],
        [cell(lab("一、本年新收政府信息公开申请数量"), colspan=3), *nums("new")],
        [cell(lab("二、上年结转政府信息公开申请数量"), colspan=3), *nums("carried_over")],
    ]
    outcomes = APPLICATION_OUTCOMES[template]
    span = sum(len(items) for _g, items in outcomes)
    first = True
    for group, items in outcomes:
        for i, (key, label) in enumerate(items):
            row: list[Cell] = []
            if first:
                row.append(cell(lab("三、本年度办理结果"), rowspan=span))
                first = False
            if group is None:
                row.append(cell(lab(label), colspan=2))
            else:
                if i == 0:
                    row.append(cell(lab(group), rowspan=len(items)))
                row.append(cell(lab(label)))
            rows.append(row + nums(key))
    rows.append([cell(lab("四、结转下年度继续办理"), colspan=3), *nums("carried_forward")])
    return {"kind": "applications", "rows": rows}


def reviews_grid(numbers: list[str], *, totals_in_header: bool = True) -> dict[str, Any]:
    """The 四、复议诉讼 table: 行政复议 / 行政诉讼 (未经复议直接起诉, 复议后起诉) headers, one row of 15 numbers.

    Without `totals_in_header` the header is the one some reports print (乌恰 2020): the four result labels with no
    总计 cells, 12 labels over a row of 15 numbers.
    """
    assert len(numbers) == 15
    results = ["结果维持", "结果纠正", "其他结果", "尚未审结"]
    if totals_in_header:
        results.append("总计")
        rows = [
            [cell("行政复议", colspan=5), cell("行政诉讼", colspan=10)],
            [cell(t, rowspan=2) for t in results] + [cell("未经复议直接起诉", colspan=5), cell("复议后起诉", colspan=5)],
            [cell(t) for t in results * 2],
        ]
    else:
        rows = [
            [cell("行政复议", colspan=4), cell("行政诉讼", colspan=8)],
            [cell(t, rowspan=2) for t in results] + [cell("未经复议直接起诉", colspan=4), cell("复议后起诉", colspan=4)],
            [cell(t, colspan=2) for t in results],
        ]
    rows.append([cell(n) for n in numbers])
    return {"kind": "reviews", "rows": rows}
