"""Write each fetched page to the archive as one transaction, and keep the run's record."""

from __future__ import annotations

import logging
from datetime import datetime

from scrapy import signals
from scrapy.crawler import Crawler

from archive.db import Archive
from archive.store import VersionStore
from crawler.items import FetchedPage

logger = logging.getLogger(__name__)


class ArchivePipeline:
    def __init__(self, crawler: Crawler, database_url: str | None) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.store: VersionStore | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        pipeline = cls(crawler, crawler.settings.get("XXGK_DATABASE_URL"))
        # The run's outcome needs the finish reason, which only the spider_closed signal carries
        # (a pipeline's close_spider runs before Scrapy records it).
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        assert spider is not None
        self.store = VersionStore(Archive(self.database_url))
        scheduled = self.crawler.settings.get("XXGK_SCHEDULED_FOR")
        self.run_id = self.store.start_run(
            spider.name,
            self.crawler.settings.get("XXGK_MODE", "full"),
            datetime.fromisoformat(scheduled) if scheduled else None,
        )
        self.crawler.stats.set_value("xxgk/run_id", self.run_id)

    def spider_closed(self, spider: object, reason: str) -> None:
        if self.store is None or self.run_id is None:
            return
        summary = {
            k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, int | float | str)
        }
        # Each fetch that failed for good, with its reason (crawler/middlewares/faults.py).
        summary["xxgk/failures"] = list(self.crawler.stats.get_value("xxgk/failures") or [])
        summary["finish_reason"] = reason
        summary["xxgk/columns_declared"] = len(getattr(spider, "columns", ()))
        verdict = self.store.finish_run(
            self.run_id, "finished" if reason == "finished" else "interrupted", summary
        )
        if verdict is not None:
            self.crawler.stats.set_value("xxgk/health", verdict.summary())
            if not verdict.ok:
                logger.warning("%s run %d looks unhealthy: %s", spider, self.run_id, verdict.summary())
        self.store.archive.close()

    def process_item(self, item: FetchedPage) -> FetchedPage:
        assert self.store is not None
        item.run_id = self.run_id
        outcome = self.store.record(item)
        self.crawler.stats.inc_value(f"xxgk/{outcome.kind}")
        return item
