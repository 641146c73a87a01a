"""A Scrapy extension for the bench: writes the crawl's stats, its CPU seconds and its wall seconds between
spider_opened and spider_closed (imports and start-up excluded), and its peak RSS when the spider went idle (before
the pipelines' close_spider, which may load more) and at the end, to BENCH_STATS_FILE when the engine stops.

Peak RSS is the kernel's high-water mark of this process's own memory (VmHWM in /proc/self/status), not
getrusage's ru_maxrss: Linux carries the parent's high-water mark into ru_maxrss across fork/vfork and exec, so a
crawl started by the bench (whose micro-benchmarks reach ~135 MB) reported at least the bench's own peak.
"""

from __future__ import annotations

import json
import resource
import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler


def peak_rss_kb() -> int:
    """This process's peak resident set in KiB: VmHWM where /proc exists, else ru_maxrss (which may include the
    parent's peak, see above)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fp:
            for line in fp:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class StatsDump:
    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler, self.path = crawler, path
        self.marks: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsDump:
        ext = cls(crawler, crawler.settings.get("BENCH_STATS_FILE"))
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.stopped, signal=signals.engine_stopped)
        return ext

    def opened(self) -> None:
        self.marks.update(open_wall=time.monotonic(), open_cpu=_cpu())

    def idle(self) -> None:
        # The last idle is the end of the crawl proper: nothing left to fetch, pipelines not yet closed.
        self.marks["idle_maxrss_kb"] = peak_rss_kb()

    def closed(self) -> None:
        self.marks.update(close_wall=time.monotonic(), close_cpu=_cpu())

    def stopped(self) -> None:
        m = self.marks
        out: dict[str, Any] = {
            "stats": {
                k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in self.crawler.stats.get_stats().items()
            },
            "crawl_wall_s": m.get("close_wall", 0) - m.get("open_wall", 0),
            "crawl_cpu_s": m.get("close_cpu", 0) - m.get("open_cpu", 0),
            "maxrss_kb": peak_rss_kb(),
            "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,  # with the parent's peak folded in
            "idle_maxrss_kb": m.get("idle_maxrss_kb"),
        }
        with open(self.path, "w", encoding="utf-8") as fp:
            json.dump(out, fp, ensure_ascii=False, default=str)
