"""One pool of parse workers per crawl, shared by the page parser and the attachment reader.

Parsing a page (lxml, the layout walk) and reading an attachment's text (pypdf is pure Python) are the
crawl's CPU work. Scrapy's reactor runs on one thread, and the store writes each document in one
transaction on that thread: neither must wait while a large PDF is read. So both pipelines hand their
pure functions to the same worker process(es) (`XXGK_PARSE_PROCESSES`, default 1), which keeps one
process's worth of imports and one knob. With `XXGK_PARSE_PROCESSES=0` both run in the reactor's
thread instead: the one-core mode bench/crawl.py measures as full-inline.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, TypeVar

from scrapy.crawler import Crawler

T = TypeVar("T")
_BY_CRAWLER: weakref.WeakKeyDictionary[Crawler, ParseWorkers] = weakref.WeakKeyDictionary()


def warm_up() -> None:
    """Import the parser (lxml, trafilatura) and the PDF reader once per worker, not on first use."""
    import pypdf  # noqa: F401

    import archive.attachment_text  # noqa: F401
    import crawler.extraction.page  # noqa: F401


class ParseWorkers:
    """The crawl's worker pool, opened by the first pipeline that needs it and shut by the last."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.pool: Executor | None = None
        self._users = 0

    @classmethod
    def of(cls, crawler: Crawler) -> ParseWorkers:
        """The pool of this crawler (one per crawl, as `xxgk crawl --nights` runs several crawlers)."""
        workers = _BY_CRAWLER.get(crawler)
        if workers is None:
            workers = _BY_CRAWLER[crawler] = cls(crawler.settings.getint("XXGK_PARSE_PROCESSES"))
        return workers

    def open(self) -> None:
        self._users += 1
        if self.processes > 0 and self.pool is None:
            # spawn, not fork: forking a process that runs a reactor and a thread pool is unsafe.
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(self.processes, mp_context=context, initializer=warm_up)

    def close(self) -> None:
        self._users -= 1
        if self._users <= 0 and self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` in a worker (it must be a picklable, pure function), or inline."""
        if self.pool is None:
            return fn(*args, **kwargs)
        return await asyncio.wrap_future(self.pool.submit(fn, *args, **kwargs))
