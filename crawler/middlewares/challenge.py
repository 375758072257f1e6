"""Pass a site's JavaScript challenge with a real browser once, then crawl it with plain HTTP.

Some hosts (清远-area sites, research PLATFORMS.md §1) answer every request with HTTP 412 and a script
that computes a clearance cookie and reloads. When a response is such a challenge (the page classifier
says `waf_challenge` or `js_challenge`), this middleware:

1. gives the challenge page it got to Chromium (scrapy-playwright, `meta["playwright"]`, the page
   answered from the response in hand: `crawler.browser_given`), which runs the script; the reload the
   script then asks for is refused once the script has set a cookie of its own (the crawl fetches the
   page itself in step 3; a reload that must reach the server, because the server sets the clearance,
   goes on);
2. keeps the cookies the browser now holds for the host, and from then on gives them to every request
   for that host (Scrapy's cookie jar sends them), of every crawler in the process;
3. sends the original request again as plain HTTP, now carrying the cookie.

Until a host has answered once, the process sends it one request at a time: the others wait for the
first answer (and for the solve, when it was a challenge), so a crawl that starts a dozen columns at once
does not collect a dozen challenges. Concurrent challenged requests wait for the one solve in progress;
a request challenged although it carried the newest clearance (the cookie expired or was refused)
triggers a new solve. So the browser sees one page per clearance and the site one challenge, and stats
count them: `xxgk/browser_requests`, `xxgk/browser_seconds`, `xxgk/challenges` (challenge responses
seen), `xxgk/challenge_retries`, `xxgk/first_contact_waits`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings

from crawler.browser_given import GivenPage, given_first_navigation
from crawler.browser_settings import BrowserMissingError, browser_path
from crawler.extraction.dom import parse_html, visible_text
from crawler.extraction.pagetype import classify_other

logger = logging.getLogger(__name__)

META_BROWSER = "xxgk_browser"  # a request this middleware sent to the browser
META_CLEARANCE = "xxgk_clearance"  # the host's clearance generation the request was sent with
META_RETRIES = "xxgk_challenge_retries"
META_COOKIES = "xxgk_clearance_cookies"  # the request's cookies are a clearance this middleware gave it
META_OPENER = "xxgk_first_contact"  # the hosts a request opens (the others wait for its answer)
CHALLENGE_STATUSES = frozenset({412, 403, 503, 521})
# What the page classifier calls a script a browser can pass (a WAF's sets a cookie and reloads).
SOLVABLE = frozenset({"js_challenge", "waf_challenge"})


def is_challenge(response: Response) -> bool:
    """A short script page that sets a cookie and reloads, on an error status."""
    if response.status not in CHALLENGE_STATUSES or b"<script" not in response.body[:20000].lower():
        return False
    text = response.body.decode("utf-8", errors="replace")
    root = parse_html(text)
    visible = visible_text(root) if root is not None else ""
    return classify_other(root, text, visible, 0) in SOLVABLE


class Clearances:
    """Each host's newest clearance (its cookies and their generation) and the solve in progress."""

    def __init__(self) -> None:
        self.generation: dict[str, int] = {}
        self.cookies: dict[str, list[dict[str, Any]]] = {}
        self.solving: dict[str, asyncio.Future[None]] = {}
        # host → done once the host answered its first request (and any challenge it set was solved)
        self.contacted: dict[str, asyncio.Future[None]] = {}


_PROCESS = Clearances()  # shared by every crawler of this process (see ChallengeMiddleware)


class ChallengeMiddleware:
    def __init__(self, crawler: Crawler, settings: BaseSettings) -> None:
        self.crawler = crawler
        self.settings = settings
        self.max_solves = settings.getint("XXGK_CHALLENGE_MAX_SOLVES")
        self.max_retries = settings.getint("XXGK_CHALLENGE_MAX_RETRIES")
        # The host's clearances are the process's, not this crawler's: discovery runs a crawler per
        # column, and a run of several nights one per night, all on one host; each solving the challenge
        # again cost a browser load apiece (measured: 11 of 连州's catalogue leaves, 11 solves).
        self.generation = _PROCESS.generation
        self.cookies = _PROCESS.cookies
        self.solving = _PROCESS.solving
        self.contacted = _PROCESS.contacted
        # A first answer that never comes (a hung server) holds the others back this long at most.
        self.first_contact_wait = 2 * max(
            settings.getfloat("DOWNLOAD_TIMEOUT"),
            settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", 30_000) / 1000,
        )
        self.solves = 0  # this crawl's own, against XXGK_CHALLENGE_MAX_SOLVES
        self.missing = False  # no browser where the settings say

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChallengeMiddleware:
        if not crawler.settings.getbool("XXGK_BROWSER_CHALLENGES"):
            # Off by design, so no message: Scrapy logs a warning for a component disabled with one.
            logger.debug("%s off: the spider does not declare browser = True", cls.__name__)
            raise NotConfigured
        return cls(crawler, crawler.settings)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        """Every request to a cleared host carries the clearance (set here, before CookiesMiddleware,
        so the cookie and the generation it is recorded under always go together); a request to a host
        that has not answered yet waits for its first answer."""
        if request.meta.get(META_BROWSER):
            return
        host = _host(request.url)
        await self._first_contact(host, request)
        request.meta[META_CLEARANCE] = self.generation.get(host, 0)
        # A spider's own cookies are left alone; ours are replaced by the newest clearance's.
        if host in self.cookies and (not request.cookies or request.meta.get(META_COOKIES)):
            request.cookies = self.cookies[host]
            request.meta[META_COOKIES] = True

    async def _first_contact(self, host: str, request: Request) -> None:
        """The first request to a host goes alone; the rest wait until it was answered (`_answered_or_failed`)."""
        opened = self.contacted.get(host)
        opens = request.meta.get(META_OPENER, ())
        if opened is None:
            self.contacted[host] = asyncio.get_running_loop().create_future()
            # A tuple, not a list: Request.replace copies meta shallowly, and a redirect or a retry
            # carries what its request opened (a redirect to another host opens that one too).
            request.meta[META_OPENER] = (*opens, host)
            return
        if opened.done() or host in opens:
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("xxgk/first_contact_waits")
        try:
            await asyncio.wait_for(asyncio.shield(opened), self.first_contact_wait)
        except TimeoutError:
            logger.warning(
                "%s: no first answer in %.0f s; sending the waiting requests", host, self.first_contact_wait
            )
            self._release(host)

    def _release(self, host: str) -> None:
        """The waiting requests of `host` go."""
        opened = self.contacted.get(host)
        if opened is not None and not opened.done():
            opened.set_result(None)

    def _answered_or_failed(self, request: Request) -> None:
        """The hosts the request opened have answered (or it failed, and they will not): release them."""
        for host in request.meta.pop(META_OPENER, ()):
            self._release(host)

    def process_exception(self, request: Request, exception: BaseException, spider: Any = None) -> None:
        if not request.meta.get(META_BROWSER):
            self._answered_or_failed(request)

    async def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response | Request:
        if request.meta.get(META_BROWSER):
            return response
        try:
            return await self._answered(request, response)
        finally:
            self._answered_or_failed(request)

    async def _answered(self, request: Request, response: Response) -> Response | Request:
        if not is_challenge(response):
            return response
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("xxgk/challenges")
        host = _host(request.url)
        # A request sent before the newest clearance is simply sent again with it; one challenged
        # although it carried the newest clearance (expired or refused) needs a new one, and counts
        # against its limit, so a cookie the site never accepts cannot loop.
        stale = request.meta.get(META_CLEARANCE, 0) < self.generation.get(host, 0)
        retries = request.meta.get(META_RETRIES, 0)
        if not stale:
            if retries >= self.max_retries:
                logger.error(
                    "%s is still challenged after %d browser clearances; giving up on it",
                    request.url,
                    retries,
                )
                return response
            if not await self._clear(host, request, response):
                return response
            retries += 1
        stats.inc_value("xxgk/challenge_retries")
        # Ahead of the queue, so it goes out while its clearance is fresh.
        retry = request.replace(dont_filter=True, priority=request.priority + 100)
        retry.meta[META_RETRIES] = retries
        retry.meta.pop(META_CLEARANCE, None)
        return retry

    async def _clear(self, host: str, request: Request, challenged: Response) -> bool:
        pending = self.solving.get(host)
        if pending is not None:
            await asyncio.shield(pending)
            return host in self.cookies
        if self.solves >= self.max_solves:
            logger.error("%s: %d browser clearances this run already; not trying again", host, self.solves)
            return False
        self.solves += 1
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.solving[host] = future
        try:
            await self._solve(host, request, challenged)
        finally:
            del self.solving[host]
            future.set_result(None)
        return host in self.cookies

    async def _solve(self, host: str, request: Request, challenged: Response) -> None:
        if self.missing:
            return
        try:
            browser_path(self.settings)
        except BrowserMissingError as error:
            # Say so once and stop the crawl: without the browser no page of this host can be had.
            self.missing = True
            logger.error("%s", error)
            self.crawler.stats.set_value("xxgk/browser_missing", 1)  # type: ignore[union-attr]
            assert self.crawler.engine is not None
            asyncio.get_running_loop().create_task(
                self.crawler.engine.close_spider_async(reason="browser_missing")
            )
            return
        given = GivenPage.of(challenged)
        browser = Request(
            request.url,
            dont_filter=True,
            meta={
                META_BROWSER: True,
                "playwright": True,
                "playwright_include_page": True,
                "playwright_context": "xxgk-clearance",
                "playwright_context_kwargs": {
                    "user_agent": self.settings.get("USER_AGENT"),
                    "locale": "zh-CN",
                },
                "handle_httpstatus_all": True,
                "dont_merge_cookies": True,
                "playwright_page_init_callback": given_first_navigation(
                    given, _ScriptCleared(given.cookie_names())
                ),
            },
        )
        stats = self.crawler.stats
        assert stats is not None and self.crawler.engine is not None
        stats.inc_value("xxgk/browser_requests")
        started = time.perf_counter()
        try:
            await self.crawler.engine.download_async(browser)
        except Exception as error:  # the page may still have run its script: look at the cookies anyway
            logger.warning("browser fetch of %s failed: %s: %s", request.url, type(error).__name__, error)
        page = browser.meta.get("playwright_page")
        cookies = []
        if page is not None:
            try:
                cookies = await page.context.cookies(request.url)
            finally:
                await page.close()
        stats.inc_value("xxgk/browser_seconds", round(time.perf_counter() - started, 3), start=0.0)
        if not cookies:
            logger.error("the browser got no cookie from %s's challenge", host)
            return
        self.cookies[host] = [
            {"name": c["name"], "value": c["value"], "domain": c["domain"], "path": c.get("path", "/")}
            for c in cookies
        ]
        self.generation[host] = self.generation.get(host, 0) + 1
        logger.info("%s: challenge passed in the browser (clearance %d)", host, self.generation[host])


class _ScriptCleared:
    """Refuses the challenge page's next navigation (its reload) once the page's script has set a cookie
    of its own: the clearance is then in the browser, and the crawl fetches the page itself. A reload
    before that (the server sets the clearance on it) goes on."""

    def __init__(self, served: frozenset[str]) -> None:
        self.served = served  # the cookies the challenge answer itself sets

    async def __call__(self, page: Any, browser_request: Any) -> bool:
        cookies = await page.context.cookies(browser_request.url)
        return any(c["name"] not in self.served for c in cookies)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
