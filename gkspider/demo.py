"""Offline demo: start the bundled mock web, crawl it through http_proxy, and show what came out.

    python -m gkspider.demo [--out output/demo]

Needs a source checkout (the mock web lives in tests/mockweb); no network.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from gkspider.output import read_jsonl

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "output" / "demo"), help="output directory (default: output/demo)")
    parser.add_argument("--seeds", default=str(ROOT / "seeds" / "reference.csv"), help="seed list to crawl")
    args = parser.parse_args(argv)
    if not (ROOT / "tests" / "mockweb").is_dir():
        print("The demo needs a source checkout: tests/mockweb/ was not found beside the package.", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from tests.mockweb.portals import build_web
    from tests.mockweb.server import MockWeb, proxy_env

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("reports.jsonl", "failures.jsonl"):
        (out / name).unlink(missing_ok=True)  # a demo starts clean, so its figures are this run's
    with MockWeb() as web:
        manifest = build_web(web)
        os.environ.update(proxy_env(web))
        print(
            f"Mock web on {web.proxy_url} serving {len(manifest.portals)} portals: "
            + ", ".join(p.home for p in manifest.portals.values())
        )
        settings = get_project_settings()
        settings.setdict(
            {
                "GKSPIDER_OUTPUT_DIR": str(out),
                "DOWNLOAD_DELAY": 0,  # the mock web is local: politeness delays would only slow the demo
                "AUTOTHROTTLE_ENABLED": False,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
                "LOG_LEVEL": "WARNING",
            },
            priority="cmdline",
        )
        process = CrawlerProcess(settings)
        process.crawl("annual_reports", seeds=args.seeds)
        process.start()
    reports = [r for _, r in read_jsonl(out / "reports.jsonl")]
    failures = [f for _, f in read_jsonl(out / "failures.jsonl")]
    print(f"\nFound {len(reports)} reports and {len(failures)} failures.")
    for site, count in sorted(Counter(r["site"]["id"] for r in reports).items()):
        print(f"  {site}: {count} reports")
    status = Counter(r["validation"]["status"] for r in reports)
    print("  validation: " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
    print(f"\nOutput in {out.resolve()}:")
    for name in ("reports.jsonl", "failures.jsonl", "dataset_flags.jsonl", "summary.json", "summary.html"):
        print(f"  {out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
