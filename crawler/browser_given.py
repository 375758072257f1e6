"""Give the browser the page the crawl already holds, instead of letting it ask the site again.

The crawl reaches for Chromium only after plain HTTP brought a page it cannot use as it is: a JavaScript
challenge (crawler/middlewares/challenge.py) or a column whose list a script fetches
(crawler/discovery/probe.py). Loading that URL in the browser would ask the server for the same page a
second time. Instead the page's first navigation is answered from the response in hand (Playwright's
`route.fulfill`); only what the page's scripts then ask for reaches the server. Measured on the
replica (docs/benchmarks.md, "Discovery"): one request fewer per browser load.

A challenge's script sets its cookie and reloads; that reload would fetch the page (and its scripts and
stylesheets) only for the crawl to fetch it again with the cookie over plain HTTP. `on_navigation` lets
the caller refuse a later navigation of the page, once the script has done its part.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag

from scrapy.http import Response

if TYPE_CHECKING:  # Playwright is imported by the crawls that open the browser (crawler/browser.py)
    from playwright.async_api import Page, Route
    from playwright.async_api import Request as PlaywrightRequest

# Headers that describe the bytes on the wire, not the page: the body handed over is already decoded.
WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection"})

NavigationHook = Callable[["Page", "PlaywrightRequest"], Awaitable[bool]]


@dataclass(frozen=True)
class GivenPage:
    """A response the crawl holds, as the browser is to receive it."""

    url: str  # where the page was answered (after any redirect)
    status: int
    headers: dict[str, str]
    body: bytes

    @classmethod
    def of(cls, response: Response) -> GivenPage:
        headers: dict[str, str] = {}
        for name, values in response.headers.items():
            key = name.decode("latin-1").lower()
            if key in WIRE_HEADERS:
                continue
            texts = [v.decode("latin-1") for v in values]
            # Playwright splits set-cookie on newlines; other repeated headers join with a comma.
            headers[key] = ("\n" if key == "set-cookie" else ", ").join(texts)
        return cls(response.url, response.status, headers, response.body)

    def cookie_names(self) -> frozenset[str]:
        """The cookies this answer itself sets (Set-Cookie), as opposed to any a script sets."""
        lines = self.headers.get("set-cookie", "").split("\n")
        return frozenset(line.split("=", 1)[0].strip() for line in lines if "=" in line)


def given_first_navigation(given: GivenPage, on_navigation: NavigationHook | None = None) -> Any:
    """A scrapy-playwright page init callback (`meta["playwright_page_init_callback"]`): the page's
    first top-level navigation (the crawl's own `goto`) is answered with `given` when it asks for the
    URL `given` was answered at (else, a page that was redirected, the browser asks the site, so the
    page's relative links resolve where the site put it); a later navigation goes to the site unless
    `on_navigation` returns True, which refuses it. Every other request of the page falls through to
    scrapy-playwright's own route handler (the host budget, the refusals)."""

    async def init(page: Page, request: Any) -> None:
        navigated = False

        async def route(route: Route, browser_request: PlaywrightRequest) -> None:
            nonlocal navigated
            if not _top_navigation(browser_request):
                await route.fallback()
                return
            first, navigated = not navigated, True
            if first and urldefrag(browser_request.url)[0] == urldefrag(given.url)[0]:
                await route.fulfill(status=given.status, headers=given.headers, body=given.body)
            elif not first and on_navigation is not None and await on_navigation(page, browser_request):
                await route.abort()
            else:
                await route.fallback()

        await page.route("**/*", route)  # registered after scrapy-playwright's: asked first

    return init


def _top_navigation(request: PlaywrightRequest) -> bool:
    try:
        return request.is_navigation_request() and request.frame.parent_frame is None
    except Exception:  # a service worker's request has no frame
        return False
