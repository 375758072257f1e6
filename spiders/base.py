"""What every agency spider shares: identity, politeness, host confinement, and the detail fetch.

A site spider declares *what* (agency, hosts, columns, selectors); its platform base knows *how* that
CMS lists and paginates. Neither parses documents: the detail response goes out as a raw
`FetchedPage` and the pipelines parse, fetch attachments and store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.utils.url import url_is_from_any_domain
from twisted.python.failure import Failure

from crawler.browser_settings import BROWSER_SETTINGS
from crawler.extraction.hints import ExtractionHints
from crawler.frontier import Frontier
from crawler.items import FetchedPage
from crawler.middlewares.faults import failure_reason
from crawler.middlewares.replica import META_CANONICAL

# full: every list page and every detail (conditionally when the archive holds it).
# incremental: each column newest-first until a list page brings nothing new or changed, plus
# tonight's revisit slice of known details (see crawler/frontier.py).
MODES = ("full", "incremental")


class XxgkSpider(scrapy.Spider):
    """Base of every agency spider."""

    agency: ClassVar[str] = ""
    platform: ClassVar[str] = ""
    base_url: ClassVar[str] = ""
    hosts: ClassVar[tuple[str, ...]] = ()
    hints: ClassVar[ExtractionHints] = ExtractionHints()
    # Column path → news | notices | policy | other, for the freshness audit (archive/audit/freshness.py).
    column_kinds: ClassVar[dict[str, str]] = {}
    # HTML list pages (see `listed_details`): where entries are, their link and date, which links are
    # documents. Platform bases set these; a platform listed by a JSON API does not use them.
    list_entry_xpath: ClassVar[str] = "//ul/li"
    detail_link_xpath: ClassVar[str] = ".//a[@href][1]"
    list_date_xpath: ClassVar[str] = "normalize-space(.//span)"
    detail_url_pattern: ClassVar[re.Pattern[str]] = re.compile(r"$^")
    # Per-site politeness; merged into custom_settings by __init_subclass__.
    politeness: ClassVar[dict[str, Any]] = {
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "DOWNLOAD_DELAY": 0.25,
        "AUTOTHROTTLE_ENABLED": True,
    }

    # True for a site behind a JavaScript challenge: its crawl gets the browser download handler
    # (crawler/browser.py); only the challenge pages go through the browser.
    browser: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.hosts:
            cls.allowed_domains = list(cls.hosts)
        browser = BROWSER_SETTINGS if cls.browser else {}
        cls.custom_settings = {**browser, **cls.politeness, **(cls.custom_settings or {})}

    def __init__(self, mode: str = "full", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"unknown crawl mode {mode!r}; use one of {', '.join(MODES)}")
        self.mode = mode
        self.frontier = Frontier()
        self.conditional = True
        self.requested: set[str] = set()  # details asked for in this run
        self.rechecked = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> XxgkSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        night = settings.getint("XXGK_NIGHT") if settings.get("XXGK_NIGHT") is not None else None
        spider.frontier = Frontier.from_archive(
            settings.get("XXGK_DATABASE_URL"),
            spider.name,
            settings.getint("XXGK_REVISIT_CYCLE"),
            night,
        )
        spider.conditional = settings.getbool("XXGK_CONDITIONAL")
        crawler.signals.connect(spider.recheck_unlisted, signal=signals.spider_idle)
        return spider

    def recheck_unlisted(self) -> None:
        """Full mode, once the lists are walked: ask again for every document the archive holds that
        no list showed this time. A 404, 410 or soft-404 answer is how a withdrawal is detected."""
        if self.mode != "full" or self.rechecked:
            return
        self.rechecked = True
        unlisted = sorted(set(self.frontier.known) - self.requested)
        if not unlisted:
            return
        self.logger.info("rechecking %d archived documents no list showed", len(unlisted))
        self.crawler.stats.set_value("xxgk/rechecked_unlisted", len(unlisted))
        for url in unlisted:
            self.crawler.engine.crawl(self.detail_request(url, recheck=True))
        raise DontCloseSpider

    @property
    def incremental(self) -> bool:
        return self.mode == "incremental"

    def saw_list_page(self, column: str) -> None:
        """Coverage ledger: which columns, and how many of their list pages, this run saw."""
        stats = self.crawler.stats
        stats.inc_value("xxgk/list_pages")
        stats.inc_value(f"xxgk/column_pages/{column}")

    def listed_details(self, response: Response, column: str) -> list[scrapy.Request]:
        """The detail requests an HTML list page calls for: its entries (`list_entry_xpath`) whose link
        is a document of this site (`detail_url_pattern`, own hosts only) and that this mode wants."""
        requests = []
        for entry in response.xpath(self.list_entry_xpath):
            href = entry.xpath(self.detail_link_xpath + "/@href").get()
            if not href:
                continue
            url = response.urljoin(href.strip())
            if not self.detail_url_pattern.search(url):
                continue
            if not url_is_from_any_domain(url, self.allowed_domains):  # reposts, mirror copies
                self.crawler.stats.inc_value("xxgk/offsite_links_skipped")
                continue
            title = entry.xpath(f"normalize-space({self.detail_link_xpath})").get()
            date = entry.xpath(self.list_date_xpath).get() or None
            if self.wants(url, title, date):
                requests.append(self.detail_request(url, column=column, list_title=title, list_date=date))
        return requests

    def wants(self, url: str, list_title: str | None, list_date: str | None) -> bool:
        """Whether a list entry's detail is worth fetching in this mode."""
        return not self.incremental or self.frontier.is_news(url, list_title, list_date)

    def detail_request(self, url: str, **context: Any) -> scrapy.Request:
        self.requested.add(url)
        validators = self.frontier.validators(url) if self.conditional else {}
        return scrapy.Request(
            url,
            callback=self.parse_detail,
            errback=self.detail_failed,
            headers=validators,
            cb_kwargs={"context": context},
            # xxgk_detail lets the resume middleware recognise a document fetch; a 304 answers a
            # conditional request and is a capture, not an error.
            meta={"xxgk_detail": True, "handle_httpstatus_list": [304] if validators else []},
            # Details before further list pages, so a long crawl stores documents from the start.
            priority=10,
        )

    def revisit_requests(self) -> Iterator[scrapy.Request]:
        """Incremental mode: tonight's slice of known details, asked for conditionally."""
        if not self.incremental:
            return
        for url in self.frontier.revisit_slice():
            self.crawler.stats.inc_value("xxgk/revisit")
            request = self.detail_request(url, revisit=True)
            yield request.replace(priority=0)

    def parse_detail(
        self, response: Response, context: dict[str, Any] | None = None
    ) -> Iterator[FetchedPage]:
        # Where the response came from and what was asked for: the pipelines judge a redirect.
        asked = _asked_url(response.request) if response.request is not None else response.url
        yield FetchedPage(
            site=self.name,
            url=response.url,
            http_status=response.status,
            headers=_headers(response),
            body=response.body,
            requested_url=asked if asked != response.url else None,
        )

    def detail_failed(self, failure: Failure) -> Iterator[FetchedPage]:
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        yield FetchedPage(
            site=self.name,
            url=_failed_url(request, response),
            http_status=response.status if response is not None else 0,
            headers=_headers(response) if response is not None else {},
            body=response.body if response is not None else b"",
            # The failure ledger's reason (crawler/middlewares/faults.py) when it gave one.
            error=(failure_reason(request) or f"{failure.type.__name__}: {failure.getErrorMessage()}")[:500],
        )


def _headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1"): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }


def _failed_url(request: Any, response: Response | None) -> str:
    """The URL a failed fetch is recorded at: the response's where there is one (downloader middlewares
    may have given it back its canonical form, an https:// page fetched as http:// through the
    replica), else the one asked for, before any redirect the crawler refused."""
    if response is not None and not request.meta.get("redirect_urls"):
        return response.url
    return _asked_url(request)


def _asked_url(request: Any) -> str:
    """The URL the spider asked for, before any redirect (in its https:// form when the replica
    routing fetched it as http://)."""
    return request.meta.get(META_CANONICAL) or (request.meta.get("redirect_urls") or [request.url])[0]
