"""Settings for a polite crawler of government portals. Everything here can be overridden with -s NAME=VALUE."""

import os

BOT_NAME = "gkspider"
SPIDER_MODULES = ["gkspider.spiders"]
NEWSPIDER_MODULE = "gkspider.spiders"

# Where reports.jsonl, failures.jsonl and the summaries go (the contract's GKSPIDER_OUTPUT_DIR).
GKSPIDER_OUTPUT_DIR = os.environ.get("GKSPIDER_OUTPUT_DIR", "output")
# Seed lists crawled when no -a seeds=PATH is given.
GKSPIDER_SEEDS_DIR = os.environ.get("GKSPIDER_SEEDS_DIR", "seeds")
# Who to contact about this crawler; shown in the User-Agent.
GKSPIDER_CONTACT_URL = os.environ.get("GKSPIDER_CONTACT_URL", "https://github.com/gkspider/gkspider")
USER_AGENT = f"gkspider/0.1 (government information disclosure annual report research; +{GKSPIDER_CONTACT_URL})"

# Discovery bounds, per portal: a pager that always links one page further must not run away.
GKSPIDER_MAX_DEPTH = 6  # navigation hops from the seed page to a list page
GKSPIDER_MAX_LIST_PAGES = 300  # list/column pages (pagination included) fetched per portal
GKSPIDER_MAX_PAGES_PER_LIST = 200  # further pages one list may reveal
GKSPIDER_MAX_LINKS_PER_PAGE = 5000  # links read from one page (a list of 50,000 links is cut, and said so)

# Politeness.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # +-50% around DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Limits and faults.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
GKSPIDER_MAX_FILE_BYTES = 64 * 1024 * 1024  # a PDF/DOCX attachment may be larger than a page
GKSPIDER_FILE_TIMEOUT = 120  # seconds to read one file (in the process pool) before it is given up
GKSPIDER_FILE_WORKERS = 1  # processes reading PDF/DOCX off the reactor thread
GKSPIDER_SOFFICE = None  # path to LibreOffice's soffice for DOC/WPS (found on PATH when unset)
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
URLLENGTH_LIMIT = 2083
DNS_TIMEOUT = 20

# Only the web: no data:, file:, ftp: or s3: downloads whatever a page links.
DOWNLOAD_HANDLERS = {"data": None, "file": None, "ftp": None, "s3": None}

# Nothing listens unless asked: no telnet console, no remote-control server.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

SPIDER_MIDDLEWARES = {
    "gkspider.middlewares.DeltaFetchMiddleware": 100,
}
DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt (100): an off-site URL must not even cost a robots.txt request to the other site.
    "gkspider.middlewares.SameSiteMiddleware": 90,
    # Right after scrapy's RobotsTxtMiddleware (100), whose parsed robots.txt it reads.
    "gkspider.middlewares.CrawlDelayMiddleware": 101,
}
GKSPIDER_MAX_CRAWL_DELAY = 60.0  # a robots.txt asking for more is honoured up to this many seconds
EXTENSIONS = {
    "gkspider.middlewares.JobdirGuard": 0,
}
# What a crawl has seen (request fingerprints, report URLs, content digests) stays in memory up to this many keys per
# set, then moves to a temporary SQLite database: a national crawl sees ~930,000 requests (gkspider/seen.py).
GKSPIDER_SEEN_IN_MEMORY = 20_000
# Request fingerprints in such a set; still written to JOBDIR/requests.seen for a resume.
DUPEFILTER_CLASS = "gkspider.middlewares.SeenSetDupeFilter"
# A re-run does not re-download report pages already in reports.jsonl; set RESET to fetch everything again.
GKSPIDER_DELTAFETCH_ENABLED = True
GKSPIDER_DELTAFETCH_RESET = False

ITEM_PIPELINES = {
    "gkspider.pipelines.extract.ExtractPipeline": 100,
    "gkspider.pipelines.validate.ValidatePipeline": 200,
    "gkspider.pipelines.output.OutputPipeline": 900,
}

# Per-page CPU that buys nothing here (issue 8). Scrapy starts CONCURRENT_ITEMS worker tasks (default 100) for every
# response whatever it yields; a callback of this spider yields at most one item (a report page, a file or a failure),
# so one worker does the same work: ~1.4 ms of CPU a page less. WARN_ON_GENERATOR_RETURN_VALUE makes Scrapy read and
# ast.parse a callback's source again and again: its cache holds the bound method weakly, and a request read back from
# JOBDIR's disk queue carries a new one, so the entry dies with each response (~0.3 ms a page). Our callbacks are
# checked by the tests instead (tests/test_crawl_cpu.py: no generator callback returns a value).
CONCURRENT_ITEMS = 1
WARN_ON_GENERATOR_RETURN_VALUE = False

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("GKSPIDER_LOG_LEVEL", "INFO")
