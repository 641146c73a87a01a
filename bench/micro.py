"""In-process benchmarks: extraction + validation against a bare lxml parse, the date fast path against dateparser,
PDF pages per second. Best-of-N timings, the operations interleaved page by page so that a burst of load on a shared
machine hits all of them alike."""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html

from bench.webgen import FAMILIES, YEARS, PooledPage, Report, pooled, report_body

ROOT = Path(__file__).resolve().parents[1]


def best_of(fn: Callable[[], Any], n: int = 1) -> float:
    """Seconds of the fastest of n calls."""
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _charset(content_type: str | None) -> str | None:
    # As gkspider/pipelines/extract.py reads the header: the charset parameter or nothing.
    if content_type and "charset=" in content_type.lower():
        return content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'") or None
    return None


# ---------------------------------------------------------------- pages


def corpus_pages() -> list[tuple[str, bytes, str]]:
    """(name, body, content type): the reference reports in their home families, and the bench web's report pages
    (every family, both templates)."""
    from tests.corpus.render import HOME_CASES, content_type, render_report

    pages = [(f"ref{rid}/{fam}", render_report(rid, fam), content_type(fam)) for rid, fam in HOME_CASES]
    for fam in FAMILIES:
        for year in YEARS:
            page: PooledPage = pooled(fam, year, 0)
            body = report_body(Report("示例县教育局", year, fam, 0, "", "", page.day))
            pages.append((f"syn{year}/{fam}", body, page.content_type))
    return pages


_PROSE = (
    "为深入贯彻落实《中华人民共和国政府信息公开条例》，进一步做好政府信息公开工作，{organ}坚持以公开为常态、不公开为例外，"
    "围绕重点领域信息公开，第{n}项工作任务已按计划推进，全面提升政务公开标准化规范化水平，切实保障人民群众知情权、参与权和监督权。"
)
_MENU_WORDS = (
    "政务公开",
    "新闻中心",
    "政策文件",
    "通知公告",
    "办事服务",
    "互动交流",
    "走进本县",
    "专题专栏",
    "部门动态",
    "乡镇动态",
)


def large_pages(paragraphs: int = 400, links: int = 2000) -> list[tuple[str, bytes, str]]:
    """A report in every family padded with a long prose body (`paragraphs` paragraphs, ~40,000 characters) and a
    navigation menu of `links` links, as big portal templates print around a report."""
    from tests.corpus.render import content_type, render_doc
    from tests.corpus.synthetic import synthetic_doc

    organ = "示例县人民政府"
    out = []
    for fam in FAMILIES:
        doc = synthetic_doc(organ=organ, year=2022, seed=7)
        padding = [{"p": _PROSE.format(organ=organ, n=i)} for i in range(paragraphs)]
        doc["body"][6:6] = padding  # inside section one, before the tables
        body = render_doc(doc, fam)
        enc = "gb18030" if fam == "word_gbk" else "utf-8"
        menu = "\n".join(
            f'<li><a href="/col/col{i}/index.html">{_MENU_WORDS[i % len(_MENU_WORDS)]}{i}</a></li>'
            for i in range(links)
        )
        at = body.lower().find(b"<body")
        at = body.find(b">", at) + 1
        body = body[:at] + f'\n<div class="menu"><ul>\n{menu}\n</ul></div>\n'.encode(enc) + body[at:]
        out.append((f"large/{fam}", body, content_type(fam)))
    return out


# ---------------------------------------------------------------- extraction


def bench_extraction(rounds: int) -> dict[str, Any]:
    from gkspider.extract.report import extract_html
    from gkspider.items import ReportPage
    from gkspider.pipelines.extract import build_report
    from gkspider.validation.rules import validate_report

    out: dict[str, Any] = {"rounds": rounds}
    for group, pages in (("corpus", corpus_pages()), ("large", large_pages())):
        prepared = []
        for name, body, ctype in pages:
            declared = _charset(ctype)
            extraction = extract_html(body, declared_encoding=declared)
            page = ReportPage(
                url=f"http://bench.example.gov.cn/{name}.html",
                page_url=f"http://bench.example.gov.cn/{name}.html",
                site={"id": "bench", "name": "bench", "level": "county", "region_code": None},
                body=body,
                content_type=ctype,
                status=200,
            )
            prepared.append((name, body, declared, build_report(page, extraction), extraction))
        times = {
            name: {"parse": float("inf"), "extract": float("inf"), "validate": float("inf")} for name, *_ in prepared
        }
        for r in range(rounds):
            gc.collect()
            for i, (name, body, declared, report, extraction) in enumerate(prepared):
                ops: list[tuple[str, Callable[[], Any]]] = [
                    ("parse", lambda body=body: lxml.html.document_fromstring(body)),
                    ("extract", lambda body=body, d=declared: extract_html(body, declared_encoding=d)),
                    (
                        "validate",
                        lambda rep=report, ex=extraction: validate_report(rep, text=ex.text, carried_flags=ex.flags),
                    ),
                ]
                k = (r + i) % 3  # rotate which operation goes first
                for op, fn in ops[k:] + ops[:k]:
                    times[name][op] = min(times[name][op], best_of(fn))
        per_page = []
        for name, body, *_ in prepared:
            t = times[name]
            per_page.append(
                {
                    "page": name,
                    "bytes": len(body),
                    "parse_ms": t["parse"] * 1e3,
                    "extract_ms": t["extract"] * 1e3,
                    "validate_ms": t["validate"] * 1e3,
                    "ratio": (t["extract"] + t["validate"]) / t["parse"],
                }
            )
        med = statistics.median
        out[group] = {
            "pages": len(per_page),
            "median_bytes": med(p["bytes"] for p in per_page),
            "median_parse_ms": med(p["parse_ms"] for p in per_page),
            "median_extract_ms": med(p["extract_ms"] for p in per_page),
            "median_validate_ms": med(p["validate_ms"] for p in per_page),
            "ratio_median": med(p["ratio"] for p in per_page),  # median of per-page ratios: the headline
            "ratio_of_totals": sum(p["extract_ms"] + p["validate_ms"] for p in per_page)
            / sum(p["parse_ms"] for p in per_page),
            "ratio_max": max(p["ratio"] for p in per_page),
            "worst_page": max(per_page, key=lambda p: p["ratio"])["page"],
            "per_page": per_page,
        }
    return out


# ---------------------------------------------------------------- dates


def corpus_date_strings() -> list[str]:
    """Every date string the corpus publishes: metadata dates, CMS timestamps, signature dates (Arabic and Chinese
    numerals), list-page days; the reference docs and the bench web's synthetic docs."""
    from tests.corpus.synthetic import synthetic_doc

    docs = [json.loads(p.read_text("utf-8")) for p in sorted((ROOT / "tests/corpus/docs").glob("*.json"))]
    docs += [synthetic_doc(organ=f"示例{k}县人民政府", year=y, seed=k) for k in range(4) for y in YEARS]
    found: list[str] = []
    for doc in docs:
        for m in doc.get("metadata", []):
            if m.get("field") in ("publish", "written", "generated") and m.get("value"):
                found += [m["value"], m["value"][:10]]
        if doc.get("page_time"):
            found.append(doc["page_time"])
        for block in doc.get("body", []):
            text = block.get("p", "")
            if block.get("align") == "right" and "年" in text and len(text) <= 20:
                found.append(text)
    return list(dict.fromkeys(found))


def bench_dates(rounds: int) -> dict[str, Any]:
    import dateparser

    from gkspider.extract.dates import parse_date

    fast = parse_date.__wrapped__  # the lru_cache would time a dict lookup, not the parser
    strings = corpus_date_strings()
    for s in strings:  # warm-up: dateparser loads its language data on first use
        dateparser.parse(s, languages=["zh"])
    t_fast = dict.fromkeys(strings, float("inf"))
    t_dp = dict.fromkeys(strings, float("inf"))
    for _ in range(rounds):
        for s in strings:
            t_fast[s] = min(t_fast[s], best_of(lambda s=s: fast(s), 20))
            t_dp[s] = min(t_dp[s], best_of(lambda s=s: dateparser.parse(s, languages=["zh"])))
    agree = 0
    for s in strings:
        parsed = dateparser.parse(s, languages=["zh"])
        agree += bool(parsed) and parsed.date().isoformat() == fast(s)
    fast_us = statistics.median(t_fast.values()) * 1e6
    dp_us = statistics.median(t_dp.values()) * 1e6
    return {
        "strings": len(strings),
        "examples": strings[:8],
        "fast_us": fast_us,
        "dateparser_us": dp_us,
        "ratio": dp_us / fast_us,
        "dateparser_agrees": agree,
        "fast_parsed": sum(fast(s) is not None for s in strings),
    }


# ---------------------------------------------------------------- PDF


def bench_pdf(rounds: int) -> dict[str, Any] | None:
    """PDF pages per second of gkspider.extract.files.extract_file(body, 'pdf'), when that module exists."""
    if importlib.util.find_spec("gkspider.extract.files") is None:
        return None
    try:
        files = importlib.import_module("gkspider.extract.files")
        render_files = importlib.import_module("tests.corpus.render_files")
        extract_file, render_pdf = files.extract_file, render_files.render_pdf
    except (ImportError, AttributeError):
        return None
    import pypdfium2

    from tests.corpus.render import load_doc
    from tests.corpus.synthetic import synthetic_doc

    docs = [load_doc(rid) for rid in ("000", "001", "002", "003", "004")]
    docs += [synthetic_doc(organ="示例县人民政府", year=y, seed=3) for y in (2020, 2022)]
    bodies = [render_pdf(doc) for doc in docs]
    pages = sum(len(pypdfium2.PdfDocument(b)) for b in bodies)
    best = [float("inf")] * len(bodies)
    for _ in range(rounds):
        for i, body in enumerate(bodies):
            best[i] = min(best[i], best_of(lambda body=body: extract_file(body, "pdf")))
    total = sum(best)
    return {"files": len(bodies), "pages": pages, "seconds": total, "pages_per_s": pages / total}
