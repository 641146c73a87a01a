"""Settings of the bare baseline spider: Scrapy defaults, plus what both crawls must share (run.py passes the rest
with -s: delay, AutoThrottle, robots.txt, concurrency, log level)."""

import gkspider.settings as _gk

BOT_NAME = "bench_bare"
SPIDER_MODULES = ["bench.bare_spider"]
TELNETCONSOLE_ENABLED = False
# Same User-Agent and fetch limits as gkspider: only the spider, its middlewares and its pipelines differ.
USER_AGENT = _gk.USER_AGENT
DOWNLOAD_TIMEOUT = _gk.DOWNLOAD_TIMEOUT
DOWNLOAD_MAXSIZE = _gk.DOWNLOAD_MAXSIZE
DOWNLOAD_WARNSIZE = _gk.DOWNLOAD_WARNSIZE
RETRY_TIMES = _gk.RETRY_TIMES
RETRY_HTTP_CODES = _gk.RETRY_HTTP_CODES
