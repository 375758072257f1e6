"""Navigation shared by CMSs whose columns are numbered list pages (page 1 = the column's own URL).

A platform base says where list entries are, which links are documents, how many pages a column has
(`page_count`) and where page n lives (`page_url`); this class walks them in both modes the way
`spiders.platforms.trs_wcm` does for TRS: full mode queues every page from the first, incremental
mode goes one page further only while pages still bring something new (lists are newest first).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from spiders.base import XxgkSpider


class PagedListSpider(XxgkSpider):
    columns: ClassVar[tuple[str, ...]] = ()

    def page_count(self, response: Response) -> int:
        raise NotImplementedError

    def page_url(self, column_url: str, number: int) -> str:
        raise NotImplementedError

    def column_url(self, column: str) -> str:
        return self.base_url.rstrip("/") + column

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for column in self.columns:
            yield self.list_request(column, 1)
        for request in self.revisit_requests():
            yield request

    def list_request(self, column: str, number: int) -> scrapy.Request:
        url = self.column_url(column)
        return scrapy.Request(
            url if number == 1 else self.page_url(url, number),
            callback=self.parse_list,
            cb_kwargs={"column": column, "page": number},
        )

    def parse_list(self, response: Response, column: str, page: int) -> Iterator[Any]:
        self.saw_list_page(column)
        details = self.listed_details(response, column)
        news = len(details)
        yield from details
        total = self.page_count(response)
        if self.incremental:
            if not news:
                self.crawler.stats.inc_value("xxgk/incremental_stopped_columns")
                return
            wanted = range(page + 1, min(page + 1, total) + 1)
        else:
            wanted = range(2, total + 1) if page == 1 else range(0)
        for number in wanted:
            yield self.list_request(column, number)
