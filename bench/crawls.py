"""Crawls against the bench web: the mock server in its own process, each crawl a `scrapy crawl` subprocess whose
own peak RSS and CPU come from os.wait4, and whose stats come from bench.statsdump."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gkspider.settings as gk_settings
from bench.webgen import REPORTS_PER_PORTAL, Portal, write_seeds

ROOT = Path(__file__).resolve().parents[1]
# Both crawls alike: politeness relaxed for a local server, robots.txt obeyed, gkspider's concurrency.
COMMON = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "ROBOTSTXT_OBEY": "True",
    "CONCURRENT_REQUESTS": str(gk_settings.CONCURRENT_REQUESTS),
    "CONCURRENT_REQUESTS_PER_DOMAIN": str(gk_settings.CONCURRENT_REQUESTS_PER_DOMAIN),
    "LOG_LEVEL": "INFO",
    "MEMUSAGE_CHECK_INTERVAL_SECONDS": "2",  # default 60 s: memusage/max would miss most of a short crawl
    "TELNETCONSOLE_ENABLED": "False",
}
STATS_EXTENSION = "bench.statsdump.StatsDump"
PAGES_PER_PORTAL = len(Portal(0).urls())


class MockServer:
    """`python -m bench.mockserver` in a child process, for as long as the with-block lasts."""

    def __init__(self, portals: int) -> None:
        self.portals = portals
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> MockServer:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.mockserver", "--portals", str(self.portals)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("bench.mockserver did not start")
        info = json.loads(line)
        self.port, self.pid = info["port"], info["pid"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """utime + stime of the server so far (its share of the machine during a crawl tells if it was the limit)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class CrawlSpec:
    spider: str  # "annual_reports" or "bare"
    portals: int
    jobdir: bool = True
    profiler: list[str] | None = None  # argv prefix that runs python under a profiler (py-spy record … --)
    settings: dict[str, str] | None = None  # more -s settings (experiments: a scheduler queue, a delay)


def run_crawl(spec: CrawlSpec, server: MockServer, workdir: Path, tag: str, timeout: float = 3600) -> dict[str, Any]:
    out = workdir / f"{spec.spider}-{spec.portals}-{tag}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    seeds = write_seeds(out / "seeds.csv", spec.portals)
    stats_file = out / "stats.json"
    settings = dict(COMMON, BENCH_STATS_FILE=str(stats_file))
    env = {k: v for k, v in os.environ.items() if k not in ("SCRAPY_SETTINGS_MODULE", "GKSPIDER_OUTPUT_DIR")}
    env.update(http_proxy=server.proxy_url, HTTP_PROXY=server.proxy_url, no_proxy="", NO_PROXY="")
    if spec.spider == "annual_reports":
        settings["EXTENSIONS"] = json.dumps({**gk_settings.EXTENSIONS, STATS_EXTENSION: 500})
        settings["GKSPIDER_OUTPUT_DIR"] = str(out / "output")
        name = "annual_reports"
    else:
        settings["EXTENSIONS"] = json.dumps({STATS_EXTENSION: 500})
        env["SCRAPY_SETTINGS_MODULE"] = "bench.bare_settings"
        name = "bench_bare"
    if spec.jobdir:
        settings["JOBDIR"] = str(out / "job")
    settings.update(spec.settings or {})
    cmd = [*(spec.profiler or []), sys.executable, "-m", "scrapy", "crawl", name, "-a", f"seeds={seeds}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    server_cpu0, t0 = server.cpu_seconds(), time.monotonic()
    with (out / "crawl.log").open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        # wait4, not wait: the rusage of this one child (RUSAGE_CHILDREN would be the max over every crawl so far)
        _, status, usage = os.wait4(proc.pid, 0)
        killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    server_cpu = server.cpu_seconds() - server_cpu0
    dump = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    stats = dump.get("stats", {})
    pages = int(stats.get("downloader/response_count", 0))
    crawl_wall = dump.get("crawl_wall_s") or wall
    result: dict[str, Any] = {
        "spider": spec.spider,
        "portals": spec.portals,
        "jobdir": spec.jobdir,
        "returncode": proc.returncode,
        "pages": pages,
        "pages_expected": spec.portals * PAGES_PER_PORTAL,
        "crawl_s": crawl_wall,
        "process_s": wall,
        "pages_per_s": pages / crawl_wall if crawl_wall else 0.0,
        "cpu_ms_per_page": 1e3 * dump.get("crawl_cpu_s", 0.0) / pages if pages else None,
        "process_cpu_s": usage.ru_utime + usage.ru_stime,
        # The crawl's own peak (VmHWM at engine stop). wait4's ru_maxrss would be at least this bench's own peak: Linux
        # carries a parent's high-water mark into the child's across fork and exec.
        "peak_rss_mb": dump["maxrss_kb"] / 1024 if dump.get("maxrss_kb") else usage.ru_maxrss / 1024,
        "ru_maxrss_mb": usage.ru_maxrss / 1024,
        "memusage_max_mb": stats.get("memusage/max", 0) / 2**20,  # Scrapy samples ru_maxrss: the parent's peak too
        # Peak before the pipelines' close_spider: what crawling holds, apart from what closing loads.
        "crawling_rss_mb": dump["idle_maxrss_kb"] / 1024 if dump.get("idle_maxrss_kb") else None,
        "server_cpu_share": server_cpu / wall,  # ~1.0: the server, not the crawler, set the pace
        "response_bytes_per_page": stats.get("downloader/response_bytes", 0) / pages if pages else None,
        "errors": int(stats.get("log_count/ERROR", 0)),
        "loadavg_1m": os.getloadavg()[0],  # above the core count: neighbours shared the machine (wall figures noisy)
        "out": str(out),
    }
    if spec.spider == "annual_reports":
        reports = out / "output" / "reports.jsonl"
        lines = reports.read_bytes().count(b"\n") if reports.exists() else 0
        result["reports"] = lines
        result["reports_expected"] = spec.portals * REPORTS_PER_PORTAL
        result["report_line_bytes"] = reports.stat().st_size / lines if lines else None
        result["validation"] = {
            k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("gkspider/validation/status/")
        }
        failures = out / "output" / "failures.jsonl"
        result["failures"] = failures.read_bytes().count(b"\n") if failures.exists() else 0
    return result


# ---------------------------------------------------------------- profile


# Where a sample's time goes: the innermost frame that matches decides (needs_browser inside parse_report counts as
# needs_browser, not as parse_report). Matched against py-spy's "function (file:line)" frames.
BUCKETS: tuple[tuple[str, str], ...] = (
    ("needs_browser (gkspider/", "spider: needs_browser (page wall check)"),
    ("extract_html (gkspider/", "pipeline: extract_html"),
    ("validate_report (gkspider/", "pipeline: validate_report"),
    ("ExtractPipeline.process_item", "pipeline: extract (rest: sha256, build_report)"),
    ("ValidatePipeline.process_item", "pipeline: validate (rest: stats)"),
    ("OutputPipeline.", "pipeline: output (JSON lines, summary)"),
    ("AnnualReportsSpider.parse_report", "spider: parse_report (rest)"),
    ("AnnualReportsSpider.parse_page", "spider: parse_page (nav + list pages)"),
    ("AnnualReportsSpider.", "spider: other"),
    ("DeltaFetchMiddleware", "middleware: deltafetch"),
    ("CrawlDelayMiddleware", "middleware: crawl-delay"),
    ("JobdirGuard", "extension: jobdir guard"),
    ("_find_and_load (<frozen", "start-up: imports"),
)
STARTUP = BUCKETS[-1][1]


def summarise_pyspy(raw: Path, cpu_ms_per_page: float) -> dict[str, Any]:
    """CPU ms per page by bucket and by function (self time), from `py-spy record -f raw` output: each bucket's share
    of the crawl's samples (start-up imports left out) times the crawl's measured CPU per page."""
    buckets: Counter[str] = Counter()
    own: Counter[str] = Counter()
    startup = 0
    for line in raw.read_text("utf-8", "replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        frames = stack.split(";")
        if "Condition.wait" in frames[-1] or "Queue.get" in frames[-1]:
            continue  # an idle thread-pool worker, not CPU
        count = int(n)
        label = "scrapy + twisted + asyncio (rest)"
        for frame in reversed(frames):
            found = next((b for key, b in BUCKETS if key in frame), None)
            if found:
                label = found
                break
        if label == STARTUP:
            startup += count
            continue
        buckets[label] += count
        own[frames[-1]] += count
    total = sum(buckets.values())
    scale = cpu_ms_per_page / total if total else 0.0
    return {
        "samples": total,
        "startup_samples": startup,
        "cpu_ms_per_page": cpu_ms_per_page,
        "buckets_ms_per_page": {b: n * scale for b, n in buckets.most_common()},
        "top_self_ms_per_page": {f: n * scale for f, n in own.most_common(30)},
    }


def pyspy() -> str | None:
    return shutil.which("py-spy") or next(
        (str(p) for p in [Path(sys.executable).parent / "py-spy"] if p.exists()), None
    )
