"""bench/steps.py names the functions it times: a renamed step must break this test, not the tool silently."""

from __future__ import annotations

from bench.micro import corpus_pages
from bench.steps import _STEPS, step_times
from gkspider.extract import document, report


def test_every_step_is_timed_and_restored_afterwards() -> None:
    _, body, ctype = next(page for page in corpus_pages() if page[0] == "syn2021/ulli")
    before = {step: getattr(report if module.endswith("report") else document, step) for module, step in _STEPS}
    times = step_times(body, ctype, rounds=3)
    # parse_html only runs for pages that are not UTF-8; every other step runs on this page.
    expected = {step for _, step in _STEPS} - {"parse_html"}
    expected |= {"XSLT flattening", "extract_html", "validate_report", "lxml parse"}
    assert set(times) == expected
    assert all(seconds > 0 for seconds in times.values())
    # Each run's total holds its two halves, so the best total is at least the two best halves.
    assert times["extract_html"] >= times["document_from_html"] + times["extract_document"]
    after = {step: getattr(report if module.endswith("report") else document, step) for module, step in _STEPS}
    assert after == before
    assert document._FLATTEN.__class__.__name__ == "XSLT"
