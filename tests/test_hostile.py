"""A hostile web (issue 6): real `scrapy crawl annual_reports` runs over the hostile portal of
tests/mockweb/hostile.py, held to its manifest case by case.

Each case of the corpus is one parametrised test (test_case[<name>]), so a run says exactly which hostile page the
crawler gets wrong; the other tests hold the crawl as a whole (exit code, no traceback, exact report and failure
sets, nothing off-site, bounded, counts that add up) and a soak repeats it. Peak memory of every crawl is printed
(pytest -s shows it).
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gkspider.discovery.links import canonical_url
from tests.crawling import read_lines, run_crawl, write_seeds
from tests.mockweb import RunningWeb, serve_hostile
from tests.mockweb.hostile import (
    CASE_NAMES,
    EXERCISED,
    FAILURE,
    NEVER,
    PADDING_BYTES,
    REPORT,
    SEED_ID,
    HostileManifest,
)
from tests.test_golden import differences

# Short stalls: the 5 s stall must time out, and retries must not make the file slow.
SETTINGS = {"DOWNLOAD_TIMEOUT": "2", "RETRY_TIMES": "2"}
CRAWL_TIMEOUT = 90  # seconds; a crawl that has not finished by then is a failure of its own (test_crawl_finishes)
SOAK_RUNS = 2  # crawls after the first one, each into a fresh output directory: three in a row in all


@dataclass
class Crawl:
    out: Path
    returncode: int | None  # None: killed at CRAWL_TIMEOUT
    stderr: str
    seconds: float
    reports: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    requests: list[Any]
    peak_bytes: int | None

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def summary(self) -> dict[str, Any] | None:
        path = self.out / "summary.json"
        return json.loads(path.read_text("utf-8")) if path.exists() else None


def _peak_bytes(stderr: str) -> int | None:
    """The crawl's own peak RSS (Scrapy's MemoryUsage stat), else the largest child's since this process began."""
    m = re.search(r"'memusage/max':\s*(\d+)", stderr)
    if m:
        return int(m.group(1))
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return rss_kb * 1024 if rss_kb else None


def crawl_hostile(running: RunningWeb, out: Path) -> Crawl:
    out.mkdir(parents=True, exist_ok=True)
    seeds = write_seeds(running.manifest, out / "seeds.csv")
    running.web.clear_log()
    start = time.monotonic()
    try:
        result = run_crawl(running.env, seeds, out, settings=SETTINGS, timeout=CRAWL_TIMEOUT)
        returncode, stderr = result.returncode, result.stderr
    except subprocess.TimeoutExpired as exc:  # keep what it wrote: the per-case tests still say what it got right
        returncode = None
        stderr = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    seconds = time.monotonic() - start
    crawl = Crawl(
        out,
        returncode,
        stderr,
        seconds,
        read_lines(out / "reports.jsonl"),
        read_lines(out / "failures.jsonl"),
        running.web.requests,
        _peak_bytes(stderr),
    )
    peak = f"{crawl.peak_bytes / 2**20:.0f} MiB" if crawl.peak_bytes else "unknown"
    print(
        f"\n[hostile crawl {out.name}] {seconds:.1f} s, exit {returncode}, peak memory {peak}, "
        f"{len(crawl.reports)} reports, {len(crawl.failures)} failures, {len(crawl.requests)} requests"
    )
    return crawl


@pytest.fixture(scope="module")
def hostile() -> Any:
    running = serve_hostile()
    try:
        yield running
    finally:
        running.web.stop()


@pytest.fixture(scope="module")
def manifest(hostile: RunningWeb) -> HostileManifest:
    portal = hostile.manifest.portals[SEED_ID]
    assert isinstance(portal, HostileManifest)
    return portal


@pytest.fixture(scope="module")
def crawl(hostile: RunningWeb, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return crawl_hostile(hostile, tmp_path_factory.mktemp("hostile") / "run1")


# ---------------------------------------------------------------- helpers


def _key(url: str) -> str:
    return canonical_url(url)


def _requested(crawl: Crawl, urls: Any) -> list[str]:
    """The URLs among urls that this crawl asked for (read from its own request log, compared canonically)."""
    asked = {_key(r.url) for r in crawl.requests if r.method != "CONNECT"}
    return sorted(u for u in urls if _key(u) in asked)


def _lines_for(lines: list[dict[str, Any]], url: str) -> list[dict[str, Any]]:
    key = _key(url)
    return [line for line in lines if _key(line["url"]) == key]


def _reason_ok(manifest: HostileManifest, url: str, reason: str) -> bool:
    prefix = manifest.reason_prefixes.get(url)
    return reason == manifest.expected_failures[url] or (prefix is not None and reason.startswith(prefix))


def _at(item: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        item = item[part] if isinstance(item, dict) and part in item else None
    return item


def _errors(report: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(f["rule"], f.get("path")) for f in report["validation"]["flags"] if f["severity"] == "error"]


def _short(item: Any) -> Any:
    """URLs (alone or in tuples/lists) cut to a readable length for assertion messages (one is 2,200 characters)."""
    if isinstance(item, str):
        return item if len(item) <= 150 else f"{item[:120]}…({len(item)} chars)"
    if isinstance(item, tuple | list | set):
        return [_short(x) for x in sorted(item)] if isinstance(item, set) else type(item)(_short(x) for x in item)
    return item


def _tail(text: str, n: int = 3000) -> str:
    return text[-n:]


def _traceback_excerpt(stderr: str) -> str:
    at = stderr.find("Traceback")
    return stderr[max(0, at - 300) : at + 2500] if at >= 0 else ""


def _report_identity(line: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in line.items() if k != "fetched_at"}, ensure_ascii=False, sort_keys=True)


def _failure_identity(line: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in line.items() if k != "at"}, ensure_ascii=False, sort_keys=True)


# ---------------------------------------------------------------- the corpus itself (no crawl)


def _fetch(running: RunningWeb, url: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": running.proxy_url}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_corpus_pages_are_what_the_cases_say(hostile: RunningWeb, manifest: HostileManifest) -> None:
    """The hostile pages really are hostile in the way each case claims (else a pass would prove nothing)."""
    assert set(manifest.cases) == set(CASE_NAMES)
    assert manifest.site == "hostile.gov.cn" and manifest.home == "http://www.hostile.gov.cn/"
    url = {name: case.url for name, case in manifest.cases.items()}

    _, headers, body = _fetch(hostile, url["gbk-undeclared"])
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert b"charset" not in body.lower() and "charset" not in headers["Content-Type"].lower()
    _, headers, body = _fetch(hostile, url["gbk-header-only"])
    assert b"charset" not in body.lower() and headers["Content-Type"].lower().endswith("charset=gbk")
    _, headers, body = _fetch(hostile, url["gbk-meta-says-utf8"])
    assert b'<meta charset="utf-8">' in body and "charset" not in headers["Content-Type"].lower()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    _, _, body = _fetch(hostile, url["utf8-bom"])
    assert body.startswith(b"\xef\xbb\xbf") and b'charset="gb2312"' in body
    _, _, body = _fetch(hostile, url["gb18030-only-chars"])
    assert "海斯县䶮𬘭镇".encode("gb18030") in body
    _, _, body = _fetch(hostile, url["utf16-bom"])
    assert body.startswith(b"\xff\xfe") and b"\x00" in body[:64]
    _, _, body = _fetch(hostile, url["fullwidth-digits"])
    assert "０".encode() in body and "规\u3000\u3000章".encode() in body and "发布\u3000机构".encode() in body

    _, _, body = _fetch(hostile, url["unclosed-tags"])
    assert b"</td>" not in body and b"</tr>" not in body and b"</p>" not in body
    _, _, body = _fetch(hostile, url["split-applications-table"])
    assert body.count(b"<table") == 5  # metadata, active, applications in two, reviews
    _, _, body = _fetch(hostile, url["cut-table"])
    assert "本年新收".encode() in body and "行政复议".encode() not in body and not body.rstrip().endswith(b"</html>")
    _, _, body = _fetch(hostile, url["padded-10mb"])
    assert PADDING_BYTES < len(body) < 32 * 2**20
    status, _, body = _fetch(hostile, url["empty-page"])
    assert (status, body) == (200, b"")
    _, headers, body = _fetch(hostile, url["binary-as-html"])
    assert headers["Content-Type"].startswith("text/html") and b"\x00" in body
    _, _, body = _fetch(hostile, url["list-50k-links"])
    assert body.count(b"<li>") == 50_000

    assert _fetch(hostile, url["challenge-412"])[0] == 412
    assert "您的访问被拦截".encode() in _fetch(hostile, url["waf-block-200"])[2]
    status, _, body = _fetch(hostile, url["soft-404-in-chrome"])
    assert status == 200 and "您访问的页面不存在".encode() in body and body.count(b"<a ") > 60
    assert len(manifest.cases["url-too-long"].url) > 2083
    _, _, body = _fetch(hostile, url["robots-binary"])
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


# ---------------------------------------------------------------- the crawl as a whole


def test_crawl_finishes_cleanly(crawl: Crawl) -> None:
    assert not crawl.timed_out, f"the crawl did not finish in {CRAWL_TIMEOUT} s:\n{_tail(crawl.stderr)}"
    assert crawl.returncode == 0, _tail(crawl.stderr)
    assert "Traceback" not in crawl.stderr, _traceback_excerpt(crawl.stderr)
    assert "MemoryError" not in crawl.stderr


def test_exactly_the_expected_reports(crawl: Crawl, manifest: HostileManifest) -> None:
    found = {_key(r["url"]) for r in crawl.reports}
    expected = {_key(u) for u in manifest.reports}
    assert not expected - found, f"reports missing: {_short(expected - found)}"
    assert not found - expected, f"reports that should not be: {_short(found - expected)}"


def test_exactly_the_expected_failures(crawl: Crawl, manifest: HostileManifest) -> None:
    by_key = {_key(u): u for u in manifest.expected_failures}
    found = set()
    for f in crawl.failures:
        url = by_key.get(_key(f["url"]))
        # A reason the case accepts by prefix counts as the expected one.
        reason = manifest.expected_failures[url] if url and _reason_ok(manifest, url, f["reason"]) else f["reason"]
        found.add((_key(f["url"]), reason))
    expected = {(_key(u), r) for u, r in manifest.expected_failures.items()}
    assert not expected - found, f"failures missing (or with another reason): {_short(expected - found)}"
    assert not found - expected, f"failures that should not be: {_short(found - expected)}"


def test_every_candidate_ends_as_exactly_one_line(crawl: Crawl, manifest: HostileManifest) -> None:
    counts = Counter(_key(line["url"]) for line in crawl.reports + crawl.failures)
    candidates = {_key(u) for u in [*manifest.reports, *manifest.expected_failures]}
    repeated = {k: n for k, n in counts.items() if n > 1}
    assert not repeated, f"candidates with more than one line: {_short(set(repeated))}"
    assert not candidates - set(counts), f"candidates with no line at all: {_short(candidates - set(counts))}"


def test_nothing_forbidden_or_off_site_is_requested(crawl: Crawl, manifest: HostileManifest) -> None:
    assert _short(_requested(crawl, manifest.forbidden)) == []
    # Not even a CONNECT or a robots.txt: every host asked for is the portal's own.
    hosts = {r.host for r in crawl.requests}
    assert {h for h in hosts if not manifest.on_site(f"http://{h}/")} == set()
    paths = [r.path for r in crawl.requests if any(x in r.path.lower() for x in manifest.forbidden_fragments)]
    assert paths == [], "a javascript:/data:/file: href was fetched as a relative URL"
    schemes = [line["url"] for line in crawl.reports + crawl.failures if not line["url"].startswith("http")]
    assert schemes == [], "a line for a non-http link"


def test_crawl_stays_bounded(crawl: Crawl, manifest: HostileManifest) -> None:
    assert len(crawl.requests) <= manifest.max_requests, Counter(r.path.rsplit("/", 1)[0] for r in crawl.requests)


def test_summary_counts_add_up(crawl: Crawl, manifest: HostileManifest) -> None:
    summary = crawl.summary()
    assert summary is not None, "no summary.json"
    counts = summary["counts"]
    assert counts["reports"] == len(crawl.reports)
    assert counts["failures"] == len(crawl.failures)
    assert counts["candidates"] == counts["reports"] + counts["failures"] and counts["add_up"] is True
    assert counts["candidates"] == len(manifest.reports) + len(manifest.expected_failures)


# ---------------------------------------------------------------- case by case


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case(name: str, crawl: Crawl, manifest: HostileManifest) -> None:
    case = manifest.cases[name]
    reports = _lines_for(crawl.reports, case.url)
    failures = _lines_for(crawl.failures, case.url)
    got = [f"report ({r['validation']['status']})" for r in reports] + [
        f"failure {f['reason']!r} (status {f['status']})" for f in failures
    ]

    if case.outcome == REPORT:
        assert len(reports) == 1 and not failures, f"{name}: expected one report line, got {got or 'nothing'}"
        report = reports[0]
        expected = manifest.expected_items.get(case.url)
        if expected is not None:
            keys = manifest.partial_keys.get(case.url, tuple(expected))
            diffs = [d for k in keys for d in differences(_at(report, k), _at(expected, k), k)]
            assert diffs == [], f"{name}: read wrong: {diffs}"
        if case.url in manifest.clean:
            assert _errors(report) == [], f"{name}: error flags on a report valid by construction"
        if case.url in manifest.flagged:
            rules = {rule for rule, _ in _errors(report)}
            assert report["validation"]["status"] == "error" and rules & manifest.flagged[case.url], (
                f"{name}: expected an error flag among {sorted(manifest.flagged[case.url])}, got {_errors(report)}"
            )

    elif case.outcome == FAILURE:
        assert len(failures) == 1 and not reports, f"{name}: expected one failure line, got {got or 'nothing'}"
        reason = failures[0]["reason"]
        want = case.reason_prefix + "…" if case.reason_prefix else case.reason
        assert _reason_ok(manifest, case.url, reason), f"{name}: reason {reason!r}, expected {want!r}"

    elif case.outcome == NEVER:
        assert not reports and not failures, f"{name}: not a candidate, but got {got}"
        assert _short(_requested(crawl, case.never)) == [], f"{name}: requested"
        for url in case.never:
            assert not _lines_for(crawl.reports + crawl.failures, url), f"{name}: a line for {url}"

    else:
        assert case.outcome == EXERCISED
        asked = [r for r in crawl.requests if r.url.startswith(case.url)]
        assert asked, f"{name}: {case.url} was never requested, so the trap was not exercised"
        if name == "list-50k-links":
            summary = crawl.summary() or {}
            caps = summary.get("caps_hit", {}).get(SEED_ID)
            assert caps, f"the summary does not say a cap was hit: {summary.get('caps_hit')!r}"
            assert re.search(r"\bcaps?\b", crawl.stderr, re.I), "stderr does not mention the cap"
        elif name == "billion-laughs-jpage":
            assert not crawl.timed_out and "MemoryError" not in crawl.stderr
            assert all(r.method == "POST" for r in asked)
        elif name == "robots-binary":
            robots_failures = [f for f in crawl.failures if "robots" in f["reason"]]
            assert robots_failures == [] and crawl.reports, "garbage robots.txt must read as 'everything allowed'"


# ---------------------------------------------------------------- soak


def test_soak_same_results_three_times(
    crawl: Crawl, hostile: RunningWeb, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The whole corpus crawled three times in a row, each into a fresh output directory: no crash, the same
    report lines (but their fetch time) and the same failure lines (but theirs) every time."""
    if crawl.timed_out:  # two more crawls that hang would only make the file slow
        pytest.fail(f"run1 did not finish in {CRAWL_TIMEOUT} s")
    base = tmp_path_factory.mktemp("soak")
    runs = [crawl] + [crawl_hostile(hostile, base / f"run{i + 2}") for i in range(SOAK_RUNS)]
    peaks = [r.peak_bytes for r in runs if r.peak_bytes]
    if peaks:
        print(f"\n[hostile soak] peak memory per crawl: {', '.join(f'{p / 2**20:.0f} MiB' for p in peaks)}")
    for run in runs:
        assert not run.timed_out and run.returncode == 0, f"{run.out.name}:\n{_tail(run.stderr)}"
        assert "Traceback" not in run.stderr, f"{run.out.name}:\n{_traceback_excerpt(run.stderr)}"
    first_reports = {_report_identity(r) for r in runs[0].reports}
    first_failures = {_failure_identity(f) for f in runs[0].failures}
    for run in runs[1:]:
        reports = {_report_identity(r) for r in run.reports}
        failures = {_failure_identity(f) for f in run.failures}
        assert sorted(reports ^ first_reports) == [], f"{run.out.name}: report lines differ from run1"
        assert sorted(failures ^ first_failures) == [], f"{run.out.name}: failure lines differ from run1"
