"""The spider behind `xxgk discover`: fetch a column's first page, test the readings of its pagination
by fetching, and (with `all_pages`) walk every list page.

It only navigates: what the pages say is read by `crawler.discovery.pagination` and
`crawler.discovery.items`. Requests go through the crawl's own settings (politeness, retries, the
redirect guard, the JavaScript-challenge middleware, the replica routing), confined to the column's host.

The order is sequential on purpose, a handful of requests: the first page; the first item's detail
page (what a detail page shares with the list page is chrome); page 2 of the most trusted pagination
reading, which confirms it (the list's region again, new items, dates not increasing) or sends the
spider to the next reading; then the remaining pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.browser_settings import BROWSER_SETTINGS
from crawler.discovery.apis import api_items, api_request, every_page
from crawler.discovery.items import ListChoice, ListItem, PageGroups, choose_list, items_in, page_groups
from crawler.discovery.pagination import Pager, as_given, find_pagers, next_link
from crawler.discovery.probe import Captured, endpoint_reading, probe_request
from crawler.extraction.dom import fold_ws, parse_html
from crawler.middlewares.faults import failure_reason

MAX_WALK = 2_000  # list pages walked at most (a column beyond this is a loop nobody detected)


@dataclass
class Discovery:
    """What was found, with the evidence for each decision (the JSON `xxgk discover` prints)."""

    url: str
    page_title: str | None = None  # the column page's <title> (it often names the agency)
    pager: Pager | None = None
    confirmed: str = ""  # how the pagination was confirmed, or why it is a guess
    choice: ListChoice | None = None
    pages: dict[str, list[ListItem]] = field(default_factory=dict)  # walked list page → its items
    rejected: list[dict[str, str]] = field(default_factory=list)  # pagination readings that failed
    notes: list[str] = field(default_factory=list)
    requests: int = 0
    pages_from_browser: int = 0  # list pages read from what the browser received (no request of ours)
    error: str | None = None

    def items(self) -> list[ListItem]:
        seen: set[str] = set()
        out = []
        for items in self.pages.values():
            for it in items:
                if it.url not in seen:
                    seen.add(it.url)
                    out.append(it)
        return out

    def as_json(self) -> dict[str, Any]:
        pager = self.pager
        return {
            "url": self.url,
            "page_title": self.page_title,
            "pagination": {
                "kind": pager.kind if pager else None,
                "pages": list(pager.pages) if pager else [],
                "template": pager.template if pager else None,
                "evidence": pager.evidence if pager else None,
                "confirmed": self.confirmed,
                "rejected": self.rejected,
            },
            "items": [{"title": it.title, "url": it.url, "date": it.date} for it in self.items()],
            "list_region": self.choice.region if self.choice else None,
            "chrome": self.choice.chrome if self.choice else {},
            "pages_walked": len(self.pages),
            "requests": self.requests,
            "pages_from_browser": self.pages_from_browser,
            "notes": self.notes,
            "error": self.error,
        }


class ColumnDiscoverySpider(scrapy.Spider):
    name = "xxgk_discover"
    # Any column may sit behind a JavaScript challenge: the browser download handler is ready for it
    # (Chromium starts only if a challenge comes).
    custom_settings: ClassVar[dict[str, Any]] = {
        **BROWSER_SETTINGS,
        "ITEM_PIPELINES": {},
        "SPIDER_MIDDLEWARES": {"crawler.middlewares.resume.ResumeMiddleware": None},
        "EXTENSIONS": {"crawler.extensions.progress.CrawlProgress": None},
    }

    def __init__(self, column_url: str, all_pages: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.column_url = column_url
        self.all_pages = all_pages
        self.allowed_domains = [urlsplit(column_url).hostname or ""]
        self.found = Discovery(column_url)
        self._first: PageGroups | None = None
        self._others: list[PageGroups] = []
        self._pagers: list[Pager] = []
        self._walked: set[frozenset[str]] = set()
        self._captured: Captured | None = None  # the browser's answers, once the page was probed
        self._page: Response | None = None  # the column page as fetched, for the browser's probe

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self._request(self.column_url, self.parse_first)

    def _request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        self.found.requests += 1
        return scrapy.Request(url, callback=callback, errback=self.failed, cb_kwargs=kwargs, dont_filter=True)

    def _api_request(self, url: str, pager: Pager, callback: Any, **kwargs: Any) -> scrapy.Request:
        """One answer of a list endpoint (a POST of its form where it wants one)."""
        self.found.requests += 1
        return api_request(url, pager, callback=callback, errback=self.failed, cb_kwargs=kwargs)

    def parse_first(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status >= 400 or not hasattr(response, "text"):
            self.found.error = f"the column page answered HTTP {response.status}"
            return
        self._page = response
        root = parse_html(response.text)
        self.found.page_title = fold_ws(root.findtext(".//title") or "") or None if root is not None else None
        self._first = page_groups(root, response.url)
        self._pagers = find_pagers(root, response.text, as_given(self.column_url, response.url))
        if self._pagers[0].kind == "list_api":  # the list's own data: no chrome to tell apart
            yield from self._try_pager(0)
            return
        if not self._first.groups:  # a shell: the list, if any, comes from its scripts
            yield from self._probe()
            return
        biggest = max(self._first.groups.values(), key=len)
        yield self._request(biggest[0].url, self.parse_detail)

    def parse_detail(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status < 400 and hasattr(response, "text"):
            self._others.append(page_groups(parse_html(response.text), response.url))
        yield from self._try_pager(0)

    def _try_pager(self, index: int) -> Iterator[scrapy.Request]:
        assert self._first is not None
        pager = self._pagers[index]
        if pager.kind == "list_api":
            yield self._api_request(pager.pages[0], pager, self.parse_api_first, index=index)
            return
        if len(pager.pages) < 2:
            how = (
                "one page: no other reading held" if pager.kind == "single" else "one page, as the page says"
            )
            self._settle(pager, how)
            if self.found.choice is not None and self.found.choice.region is None:
                yield from self._probe()  # every dated group is chrome: the list comes from scripts
            return
        yield self._request(pager.pages[1], self.parse_confirm, index=index)

    def _probe(self) -> Iterator[scrapy.Request]:
        """Once: load the column page in Chromium and look for the list endpoint its scripts call."""
        if self._captured is not None:
            self.found.error = self.found.error or "no list of dated links on the page or from its scripts"
            return
        self._captured = Captured()
        self.found.requests += 1
        yield probe_request(self.column_url, self.parse_probe, self._captured, self._page)

    def parse_probe(self, response: Response) -> Iterator[scrapy.Request]:
        assert self._captured is not None
        reading = endpoint_reading(self._captured, urlsplit(self.column_url).hostname)
        if reading is None:
            seen = len(self._captured.answers)
            self.found.error = f"no list of dated links on the page, and none of the {seen} answers its scripts got in the browser lists one"
            return
        self.found.notes.append(reading.evidence)
        self._pagers.append(reading)
        index = len(self._pagers) - 1
        answered = self._captured.response(reading.pages[0])
        if answered is None:
            yield from self._try_pager(index)
            return
        self.found.pages_from_browser += 1  # the browser's answer, not asked again
        yield from self.parse_api_first(answered, index=index)

    def parse_confirm(self, response: Response, index: int) -> Iterator[scrapy.Request]:
        assert self._first is not None
        pager = self._pagers[index]
        second = page_groups(parse_html(response.text), response.url) if response.status < 400 else None
        verdict = second_page_verdict(self._first, second, self._others, response.status)
        if verdict is not None:
            self.found.rejected.append({"kind": pager.kind, "page": pager.pages[1], "why": verdict})
            yield from self._try_pager(index + 1)
            return
        assert second is not None
        self._others.insert(0, second)
        self._settle(pager, f"page 2 ({pager.pages[1]}) has the list in the same place, with new items")
        assert self.found.choice is not None
        self._record(second)
        if not self.all_pages:
            return
        if pager.kind == "next_links":
            yield from self._next_link(response)
        else:
            for number, url in enumerate(pager.pages[2:MAX_WALK], start=3):
                yield self._request(url, self.parse_page, number=number)

    def parse_api_first(self, response: Response, index: int) -> Iterator[scrapy.Request]:
        """The endpoint's first answer: its items, and (JSON) how many pages it has."""
        pager = self._pagers[index]
        items = (
            api_items(response.text, response.url)
            if response.status < 400 and hasattr(response, "text")
            else []
        )
        if not items:
            self.found.rejected.append({"kind": f"list_api ({pager.extra['api']})", "page": pager.pages[0],
                                        "why": f"HTTP {response.status}" if response.status >= 400 else "no items in its answer"})  # fmt: skip
            yield from self._try_pager(index + 1)
            return
        pager = every_page(pager, response.text, len(items))
        self.found.pager = pager
        self.found.confirmed = f"{pager.pages[0]} answers {len(items)} items"
        self.found.choice = ListChoice("list_api", items, {})
        self.found.pages = {response.url: items}
        self._walked.add(frozenset(it.url for it in items))
        more = pager.pages[1:] if self.all_pages else pager.pages[1:2]
        for number, url in enumerate(more[:MAX_WALK], start=2):
            yield self._api_request(url, pager, self.parse_api_page, number=number)

    def parse_api_page(self, response: Response, number: int) -> None:
        if response.status >= 400:
            self.found.notes.append(f"{response.url}: HTTP {response.status}")
            return
        page = PageGroups(response.url, {"list_api": api_items(response.text, response.url)})
        self._record(page)

    def _settle(self, pager: Pager, how: str) -> None:
        assert self._first is not None
        self.found.pager = pager
        self.found.confirmed = how
        self.found.choice = choose_list(self._first, self._others)
        self.found.pages = {self._first.url: self.found.choice.items}
        self._walked.add(frozenset(it.url for it in self.found.choice.items))

    def parse_page(self, response: Response, number: int | None = None) -> Iterator[scrapy.Request]:
        if response.status >= 400:
            self.found.notes.append(f"{response.url}: HTTP {response.status}")
            return
        page = page_groups(parse_html(response.text), response.url)
        if not self._record(page):
            return
        if self.found.pager and self.found.pager.kind == "next_links":
            yield from self._next_link(response)

    def _record(self, page: PageGroups) -> bool:
        """Keep a walked page's items; False (and a note) when the page repeats an earlier one or has
        no list (a soft-404 or a page past the end)."""
        assert self.found.choice is not None
        items = items_in(page, self.found.choice.region)
        links = frozenset(it.url for it in items)
        if not items:
            self.found.notes.append(f"{page.url}: no list items (past the end, or a soft 404)")
            return False
        if links in self._walked:
            self.found.notes.append(f"{page.url}: repeats an earlier page; stopped there")
            return False
        self._walked.add(links)
        self.found.pages[page.url] = items
        return True

    def _next_link(self, response: Response) -> Iterator[scrapy.Request]:
        if len(self.found.pages) >= MAX_WALK:
            return
        following = next_link(parse_html(response.text), response.url)
        if following and following not in self.found.pages:
            yield self._request(following, self.parse_page)

    def failed(self, failure: Failure) -> None:
        """A fetch that failed: the crawl's failure ledger's reason where it gave one (timeouts, refused
        redirects), else the HTTP status, else the error."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        response = getattr(failure.value, "response", None)
        reason = (failure_reason(request) if request is not None else None) or (
            f"HTTP {response.status}"
            if response is not None
            else failure.getErrorMessage() or failure.type.__name__
        )
        if url.split("#")[0] == self.column_url.split("#")[0]:
            self.found.error = f"the column page could not be read: {reason}"
        else:
            self.found.notes.append(f"{url}: {reason}")


def second_page_verdict(
    first: PageGroups, second: PageGroups | None, others: list[PageGroups], status: int
) -> str | None:
    """Why the page a reading names as page 2 is not the column's page 2; None when it is."""
    if second is None:
        return f"HTTP {status}"
    choice = choose_list(first, [second, *others])
    if choice.region is None:
        return "every dated group on page 1 repeats there: not a next page"
    items = items_in(second, choice.region)
    if not items:
        return "no list where page 1 has it"
    mine = {it.url for it in choice.items}
    if all(it.url in mine for it in items):
        return "the same items as page 1"
    newest_there = max((it.date for it in items if it.date), default=None)
    oldest_here = min((it.date for it in choice.items if it.date), default=None)
    if newest_there and oldest_here and newest_there > oldest_here:
        return f"its items are newer ({newest_there}) than page 1's oldest ({oldest_here})"
    return None
