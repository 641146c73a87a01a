"""Politeness: robots.txt rules and its Crawl-delay are honoured; discovery stays bounded."""

from __future__ import annotations

from pathlib import Path

from tests.crawling import read_lines, run_crawl, write_seeds


def test_robots_crawl_delay_is_honoured(fresh_mockweb, tmp_path: Path) -> None:
    web, manifest = fresh_mockweb.web, fresh_mockweb.manifest
    home = manifest.portals["test-plain"].home
    web.add(home + "robots.txt", "User-agent: *\nCrawl-delay: 0.4\n", content_type="text/plain")
    web.clear_log()
    seeds = write_seeds(manifest, tmp_path / "seeds.csv", only={"test-plain"})
    result = run_crawl(fresh_mockweb.env, seeds, tmp_path / "out", settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "2"})
    assert result.returncode == 0, result.stderr[-2000:]
    times = sorted(r.at for r in web.requests if r.path != "/robots.txt")
    assert len(times) >= 5
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.38, gaps  # never faster than the robots.txt asks (a little clock slack)
    assert read_lines(tmp_path / "out" / "reports.jsonl")


def test_list_page_cap_stops_a_runaway_and_says_so(fresh_mockweb, tmp_path: Path) -> None:
    seeds = write_seeds(fresh_mockweb.manifest, tmp_path / "seeds.csv", only={"xj-wuqia"})
    result = run_crawl(fresh_mockweb.env, seeds, tmp_path / "out", settings={"GKSPIDER_MAX_LIST_PAGES": "3"})
    assert result.returncode == 0
    pages = [r for r in fresh_mockweb.web.requests if r.path != "/robots.txt"]
    reports = read_lines(tmp_path / "out" / "reports.jsonl")
    assert len(pages) - len(reports) <= 3 + 1  # the cap, plus at most one redirect hop
    assert "Caps hit" in result.stderr and "list_pages" in result.stderr
