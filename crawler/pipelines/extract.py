"""Run the page parser on each fetched page; navigation never parses, storage never fetches.

Parsing is the crawl's heaviest CPU work and Scrapy's reactor runs on one core, so by default the
parser runs in a worker process (`crawler.workers`, `XXGK_PARSE_PROCESSES`, 0 = in the reactor's
thread) while the reactor keeps downloading and storing. The parser is a pure function of (html, url,
hints), which is what makes moving it to another process safe.

This pipeline is also the one place where the parser's result becomes the archive's record
(`page_content`), and where the crawler's facts about a fetch are settled before the store sees them:
its time (`fetched_at`, from the archive's clock) and whether it ended on the site's home page.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.crawler import Crawler

from archive import clock
from archive.records import AttachmentLink, DocumentFields, PageContent
from crawler.extraction import parse_page
from crawler.extraction.hints import ExtractionHints
from crawler.extraction.page import ParsedPage
from crawler.extraction.pagetype import is_home_url
from crawler.items import FetchedPage
from crawler.workers import ParseWorkers

logger = logging.getLogger(__name__)


class ExtractPipeline:
    # The pure function the worker runs on each page (a benchmark's bound swaps it: bench/bounds.py).
    parser = staticmethod(parse_page)

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.workers = ParseWorkers.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.workers.open()

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        if not isinstance(item, FetchedPage):
            return item
        if item.fetched_at is None:  # the first pipeline sees the item as the spider yields it
            item.fetched_at = clock.now()
        if ended_on_home_page(item):
            # How many CMSs answer a deleted document: recorded at the URL asked for, nothing to parse.
            item.url, item.redirected_to = item.requested_url or item.url, item.url
            return item
        if item.content is not None or not item.body:
            return item
        hints = getattr(self.crawler.spider, "hints", None) or ExtractionHints()
        charset = _header_charset(item.headers.get("Content-Type", ""))
        try:
            parsed = await self.workers.run(self.parser, item.body, item.url, hints, header_charset=charset)
            item.content = page_content(parsed)
        except Exception as exc:  # a page the parser cannot read is still archived, raw, as an error
            logger.error("cannot parse %s: %s: %s", item.url, type(exc).__name__, exc)
            self.crawler.stats.inc_value("xxgk/parse_error")
            item.error = f"parse failed: {type(exc).__name__}: {exc}"[:500]
        return item


def page_content(parsed: ParsedPage) -> PageContent:
    """The parser's result as the archive's record: the one mapping between the two."""
    return PageContent(
        page_type=parsed.page_type,  # type: ignore[arg-type]
        other_reason=parsed.other_reason,
        fields=DocumentFields.from_mapping(parsed),
        body=parsed.body,
        search_text=parsed.search_text,
        url_date=parsed.url_date,
        charset=parsed.encoding,
        tables=parsed.tables,
        attachment_links=[AttachmentLink(a["url"], a.get("name")) for a in parsed.attachments],
    )


def ended_on_home_page(item: FetchedPage) -> bool:
    """A document URL answered by a redirect (HTTP or meta refresh) to the same host's home page."""
    asked = item.requested_url
    return (
        item.redirected_to is None
        and asked is not None
        and asked != item.url
        and is_home_url(item.url)
        and urlsplit(asked).hostname == urlsplit(item.url).hostname
    )


def _header_charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None
