"""How many idle connections an HTTP download handler keeps: one for every request in flight.

Twisted's pool keeps idle connections per host, or per proxy when there is one (the replica, an
archivist's own proxy), and Scrapy caps that at CONCURRENT_REQUESTS_PER_DOMAIN; each connection past
the cap is closed when its response ends, and the next burst opens new ones. Two things put more than
the cap in flight on one key: a proxy (every host shares its key), and Scrapy itself when there is no
download delay (its slot queue schedules every queued request before any counts as transferring, so
one host can take all of CONCURRENT_REQUESTS; scrapy/scrapy#6982 reports the same). bench/crawl.py (no
delay, through the replica) opened 1,502 connections for 4,389 responses; with the crawl's whole
concurrency as the cap, 32. With a delay (the sites' politeness) a host never has more in flight than
its slot allows, and nothing changes.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings
from twisted.web.client import HTTPConnectionPool


def keep_a_connection_per_request(pool: HTTPConnectionPool, settings: BaseSettings) -> None:
    """Let `pool` (a Scrapy HTTP/1.1 handler's) keep as many idle connections per key as the crawl can
    have requests in flight."""
    pool.maxPersistentPerHost = max(pool.maxPersistentPerHost, settings.getint("CONCURRENT_REQUESTS"))
