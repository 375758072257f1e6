"""Run the page parser on each fetched page; navigation never parses, storage never fetches.

Parsing is the crawl's heaviest CPU work and Scrapy's reactor runs on one core, so by default the
parser runs in a worker process (`crawler.workers`, `XXGK_PARSE_PROCESSES`, 0 = in the reactor's
thread) while the reactor keeps downloading and storing. The parser is a pure function of (html, url,
hints), which is what makes moving it to another process safe.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from crawler.extraction import parse_page
from crawler.extraction.hints import ExtractionHints
from crawler.extraction.page import ParsedPage
from crawler.items import FetchedPage
from crawler.workers import ParseWorkers

logger = logging.getLogger(__name__)


class ExtractPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.workers = ParseWorkers.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.workers.open()

    def close_spider(self) -> None:
        self.workers.close()

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        if not isinstance(item, FetchedPage) or item.parsed is not None or not item.body:
            return item
        if item.redirected_to:  # the home page stands in for a deleted document: nothing to parse
            item.parsed = ParsedPage(url=item.url, page_type="other", other_reason="soft_404")
            return item
        hints = getattr(self.crawler.spider, "hints", None) or ExtractionHints()
        charset = _header_charset(item.headers.get("Content-Type", ""))
        try:
            item.parsed = await self.workers.run(
                parse_page, item.body, item.url, hints, header_charset=charset
            )
        except Exception as exc:  # a page the parser cannot read is still archived, raw, as an error
            logger.error("cannot parse %s: %s: %s", item.url, type(exc).__name__, exc)
            self.crawler.stats.inc_value("xxgk/parse_error")
            item.error = f"parse failed: {type(exc).__name__}: {exc}"[:500]
        return item


def _header_charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None
