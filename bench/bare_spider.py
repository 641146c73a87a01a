"""The baseline: a plain Scrapy spider that follows every same-host <a href> from the seeds and extracts nothing.

Run with bench/bare_settings.py (no gkspider middlewares, pipelines or extensions), so that annual_reports' cost is
measured against what Scrapy itself costs for the same pages.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response, TextResponse


class BareSpider(scrapy.Spider):
    name = "bench_bare"

    def __init__(self, seeds: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seeds_path = seeds

    async def start(self) -> AsyncIterator[Request]:
        with open(self.seeds_path or "", newline="", encoding="utf-8") as fp:
            for row in csv.DictReader(fp):
                yield Request(row["url"])

    def parse(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            return
        host = urlsplit(response.url).hostname
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href.strip())
            if url.startswith(("http://", "https://")) and urlsplit(url).hostname == host:
                yield Request(url)  # Scrapy's dupefilter drops what was seen
