"""One pool of parse workers per site's crawls in a process, shared by the page parser and the
attachment reader.

Parsing a page (lxml, the layout walk) and reading an attachment's text (a long PDF, a ZIP of them) are
the crawl's CPU work. Scrapy's reactor runs on one thread, and the store's writer waits for the pages:
neither must wait while a large PDF is read. So both pipelines hand their
pure functions to the same worker process(es) (`XXGK_PARSE_PROCESSES`, default 1), which keeps one
process's worth of imports and one knob. With `XXGK_PARSE_PROCESSES=0` both run in the reactor's
thread instead: the one-core mode bench/crawl.py measures as full-inline.

The workers are this project's own small pool (`crawler.worker_process` says why not
ProcessPoolExecutor). A worker is forked ahead by the crawl process (`forked_ahead`, before the archive
or the reactor is open), or else started by `spawn` and imports the parser and the command line's main
module before its first page (`crawler.warm_up`; not Scrapy, which it never needs).
`xxgk crawl --nights` runs a crawler per site per night in one process, and a pool per crawler
started 50 workers for ten nights of five sites (half the CPU of the ten-night test, py-spy). So a
site's pool outlives its crawl and serves the site's next night; the pools are shut when the reactor
stops. Sites still have a pool each, so five sites crawled at once
parse on five processes, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from scrapy.crawler import Crawler

from crawler import worker_process
from crawler.warm_up import warm_up
from crawler.worker_process import WorkerProcess, start_soon

T = TypeVar("T")
_BY_SITE: dict[tuple[str, int], ParseWorkers] = {}  # (spider name, processes) → its pool, for the process


class ParseWorkers:
    """A site's worker processes: started by the first call that needs one, kept for the site's next
    crawl in this process, stopped when the reactor stops. A worker that died is replaced at the next
    call, so one file that kills a worker costs that file's page, not the rest of the crawl."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.workers: list[WorkerProcess] = []

    @classmethod
    def of(cls, crawler: Crawler) -> ParseWorkers:
        """The pool of this crawler's site in this process (kept from night to night)."""
        processes = crawler.settings.getint("XXGK_PARSE_PROCESSES")
        key = (str(getattr(crawler.spidercls, "name", "")), processes)
        workers = _BY_SITE.get(key)
        if workers is None:
            workers = _BY_SITE[key] = cls(processes)
        return workers

    def open(self) -> None:
        """Start the workers now, not at the first page: a worker's imports (~1-3 s of CPU) then overlap
        the crawl's first requests (the column lists, which need no parser) instead of holding up the
        first pages while the downloads wait for the parser."""
        if self.processes <= 0:
            return
        _shut_when_the_reactor_stops()
        for worker in self._live():
            start_soon(worker)

    def _live(self) -> list[WorkerProcess]:
        """The pool's workers, those that died replaced by new (not yet started) ones."""
        self.workers = [w for w in self.workers if w.alive]
        while len(self.workers) < self.processes:
            self.workers.append(WorkerProcess(warm_up))
        return self.workers

    def shutdown(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` in a worker (it must be a picklable, pure function), or inline. The call
        goes to the worker holding the fewest calls."""
        if self.processes <= 0:
            return fn(*args, **kwargs)
        worker = min(self._live(), key=lambda w: len(w.pending))
        return await worker.call(fn, *args, **kwargs)


@contextmanager
def forked_ahead(settings: Any, sites: int) -> Iterator[int]:
    """Fork the parse workers of `sites` site pools now, for the pools to take when the crawls open,
    and the store process when the crawls write through one (`XXGK_STORE_PROCESS`); those none took
    are ended when the block ends (a crawl that failed before its reactor ran). To enter before
    anything starts a thread or the reactor (`crawler.runner`). Each is born with what this process
    imported; a spawned one spends about a second of CPU importing the parser (or the archive) first.
    Yields how many parse workers were forked (none when the process already runs threads)."""
    from crawler.pipelines.store import fork_store_ahead

    try:
        forked = worker_process.fork_ahead(settings.getint("XXGK_PARSE_PROCESSES") * sites, warm_up)
        if sites > 0:
            fork_store_ahead(settings)
        yield forked
    finally:
        worker_process.unused_forked()


def shutdown_all() -> None:
    """Stop every pool of this process (the reactor's shutdown, or a caller done crawling), and the
    workers forked ahead that no pool took."""
    for workers in list(_BY_SITE.values()):
        workers.shutdown()
    _BY_SITE.clear()
    worker_process.unused_forked()


_TRIGGER_ADDED = False


def _shut_when_the_reactor_stops() -> None:
    global _TRIGGER_ADDED
    if _TRIGGER_ADDED:
        return
    from twisted.internet import reactor

    reactor.addSystemEventTrigger("before", "shutdown", shutdown_all)  # type: ignore[attr-defined]
    _TRIGGER_ADDED = True
