"""Where one page's extraction time goes, step by step, timed inside the real sequence.

    python -m bench.steps                 # the corpus page syn2021/ulli (a typical 18 KB page)
    python -m bench.steps syn2021/trs ref002/ulli

Each step of `extract_html` (decoding, parse, XSLT flattening, token columns, <head> walk, metadata, title, period,
sections, tables, signature) is wrapped with a timer and the whole extraction run N times; each step's best time
is printed, with a bare lxml parse and `validate_report` of the same page, timed the same way. Timed alone (as
micro-benchmarks usually do), the steps cost 20-60 % less than here: the sequence runs libxml2, libxslt and the
interpreter's code one after another, and caches do not keep up. The bench's ratio is over the real sequence.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
from typing import Any

import lxml.html

from bench.micro import _charset, best_of, corpus_pages

# (module, function) of each step, in the order extract_html runs them; report.py's names are what it calls.
_STEPS = (
    ("gkspider.extract.document", "decode_html"),
    ("gkspider.extract.document", "_parse_as_text"),
    ("gkspider.extract.document", "parse_html"),
    ("gkspider.extract.document", "_columns_of_flat"),
    ("gkspider.extract.document", "_head"),
    ("gkspider.extract.report", "document_from_html"),
    ("gkspider.extract.report", "extract_metadata"),
    ("gkspider.extract.report", "choose_title"),
    ("gkspider.extract.report", "find_period"),
    ("gkspider.extract.report", "find_sections"),
    ("gkspider.extract.report", "extract_tables"),
    ("gkspider.extract.report", "find_signed_date"),
    ("gkspider.extract.report", "extract_document"),
)


def _timed(fn: Callable[..., Any], label: str, spent: dict[str, float]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - t0

    return wrapper


def step_times(body: bytes, content_type: str | None, rounds: int = 500) -> dict[str, float]:
    """Best seconds of each step of extract_html(body) over `rounds` runs, plus 'extract_html', 'lxml parse' and
    'validate_report'. The steps are patched only for the duration of the call."""
    import importlib

    from gkspider.extract import document
    from gkspider.extract.report import extract_html
    from gkspider.items import ReportPage
    from gkspider.pipelines.extract import build_report
    from gkspider.validation.rules import validate_report

    declared = _charset(content_type)
    spent: dict[str, float] = {}
    originals = []
    for module_name, name in _STEPS:
        module = importlib.import_module(module_name)
        originals.append((module, name, getattr(module, name)))
        setattr(module, name, _timed(getattr(module, name), name, spent))
    flatten = document._FLATTEN
    document._FLATTEN = _timed(flatten, "XSLT flattening", spent)  # type: ignore[assignment]
    best: dict[str, float] = {}
    try:
        for _ in range(rounds):
            spent.clear()
            t0 = time.perf_counter()
            extraction = extract_html(body, declared_encoding=declared)
            spent["extract_html"] = time.perf_counter() - t0
            for label, seconds in spent.items():
                best[label] = min(best.get(label, float("inf")), seconds)
    finally:
        document._FLATTEN = flatten
        for module, name, fn in originals:
            setattr(module, name, fn)
    page = ReportPage(
        url="http://bench.example.gov.cn/steps.html",
        page_url="http://bench.example.gov.cn/steps.html",
        site={"id": "bench", "name": "bench", "level": "county", "region_code": None},
        body=body,
        content_type=content_type,
        status=200,
    )
    report = build_report(page, extraction)
    best["validate_report"] = best_of(
        lambda: validate_report(report, text=extraction.text, carried_flags=extraction.flags), rounds
    )
    best["lxml parse"] = best_of(lambda: lxml.html.document_fromstring(body), rounds)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.steps", description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="*", default=["syn2021/ulli"], help="corpus page names (bench.micro)")
    parser.add_argument("--rounds", type=int, default=500)
    args = parser.parse_args()
    pages = {name: (body, ctype) for name, body, ctype in corpus_pages()}
    for name in args.pages:
        if name not in pages:
            parser.error(f"no corpus page {name!r}; one of: {', '.join(sorted(pages))}")
        body, ctype = pages[name]
        times = step_times(body, ctype, args.rounds)
        parse = times["lxml parse"]
        print(f"{name} ({len(body):,} bytes): ms, and as a multiple of the bare lxml parse")
        for label, seconds in times.items():
            print(f"  {label:<20} {seconds * 1e3:7.3f}  {seconds / parse:5.2f}x")
        ratio = (times["extract_html"] + times["validate_report"]) / parse
        print(f"  (extract_html + validate_report) / lxml parse = {ratio:.2f}x")


if __name__ == "__main__":
    main()
