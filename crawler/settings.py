"""Scrapy settings for every xxgk crawl. Site spiders override politeness in `custom_settings`."""

from scrapy.settings import default_settings

BOT_NAME = "xxgk"
SPIDER_MODULES = ["spiders"]
# Sites are TOML declarations (spiders/sites/, XXGK_SITES_DIRS) as well as Python spiders: crawler/sites.py.
SPIDER_LOADER_CLASS = "crawler.sites.SiteLoader"
NEWSPIDER_MODULE = "spiders"

# Government sites are small and fragile: polite by default, per site.
ROBOTSTXT_OBEY = False  # disclosure pages are public records by law; many sites 404 robots.txt anyway
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy starts this many asyncio tasks for every response's output, however little it holds (a detail
# page yields one item, a list page a few dozen requests): at Scrapy's 100 that was 168,000 tasks in a
# crawl of 1,500 documents. 16 handles any page's output at once and cut a crawl's CPU by 5-10%.
CONCURRENT_ITEMS = 16
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Pages above 10 MiB are not disclosure pages; attachments get their own cap (XXGK_ATTACHMENT_MAXSIZE).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
HTTPERROR_ALLOWED_CODES = [404, 410]
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 "
    "xxgk-archive/0.1 (+government information disclosure archive)"
)
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
}
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    # Only for spiders that declare `browser = True`: pass a 412 JavaScript challenge once in Chromium.
    "crawler.middlewares.challenge.ChallengeMiddleware": 650,
    # Before HttpProxyMiddleware (750): route through the replica when XXGK_REPLICA_URL is set.
    "crawler.middlewares.replica.ReplicaRoutingMiddleware": 740,
    # Faulty servers (crawler/middlewares/faults.py, docs/faults.md): redirects stay on the site and
    # never loop; Retry-After is honoured up to XXGK_RETRY_AFTER_MAX; final failures get a reason.
    "crawler.middlewares.faults.RedirectGuardMiddleware": 660,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.faults.PoliteRetryMiddleware": 550,
    "crawler.middlewares.faults.FailureLedgerMiddleware": 50,
}
# HTTP sent in slots of the fleet's shared budget per host when XXGK_HOST_BUDGET is set (PostgreSQL),
# else Scrapy's own handler unchanged (crawler/middlewares/host_budget.py).
DOWNLOAD_HANDLERS = {
    "http": "crawler.middlewares.host_budget.BudgetedDownloadHandler",
    "https": "crawler.middlewares.host_budget.BudgetedDownloadHandler",
}
SPIDER_MIDDLEWARES = {
    # Skip details an interrupted run of the same site already stored (XXGK_RESUME = False to refetch).
    "crawler.middlewares.resume.ResumeMiddleware": 950,
}
ITEM_PIPELINES = {
    "crawler.pipelines.extract.ExtractPipeline": 300,
    "crawler.pipelines.attachments.AttachmentsPipeline": 500,
    "crawler.pipelines.store.ArchivePipeline": 800,
}
# Scrapy's own extensions but its remote control: off as Scrapy ships it and never wanted here, and
# Scrapy imports every listed component (aiohttp, for that one: 0.3 s of every crawl process's start)
# even to find it switched off, or listed as None.
EXTENSIONS_BASE = {
    path: order
    for path, order in default_settings.EXTENSIONS_BASE.items()
    if path != "scrapy.extensions.remote_control.RemoteControl"
}
EXTENSIONS = {
    "crawler.extensions.progress.CrawlProgress": 500,
    # Off unless XXGK_WARC_METER: what the same fetches would cost as WARC.gz (bench/storage.py).
    "crawler.extensions.warcmeter.WarcMeter": 510,
    # The imports frozen out of the garbage collector's sight while crawls run (XXGK_GC_THRESHOLD).
    "crawler.extensions.collector.GarbageCollectorTuning": 520,
}

# xxgk settings: every XXGK_* setting a crawl reads, with its default, here and nowhere else (a test
# checks that code reads no other). Override with `xxgk crawl -s NAME=VALUE`; the three marked "env" are
# also taken from the environment (crawler.runner.ENVIRONMENT_SETTINGS).
# The archive to write (env; None: ./data/xxgk.sqlite3, see archive/db.py).
XXGK_DATABASE_URL = None
# Crawl a replica at http://127.0.0.1:PORT instead of the live sites (env; crawler/middlewares/replica.py).
XXGK_REPLICA_URL = None
# full | incremental (spiders/base.py MODES); the schedule's slot a run fills, if any (ISO 8601).
XXGK_MODE = "full"
XXGK_SCHEDULED_FOR = None
# A 5xx/429 asking (Retry-After) for a longer wait than this is not retried in this run.
XXGK_RETRY_AFTER_MAX = 60.0
# The fleet (crawler/fleet/, docs/deploy.md): requests per second per host summed over every worker,
# shared through PostgreSQL (0: off, Scrapy's per-process politeness only); how long a 429/503 without
# Retry-After pauses the host for every worker; the site lock's lease (seconds without a heartbeat
# before another machine may take over a crawl whose holder vanished).
XXGK_HOST_BUDGET = 0.0
XXGK_HOST_BACKOFF = 10.0
XXGK_LOCK_TTL = 300.0
# What the same fetches would cost as WARC.gz (bench/storage.py).
XXGK_WARC_METER = False
XXGK_ATTACHMENT_MAXSIZE = 50 * 1024 * 1024
# Attachments that need OCR or a converter (scans, .doc/.xls/.wps/.et/.rtf, ZIPs): "after" stores them
# unread and `xxgk crawl` reads them when its crawls end (archive/attachment_queue.py); "inline" reads
# them in the crawl's parse worker (slow: for comparison, bench/attachments.py); "later" leaves them to
# the next `xxgk db reindex` or crawl.
XXGK_SLOW_ATTACHMENTS = "after"
# The queue's limits per file (seconds, OCR'd pages) and its worker threads (0: one per core).
XXGK_ATTACHMENT_READ_SECONDS = 180.0
XXGK_ATTACHMENT_OCR_PAGES = 60
XXGK_ATTACHMENT_READ_WORKERS = 0
# Seconds between progress lines (0: none).
XXGK_PROGRESS_INTERVAL = 10.0
# Worker processes for the page parser (0 parses in the reactor's own thread); see pipelines/extract.py.
XXGK_PARSE_PROCESSES = 1
# The version store writes in a process of its own (True: one per crawl process, forked before the
# reactor starts, shared by its crawls) or in a thread of the crawl's process (False); either way an item
# is counted once its transaction has committed (crawler/pipelines/store.py). In a thread, the store's
# Python shares the reactor's GIL, and the crawl process is then the bottleneck whatever the parser
# costs: in a thread a full crawl of 3,000 documents took 4-15% longer on SQLite, 36-56% longer on
# PostgreSQL (docs/benchmarks.md, session 34).
XXGK_STORE_PROCESS = True
# Documents a store transaction holds at most (crawler/pipelines/store.py). More cost less store CPU a
# document (32 against 8: -16% on SQLite, -17% of a PostgreSQL crawl's wall time, docs/benchmarks.md);
# a SIGKILL loses the group being written, which the next run fetches again.
XXGK_STORE_GROUP = 32
# Seconds an item may wait for others before the store writes it, so that one transaction holds up to
# XXGK_STORE_GROUP documents (PostgreSQL's `commit_delay`, for the same reason): a commit per two or three
# documents, as items arrive in a fast crawl, cost a quarter more store CPU per new document than
# groups of eight (docs/benchmarks.md). 0 writes an item arriving at an idle writer at once.
XXGK_STORE_LINGER = 0.05
# Allocations between two collections of the youngest generation while a crawl runs (Python's default:
# 700), with what the process imported frozen (crawler/extensions/collector.py); 0 leaves it alone.
XXGK_GC_THRESHOLD = 10_000
# Ask for details the archive holds with If-Modified-Since / If-None-Match (a 304 is a capture).
XXGK_CONDITIONAL = True
# Incremental mode revisits 1/N of the known details each night, so all are rechecked every N nights.
XXGK_REVISIT_CYCLE = 7
# Which night's slice to revisit (default: today's date); tests and backfills set it.
XXGK_NIGHT = None
# Skip details an interrupted run of the same site already stored (crawler/middlewares/resume.py).
XXGK_RESUME = True
# Sites behind a JavaScript challenge (a spider's `browser = True` turns this on, crawler/browser.py):
# Chromium's path (None: /usr/bin/chromium), browser solves per run, and retries of a challenged request.
XXGK_BROWSER_CHALLENGES = False
XXGK_BROWSER_PATH = None
XXGK_CHALLENGE_MAX_SOLVES = 10
XXGK_CHALLENGE_MAX_RETRIES = 3

# Read from the environment only, outside Scrapy's settings: XXGK_CLOCK (archive/clock.py, the
# simulated night), XXGK_SPIDER_MODULES (crawler/runner.py, spiders outside the project),
# XXGK_SITES_DIRS (crawler/sites.py, directories of TOML site declarations), XXGK_SCHEDULE (the
# schedule file of `xxgk schedule`, cli/schedule_commands.py), XXGK_SERVE_TOKEN (the token that
# allows state changes through `xxgk serve`, cli/serve_command.py) and XXGK_SEARCH_INDEX (the directory
# of the tantivy search side index, archive/search/side.py: beside a SQLite file by default; set it for
# a PostgreSQL deployment; `off` searches the database's own index only) and XXGK_SQLITE_CACHE_MIB
# (archive/db.py: each SQLite connection's page cache, 64 MiB by default; more for a million documents).
