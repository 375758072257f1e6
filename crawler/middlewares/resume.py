"""Resume an interrupted crawl: skip the details the cut-off run already stored.

The state lives in the archive, not in Scrapy's JOBDIR: a run that was killed (SIGKILL, power loss)
left its captures behind, each committed with its document. The next run of the same site and mode
walks the lists again (cheap, and they may have changed) but does not fetch again a detail that the
interrupted run (or a chain of interrupted runs) already captured. Failed fetches are retried.
It is a spider middleware so that a skipped detail simply never becomes a request: a downloader
middleware would have to raise IgnoreRequest, which the spider's errback would record as a failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler

from archive.db import shared_archive
from archive.queries import resumable_captures

DETAIL = "xxgk_detail"  # Request.meta key set by XxgkSpider.detail_request


class ResumeMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.done: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResumeMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Any) -> None:
        stats = self.crawler.stats
        assert stats is not None
        run_id = stats.get_value("xxgk/run_id")  # set by ArchivePipeline.open_spider, which runs first
        if run_id is None or not self.crawler.settings.getbool("XXGK_RESUME"):
            return
        with shared_archive(self.crawler.settings.get("XXGK_DATABASE_URL")).session() as s:
            runs, self.done = resumable_captures(s, spider.name, getattr(spider, "mode", "full"), run_id)
        if runs:
            stats.set_value("xxgk/resumed_from", ",".join(map(str, runs)))
            spider.logger.info(
                "resuming interrupted run(s) %s: %d details already stored", runs, len(self.done)
            )

    def _keep(self, item: Any) -> bool:
        if isinstance(item, Request) and item.meta.get(DETAIL) and item.url in self.done:
            self.crawler.stats.inc_value("xxgk/resume_skipped")  # type: ignore[union-attr]
            return False
        return True

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterable[Any]:
        return (item for item in result if self._keep(item))

    async def process_spider_output_async(
        self, response: Any, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for item in result:
            if self._keep(item):
                yield item
