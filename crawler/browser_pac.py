"""Where the crawler's Chromium may send a request: a proxy auto-config (PAC) script given at launch.

Chromium asks its vendor's services on its own, whatever page it shows: measured with Debian's
Chromium 156 through the replica (its request log, tests/test_fleet_browser.py), a sign-in check
(`accounts.google.com/ListAccounts`, retried with back-off) and an on-demand component install
(`update.googleapis.com/service/update2/json`, the on-device models' manifest) go out in spite of
`--disable-background-networking --disable-component-update --disable-sync`, without Debian's Google
API keys too, and no documented switch or feature flag tried stops them. These are the browser's own
requests, not the page's, so no Playwright route sees them; but every request, the browser's own
included, asks the proxy settings where to go. So the browser gets a PAC script that answers a refusing
proxy for the vendor's domains (the request fails at once: nothing leaves the machine) and, for every
other host, the proxy the crawl would have used (the replica) or a direct connection. A domain list
rather than a list of the hosts seen holds for any call-home host a later Chromium adds under those
domains. The cost: a page's own requests to these domains fail in the crawler's browser. The browser
only passes JavaScript challenges of Chinese government sites, whose pages cannot depend on them
(the domains are not reachable from mainland China), so none is lost.
"""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

# Chromium's vendor: google.com (accounts, clients*.google.com: sign-in, time, crash reports, www for
# search preconnects), googleapis.com (update, autofill, Safe Browsing, optimization guide, translate),
# gstatic.com (component data), gvt1.com / gvt2.com (component and extension downloads, network checks).
REFUSED_DOMAINS = ("google.com", "googleapis.com", "gstatic.com", "gvt1.com", "gvt2.com")
# A proxy nobody runs: loopback's discard port. Chromium's connection is refused at once, and a PAC
# answer without `; DIRECT` has no fallback, so the request fails on the machine.
REFUSING_PROXY = "PROXY 127.0.0.1:9"
NO_CREDENTIALS = "the browser's proxy cannot carry credentials (a PAC script has no place for them)"
# Playwright's proxy schemes, as PAC answers (Playwright reads a server without a scheme as http).
_PAC_KINDS = {"http": "PROXY", "https": "HTTPS", "socks": "SOCKS", "socks4": "SOCKS4", "socks5": "SOCKS5"}


def pac_proxy(server: str | None) -> str:
    """A proxy server as Playwright's launch option spells it (`http://127.0.0.1:8080`) as a PAC answer,
    or DIRECT for none."""
    if not server:
        return "DIRECT"
    parts = urlsplit(server if "://" in server else f"http://{server}")
    kind = _PAC_KINDS.get(parts.scheme)
    if kind is None or not parts.hostname or not parts.port:
        raise ValueError(
            f"the browser's proxy must look like http://HOST:PORT or socks5://HOST:PORT, not {server!r}"
        )
    if parts.username or parts.password:
        raise ValueError(NO_CREDENTIALS)
    return f"{kind} {parts.hostname}:{parts.port}"


def pac_script(upstream: str | None) -> str:
    """The PAC script: the refusing proxy for REFUSED_DOMAINS and their subdomains, `upstream` (a proxy
    server, see `pac_proxy`; None: direct) for every other host. Plain ES5 string tests, no PAC helper
    functions, so any JavaScript engine can run it (the tests run it in a page)."""
    domains = ", ".join(f'"{domain}"' for domain in REFUSED_DOMAINS)
    return (
        "function FindProxyForURL(url, host) {\n"
        '  host = host.toLowerCase().replace(/\\.$/, "");\n'
        f"  var refused = [{domains}];\n"
        "  for (var i = 0; i < refused.length; i++) {\n"
        "    var domain = refused[i];\n"
        '    if (host === domain || host.slice(-domain.length - 1) === "." + domain) {\n'
        f'      return "{REFUSING_PROXY}";\n'
        "    }\n"
        "  }\n"
        f'  return "{pac_proxy(upstream)}";\n'
        "}\n"
    )


def pac_switch(upstream: str | None) -> str:
    """Chromium's switch that installs `pac_script(upstream)` (a data: URL, so no file or server). It
    takes precedence over `--proxy-server`, so the browser must get no Playwright `proxy` option too."""
    encoded = base64.b64encode(pac_script(upstream).encode("ascii")).decode("ascii")
    return f"--proxy-pac-url=data:application/x-ns-proxy-autoconfig;base64,{encoded}"
