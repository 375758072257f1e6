"""The 晋中 sxjz.gov.cn site group (research/jinzhong.md, PLATFORMS.md §4).

Details are `/<column>/content_<id>` (no extension). A column's first page is the column itself; the
pager (`div.pager`, `1/共N页` as on the group's search pages) gives the page count, and page n is
`list_page` (a declaration setting: the URL scheme of mzj's lists was not observed).
"""

from __future__ import annotations

import re
from typing import ClassVar

from scrapy.http import Response

from crawler.extraction.platforms import SXJZ_HINTS
from spiders.platforms.paged import PagedListSpider

PAGES = re.compile(r"共\s*(\d+)\s*页")


class SxjzSpider(PagedListSpider):
    platform = "sxjz"
    hints = SXJZ_HINTS
    list_entry_xpath = '//ul[contains(@class,"list")]/li'
    list_date_xpath = 'normalize-space(.//span[contains(@class,"date")])'
    detail_url_pattern = re.compile(r"/content_\d+$")
    list_page: ClassVar[str] = "{column}_{n}"  # page n ≥ 2; `column` is the column URL without its final /

    def page_count(self, response: Response) -> int:
        match = PAGES.search(" ".join(response.xpath('//div[@class="pager"]//text()').getall()))
        return int(match.group(1)) if match else 1

    def page_url(self, column_url: str, number: int) -> str:
        return self.list_page.format(column=column_url.rstrip("/"), n=number)
