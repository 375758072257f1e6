"""The modules a crawl imports, for a fork server to import once before it forks crawls.

A crawl needs a process of its own (Twisted's reactor cannot restart), and a fresh interpreter spends
~2 s of CPU importing Scrapy, the spiders, the store and the migrations before its first request: more
than a small site's whole crawl. A fork server that has imported these forks a crawl in a fraction of a
second. The fleet's worker does that for thousands of small crawls a night (crawler/fleet/worker.py,
measured in docs/benchmarks.md, "A fleet"); the test suite does it for every crawl it runs
(tests/forked_cli.py). Nothing here may start a thread or install the reactor at import: a fork must
not inherit either.
"""

from __future__ import annotations

CRAWL_MODULES = [
    "crawler.runner",
    "crawler.sites",
    "crawler.pipelines.extract",
    "crawler.pipelines.attachments",
    "crawler.pipelines.store",
    "crawler.middlewares.resume",
    "crawler.middlewares.faults",
    "crawler.middlewares.replica",
    "crawler.middlewares.host_budget",
    "spiders.platforms.trs_wcm",
    "spiders.platforms.sxjz",
    "spiders.platforms.ankang",
    "spiders.platforms.nfcms",
    "spiders.platforms.discovered",
    "crawler.browser",  # a browser site's handler (Playwright): 0.4 s of a crawl's start otherwise
    "crawler.settings",
    "crawler.extensions",
    "crawler.discovery",
    "archive.migrate",
    "alembic.command",
    "alembic.config",
    "alembic.runtime.migration",
    "mako.template",
    "psycopg",
    "requests",
    "tldextract",
    "warcio",
    "pygments.lexers",
    "scrapy.core.downloader.handlers.http11",
    "scrapy.downloadermiddlewares.cookies",
    "crawler.warmed",  # last: the parser's libraries imported and its label regex built (warm_up.py)
]
