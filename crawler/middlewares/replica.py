"""Send every request to the offline replica instead of the live sites, keeping the real URLs.

The replica is an HTTP proxy that serves the agencies' hosts. Routing a request through it changes
nothing a spider, a parser or the archive sees: `response.url` stays `http://smzj.anshun.gov.cn/…`.
`https://` URLs are sent as `http://` through the proxy (the replica has no certificates) and given
their real URL back on the response. On simulated time (`XXGK_CLOCK`) each request tells the replica
the crawler's moment (`X-Xxgk-Clock`), so one process can crawl several simulated nights in turn.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from archive import clock

logger = logging.getLogger(__name__)

META_CANONICAL = "xxgk_canonical_url"
CLOCK_HEADER = "X-Xxgk-Clock"  # simulated time (archive.clock): only ever sent to the replica


def replica_proxy(url: str) -> str:
    """Validate `XXGK_REPLICA_URL` once, with a message a user can act on."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or not parts.port:
        raise ValueError(f"XXGK_REPLICA_URL must look like http://127.0.0.1:PORT, not {url!r}")
    return f"http://{parts.hostname}:{parts.port}"


class ReplicaRoutingMiddleware:
    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplicaRoutingMiddleware:
        url = crawler.settings.get("XXGK_REPLICA_URL")
        if not url:
            # Off by design, so no message: Scrapy logs a warning for a component disabled with one.
            logger.debug("%s off: XXGK_REPLICA_URL not set: crawling the live sites", cls.__name__)
            raise NotConfigured
        return cls(replica_proxy(url))

    def process_request(self, request: Request, spider: Spider | None = None) -> Request | None:
        if clock.simulated():  # the replica serves its sites as they were at our moment
            request.headers[CLOCK_HEADER] = clock.now().isoformat()
        if request.url.startswith("https://"):
            plain = request.replace(url="http://" + request.url.removeprefix("https://"))
            plain.meta[META_CANONICAL] = request.url
            plain.meta["proxy"] = self.proxy
            return plain
        request.meta["proxy"] = self.proxy
        return None

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        canonical = request.meta.get(META_CANONICAL)
        # Only the very URL that was rewritten: after a redirect the meta still carries the first one.
        if canonical and response.url == request.url == "http://" + canonical.removeprefix("https://"):
            return response.replace(url=canonical)
        return response
