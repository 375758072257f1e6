"""The real browser, for the few pages that need one: scrapy-playwright driving Debian's Chromium.

Only spiders that declare `browser = True` get these settings (see `spiders.base`): their download
handler is scrapy-playwright's, which sends plain requests through Scrapy's own HTTP client and only
requests marked `meta["playwright"]` through the browser. Playwright's own browser download cannot
run here, so the handler launches the system Chromium (`XXGK_BROWSER_PATH`, default
/usr/bin/chromium). With `XXGK_REPLICA_URL` set the browser uses the replica as its HTTP proxy, exactly
like plain requests, so pages keep their real URLs.
"""

from __future__ import annotations

import os
from typing import Any

from scrapy.crawler import Crawler
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.middlewares.replica import replica_proxy

DEFAULT_BROWSER = "/usr/bin/chromium"
# Chromium as root needs --no-sandbox; the rest stop it calling Google's hosts on a closed network.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
)

BROWSER_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_HANDLERS": {
        "http": "crawler.browser.BrowserDownloadHandler",
        "https": "crawler.browser.BrowserDownloadHandler",
    },
    "XXGK_BROWSER_CHALLENGES": True,
    "PLAYWRIGHT_BROWSER_TYPE": "chromium",
    # The browser sends its own headers (and its own cookies), as a browser does.
    "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
    "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
    "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
}


class BrowserMissingError(RuntimeError):
    """The site needs a browser and none is installed where the settings say."""


def browser_path(settings: Any) -> str:
    """The Chromium executable, or a BrowserMissingError that says how to install it."""
    path = settings.get("XXGK_BROWSER_PATH") or DEFAULT_BROWSER
    if not os.access(path, os.X_OK):
        raise BrowserMissingError(
            f"this site needs a real browser and there is no Chromium at {path}: install Debian's "
            "chromium (`make sysdeps`, or apt-get install chromium) or set XXGK_BROWSER_PATH"
        )
    return path


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright with the launch options this project needs (system Chromium, replica proxy)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        options = self.config.launch_options
        options.setdefault("headless", True)
        options["args"] = [*options.get("args", ()), *CHROMIUM_ARGS]
        path = settings.get("XXGK_BROWSER_PATH") or DEFAULT_BROWSER
        options.setdefault("executable_path", path)  # checked when a page first needs it (challenge.py)
        replica = settings.get("XXGK_REPLICA_URL")
        if replica:
            options["proxy"] = {"server": replica_proxy(replica)}
