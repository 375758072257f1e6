"""Politeness per host across the fleet: every request waits for a slot of its host's shared budget.

Scrapy's DOWNLOAD_DELAY and AutoThrottle are per process: N workers crawling sites of one provincial
platform host would hit it N times as often. With `XXGK_HOST_BUDGET` set (requests per second per
host, summed over every worker of the fleet), this downloader middleware reserves the host's next
slot in PostgreSQL (`archive.host_budget`, one atomic statement) before each request leaves and waits
for it without blocking the reactor; a 429/503, or any answer with `Retry-After`, pauses the host for
every worker (`Retry-After` seconds, capped by XXGK_RETRY_AFTER_MAX, else XXGK_HOST_BACKOFF).

It sits at 600, after the retry middleware (550) on the way out, so a retried request takes a slot
again, and before it on the way back, so the pause is set before the retry is scheduled. Scrapy's own
per-process delay and AutoThrottle stay on: each process still slows down when the server's latency
grows, and the shared budget caps the host's total. The wait a request sees is whichever is longer.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from archive import host_budget
from archive.db import Archive
from crawler.middlewares.faults import retry_after_seconds

logger = logging.getLogger(__name__)
PAUSE_STATUSES = (429, 503)


class HostBudgetMiddleware:
    def __init__(self, crawler: Crawler, budget: float) -> None:
        self.crawler = crawler
        self.interval = 1.0 / budget
        self.backoff = crawler.settings.getfloat("XXGK_HOST_BACKOFF")
        self.retry_after_max = crawler.settings.getfloat("XXGK_RETRY_AFTER_MAX")
        self.archive = Archive(crawler.settings.get("XXGK_DATABASE_URL"))
        if self.archive.engine.dialect.name != "postgresql":
            self.archive.close()
            raise NotConfigured("XXGK_HOST_BUDGET is shared through PostgreSQL; SQLite crawls keep Scrapy's")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostBudgetMiddleware:
        budget = crawler.settings.getfloat("XXGK_HOST_BUDGET")
        if budget <= 0:
            raise NotConfigured("no fleet budget per host")
        return cls(crawler, budget)

    async def _in_thread(self, function: Any, *args: Any) -> Any:
        """The statement in Twisted's thread pool: a remote database's round trip never stalls the
        reactor's other requests."""
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import threads

        return await maybe_deferred_to_future(threads.deferToThread(function, *args))

    async def process_request(self, request: Request, spider: Any = None) -> None:
        host = urlsplit(request.url).hostname
        if not host:
            return
        wait = await self._in_thread(host_budget.reserve, self.archive.engine, host, self.interval)
        if wait > 0:
            from scrapy.utils.defer import maybe_deferred_to_future
            from twisted.internet import reactor, task

            self.crawler.stats.inc_value("xxgk/host_budget_waits")  # type: ignore[union-attr]
            await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        if response.status in PAUSE_STATUSES or retry_after:
            seconds = min(retry_after, self.retry_after_max) if retry_after else self.backoff
            host = urlsplit(request.url).hostname or ""
            logger.info(
                "HTTP %d from %s: pausing the host %.0fs for every worker", response.status, host, seconds
            )
            self.crawler.stats.inc_value("xxgk/host_budget_pauses")  # type: ignore[union-attr]
            await self._in_thread(host_budget.pause, self.archive.engine, host, seconds, self.interval)
        return response

    def close(self) -> None:
        self.archive.close()
