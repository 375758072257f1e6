"""Python's cyclic garbage collector set for a crawl: what the process imported frozen, young objects
collected less often.

Why: a crawl process holds several hundred thousand long-lived objects (the modules, classes and
functions of Scrapy, Twisted, SQLAlchemy, lxml; the frontier's URLs) and makes a stream of short-lived
ones (a request, a response, headers, Deferreds for every fetch). With Python's defaults the collector
runs every 700 allocations, and each of its full collections walks every long-lived object again,
though none of them is garbage. Measured (`bench/crawl.py`, 3,000 documents): the collector took
1.10 s of fetch-only's 5.6 s and 2.08 s of the full crawl's 13.6 s. With the imports frozen and
collections every 10,000 allocations: 0.1 and 0.2 s.

`gc.freeze()` moves every object alive when the first crawl of the process starts out of the
collector's sight; reference counting still frees them. The collector is given back as it was when the
last crawl of the process stops (`xxgk crawl --nights` and the fleet's workers run crawl after crawl in
one process), so that cycles made during a crawl are never frozen for good.
"""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.crawler import Crawler


class GarbageCollectorTuning:
    """Freeze on the first crawl's engine start, restore on the last one's stop (`XXGK_GC_THRESHOLD`,
    0 leaves the collector alone)."""

    running = 0  # crawls of this process between their engine's start and stop
    saved_threshold: tuple[int, int, int] | None = None

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GarbageCollectorTuning:
        ext = cls(crawler.settings.getint("XXGK_GC_THRESHOLD"))
        if ext.threshold > 0:
            crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
            crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_started(self) -> None:
        cls = type(self)
        cls.running += 1
        if cls.running > 1:
            return
        # No `gc.collect()` first (a full collection, ~0.1 s a crawl): what start-up left as garbage is
        # frozen with the rest and collected after the last crawl, when everything is unfrozen.
        gc.freeze()
        cls.saved_threshold = gc.get_threshold()
        gc.set_threshold(self.threshold, *cls.saved_threshold[1:])

    def engine_stopped(self) -> None:
        cls = type(self)
        cls.running = max(0, cls.running - 1)
        if cls.running or cls.saved_threshold is None:
            return
        gc.unfreeze()
        gc.set_threshold(*cls.saved_threshold)
        cls.saved_threshold = None
