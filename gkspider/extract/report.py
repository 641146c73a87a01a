"""A whole report: metadata, title, year, period, signature date, sections and the standard tables.

Pure functions from bytes/text to the contract's fields; no Scrapy. `extract_html` for web pages,
`extract_lines` for text read line by line (PDF, DOCX, flattened pages).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gkspider.extract.dates import find_dates
from gkspider.extract.document import Document, document_from_html, document_from_lines
from gkspider.extract.labels import label_data, lookup
from gkspider.extract.metadata import extract_metadata
from gkspider.extract.tables import extract_tables
from gkspider.extract.text import clean, label_key, to_halfwidth

REPORT_FIELDS = (
    "title",
    "report_year",
    "organ",
    "index_no",
    "doc_no",
    "category",
    "publish_date",
    "written_date",
    "signed_date",
    "period",
    "template",
    "sections",
    "tables",
)


@dataclass
class Extraction:
    fields: dict[str, Any]  # exactly REPORT_FIELDS
    flags: list[dict] = field(default_factory=list)  # cell.*, table.shape: what only the extractor can see
    text: str = ""  # the report's prose, for rules that compare text and tables
    evidence: dict[str, Any] = field(default_factory=dict)  # title/period/publish years, notes: for debugging


# ---------------------------------------------------------------- title

_REPORT_WORDS = ("年度报告", "年报", "工作报告")
_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜]|--|—|-\s)\s*")


def _looks_like_report_title(text: str | None) -> bool:
    return (
        bool(text)
        and any(w in text for w in _REPORT_WORDS)
        and 6 <= len(text) <= 80
        and not re.search(r"[。，,;；:：]", text)  # a sentence that mentions a report is not its title
    )


def choose_title(doc: Document, meta: dict[str, Any]) -> str | None:
    """The title as published: the block's 名称, the ArticleTitle tag, a heading, a short line, the <title>."""
    candidates: list[str | None] = [meta.get("block_title"), meta.get("tag_title"), *doc.headings]
    texts, kinds, _, _ = doc.columns
    for text, kind in zip(texts[:80], kinds[:80], strict=True):
        if kind == "para" and len(text) <= 60 and lookup(text) is None:
            candidates.append(text)
    if doc.html_title:
        candidates.extend(_TITLE_SPLIT.split(doc.html_title))
    for cand in candidates:
        if _looks_like_report_title(cand) and "年" in (cand or ""):
            return clean(cand)
    for cand in candidates:
        if _looks_like_report_title(cand):
            return clean(cand)
    # No title line (a text read from below the page's heading): the opening sentence often names the report.
    for para in [p for p in doc.paragraphs()[:40] if len(p) > 30][:3]:
        m = _TITLE_IN_PROSE.search(para)
        if m:
            return clean(m[1])
    return clean(doc.html_title) or None


_TITLE_IN_PROSE = re.compile(
    r"(?:发布|编制|公布|现将|形成)([\u4e00-\u9fff（）()]{2,40}?(?:19|20)\d{2}\s*年度?[\u4e00-\u9fff]{0,20}?(?:年度报告|年报))"
)


_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
_CN_YEAR = re.compile(r"([〇○零一二三四五六七八九]{4})\s*年")
_CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"○": "0", "零": "0"}


def title_year(title: str | None) -> int | None:
    if not title:
        return None
    title = to_halfwidth(title)
    m = _YEAR_IN_TITLE.search(title)
    if m:
        return int(m[1])
    m = _CN_YEAR.search(title)
    return int("".join(_CN_DIGIT[c] for c in m[1])) if m else None


# ---------------------------------------------------------------- period

_PERIOD = re.compile(
    r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*(?:起)?\s*(?:至|到|—|－|-|~|～)\s*"
    r"(?:((?:19|20)\d{2})\s*年)?\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
)
_PERIOD_CUE = re.compile(r"统计(?:期限|时限|时间|周期|区间|范围)|数据")


def find_period(paragraphs: Iterable[str]) -> dict[str, str] | None:
    """The 统计期限 stated in the text, {start, end}; a period near a 统计 cue wins over a bare one."""
    best: tuple[int, dict[str, str]] | None = None
    for para in paragraphs:
        if para.count("月") < 2:
            continue  # a period names two months: skip the rest of the prose before the regex
        text = to_halfwidth(para)
        for m in _PERIOD.finditer(text):
            y1 = int(m[1])
            y2 = int(m[4]) if m[4] else y1
            try:
                import datetime as dt

                start = dt.date(y1, int(m[2]), int(m[3])).isoformat()
                end = dt.date(y2, int(m[5]), int(m[6])).isoformat()
            except ValueError:
                continue
            cue = 1 if _PERIOD_CUE.search(text[max(0, m.start() - 40) : m.start()]) else 0
            if best is None or cue > best[0]:
                best = (cue, {"start": start, "end": end})
    return best[1] if best else None


# ---------------------------------------------------------------- sections

_CN_NUM = "一二三四五六七八九十"
_HEADING = re.compile(rf"^\s*([{_CN_NUM}]{{1,2}})?\s*[、,，.．]\s*(\S.{{1,40}})$")
_HEADING_MAX_LEN = 50  # what _HEADING can match in a cleaned paragraph (single spaces): longer ones are prose


def find_sections(paragraphs: list[str]) -> tuple[list[str], int | None]:
    """Top-level headings in order, without numbers, and the index of the last one (for the signature)."""
    keywords = label_data()["sections"]["keywords"]
    sections: list[str] = []
    last_index: int | None = None
    expected = 1
    for i, para in enumerate(paragraphs):
        if len(para) > _HEADING_MAX_LEN:
            continue
        m = _HEADING.match(para)
        if not m or re.search(r"[。;；]", para) or lookup(para) is not None:
            continue
        name = clean(m[2])
        number = _CN_NUM.index(m[1]) + 1 if m[1] and len(m[1]) == 1 else None
        known = any(k in name for k in keywords)
        if number == expected or (number is None and known and expected > 1):
            sections.append(name)
            last_index = i
            expected += 1
    return sections, last_index


# ---------------------------------------------------------------- signature date

_DATE_ONLY = re.compile(r"^\s*\S{0,30}?\s*$")


def find_signed_date(paragraphs: list[str], after: int | None) -> str | None:
    """The date under the closing signature: the last short line of the tail that is (mostly) a date."""
    tail = paragraphs[(after or max(0, len(paragraphs) - 8)) :]
    for para in reversed(tail[-6:]):
        if len(para) > 40:
            continue
        dates = find_dates(para)
        if dates:
            start, end, iso = dates[-1]
            rest = (para[:start] + para[end:]).strip()
            if len(rest) <= 25 and not re.search(r"[。，,;；]", rest):
                return iso
    return None


# ---------------------------------------------------------------- year


def decide_year(title_y: int | None, period: dict | None, publish: str | None) -> tuple[int | None, dict]:
    """The year covered: what the title, the period and the publishing date (normally the next year) agree on."""
    period_y = int(period["start"][:4]) if period else None
    publish_y = int(publish[:4]) - 1 if publish else None
    votes = Counter(y for y in (title_y, period_y, publish_y) if y)
    evidence = {"title": title_y, "period": period_y, "publish_minus_one": publish_y}
    if not votes:
        return None, evidence
    # Majority; on a tie the stated period, then the title, then the publishing date.
    order = [y for y in (period_y, title_y, publish_y) if y]
    year = max(order, key=lambda y: (votes[y], -order.index(y)))
    return year, evidence


# ---------------------------------------------------------------- assembling


def page_metadata(body: bytes | str, *, declared_encoding: str | None = None) -> dict[str, Any]:
    """What the web page that links a file says of it (metadata block, dates, title): files carry none of it."""
    doc = document_from_html(body, declared_encoding)
    meta = extract_metadata(doc)
    meta["title"] = choose_title(doc, meta)
    return meta


def extract_document(doc: Document, page_meta: dict[str, Any] | None = None) -> Extraction:
    """The contract's fields of one report. `page_meta` (from `page_metadata`) fills what the document itself
    does not say: metadata from the page that presents a file, content from the file."""
    meta = extract_metadata(doc)
    if page_meta:
        meta = {k: (v if v is not None else page_meta.get(k)) for k, v in meta.items()}
    paragraphs = doc.paragraphs()
    title = choose_title(doc, meta) or (page_meta or {}).get("title")
    period = find_period(paragraphs)
    year, evidence = decide_year(title_year(title), period, meta["publish_date"])
    sections, last_section = find_sections(paragraphs)
    tables = extract_tables(doc, year_hint=year)
    fields = {
        "title": title,
        "report_year": year,
        "organ": meta["organ"],
        "index_no": meta["index_no"],
        "doc_no": meta["doc_no"],
        "category": meta["category"],
        "publish_date": meta["publish_date"],
        "written_date": meta["written_date"],
        "signed_date": find_signed_date(paragraphs, last_section),
        "period": period,
        "template": tables.template,
        "sections": sections,
        "tables": tables.tables,
    }
    evidence["notes"] = doc.notes
    return Extraction(fields=fields, flags=tables.flags, text="\n".join(paragraphs), evidence=evidence)


def extract_html(body: bytes | str, *, declared_encoding: str | None = None) -> Extraction:
    return extract_document(document_from_html(body, declared_encoding))


def extract_lines(lines: Iterable[str]) -> Extraction:
    return extract_document(document_from_lines(lines))


def section_key(text: str) -> str:
    return label_key(text)
