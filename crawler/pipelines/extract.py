"""Run the page parser on each fetched page; navigation never parses, storage never fetches."""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawler.extraction import parse_page
from crawler.extraction.hints import ExtractionHints
from crawler.items import FetchedPage


class ExtractPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def process_item(self, item: FetchedPage) -> FetchedPage:
        if isinstance(item, FetchedPage) and item.parsed is None and item.body:
            hints = getattr(self.crawler.spider, "hints", None) or ExtractionHints()
            charset = _header_charset(item.headers.get("Content-Type", ""))
            item.parsed = parse_page(item.body, item.url, hints, header_charset=charset)
        return item


def _header_charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None
