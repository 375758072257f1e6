"""Write each fetched page to the archive as one transaction, and keep the run's record.

The store writes off the reactor's thread, one transaction after another (one writer per crawl
process, shared by every crawl in it), so the reactor keeps downloading while a transaction runs. By
default (`XXGK_STORE_PROCESS`) the writer is a process of its own, forked before the reactor starts
and spoken to through pipes as the parse workers are: in a thread, the store's Python took the GIL from
the reactor, and the crawl process was the bottleneck whatever the parser cost (`bench/crawl.py
--extra bound-no-parse`: 0.38× fetch-only without any parsing, 0.56× with the store in its process;
docs/benchmarks.md). `XXGK_STORE_PROCESS=False` keeps the thread. An item is passed on, and counted, only
once its transaction committed, so what a crash can lose is what it could lose before: documents not
yet acknowledged, which the next run fetches again (the resume logic reads the archive's captures).

Items that arrive while a transaction is being written wait for it and are then written together, in
one transaction (`VersionStore.record_many`, at most `XXGK_STORE_GROUP`, 32): a commit per document was
a third of the store's CPU, and groups of 32 cost 16% less store CPU a new document than groups of 8,
17% less wall time for a PostgreSQL crawl, whose store waits for a round trip per statement. Nothing is acknowledged before the commit that holds it, so a SIGKILL still loses
only documents not yet acknowledged. A group is also waited for: before a transaction the writer
lingers until a whole group waits or the oldest has waited `XXGK_STORE_LINGER` seconds (what
PostgreSQL's `commit_delay` does for its WAL flushes). Without it a fast crawl's items reach a writer
that has just finished, two or three at a time, and each of those small transactions pays a whole
commit; a slow crawl's item waits that long and is written alone, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy.exc import OperationalError

from archive.db import shared_archive
from archive.records import FetchedPage as Page
from archive.search import side
from archive.store import Outcome, VersionStore
from crawler.items import FetchedPage
from crawler.worker_process import WorkerProcess, fork_ahead, start_soon

logger = logging.getLogger(__name__)
DATABASE_PATIENCE = 120.0  # seconds a write waits for a restarting PostgreSQL


class ArchivePipeline:
    def __init__(
        self, crawler: Crawler, database_url: str | None, linger: float = 0.0, group_max: int = 32
    ) -> None:
        self.crawler = crawler
        self.group_max = group_max  # XXGK_STORE_GROUP: documents a transaction at most
        self.database_url = database_url
        self.linger = linger  # XXGK_STORE_LINGER (see the module docstring)
        self.store: VersionStore | None = None
        self.run_id: int | None = None
        self.writer: ThreadPoolExecutor | None = None
        self.process: WorkerProcess | None = None  # XXGK_STORE_PROCESS: the store's own process
        # Items waiting for the transaction being written, with the loop's time each arrived, and whether
        # one is being written (see the module docstring); `filled` is set when a whole group waits.
        self.waiting: list[tuple[FetchedPage, asyncio.Future[Outcome], float]] = []
        self.filled: asyncio.Event | None = None
        self.writing = False
        self.writing_task: asyncio.Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        settings = crawler.settings
        pipeline = cls(
            crawler,
            settings.get("XXGK_DATABASE_URL"),
            settings.getfloat("XXGK_STORE_LINGER"),
            max(1, settings.getint("XXGK_STORE_GROUP")),
        )
        # The run's outcome needs the finish reason, which only the spider_closed signal carries
        # (a pipeline's close_spider runs before Scrapy records it).
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        assert spider is not None
        self.store = VersionStore(shared_archive(self.database_url))
        scheduled = self.crawler.settings.get("XXGK_SCHEDULED_FOR")
        self.run_id = self.store.start_run(
            spider.name,
            self.crawler.settings.get("XXGK_MODE"),
            datetime.fromisoformat(scheduled) if scheduled else None,
        )
        self.crawler.stats.set_value("xxgk/run_id", self.run_id)
        if self.crawler.settings.getbool("XXGK_STORE_PROCESS"):
            self.process = shared_store_process()
        else:
            self.writer = _shared_writer()

    def spider_closed(self, spider: object, reason: str) -> None:
        self.process = None  # shared by the process's crawls: stopped with the reactor
        self.writer = None
        if self.store is None or self.run_id is None:
            return
        summary = {
            k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, int | float | str)
        }
        # Each fetch that failed for good, with its reason (crawler/middlewares/faults.py).
        summary["xxgk/failures"] = list(self.crawler.stats.get_value("xxgk/failures") or [])
        summary["finish_reason"] = reason
        summary["xxgk/columns_declared"] = len(getattr(spider, "columns", ()))
        verdict = self._finish_run("finished" if reason == "finished" else "interrupted", summary)
        if verdict is not None:
            self.crawler.stats.set_value("xxgk/health", verdict.summary())
            if not verdict.ok:
                logger.warning("%s run %d looks unhealthy: %s", spider, self.run_id, verdict.summary())
        # What the crawl stored is searchable in the side index before the crawl ends (each search
        # would catch up anyway); a busy or missing index is left to the next search, never an error.
        with self.store.archive.engine.connect() as conn:
            why = side.try_catch_up(conn)
            conn.commit()
        if why:
            logger.info("search side index not caught up at the crawl's end: %s", why)

    def _finish_run(self, status: str, summary: dict) -> object:
        """Close the run's record, waiting for a restarting PostgreSQL as the writes do (the crawl is
        over: blocking here holds nothing up)."""
        assert self.store is not None and self.run_id is not None
        waited = 0.0
        while True:
            try:
                return self.store.finish_run(self.run_id, status, summary)
            except OperationalError:
                if self.store.archive.engine.dialect.name != "postgresql" or waited >= DATABASE_PATIENCE:
                    raise
                time.sleep(2.0)
                waited += 2.0

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        assert self.store is not None and (self.writer or self.process) is not None
        item.run_id = self.run_id
        loop = asyncio.get_running_loop()
        acknowledged: asyncio.Future[Outcome] = loop.create_future()
        self.waiting.append((item, acknowledged, loop.time()))
        if len(self.waiting) >= self.group_max and self.filled is not None:
            self.filled.set()
        if not self.writing:
            self.writing = True
            self.writing_task = asyncio.ensure_future(self._write_waiting())
        outcome = await acknowledged
        self.crawler.stats.inc_value(f"xxgk/{outcome.kind}")
        return item

    async def _write_waiting(self) -> None:
        """Write what waits, a group per transaction, until nothing does; each item's future is settled
        with its outcome (or its error) once its transaction committed."""
        try:
            while self.waiting:
                if self.linger > 0 and len(self.waiting) < self.group_max:
                    await self._linger()
                group, self.waiting = self.waiting[: self.group_max], self.waiting[self.group_max :]
                self.crawler.stats.inc_value("xxgk/store_transactions")  # documents / this: the group size
                try:
                    results = await self._write([item for item, _, _ in group])
                except Exception as exc:  # the writer itself failed (its process died)
                    results = [exc] * len(group)
                for (_, acknowledged, _), result in zip(group, results, strict=True):
                    if acknowledged.done():  # its crawl was cancelled meanwhile
                        continue
                    if isinstance(result, Exception):
                        acknowledged.set_exception(result)
                    else:
                        acknowledged.set_result(result)
        finally:
            self.writing = False

    async def _linger(self) -> None:
        """Wait until a whole group waits, or the oldest waiting item has waited `linger` seconds."""
        remaining = self.waiting[0][2] + self.linger - asyncio.get_running_loop().time()
        if remaining <= 0:
            return
        if self.filled is None:
            self.filled = asyncio.Event()
        self.filled.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.filled.wait(), remaining)

    async def _write(self, pages: list[Page]) -> list[Outcome | Exception]:
        """`record_many` on the writer. PostgreSQL restarting (a fleet's archive) fails a transaction
        with OperationalError: its pages are written again once the server is back, for up to
        DATABASE_PATIENCE seconds; a write whose commit was lost with the connection is found again as
        the same version (an `unchanged` capture, never a second version). SQLite's errors are not
        waited for."""
        assert self.store is not None
        results: dict[int, Outcome | Exception] = {}
        todo = list(range(len(pages)))
        waited = 0.0
        while True:
            group = [pages[i] for i in todo]
            if self.process is not None:
                self.process = shared_store_process()  # a new one if the last died
                written = await self.process.call(_record_many, self.database_url, group)
            else:
                assert self.writer is not None
                written = await asyncio.wrap_future(self.writer.submit(self.store.record_many, group))
            results.update(zip(todo, written, strict=True))
            todo = [i for i in todo if isinstance(results[i], OperationalError)]
            postgresql = self.store.archive.engine.dialect.name == "postgresql"
            if not todo or not postgresql or waited >= DATABASE_PATIENCE:
                return [results[i] for i in range(len(pages))]
            self.crawler.stats.inc_value("xxgk/store_database_waits")
            await asyncio.sleep(2.0)
            waited += 2.0


_WRITER: ThreadPoolExecutor | None = None


def _shared_writer() -> ThreadPoolExecutor:
    """The process's one writer thread, shared by every crawl in it (`xxgk crawl --all` runs five):
    their transactions run one after another as they did on the reactor's thread. Two writer threads
    would race on SQLite (a transaction that read before another committed cannot then write: "database
    is locked" at once, whatever the busy timeout) for no gain, as SQLite writes one at a time anyway."""
    global _WRITER
    if _WRITER is None:
        _WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xxgk-store")
    return _WRITER


_STORE_PROCESS: WorkerProcess | None = None
_TRIGGER_ADDED = False


def shared_store_process() -> WorkerProcess:
    """The process's one store process (XXGK_STORE_PROCESS), shared by every crawl in it for the reason
    the writer thread is (`_shared_writer`): SQLite takes one writer at a time, and two processes'
    transactions would fail each other's lock upgrades. Spoken to through pipes by the event loop, as
    the parse workers are (crawler/worker_process.py); one forked ahead by the crawl process
    (`fork_store_ahead`) is taken first, born with the archive's imports. Stopped when the reactor stops:
    every item was awaited by then."""
    global _STORE_PROCESS, _TRIGGER_ADDED
    if _STORE_PROCESS is None or not _STORE_PROCESS.alive:
        _STORE_PROCESS = WorkerProcess(_store_process_start)
        start_soon(_STORE_PROCESS)  # its start overlaps the crawl's first lists
        if not _TRIGGER_ADDED and "twisted.internet.reactor" in sys.modules:  # never install one here
            from twisted.internet import reactor

            reactor.addSystemEventTrigger("before", "shutdown", stop_store_process)  # type: ignore[attr-defined]
            _TRIGGER_ADDED = True
    return _STORE_PROCESS


def stop_store_process() -> None:
    """End the shared store process (the reactor's shutdown: every item was awaited by then)."""
    global _STORE_PROCESS
    if _STORE_PROCESS is not None:
        _STORE_PROCESS.stop()
        _STORE_PROCESS = None


def fork_store_ahead(settings: Any) -> None:
    """Fork the store process now (`worker_process.fork_ahead`: one thread, no reactor yet), when the
    crawl will use one: a spawned one spends ~0.8 s of CPU importing SQLAlchemy and the archive."""
    if settings.getbool("XXGK_STORE_PROCESS"):
        fork_ahead(1, _store_process_start)


# The store process's stores: one per crawl run, as each crawl had its own in a thread (a store caches
# what its transactions learnt, e.g. each URL's row id); the least recently used dropped past a few
# crawls at once (a dropped one's crawl gets a new store, which learns again).
_STORES: OrderedDict[tuple[str | None, int | None], VersionStore] = OrderedDict()
_STORES_KEPT = 16


def _store_process_start() -> None:
    """The store process's initializer: nothing to do, since each run's store is opened at its first
    write (`_record_many`). Its identity is what `fork_ahead` files the forked process under, for
    `shared_store_process` to take. (Ctrl-C reaches the whole process group; the worker's loop ignores
    SIGINT, so the documents in flight are still written: crawler/worker_process.py.)"""


def _record_many(database_url: str | None, pages: list[Page]) -> list[Outcome | Exception]:
    """`VersionStore.record_many` in the store process, with the store of the pages' crawl run."""
    key = (database_url, pages[0].run_id if pages else None)
    store = _STORES.get(key)
    if store is None:
        store = _STORES[key] = VersionStore(shared_archive(database_url))
        while len(_STORES) > _STORES_KEPT:
            _STORES.popitem(last=False)
    _STORES.move_to_end(key)
    return store.record_many(pages)
