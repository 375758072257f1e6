"""Columns given by URL and walked by discovery's rules (`xxgk crawl --column URL`): no declaration.

Each column is read the way `xxgk discover` reads it (crawler/discovery/): its first page's readings of
the pagination, page 2 to confirm one and to tell the list from chrome (a single-page column is
compared with one of its detail pages instead), then the remaining pages. Everything after the list
is what a declared site gets from `XxgkSpider`: details fetched conditionally, incremental mode, the
recheck of unlisted documents (withdrawals), host confinement, politeness, the coverage ledger.

Incremental mode walks a column's pages in turn only while a page brings something new, as the
declared platforms do; page 2 is always fetched, because it is what tells the list from chrome.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from crawler.discovery.apis import api_items, api_request, every_page
from crawler.discovery.items import ListChoice, ListItem, PageGroups, choose_list, items_in, page_groups
from crawler.discovery.pagination import Pager, as_given, find_pagers, next_link
from crawler.discovery.probe import Captured, endpoint_reading, probe_request
from crawler.discovery.spider import second_page_verdict
from crawler.extraction.dom import parse_html
from crawler.sites import column_key
from spiders.base import XxgkSpider


@dataclass
class ColumnWalk:
    """One column's walk: what its first page said and which reading holds."""

    url: str
    column: str  # the path the coverage ledger counts pages under
    first: PageGroups | None = None
    readings: list[Pager] = field(default_factory=list)
    pager: Pager | None = None
    choice: ListChoice | None = None
    seen_pages: set[frozenset[str]] = field(default_factory=set)
    captured: Captured | None = None  # what the browser saw, once the page was probed
    page: Response | None = None  # the column page as fetched, for the browser's probe


class DiscoveredColumnsSpider(XxgkSpider):
    """The platform `discovered`: TOML sites that list `column_urls`, and the site `xxgk crawl --column`
    makes (`crawler.sites.column_site`)."""

    platform = "discovered"
    column_urls: ClassVar[tuple[str, ...]] = ()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.column_urls:
            walk = ColumnWalk(url, column_key(url))
            yield scrapy.Request(url, callback=self.parse_first, cb_kwargs={"walk": walk}, dont_filter=True)
        for request in self.revisit_requests():
            yield request

    def parse_first(self, response: Response, walk: ColumnWalk) -> Iterator[scrapy.Request]:
        if response.status >= 400 or not hasattr(response, "text"):
            self.logger.warning("column %s answered HTTP %s", walk.url, response.status)
            return
        self.saw_list_page(walk.column)
        walk.page = response
        root = parse_html(response.text)
        walk.first = page_groups(root, response.url)
        walk.readings = find_pagers(root, response.text, as_given(walk.url, response.url))
        if walk.readings[0].kind == "list_api":  # the list's own data: no chrome to tell apart
            yield from self._try(walk, 0)
            return
        if not walk.first.groups:  # a shell: the list, if any, comes from its scripts
            yield from self._probe(walk)
            return
        yield from self._try(walk, 0)

    def _try(self, walk: ColumnWalk, index: int) -> Iterator[scrapy.Request]:
        assert walk.first is not None
        pager = walk.readings[index]
        if pager.kind == "list_api":
            yield api_request(
                pager.pages[0], pager, callback=self.parse_api_first, cb_kwargs={"walk": walk, "index": index}
            )
            return
        if len(pager.pages) < 2:
            if not walk.first.groups:
                yield from self._probe(walk)
                return
            biggest = max(walk.first.groups.values(), key=len)
            yield scrapy.Request(
                biggest[0].url, callback=self.parse_one_page_column,
                cb_kwargs={"walk": walk, "pager": pager}, dont_filter=True,
            )  # fmt: skip
            return
        yield scrapy.Request(
            pager.pages[1], callback=self.parse_second,
            cb_kwargs={"walk": walk, "index": index}, dont_filter=True,
        )  # fmt: skip

    def parse_one_page_column(self, response: Response, walk: ColumnWalk, pager: Pager) -> Iterator[Any]:
        """A column of one page: a detail page of the site shows what is chrome."""
        assert walk.first is not None
        others = [page_groups(parse_html(response.text), response.url)] if response.status < 400 else []
        choice = choose_list(walk.first, others)
        if choice.region is None:  # every dated group is chrome: the list comes from the page's scripts
            yield from self._probe(walk)
            return
        self._settle(walk, pager, choice)
        details = self._details(walk, choice.items)
        held = self._held_detail(response, details)
        # The detail that showed the chrome is one of the column's: kept, not asked for again.
        if held is not None:
            self.requested.add(held.url)
            self.crawler.stats.inc_value("xxgk/details_reused")
            details.remove(held)
            yield from self.parse_detail(response)
        yield from details

    @staticmethod
    def _held_detail(response: Response, details: list[scrapy.Request]) -> scrapy.Request | None:
        """The detail request `response` already answers: same URL, not redirected, a whole page."""
        if response.status != 200 or response.request is None or response.request.meta.get("redirect_urls"):
            return None
        return next((r for r in details if r.url == response.url), None)

    def _probe(self, walk: ColumnWalk) -> Iterator[scrapy.Request]:
        """Once per column: load its page in Chromium and look for the list endpoint its scripts call."""
        if walk.captured is not None:
            self.logger.warning("column %s: no list on the page or from its scripts", walk.url)
            self.crawler.stats.inc_value("xxgk/columns_without_list")
            return
        walk.captured = Captured()
        self.crawler.stats.inc_value("xxgk/browser_probes")
        yield probe_request(walk.url, self.parse_probe, walk.captured, walk.page, walk=walk)

    def parse_probe(self, response: Response, walk: ColumnWalk) -> Iterator[Any]:
        assert walk.captured is not None
        reading = endpoint_reading(walk.captured, urlsplit(walk.url).hostname)
        if reading is None:
            yield from self._probe(walk)  # logs that there is no list
            return
        self.logger.info("column %s: %s", walk.url, reading.evidence)
        walk.readings.append(reading)
        index = len(walk.readings) - 1
        answered = walk.captured.response(reading.pages[0])
        if answered is None:
            yield from self._try(walk, index)
            return
        self.crawler.stats.inc_value("xxgk/list_pages_from_browser")  # not asked again
        yield from self.parse_api_first(answered, walk, index)

    def parse_second(self, response: Response, walk: ColumnWalk, index: int) -> Iterator[Any]:
        assert walk.first is not None
        second = page_groups(parse_html(response.text), response.url) if response.status < 400 else None
        verdict = second_page_verdict(walk.first, second, [], response.status)
        if verdict is not None or second is None:
            self.logger.info("column %s: %s is not page 2 (%s)", walk.url, response.url, verdict)
            yield from self._try(walk, index + 1)
            return
        pager = walk.readings[index]
        self._settle(walk, pager, choose_list(walk.first, [second]))
        assert walk.choice is not None
        news = self._details(walk, walk.choice.items)
        yield from news
        yield from self._list_page(response, walk, second, 2, bool(news))

    def parse_api_first(self, response: Response, walk: ColumnWalk, index: int) -> Iterator[Any]:
        """A list endpoint's first answer: its items, then (JSON) as many pages as it says it has."""
        pager = walk.readings[index]
        ok = response.status < 400 and hasattr(response, "text")
        items = api_items(response.text, response.url) if ok else []
        if not items:
            self.logger.info("column %s: %s lists nothing; trying the next reading", walk.url, pager.pages[0])
            yield from self._try(walk, index + 1)
            return
        pager = every_page(pager, response.text, len(items))
        self.saw_list_page(walk.column)
        self._settle(walk, pager, ListChoice("list_api", items, {}))
        news = self._details(walk, items)
        yield from news
        if self.incremental:
            if news and len(pager.pages) > 1:
                yield self._more_api(pager.pages[1], walk, 2)
        else:
            for n, url in enumerate(pager.pages[1:], start=2):
                yield self._more_api(url, walk, n)

    def parse_api_page(self, response: Response, walk: ColumnWalk, number: int) -> Iterator[Any]:
        if response.status >= 400:
            self.logger.info("column %s: %s answered HTTP %s", walk.url, response.url, response.status)
            return
        items = api_items(response.text, response.url)
        links = frozenset(it.url for it in items)
        if not items or links in walk.seen_pages:
            return
        walk.seen_pages.add(links)
        self.saw_list_page(walk.column)
        news = self._details(walk, items)
        yield from news
        assert walk.pager is not None
        if self.incremental and news and number < len(walk.pager.pages):
            yield self._more_api(walk.pager.pages[number], walk, number + 1)

    def _more_api(self, url: str, walk: ColumnWalk, number: int) -> scrapy.Request:
        assert walk.pager is not None
        return api_request(
            url, walk.pager, callback=self.parse_api_page, cb_kwargs={"walk": walk, "number": number}
        )

    def parse_more(self, response: Response, walk: ColumnWalk, number: int) -> Iterator[Any]:
        if response.status >= 400:
            self.logger.info(
                "column %s: list page %s answered HTTP %s", walk.url, response.url, response.status
            )
            return
        yield from self._list_page(
            response, walk, page_groups(parse_html(response.text), response.url), number
        )

    def _list_page(
        self, response: Response, walk: ColumnWalk, page: PageGroups, number: int, earlier_news: bool = False
    ) -> Iterator[Any]:
        """A list page after the first: its details, then the pages after it this mode wants."""
        assert walk.choice is not None and walk.pager is not None
        items = items_in(page, walk.choice.region)
        links = frozenset(it.url for it in items)
        if not items or links in walk.seen_pages:
            self.logger.info("column %s: %s has no new list (past the end, or repeated)", walk.url, page.url)
            return
        walk.seen_pages.add(links)
        self.saw_list_page(walk.column)
        news = self._details(walk, items)
        yield from news
        pages = walk.pager.pages
        if walk.pager.kind == "next_links":
            following = next_link(parse_html(response.text), response.url)
            if following and (news or earlier_news or not self.incremental):
                yield self._more(following, walk, number + 1)
        elif self.incremental:
            if (news or earlier_news) and number < len(pages):
                yield self._more(pages[number], walk, number + 1)
        elif number == 2:
            for n, url in enumerate(pages[2:], start=3):
                yield self._more(url, walk, n)

    def _more(self, url: str, walk: ColumnWalk, number: int) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_more, cb_kwargs={"walk": walk, "number": number}, dont_filter=True
        )

    def _settle(self, walk: ColumnWalk, pager: Pager, choice: ListChoice) -> None:
        walk.pager, walk.choice = pager, choice
        walk.seen_pages.add(frozenset(it.url for it in choice.items))
        self.logger.info(
            "column %s: %s, %d pages, list at %s", walk.url, pager.kind, len(pager.pages), choice.region
        )

    def _details(self, walk: ColumnWalk, items: list[ListItem]) -> list[scrapy.Request]:
        """The detail requests a list page's items call for in this mode (own hosts only)."""
        return [
            self.detail_request(it.url, column=walk.column, list_title=it.title, list_date=it.date)
            for it in items
            if urlsplit(it.url).hostname in self.hosts and self.wants(it.url, it.title, it.date)
        ]
