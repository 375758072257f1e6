"""What every agency spider shares: identity, politeness, host confinement, and the detail fetch.

A site spider declares *what* (agency, hosts, columns, selectors); its platform base knows *how* that
CMS lists and paginates. Neither parses documents: the detail response goes out as a raw
`FetchedPage` and the pipelines parse, fetch attachments and store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.extraction.hints import ExtractionHints
from crawler.items import FetchedPage

# Incremental (nightly) mode comes with the scheduling work; until then every crawl is full.
MODES = ("full",)


class XxgkSpider(scrapy.Spider):
    """Base of every agency spider."""

    agency: ClassVar[str] = ""
    platform: ClassVar[str] = ""
    base_url: ClassVar[str] = ""
    hosts: ClassVar[tuple[str, ...]] = ()
    hints: ClassVar[ExtractionHints] = ExtractionHints()
    # Per-site politeness; merged into custom_settings by __init_subclass__.
    politeness: ClassVar[dict[str, Any]] = {
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "DOWNLOAD_DELAY": 0.25,
        "AUTOTHROTTLE_ENABLED": True,
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.hosts:
            cls.allowed_domains = list(cls.hosts)
        cls.custom_settings = {**cls.politeness, **(cls.custom_settings or {})}

    def __init__(self, mode: str = "full", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"unknown crawl mode {mode!r}; use one of {', '.join(MODES)}")
        self.mode = mode

    def detail_request(self, url: str, **context: Any) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_detail,
            errback=self.detail_failed,
            cb_kwargs={"context": context},
            meta={"xxgk_detail": True},  # lets the resume middleware recognise a document fetch
            # Details before further list pages, so a long crawl stores documents from the start.
            priority=10,
        )

    def parse_detail(
        self, response: Response, context: dict[str, Any] | None = None
    ) -> Iterator[FetchedPage]:
        yield FetchedPage(
            site=self.name,
            url=response.url,
            fetched_at=datetime.now(UTC),
            http_status=response.status,
            headers=_headers(response),
            body=response.body,
        )

    def detail_failed(self, failure: Failure) -> Iterator[FetchedPage]:
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        yield FetchedPage(
            site=self.name,
            url=request.url,
            fetched_at=datetime.now(UTC),
            http_status=response.status if response is not None else 0,
            headers=_headers(response) if response is not None else {},
            body=response.body if response is not None else b"",
            error=f"{failure.type.__name__}: {failure.getErrorMessage()}"[:500],
        )


def _headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1"): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }
