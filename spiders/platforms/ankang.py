"""The 安康 site group (PLATFORMS.md §3): `Node-<id>.html` lists, `Content-<id>.html` details.

The pager's last link (`div.page a[last()]`, `Node-<id>_<n>.html`) gives the page count, as the group's
known scrapers read it; page n is `Node-<id>_<n>.html`.
"""

from __future__ import annotations

import re

from scrapy.http import Response

from crawler.extraction.platforms import ANKANG_HINTS
from spiders.platforms.paged import PagedListSpider

LAST_PAGE = re.compile(r"_(\d+)\.html$")


class AnkangSpider(PagedListSpider):
    platform = "ankang"
    hints = ANKANG_HINTS
    list_entry_xpath = '//ul[@class="newlist"]/li'
    list_date_xpath = "normalize-space(.//span)"
    detail_url_pattern = re.compile(r"/Content-\d+\.html$")

    def page_count(self, response: Response) -> int:
        last = response.xpath('//div[@class="page"]/a[last()]/@href').get() or ""
        match = LAST_PAGE.search(last)
        return int(match.group(1)) if match else 1

    def page_url(self, column_url: str, number: int) -> str:
        return column_url.removesuffix(".html") + f"_{number}.html"
