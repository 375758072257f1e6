"""What a crawl knows of the browser before it needs one: the settings of a site that declares
`browser = true`, and where Chromium is (or a clear error that it is missing).

Apart from crawler/browser.py, which imports Playwright: every crawl loads the spiders and the
challenge middleware that read these, and a crawl that never opens the browser should not import
Playwright (0.4 s of its start).
"""

from __future__ import annotations

import os
from typing import Any

DEFAULT_BROWSER = "/usr/bin/chromium"

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
