"""A list that exists only after JavaScript runs: load the column page once in Chromium, note the
answers of the requests its scripts make, and find the list endpoint among them; the crawl then reads
the endpoint over plain HTTP, without the browser.

Used when nothing else reads the column: its page holds no list of its own (every dated group is
chrome), and its scripts are the only place left where the list can come from. The browser is Debian's
Chromium through scrapy-playwright (`crawler/browser.py`), as for JavaScript challenges. It is given
the column page the crawl already fetched (`crawler.browser_given`), and the endpoint's first answer,
which the browser already received, is read from the browser's capture instead of asked for again: the
probe costs the site only what the page's scripts fetch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.browser_given import GivenPage, given_first_navigation
from crawler.discovery.apis import PAGE_NAMES, api_items
from crawler.discovery.pagination import Pager

MAX_BODY = 2_000_000  # an answer bigger than this is not a list page


class Captured:
    """The JSON and XML answers the page's scripts received, in order."""

    def __init__(self) -> None:
        self.answers: list[tuple[str, str, str]] = []  # (URL, body, content type)

    def response(self, url: str) -> TextResponse | None:
        """The answer the browser got from `url`, as a Scrapy response (None: it got none)."""
        for answered, body, kind in self.answers:
            if answered == url:
                headers = {"Content-Type": kind or "application/json; charset=utf-8"}
                return TextResponse(url, body=body.encode("utf-8"), encoding="utf-8", headers=headers)
        return None

    async def on_response(self, response: Any) -> None:
        kind = (await response.header_value("content-type") or "").lower()
        if response.request.resource_type not in ("xhr", "fetch") and "json" not in kind:
            return
        try:
            body = await response.text()
        except Exception:  # an answer the browser could not give us (aborted, binary): not a list
            return
        if len(body) <= MAX_BODY:
            self.answers.append((response.url, body, kind))


def probe_request(
    url: str, callback: Callable[..., Any], captured: Captured, page: Response | None, **cb_kwargs: Any
) -> scrapy.Request:
    """The column page, loaded in Chromium until its network is idle, its answers noted in `captured`;
    the browser is given `page` (the column page as the crawl fetched it) when there is one."""
    from scrapy_playwright.page import PageMethod  # a crawl imports the browser's code when it uses it

    meta: dict[str, Any] = {}
    if page is not None:
        meta["playwright_page_init_callback"] = given_first_navigation(GivenPage.of(page))
    return scrapy.Request(
        url,
        callback=callback,
        cb_kwargs=cb_kwargs,
        dont_filter=True,
        meta={
            "playwright": True,
            "playwright_page_event_handlers": {"response": captured.on_response},
            "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")],
            **meta,
        },
    )


def endpoint_reading(captured: Captured, column_host: str | None) -> Pager | None:
    """The list endpoint among the answers: the first on the column's host whose answer lists items,
    with a page parameter to turn (named like a page number, with the value 1). Its first page is the
    URL the script asked, so `Captured.response` has its answer."""
    for url, body, _ in captured.answers:
        parts = urlsplit(url)
        if parts.hostname != column_host or not api_items(body, url):
            continue
        query = parse_qsl(parts.query, keep_blank_values=True)
        pages = [i for i, (k, v) in enumerate(query) if v == "1" and PAGE_NAMES.match(k)]
        if not pages:
            continue
        index = pages[0]
        marked = [(k, "PAGE_NUMBER" if i == index else v) for i, (k, v) in enumerate(query)]
        template = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(marked), "")).replace(
            "PAGE_NUMBER", "{n}"
        )
        evidence = f"the page's scripts fetched {url} in the browser"
        return Pager(
            "list_api",
            (url, template.format(n=2)),
            evidence,
            template,
            None,
            {"api": "json"},
        )
    return None
