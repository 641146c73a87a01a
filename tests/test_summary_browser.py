"""Load summary.html in real headless Chromium and check what it renders."""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections import Counter

import lxml.html
import pytest

from gkspider.validation.summary import build_summary, render_summary_html
from tests.test_summary import SEEDS, report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium)"
)


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture
def page(tmp_path):
    reports = [
        report("a-county", "甲县人民政府", 2018),  # 2019 missing: the grid still has its column
        report("a-county", "甲县人民政府", 2021, broken=True),
        report("a-county", "甲县教育局", 2021, publish_date=None),
        report("b-city", "乙市人民政府", 2020, title="<script>document.title='pwned'</script>乙市年报", index_no=None),
        report("b-city", "乙市人民政府", 2020, url="http://b-city.gov.cn/2020.pdf"),  # same cell, a second copy
    ]
    failures = [{"url": "http://c-town.gov.cn/x.pdf", "site_id": "c-town", "reason": "http_404"}]
    summary = build_summary(reports, failures, seeds=SEEDS)
    path = tmp_path / "summary.html"
    path.write_text(render_summary_html(summary, reports), encoding="utf-8")
    return path, reports, summary


def test_rendered_dom(tmp_path, page):
    path, reports, _summary = page
    dom = lxml.html.fromstring(chromium(tmp_path, "--dump-dom", path.as_uri()).stdout)

    years = range(min(r["report_year"] for r in reports), max(r["report_year"] for r in reports) + 1)
    organs = {(r["site"]["id"], r["organ"]) for r in reports}
    rows = dom.cssselect("#coverage tr.organ")
    assert len(rows) == len(organs)
    assert all(len(row.cssselect("td.cell")) == len(years) for row in rows)
    assert [th.text_content() for th in dom.cssselect("#coverage th.year")] == [str(y) for y in years]
    # portals with no report get a header and an empty row, and are called out
    assert len(dom.cssselect("#coverage tr.portal")) == len(SEEDS)
    assert len(dom.cssselect("#coverage tr.empty")) == 1
    assert "c-town" in dom.cssselect("#no-reports")[0].text_content()

    links = dom.cssselect("#coverage a.status")
    assert len(links) == len(reports)
    assert Counter(a.text_content() for a in links) == Counter(r["validation"]["status"] for r in reports)
    assert {a.get("href") for a in links} == {r["url"] for r in reports}

    expected = Counter(f["rule"] for r in reports for f in r["validation"]["flags"])
    shown = {
        tr.cssselect("td.rule")[0].text_content(): int(tr.cssselect("td.count")[0].text_content())
        for tr in dom.cssselect("#flags tbody tr")
    }
    assert shown == dict(expected)

    # the title from the web is text, not a script that ran
    assert dom.xpath("//script") == []
    assert dom.findtext(".//title") == "gkspider crawl summary"
    assert "<script>document.title='pwned'</script>乙市年报" in dom.cssselect("#flagged")[0].text_content()


def test_screenshot(tmp_path, page):
    path, _reports, _summary = page
    png = tmp_path / "summary.png"
    chromium(tmp_path, "--window-size=1024,900", f"--screenshot={png}", path.as_uri())
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1024, 900)
    assert len(data) > 20_000  # a blank page compresses to a few KB
