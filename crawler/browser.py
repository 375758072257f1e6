"""The real browser, for the few pages that need one: scrapy-playwright driving Debian's Chromium.

Only spiders that declare `browser = True` get these settings (see `spiders.base`): their download
handler is scrapy-playwright's, which sends plain requests through Scrapy's own HTTP client and only
requests marked `meta["playwright"]` through the browser. Playwright's own browser download cannot
run here, so the handler launches the system Chromium (`XXGK_BROWSER_PATH`, default
/usr/bin/chromium). With `XXGK_REPLICA_URL` set the browser uses the replica as its HTTP proxy, exactly
like plain requests, so pages keep their real URLs. Chromium's own calls to Google's services are
refused on the machine by a PAC script (`crawler.browser_pac`), on the replica and on a real network.

The fleet's per-host budget (`XXGK_HOST_BUDGET`, crawler/middlewares/host_budget.py) covers this
handler too: a plain request waits for its host's slot as in `BudgetedDownloadHandler`, and so does
every request the browser itself sends (the page's navigation, the challenge script's reload, its
scripts, stylesheets and images; each reaches the server like any other request, so each takes a
slot of its own host). They wait in Playwright's route handler, the one place every request of the
page passes before it leaves the browser. Any answer the browser gets that asks for a pause (429,
503, `Retry-After`) pauses its host for every worker, as a plain answer does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Page, Route
from playwright.async_api import Request as PlaywrightRequest
from playwright.async_api import Response as PlaywrightResponse
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.browser_pac import NO_CREDENTIALS, pac_switch
from crawler.browser_settings import DEFAULT_BROWSER
from crawler.middlewares.connections import keep_a_connection_per_request
from crawler.middlewares.host_budget import PAUSE_STATUSES, HostBudget
from crawler.middlewares.replica import replica_proxy

logger = logging.getLogger(__name__)

# Chromium as root needs --no-sandbox; the rest keep it from calling Google's hosts (what still tries is
# refused by the PAC script, crawler/browser_pac.py, that `BrowserDownloadHandler` adds). No
# --disable-features here: Chromium keeps only the last one given, so ours would replace Playwright's
# own list (HttpsUpgrades, AvoidCorsURLLoaderRestartOnRedirect for routes, OptimizationHints,
# NetworkTimeServiceQuerying, …): measured, clients2.google.com/time/1/current came back with ours.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-extensions",  # Debian's default extensions' update checks (update.googleapis.com)
    "--disable-default-apps",
    "--disable-domain-reliability",  # no reports to Google's domain-reliability collector
    "--disable-client-side-phishing-detection",  # its model is fetched from Google
    "--no-pings",  # no <a ping> auditing requests
)


def launch_options(settings: Any, configured: dict[str, Any]) -> dict[str, Any]:
    """Playwright's launch options for the crawl's Chromium, from PLAYWRIGHT_LAUNCH_OPTIONS: headless,
    the system browser (checked when a page first needs it, challenge.py), CHROMIUM_ARGS, and
    the PAC script that sends every request to the replica or direct and Google's hosts nowhere. The PAC
    script's upstream replaces Playwright's `proxy` option: Chromium obeys a PAC script over
    --proxy-server, so a `proxy` option would go unused."""
    options = dict(configured)
    options.setdefault("headless", True)
    options.setdefault("executable_path", settings.get("XXGK_BROWSER_PATH") or DEFAULT_BROWSER)
    upstream = _upstream(settings.get("XXGK_REPLICA_URL"), options.pop("proxy", None))
    options["args"] = [*options.get("args", ()), *CHROMIUM_ARGS, pac_switch(upstream)]
    return options


def _upstream(replica: str | None, operator: dict[str, Any] | None) -> str | None:
    """The proxy the browser's allowed requests go through: the replica's (as for plain requests), else
    one an operator put in PLAYWRIGHT_LAUNCH_OPTIONS (its server only: a PAC script takes no password),
    else none (direct)."""
    if replica:
        return replica_proxy(replica)
    if not operator:
        return None
    if operator.get("username") or operator.get("password"):
        raise ValueError(NO_CREDENTIALS)
    return operator.get("server")


def _web_host(url: str) -> str | None:
    """The host a browser request goes to, for http(s) only (data:, blob: never leave the browser)."""
    parts = urlsplit(url)
    return parts.hostname if parts.scheme in ("http", "https") else None


# What a page's own requests may not fetch in the crawler's browser: nothing a JavaScript challenge or a
# list built by a script needs, and much of what a page loads (measured: a discovery run of 连州's
# columns fetched 51 images; docs/benchmarks.md, "Discovery").
UNNEEDED_TYPES = frozenset({"image", "media", "font"})


def leaves_the_site(request: PlaywrightRequest, site_hosts: tuple[str, ...]) -> bool:
    """Whether a page's request goes where the crawl was not sent: a host that is neither the page's own
    nor one of the spider's `allowed_domains` (a third party's counter or 纠错 button: measured, two
    such scripts on every 连州 page), an iframe of another host included. The page's own navigation
    (the URL the crawl asked for, and its redirects) always goes; so do data: and blob: URLs, which
    never leave the browser."""
    host = _web_host(request.url)
    if host is None:
        return False
    try:
        frame = request.frame
        if request.is_navigation_request() and frame.parent_frame is None:
            return False
        page_host = urlsplit(frame.url).hostname
    except Exception:  # a service worker's request has no frame: judged by the site's hosts alone
        page_host = None
    allowed = {h for h in (page_host, *site_hosts) if h}
    return not any(host == h or host.endswith("." + h) for h in allowed)


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright with the launch options this project needs (system Chromium, replica proxy),
    every request it sends (plain or the browser's own) in a slot of its host's fleet budget, no
    request of a page to another site or for images, fonts and media (`should_abort`), and Playwright
    started by the first page for the browser, not by the engine (`_start_playwright`)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # scrapy-playwright starts Playwright (a Node.js driver process) when the engine starts, in
        # each of its handlers (one per scheme: two). A browser site's crawl asks for the browser
        # once per clearance, often never (a kept clearance, a night without a challenge): measured,
        # a ten-night crawl started twenty drivers for one Chromium (docs/benchmarks.md, session 27).
        crawler.signals.disconnect(self._maybe_launch_in_thread, signals.engine_started)
        self._playwright_lock = asyncio.Lock()
        settings = crawler.settings
        keep_a_connection_per_request(self._pool, settings)  # for the requests sent without the browser
        self.config.launch_options = launch_options(settings, self.config.launch_options)
        self.budget = HostBudget.from_crawler(crawler)
        self._pauses: set[asyncio.Task[None]] = set()
        self._crawler = crawler
        # scrapy-playwright's own hook, asked for every request of a page: ours unless the settings name
        # one (PLAYWRIGHT_ABORT_REQUEST), which then replaces it.
        if self.abort_request is None:
            self.abort_request = self.should_abort

    def should_abort(self, request: PlaywrightRequest) -> bool:
        """scrapy-playwright's hook: `refused`, counted in the stats as xxgk/browser_requests_refused."""
        refused = self.refused(request)
        if refused and self.stats is not None:
            self.stats.inc_value("xxgk/browser_requests_refused")
        return refused

    def refused(self, request: PlaywrightRequest) -> bool:
        """A page's request the crawl must not make: an image, a font or a medium, or one that leaves
        the site (`leaves_the_site`)."""
        if request.resource_type in UNNEEDED_TYPES:
            return True
        domains = getattr(self._crawler.spider, "allowed_domains", None) or ()
        return leaves_the_site(request, tuple(domains))

    async def _start_playwright(self) -> None:
        """scrapy-playwright's start (its `_launch`), once, on the first page for the browser; counted
        in the stats as xxgk/playwright_drivers (the crawl's Node.js driver processes)."""
        async with self._playwright_lock:
            if getattr(self, "browser_provider", None) is None:
                await self._launch()
                self.stats.inc_value("xxgk/playwright_drivers")

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        await self._start_playwright()
        return await super()._download_request(request, spider)

    async def download_request(self, request: Request) -> Response:
        """Plain requests wait for their slot here; a browser page's requests in the route handler."""
        if self.budget is None or request.meta.get("playwright"):
            return await super().download_request(request)
        return await self.budget.send(request, super().download_request)

    def _make_request_handler(self, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        """scrapy-playwright's route handler (which lets each browser request go on), behind a wait
        for the request's slot. This and `_create_page` are scrapy-playwright's own (0.0.48) methods,
        not a public hook: the one public hook on a page's every request, `PLAYWRIGHT_ABORT_REQUEST`, is
        a function named in the settings, with no way to this crawl's budget but a global;
        tests/test_fleet_browser.py fails if an upgrade changes them (its stats count the waits)."""
        handler = super()._make_request_handler(*args, **kwargs)
        budget = self.budget
        if budget is None:
            return handler

        async def in_slot(route: Route, request: PlaywrightRequest) -> None:
            host = _web_host(request.url)
            # A request the handler is about to refuse takes no slot of its host.
            if host and not (self.abort_request == self.should_abort and self.refused(request)):
                if self.stats is not None:
                    self.stats.inc_value("xxgk/host_budget_browser_requests")
                await budget.wait_for_slot(host)
            await handler(route, request)

        return in_slot

    async def _create_page(self, request: Request, spider: Spider) -> Page:
        page = await super()._create_page(request, spider)
        if self.budget is not None:
            page.on("response", self._answered)
        return page

    def _answered(self, response: PlaywrightResponse) -> None:
        """A browser answer that asks for a pause pauses its host for every worker (in a task: an
        event handler must not hold the page up; the task is kept so it is not collected mid-way)."""
        host = _web_host(response.url)
        if self.budget is None or not host:
            return
        headers = response.headers  # lower-case names
        if response.status not in PAUSE_STATUSES and not headers.get("retry-after"):
            return
        task = asyncio.get_running_loop().create_task(
            self.budget.after(host, response.status, headers.get("retry-after"))
        )
        self._pauses.add(task)
        task.add_done_callback(self._paused)

    def _paused(self, task: asyncio.Task[None]) -> None:
        self._pauses.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("could not pause a host for the fleet: %s", task.exception())

    async def close(self) -> None:
        await asyncio.gather(*self._pauses, return_exceptions=True)
        if self.budget is not None:
            self.budget.close()
        await super().close()
