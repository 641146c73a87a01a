"""Running real crawls (`scrapy crawl annual_reports` in a subprocess) against the mock web, for the tests."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Politeness off for a local server: the crawl itself is what is tested, not its pace.
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": "4"}


def write_seeds(manifest: Any, path: Path, only: set[str] | None = None) -> Path:
    """A seed list of the mock web's portals (the ids its manifest uses)."""
    with path.open("w", newline="", encoding="utf-8") as fp:
        writer = csv.writer(fp)
        writer.writerow(["id", "name", "url", "level", "region_code", "list_url"])
        for seed_id, portal in manifest.portals.items():
            if only is None or seed_id in only:
                writer.writerow([seed_id, f"{seed_id} 人民政府", portal.home, "county", "", ""])
    return path


def crawl_command(seeds: Path, out: Path, *args: str, settings: dict[str, str] | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "annual_reports", "-a", f"seeds={seeds}", *args]
    for name, value in {**FAST, "GKSPIDER_OUTPUT_DIR": str(out), **(settings or {})}.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def run_crawl(
    env: dict[str, str],
    seeds: Path,
    out: Path,
    *args: str,
    settings: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        crawl_command(seeds, out, *args, settings=settings),
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def read_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    # Only whole lines: a crawl still running may be in the middle of appending the last one.
    text = path.read_text("utf-8")
    return [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines() if line.strip()]
