"""Which declared site a WARC record belongs to: its URL's host against the sites' own hosts.

The rule: a record whose host is one of a site's declared hosts (or a subdomain of one, as a crawl's
`allowed_domains` counts it) is that site's, parsed with its extraction hints, and may become a
document; `--site NAME` makes every record of the import that site's (a WARC of the site saved under
another host name). A record of any other host is kept as a capture, byte-exact, but never becomes a
document: mirror sites that copy government pages must not enter the archive as documents
(DESIGN §6), so the import is no way around the crawl's host confinement.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapy.utils.url import url_is_from_any_domain

from crawler.extraction.hints import ExtractionHints
from crawler.runner import UnknownSiteError, spider_loader

# The `site` a capture of no declared site is stored under (its capture has no document).
NO_SITE = ""


@dataclass(frozen=True)
class Site:
    name: str
    hints: ExtractionHints
    hosts: tuple[str, ...] = ()

    def owns(self, url: str) -> bool:
        """Whether `url` is on the site's own hosts: the only attachments a crawl fetches (the
        attachments pipeline skips files on other hosts: mirror and portal copies)."""
        return not self.hosts or url_is_from_any_domain(url, self.hosts)


class SiteMap:
    """Host → declared site, from the spiders (each declares its `hosts` and parser `hints`)."""

    def __init__(self, only: str | None = None) -> None:
        loader = spider_loader()
        names = loader.list()
        if only is not None and only not in names:
            raise UnknownSiteError(f"unknown site {only}; `xxgk sites` lists them")
        self.only: Site | None = None
        self.by_host: dict[str, Site] = {}
        for name in names:
            spider = loader.load(name)
            site = Site(name, spider.hints, tuple(getattr(spider, "hosts", ())))
            if name == only:
                self.only = site
            for host in getattr(spider, "hosts", ()):
                self.by_host[host.lower()] = site

    def site_of(self, url: str) -> Site | None:
        if self.only is not None:
            return self.only
        host = (urlsplit(url).hostname or "").lower()
        while host:
            found = self.by_host.get(host)
            if found is not None:
                return found
            host = host.partition(".")[2]  # a subdomain of a declared host counts, as in a crawl
        return None
