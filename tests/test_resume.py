"""Resume: a crawl stopped by Ctrl-C or killed with SIGKILL, restarted with the same JOBDIR and output, ends with
every report exactly once and every failure exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from gkspider.discovery.links import canonical_url
from tests.crawling import ROOT, crawl_command, read_lines, run_crawl, write_seeds

SLOW = {"DOWNLOAD_DELAY": "0.08", "DOWNLOAD_DELAY_JITTER": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}


def _interrupt(env: dict, seeds: Path, out: Path, job: Path, sig: int, after_reports: int) -> None:
    cmd = crawl_command(seeds, out, settings={**SLOW, "JOBDIR": str(job)})
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if len(read_lines(out / "reports.jsonl")) >= after_reports:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl ended before it could be interrupted"
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "ctrl-c"])
def test_resume_loses_nothing_and_duplicates_nothing(fresh_mockweb, tmp_path: Path, sig: int) -> None:
    manifest = fresh_mockweb.manifest
    seeds = write_seeds(manifest, tmp_path / "seeds.csv")
    out, job = tmp_path / "out", tmp_path / "job"
    _interrupt(fresh_mockweb.env, seeds, out, job, sig, after_reports=12)
    interrupted = read_lines(out / "reports.jsonl")
    expected = {canonical_url(u) for p in manifest.portals.values() for u in p.reports}
    assert 12 <= len(interrupted) < len(expected)

    result = run_crawl(fresh_mockweb.env, seeds, out, settings={"JOBDIR": str(job)})
    assert result.returncode == 0, result.stderr[-3000:]
    reports = read_lines(out / "reports.jsonl")
    urls = Counter(canonical_url(r["url"]) for r in reports)
    assert set(urls) == expected
    assert max(urls.values()) == 1
    failures = Counter((canonical_url(f["url"]), f["reason"]) for f in read_lines(out / "failures.jsonl"))
    expected_failures = {
        (canonical_url(u), r) for p in manifest.portals.values() for u, r in p.expected_failures.items()
    }
    assert set(failures) == expected_failures
    assert max(failures.values()) == 1
    if sig == signal.SIGKILL:
        assert "did not close cleanly" in result.stderr
