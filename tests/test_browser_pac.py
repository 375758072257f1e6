"""The browser's PAC script (crawler/browser_pac.py), run by a real JavaScript engine: Debian's Chromium.

Its effect on a crawl (no request of Chromium's own reaches any host but the replica's sites) is
measured in tests/test_fleet_browser.py from the replica's request log; here, cheaply, which hosts the
script refuses and where it sends the rest, and that the download handler installs it in place of a
Playwright `proxy` (Chromium obeys a PAC script over --proxy-server, so a `proxy` would go unused).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import sync_playwright
from scrapy.settings import Settings

from crawler.browser import launch_options
from crawler.browser_pac import REFUSING_PROXY, pac_proxy, pac_script
from crawler.browser_settings import DEFAULT_BROWSER

REFUSED = [
    "accounts.google.com",
    "update.googleapis.com",
    "clients2.google.com",
    "google.com",
    "ACCOUNTS.Google.COM.",  # any case, and the fully qualified spelling with its trailing dot
    "redirector.gvt1.com",
    "www.gstatic.com",
]
PASSED = ["www.lianzhou.gov.cn", "dcs.conac.cn", "notgoogle.com", "google.com.cn", "googleapis.com.example"]


@pytest.fixture(scope="module")
def find_proxy() -> Iterator[Callable[[str, str], str]]:
    """FindProxyForURL of a script, evaluated in a blank page of the crawler's Chromium (one launch)."""
    if not os.access(DEFAULT_BROWSER, os.X_OK):
        pytest.fail(f"Chromium is not installed at {DEFAULT_BROWSER}: install it with `make sysdeps`.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=DEFAULT_BROWSER, args=["--no-sandbox"])
        page = browser.new_page()

        def find(script: str, host: str) -> str:
            source = (
                f"(() => {{ {script}; return FindProxyForURL('http://' + {host!r} + '/', {host!r}); }})()"
            )
            return page.evaluate(source)

        yield find
        browser.close()


@pytest.mark.parametrize("upstream", [None, "http://127.0.0.1:8080"])
def test_the_vendor_domains_are_refused_and_every_other_host_goes_upstream(
    find_proxy: Callable[[str, str], str], upstream: str | None
) -> None:
    script = pac_script(upstream)
    assert {host: find_proxy(script, host) for host in REFUSED} == dict.fromkeys(REFUSED, REFUSING_PROXY)
    expected = pac_proxy(upstream)
    assert {host: find_proxy(script, host) for host in PASSED} == dict.fromkeys(PASSED, expected)


def test_proxy_servers_become_pac_answers() -> None:
    assert pac_proxy(None) == "DIRECT"
    assert pac_proxy("http://127.0.0.1:8080") == "PROXY 127.0.0.1:8080"
    assert pac_proxy("127.0.0.1:3128") == "PROXY 127.0.0.1:3128"  # Playwright reads it as http
    assert pac_proxy("socks5://proxy.example:1080") == "SOCKS5 proxy.example:1080"
    for bad in ("ftp://127.0.0.1:21", "http://127.0.0.1", "http://user:secret@127.0.0.1:8080"):
        with pytest.raises(ValueError, match="the browser's proxy"):
            pac_proxy(bad)


def _launch_args(settings: dict[str, Any], configured: dict[str, Any] | None = None) -> tuple[dict, str]:
    """The launch options the download handler gives Playwright, and the PAC script its switch carries."""
    options = launch_options(Settings(settings), configured or {})
    switch = next(arg for arg in options["args"] if arg.startswith("--proxy-pac-url="))
    return options, base64.b64decode(switch.split("base64,", 1)[1]).decode()


def test_the_browser_gets_the_script_with_the_replica_upstream_and_no_proxy_option() -> None:
    options, script = _launch_args({"XXGK_REPLICA_URL": "http://127.0.0.1:8123"})
    assert "proxy" not in options
    assert script == pac_script("http://127.0.0.1:8123")
    options, script = _launch_args({})  # a real network: direct, Google's hosts still refused
    assert script == pac_script(None)
    launch = {"proxy": {"server": "socks5://127.0.0.1:1080"}}  # an operator's own proxy goes upstream
    options, script = _launch_args({}, launch)
    assert "proxy" not in options and script == pac_script("socks5://127.0.0.1:1080")
    with pytest.raises(ValueError, match="credentials"):
        _launch_args({}, {"proxy": {"server": "127.0.0.1:1080", "username": "u", "password": "p"}})
