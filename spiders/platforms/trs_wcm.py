"""TRS WCM static publishing (the Guizhou 集约化 platform and many provinces').

A column is `<col>/index.html` then `<col>/index_1.html` … `index_<N-1>.html`, where N comes from the
inline `createPageHTML(N, current, "index", "html")`. Items are `div.zfxxgk_zdgkc` or `div.NewsList`
list entries linking to `<col>/<YYYYMM>/t<YYYYMMDD>_<id>.html`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from crawler.extraction.platforms import TRS_WCM_HINTS
from spiders.base import XxgkSpider

PAGE_COUNT = re.compile(r"createPageHTML\(\s*(\d+)\s*,")


class TrsWcmSpider(XxgkSpider):
    platform = "trs_wcm"
    hints = TRS_WCM_HINTS
    columns: ClassVar[tuple[str, ...]] = ()
    # Columns listed on a section page rather than declared: (section path, regex of column paths),
    # e.g. per-year report columns opened anew every year.
    column_sources: ClassVar[tuple[tuple[str, str], ...]] = ()
    # List entries: the link and, beside it, the date the list shows.
    list_entry_xpath: ClassVar[str] = (
        '//div[contains(@class,"zfxxgk_zdgkc")]//ul/li | //div[contains(@class,"NewsList")]//ul/li'
    )
    detail_link_xpath: ClassVar[str] = ".//a[@href][1]"
    list_date_xpath: ClassVar[str] = "normalize-space(.//b | .//span)"
    # Links that are documents; anything else in a list (sub-column links, off-site links) is skipped.
    detail_url_pattern: ClassVar[re.Pattern[str]] = re.compile(r"/t\d{8}_\d+\.s?html?$")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for column in self.columns:
            yield scrapy.Request(
                self.base_url.rstrip("/") + column,
                callback=self.parse_list,
                cb_kwargs={"column": column, "page": 0},
            )
        for section, pattern in self.column_sources:
            yield scrapy.Request(
                self.base_url.rstrip("/") + section,
                callback=self.parse_section,
                cb_kwargs={"pattern": re.compile(pattern)},
            )
        for request in self.revisit_requests():
            yield request

    def parse_section(self, response: Response, pattern: re.Pattern[str]) -> Iterator[scrapy.Request]:
        """The columns a section page links to that match the declared pattern, each walked as a list."""
        found = set()
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href.strip())
            parts = urlsplit(url)
            if parts.hostname in self.hosts and pattern.fullmatch(parts.path):
                found.add(parts.path)
        for column in sorted(found, reverse=True):
            yield scrapy.Request(
                self.base_url.rstrip("/") + column,
                callback=self.parse_list,
                cb_kwargs={"column": column, "page": 0},
            )

    def parse_list(self, response: Response, column: str, page: int) -> Iterator[Any]:
        self.saw_list_page(column)
        details = self.listed_details(response, column)
        news = len(details)
        yield from details
        yield from self.more_list_pages(response, column, page, news)

    def more_list_pages(
        self, response: Response, column: str, page: int, news: int
    ) -> Iterator[scrapy.Request]:
        """Full mode queues every page from the first; incremental mode goes one page further only
        while pages still bring something new (lists are newest first)."""
        match = PAGE_COUNT.search(response.text)
        total = int(match.group(1)) if match else 1
        if self.incremental:
            if not news:
                self.crawler.stats.inc_value("xxgk/incremental_stopped_columns")
                return
            wanted = range(page + 1, min(page + 2, total))
        else:
            wanted = range(1, total) if page == 0 else range(0)
        base = response.url if response.url.endswith("/") else response.url.rsplit("/", 1)[0] + "/"
        for number in wanted:
            yield scrapy.Request(
                f"{base}index_{number}.html",
                callback=self.parse_list,
                cb_kwargs={"column": column, "page": number},
            )
