"""Periodic progress counts for long crawls, from the stats the pipelines keep."""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

logger = logging.getLogger("xxgk.progress")

COUNTERS = ("new_version", "unchanged", "withdrawn", "not_document", "error")


class CrawlProgress:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler, self.interval = crawler, interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        ext = cls(crawler, crawler.settings.getfloat("XXGK_PROGRESS_INTERVAL"))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:  # type: ignore[no-untyped-def]
        self.started = time.monotonic()
        if self.interval > 0:
            self.loop = task.LoopingCall(self.report)
            self.loop.start(self.interval, now=False)

    def spider_closed(self, spider, reason) -> None:  # type: ignore[no-untyped-def]
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.report(final=True)

    def report(self, final: bool = False) -> None:
        stats = self.crawler.stats
        assert stats is not None
        pages = stats.get_value("response_received_count", 0)
        counts = " ".join(f"{name}={stats.get_value(f'xxgk/{name}', 0)}" for name in COUNTERS)
        elapsed = time.monotonic() - self.started
        browser = stats.get_value("xxgk/browser_requests", 0)
        if browser:  # only sites behind a JavaScript challenge use the browser
            counts += f", browser requests: {browser}"
        logger.info(
            "%s %s: %d pages in %.0fs (%.1f/s), documents: %s",
            "done" if final else "progress",
            self.crawler.spider.name if self.crawler.spider else "?",
            pages,
            elapsed,
            pages / elapsed if elapsed else 0.0,
            counts,
        )
