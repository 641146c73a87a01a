"""Where a crawl's memory grows: `python -m bench.tracemem 100 400` (about 3 and 12 minutes on 2 cores).

Runs annual_reports on the bench web at each portal count with tracemalloc on from the start
(PYTHONTRACEMALLOC=1, so the crawl runs about 2.5 times slower), snapshots the Python heap when the crawl has
nothing left to fetch (the last spider_idle, before the pipelines' close_spider) and prints the source lines whose
allocations grew most between the smallest and the largest crawl. Lines inside an lru_cache show up at the cached
function's caller (the cache's entries are allocated there). It is a diagnosis, not a figure: run.py's RSS figures
come from crawls without tracing.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

TOP_LINES = 200  # lines kept per snapshot: enough to cover what grows


class TraceSnapshot:
    """A Scrapy extension: on every spider_idle, the traced heap by source line to BENCH_TRACEMEM_FILE (the last
    idle is the end of the crawl proper, so the last write stands)."""

    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TraceSnapshot:
        ext = cls(crawler.settings.get("BENCH_TRACEMEM_FILE"))
        crawler.signals.connect(ext.idle, signal=signals.spider_idle)
        return ext

    def idle(self) -> None:
        if not tracemalloc.is_tracing() or not self.path:
            return
        gc.collect()
        stats = tracemalloc.take_snapshot().statistics("lineno")
        top = [{"line": str(s.traceback), "bytes": s.size, "blocks": s.count} for s in stats[:TOP_LINES]]
        with open(self.path, "w", encoding="utf-8") as fp:
            json.dump({"traced_bytes": sum(s.size for s in stats), "top": top}, fp)


def growth(small: dict[str, Any], large: dict[str, Any]) -> list[tuple[int, int, int, str]]:
    """(bytes grown, bytes at the large crawl, blocks at the large crawl, line), largest growth first."""
    before = {row["line"]: row["bytes"] for row in small["top"]}
    rows = [
        (row["bytes"] - before.get(row["line"], 0), row["bytes"], row["blocks"], row["line"]) for row in large["top"]
    ]
    return sorted(rows, reverse=True)


def main(argv: list[str] | None = None) -> int:
    from bench.crawls import STATS_EXTENSION, CrawlSpec, MockServer, run_crawl
    from gkspider import settings as gk_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("portals", type=int, nargs="+", help="portal counts, e.g. 100 400")
    parser.add_argument("--lines", type=int, default=25, help="lines to print")
    args = parser.parse_args(argv)
    counts = sorted(set(args.portals))

    snapshots: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="gkbench-tracemem-") as tmp, MockServer(max(counts)) as server:
        os.environ["PYTHONTRACEMALLOC"] = "1"  # run_crawl passes this process's environment to the crawl
        try:
            for n in counts:
                out = Path(tmp) / f"tracemem-{n}.json"
                extensions = {**gk_settings.EXTENSIONS, STATS_EXTENSION: 500, "bench.tracemem.TraceSnapshot": 600}
                settings = {"EXTENSIONS": json.dumps(extensions), "BENCH_TRACEMEM_FILE": str(out)}
                print(f"crawl annual_reports, {n} portals, traced", file=sys.stderr, flush=True)
                run = run_crawl(CrawlSpec("annual_reports", n, settings=settings), server, Path(tmp), "tracemem")
                if not out.exists():
                    log = Path(tmp) / f"annual_reports-{n}-tracemem" / "crawl.log"
                    tail = log.read_text("utf-8", "replace")[-2000:] if log.exists() else ""
                    print(f"no snapshot at {n} portals (exit status {run['returncode']})\n{tail}", file=sys.stderr)
                    return 1
                snapshots[n] = json.loads(out.read_text("utf-8"))
        finally:
            del os.environ["PYTHONTRACEMALLOC"]

    for n in counts:
        print(f"{n} portals: {snapshots[n]['traced_bytes'] / 1e6:.1f} MB traced")
    if len(counts) >= 2:
        small, large = counts[0], counts[-1]
        print(f"\ngrowth from {small} to {large} portals, by source line:")
        for grown, size, blocks, line in growth(snapshots[small], snapshots[large])[: args.lines]:
            print(f"{grown / 1e3:+10.1f} KB  {size / 1e3:9.1f} KB  {blocks:7d} blocks  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
