"""The garbage collector set for crawls (crawler/extensions/collector.py): frozen and slowed while any
crawl of the process runs, given back as it was when the last one stops.

The extension is Scrapy's own object (`from_crawler` on a crawler with the project's settings); the
engine's start and stop are Scrapy's signals sent through the crawler's own dispatcher. A process runs
one reactor, so two whole crawls cannot run here; what matters is the order of the signals, which this
drives directly (`xxgk crawl --all` sends them in this order for five crawlers at once).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from scrapy import Spider, signals
from scrapy.utils.test import get_crawler

from crawler.extensions.collector import GarbageCollectorTuning
from crawler.runner import project_settings


class _Site(Spider):
    name = "anshun_mzj"


@pytest.fixture
def collector_as_it_was() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    yield before
    gc.unfreeze()
    gc.set_threshold(*before)
    GarbageCollectorTuning.running, GarbageCollectorTuning.saved_threshold = 0, None


def _crawler(**settings: object):  # type: ignore[no-untyped-def]
    # The project's extensions and collector setting (crawler/settings.py); the extensions are built.
    project = project_settings(settings)
    return get_crawler(
        _Site,
        {
            "EXTENSIONS": project.getdict("EXTENSIONS"),
            "XXGK_GC_THRESHOLD": project.getint("XXGK_GC_THRESHOLD"),
            "XXGK_PROGRESS_INTERVAL": 0,
        },
    )


def test_every_crawl_runs_with_the_collector_tuned(collector_as_it_was: tuple[int, int, int]) -> None:
    crawler = _crawler()
    assert any(isinstance(ext, GarbageCollectorTuning) for ext in crawler.extensions.middlewares)


def test_frozen_while_any_crawl_runs_and_given_back_after_the_last(
    collector_as_it_was: tuple[int, int, int],
) -> None:
    before = collector_as_it_was
    first, second = _crawler(), _crawler()
    first.signals.send_catch_log(signals.engine_started)
    assert gc.get_freeze_count() > 1000  # the imports: modules, classes, functions
    assert gc.get_threshold() == (10_000, *before[1:])
    second.signals.send_catch_log(signals.engine_started)
    first.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold()[0] == 10_000, "a crawl still runs"
    assert gc.get_freeze_count() > 1000
    second.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_threshold_of_zero_leaves_the_collector_alone(collector_as_it_was: tuple[int, int, int]) -> None:
    crawler = _crawler(XXGK_GC_THRESHOLD=0)
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold() == collector_as_it_was
    assert gc.get_freeze_count() == 0
    crawler.signals.send_catch_log(signals.engine_stopped)
