"""Random but valid annual reports: contract-shaped tables that satisfy every sum rule, and full structured docs
(render them with render.render_doc) whose expected item is known.

Here, and only here, the expected item is generated: it is the generator's own truth (kept in the doc under
`synthetic`), never anything the extractor computed.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from typing import Any

from tests.corpus import APPLICATION_COLUMNS, REVIEW_FIELDS, REVIEW_GROUPS
from tests.corpus.grids import (
    ACTIVE_FIELDS,
    active_grid,
    application_rows,
    applications_grid,
    outcome_rows,
    reviews_grid,
)

SECTIONS: tuple[str, ...] = (
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
)
_NUMERALS = "一二三四五六"


def default_template(year: int) -> str:
    return "2019" if year <= 2020 else "2021"


def _small(rng: random.Random, p_zero: float = 0.5, high: int = 9) -> int:
    return 0 if rng.random() < p_zero else rng.randint(1, high)


def carried_forward_of(organ: str, year: int) -> dict[str, int]:
    """What `organ` carries into `year + 1`: fixed per (organ, year), so that the next year's report can carry
    exactly that over (the cross-year 勾稽关系 real reports keep)."""
    rng = random.Random(f"carried_forward|{organ}|{year}")
    return {c: _small(rng, 0.8, 2) for c in APPLICATION_COLUMNS[:-1]}


def random_tables(
    rng: random.Random,
    template: str,
    *,
    carried_over: dict[str, int] | None = None,
    carried_forward: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Contract-shaped tables (active_disclosure, applications, reviews) that satisfy balance, row sums, results
    sums and reviews sums. Small ints with many zeros. 2019 procurement `amount_yuan` is any integer (printable as
    万元 with 4 decimals or as 元); 2021 fees are whole 百元 (printed as 万元 with 2 decimals)."""
    if template not in ("2019", "2021"):
        raise ValueError(f"template must be '2019' or '2021', not {template!r}")
    active: dict[str, dict[str, int]] = {}
    for row, fields in ACTIVE_FIELDS[template].items():
        values: dict[str, int] = {}
        for f in fields:
            if f == "change":
                values[f] = 0 if rng.random() < 0.3 else rng.choice([-1, 1]) * rng.randint(1, 60)
            elif f == "amount_yuan":
                values[f] = rng.randint(0, 9_000_000) * (100 if template == "2021" else 1)
                if rng.random() < 0.2:
                    values[f] = 0
            else:
                # regulations and normative documents come by the handful, decisions by the hundred
                values[f] = _small(rng, 0.4, 20 if row in ("regulations", "normative_documents") else 400)
        if "previous" in values and "change" in values:
            values["previous"] = max(values["previous"], -values["change"])  # a count cannot fall below zero
        active[row] = values

    outcomes = outcome_rows(template)
    people = APPLICATION_COLUMNS[:-1]
    apps: dict[str, dict[str, int]] = {}
    for row in outcomes:
        apps[row] = {c: _small(rng, 0.6 if c == "natural" else 0.93, 6 if c == "natural" else 2) for c in people}
    apps["total"] = {c: sum(apps[r][c] for r in outcomes) for c in people}
    apps["carried_forward"] = dict(carried_forward) if carried_forward else {c: _small(rng, 0.8, 2) for c in people}
    if carried_over:
        apps["carried_over"] = dict(carried_over)
        for c in people:
            # new = total + carried_forward - carried_over must not fall below zero: grant the shortfall.
            short = apps["carried_over"][c] - apps["total"][c] - apps["carried_forward"][c]
            if short > 0:
                apps["granted"][c] += short
                apps["total"][c] += short
    else:
        apps["carried_over"] = {
            c: rng.randint(0, min(2, apps["total"][c] + apps["carried_forward"][c])) for c in people
        }
    apps["new"] = {c: apps["total"][c] + apps["carried_forward"][c] - apps["carried_over"][c] for c in people}
    for values in apps.values():
        values["total"] = sum(values[c] for c in people)
    applications = {row: apps[row] for row in application_rows(template)}  # printed order

    reviews: dict[str, dict[str, int]] = {}
    for group in REVIEW_GROUPS:
        g = {f: _small(rng, 0.75, 3) for f in REVIEW_FIELDS[:-1]}
        g["total"] = sum(g.values())
        reviews[group] = g
    return {"active_disclosure": active, "applications": applications, "reviews": reviews}


# ---------------------------------------------------------------- printing numbers

def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _wan(yuan: int, decimals: int) -> str:
    whole, frac = divmod(yuan, 10000)
    if decimals == 4:
        return f"{whole}.{frac:04d}"
    return f"{whole}.{frac // 100:02d}" if frac else str(whole)


def _active_text(active: dict[str, dict[str, int]], template: str, rng: random.Random) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row, values in active.items():
        cells = []
        for f, v in values.items():
            if f == "change":
                cells.append(_signed(v))
            elif f == "amount_yuan" and template == "2019":
                cells.append(f"{_wan(v, 4)}万元" if rng.random() < 0.6 else f"{v}元")
            elif f == "amount_yuan":
                cells.append(_wan(v, 2))
            else:
                cells.append(str(v))
        out[row] = cells
    return out


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# ---------------------------------------------------------------- docs

def synthetic_doc(
    *,
    organ: str,
    year: int,
    seed: int,
    template: str | None = None,
    index_no: str | None = None,
    publish_date: str | None = None,
) -> dict[str, Any]:
    """A full structured doc for `organ`'s report on `year`: metadata, the six sections with short prose (统计期限
    and 受理…申请N件 agree with the tables), the three tables and a signature. Deterministic in its arguments."""
    rng = random.Random(f"{organ}|{year}|{seed}|{template}")
    template = template or default_template(year)
    tables = random_tables(
        rng, template, carried_over=carried_forward_of(organ, year - 1), carried_forward=carried_forward_of(organ, year)
    )
    if publish_date is None:
        pub = dt.date(year + 1, 1, 1) + dt.timedelta(days=rng.randint(5, 80))
    else:
        pub = dt.date.fromisoformat(publish_date)
    signed = pub - dt.timedelta(days=rng.randint(0, 6))
    code = f"{zlib.crc32(organ.encode('utf-8')):010d}"[:9]
    index_no = index_no if index_no is not None else f"{code}/{pub.year}-{seed % 100000:05d}"
    title = f"{organ}{year}年政府信息公开工作年度报告"
    doc_no = rng.choice(["〔〕号", "", "", f"{organ[:2]}政办发〔{pub.year}〕{rng.randint(1, 40)}号"])
    category = rng.choice(["", "政府信息公开年报", "年度报告"])
    time_of_day = f"{rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}"

    apps = tables["applications"]
    new, over, forward = apps["new"]["total"], apps["carried_over"]["total"], apps["carried_forward"]["total"]
    rev = tables["reviews"]
    litigation = rev["litigation_direct"]["total"] + rev["litigation_after_review"]["total"]
    report_no = "〔2021〕30号" if template == "2021" else "〔2019〕60号"
    posted = rng.randint(80, 4000)
    body: list[dict[str, Any]] = [
        {"p": f"本报告根据《中华人民共和国政府信息公开条例》(以下简称《条例》)和国办公开办函{report_no}要求编制。"
              f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
              f"本报告电子版可在{organ}门户网站下载。"},
        {"h": f"{_NUMERALS[0]}、{SECTIONS[0]}"},
        {"p": f"(一)主动公开情况。{year}年,{organ}通过政府网站主动公开政府信息{posted}条,"
              f"其中政策文件{rng.randint(1, 60)}条。"},
        {"p": f"(二)依申请公开情况。{year}年共受理政府信息公开申请{new}件,上年结转{over}件,"
              f"结转下年度继续办理{forward}件,均在法定期限内答复。"},
        {"p": "(三)政府信息管理。严格落实保密审查机制,坚持先审查、后公开。"},
        {"p": "(四)平台建设情况。持续优化政府网站栏目设置,加强政务新媒体管理。"},
        {"p": "(五)监督保障情况。将政务公开工作纳入年度绩效考核。"},
        {"h": f"{_NUMERALS[1]}、{SECTIONS[1]}"},
        {"table": active_grid(template, _active_text(tables["active_disclosure"], template, rng))},
        {"h": f"{_NUMERALS[2]}、{SECTIONS[2]}"},
        {"table": applications_grid(
            template, {row: [str(v[c]) for c in APPLICATION_COLUMNS] for row, v in apps.items()})},
        {"h": f"{_NUMERALS[3]}、{SECTIONS[3]}"},
        {"p": f"{year}年,收到政府信息公开行政复议申请{rev['review']['total']}件,"
              f"行政诉讼{litigation}件。"},
        {"table": reviews_grid([str(rev[g][f]) for g in REVIEW_GROUPS for f in REVIEW_FIELDS])},
        {"h": f"{_NUMERALS[4]}、{SECTIONS[4]}"},
        {"p": "一是公开质量有待提升。二是队伍建设仍需加强。下一步将加强业务培训,提升公开实效。"},
        {"h": f"{_NUMERALS[5]}、{SECTIONS[5]}"},
        {"p": f"{year}年度未收取信息处理费。"},
        {"p": organ, "align": "right"},
        {"p": _cn_date(signed), "align": "right"},
    ]
    return {
        "id": f"syn-{code}-{year}-{seed}",
        "site_name": organ,
        "crumbs": ["首页", "政务公开", "政府信息公开年报", f"{year}年"],
        "title": title,
        "metadata": [
            {"label": "索引号", "value": index_no, "field": "index_no"},
            {"label": "主题分类", "value": category, "field": "category"},
            {"label": "发布机构", "value": organ, "field": "organ"},
            {"label": "发布日期", "value": f"{pub.isoformat()} {time_of_day}", "field": "publish"},
            {"label": "名称", "value": title, "field": "name"},
            {"label": "文号", "value": doc_no, "field": "doc_no"},
            {"label": "有效性", "value": "", "field": "validity"},
            {"label": "来源", "value": organ, "field": "source"},
        ],
        "body": body,
        "synthetic": {
            "report_year": year,
            "template": template,
            "signed_date": signed.isoformat(),
            "period": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
            "tables": tables,
        },
    }


def _blank_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return None if value in ("", "〔〕号") else value


def synthetic_expected(doc: dict[str, Any]) -> dict[str, Any]:
    """The expected item of a synthetic doc (the contract's keys for title … tables)."""
    truth = doc["synthetic"]

    def meta(field: str) -> str | None:
        return next((m["value"] for m in doc["metadata"] if m["field"] == field), None)

    publish = _blank_none(meta("publish"))
    written = _blank_none(meta("written"))
    sections = [b["h"].split("、", 1)[-1] for b in doc["body"] if "h" in b]
    return {
        "title": doc["title"],
        "report_year": truth["report_year"],
        "organ": _blank_none(meta("organ")),
        "index_no": _blank_none(meta("index_no")),
        "doc_no": _blank_none(meta("doc_no")),
        "category": _blank_none(meta("category")),
        "publish_date": publish.split(" ")[0] if publish else None,
        "written_date": written.split(" ")[0] if written else None,
        "signed_date": truth["signed_date"],
        "period": dict(truth["period"]),
        "template": truth["template"],
        "sections": sections,
        "tables": {
            name: {row: dict(values) for row, values in table.items()}
            for name, table in truth["tables"].items()
        },
    }
