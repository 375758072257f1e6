"""Politeness per host across the fleet: every request waits for a slot of its host's shared budget.

Scrapy's DOWNLOAD_DELAY and AutoThrottle are per process: N workers crawling sites of one provincial
platform host would hit it N times as often. With `XXGK_HOST_BUDGET` set (requests per second per
host, summed over every worker of the fleet), each request reserves its host's next slot in
PostgreSQL (`archive.host_budget`, one atomic statement) and waits for it without blocking the
reactor; a 429/503, or any answer with `Retry-After`, pauses the host for every worker (`Retry-After`
seconds, capped by XXGK_RETRY_AFTER_MAX, else XXGK_HOST_BACKOFF), and a request that waited past the
start of a pause waits for its end and reserves again.

Why a download handler and not a downloader middleware: a middleware runs before Scrapy's per-domain
slot queue, so requests that had waited their turn could still be held there (CONCURRENT_REQUESTS_PER
_DOMAIN) and leave together, several in one second (measured: 17 in a second on a budget of 10). The
handler runs when the request is about to be sent. Scrapy's own per-process delay and AutoThrottle
stay on in front of it: each process still slows down when its latency grows, and the shared budget
caps the host's total; a request waits for whichever is later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from archive import host_budget
from archive.db import database_url
from crawler.middlewares.connections import keep_a_connection_per_request
from crawler.middlewares.faults import retry_after_seconds

logger = logging.getLogger(__name__)
PAUSE_STATUSES = (429, 503)
DATABASE_PATIENCE = 120.0
# Between the slot (the database's clock) and the server's seeing the request lie the reactor's
# wake-up, a send up to half a slot late, and the network: on a loaded machine two requests can reach
# the server up to JITTER seconds closer together than their slots. B + 1 requests then fit in one
# second when B slots span less than 1 + JITTER, so slots are spaced (1 + JITTER) / B apart: at
# exactly the budget 11 reached the server in a second on a budget of 10, and at 90% of it still 11
# once in the full suite (a 0.11 s squeeze); 0.25 s is 80% of a budget of 10.
JITTER = 0.25


def _reserve_timed(engine: Any, host: str, interval: float) -> tuple[float, float]:
    """The wait for the host's next slot, and when (this process's monotonic clock) it was given."""
    return host_budget.reserve(engine, host, interval), time.monotonic()


async def _sleep(seconds: float) -> None:
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor, task

    await maybe_deferred_to_future(task.deferLater(reactor, max(seconds, 0.0), lambda: None))


class HostBudget:
    """The shared budget as this crawl uses it: reserve a slot and wait, pause a host."""

    def __init__(self, crawler: Crawler, budget: float, database: str) -> None:
        self.crawler = crawler
        self.interval = (1.0 + JITTER) / budget
        self.backoff = crawler.settings.getfloat("XXGK_HOST_BACKOFF")
        self.retry_after_max = crawler.settings.getfloat("XXGK_RETRY_AFTER_MAX")
        # No migration check here: a handler that failed to load (the database restarting) would
        # fail every request of the crawl; the statements wait the database out instead. They run
        # one at a time on a thread of their own (a remote round trip never stalls the reactor), over
        # one connection: a reservation is one short statement, and a crawl's budget allows at most a
        # few dozen a second.
        self.engine = host_budget.budget_engine(database)
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="host-budget")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostBudget | None:
        """None when no budget is set, or (with a warning) when the archive is SQLite: the budget is
        shared through PostgreSQL, and a lone SQLite crawl keeps Scrapy's per-process politeness."""
        budget = crawler.settings.getfloat("XXGK_HOST_BUDGET")
        if budget <= 0:
            return None
        database = database_url(crawler.settings.get("XXGK_DATABASE_URL"))
        if make_url(database).get_backend_name() != "postgresql":
            logger.warning("XXGK_HOST_BUDGET is shared through PostgreSQL; this SQLite crawl ignores it")
            return None
        return cls(crawler, budget, database)

    def _count(self, name: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(name)

    async def _database(self, function: Any, *args: Any) -> Any:
        """A budget statement; while the database is away (a restart) the request waits for it, up
        to DATABASE_PATIENCE seconds, rather than fail."""
        waited = 0.0
        while True:
            try:
                return await asyncio.wrap_future(self.thread.submit(function, self.engine, *args))
            except OperationalError:
                if waited >= DATABASE_PATIENCE:
                    raise
                self._count("xxgk/host_budget_database_waits")
                await _sleep(2.0)
                waited += 2.0

    async def wait_for_slot(self, host: str) -> None:
        """Reserve the host's next slot and wait for it. A request that reaches its send late (the
        reactor was busy parsing, the process starved of CPU) has lost its slot: sending then would
        bunch several requests into one second, so it reserves again; as does one that waited into
        a pause."""
        while True:
            wait, reserved_at = await self._database(_reserve_timed, host, self.interval)
            due = reserved_at + wait
            if wait > 0:
                self._count("xxgk/host_budget_waits")
                await _sleep(due - time.monotonic())
                paused = await self._database(host_budget.paused_for, host)
                if paused > 0:
                    await _sleep(paused)
                    continue
            if time.monotonic() - due < self.interval / 2:
                return
            self._count("xxgk/host_budget_late")

    async def after(self, host: str, status: int, retry_after: str | bytes | None) -> None:
        """Pause the host for every worker when its answer says so (a 429/503, or `Retry-After`)."""
        asked = retry_after_seconds(retry_after)
        if status in PAUSE_STATUSES or asked:
            seconds = min(asked, self.retry_after_max) if asked else self.backoff
            logger.info("HTTP %d from %s: pausing the host %.0fs for every worker", status, host, seconds)
            self._count("xxgk/host_budget_pauses")
            await self._database(host_budget.pause, host, seconds, self.interval)

    async def send(self, request: Request, download: Callable[[Request], Awaitable[Response]]) -> Response:
        """`download(request)` in a slot of the request's host, then the host paused if it asks."""
        host = urlsplit(request.url).hostname
        if not host:
            return await download(request)
        await self.wait_for_slot(host)
        response = await download(request)
        await self.after(host, response.status, response.headers.get("Retry-After"))
        return response

    def close(self) -> None:
        self.thread.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


class BudgetedDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, each request sent in a slot of its host's fleet budget (when
    XXGK_HOST_BUDGET is set; otherwise exactly Scrapy's handler)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        keep_a_connection_per_request(self._pool, crawler.settings)
        self.budget = HostBudget.from_crawler(crawler)

    async def download_request(self, request: Request) -> Response:
        if self.budget is None:
            return await super().download_request(request)
        return await self.budget.send(request, super().download_request)

    async def close(self) -> None:
        if self.budget is not None:
            self.budget.close()
        await super().close()
