"""Surviving faulty servers: Retry-After within a cap, redirects kept on the site, and a failure ledger.

Three downloader middlewares, each with one job (see docs/faults.md for the whole table):

- `PoliteRetryMiddleware` replaces Scrapy's RetryMiddleware (550): a 5xx/429 with `Retry-After` is
  retried after the server's delay when it is within `XXGK_RETRY_AFTER_MAX` seconds, and not retried
  at all when the server asks for longer (a crawl must not stall for an hour on one page).
- `RedirectGuardMiddleware` (660, before Scrapy's RedirectMiddleware at 600 sees the response) refuses
  a redirect (HTTP or meta refresh) to another host (a mirror site must never enter the archive; Scrapy would otherwise drop
  the redirected request silently at scheduling, so the document would vanish from the run's record)
  and a redirect back to a URL already visited (a loop), and enforces REDIRECT_MAX_TIMES itself, each
  as a `RedirectRefused` that reaches the request's errback with a clear reason.
- `FailureLedgerMiddleware` (50, next to the engine) sees what is left once retries are spent: it
  gives each failure a kind and a one-line reason, counts it in the run's stats (`xxgk/failure/KIND`),
  lists it (`xxgk/failures`, kept on the crawl run) and leaves the reason in `request.meta` so the
  detail errback stores it as the capture's note.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse, Response
from scrapy.utils.response import get_meta_refresh
from scrapy.utils.url import url_is_from_any_domain
from twisted.internet import error as net_error

FAILURE = "xxgk_failure"  # request.meta: (kind, reason) of the final failure
LEDGER_LIMIT = 200  # failures listed on one run (all are counted)


def note_failure(crawler: Crawler, request: Request, kind: str, reason: str) -> None:
    """Record one final failure on the run (stats) and on the request (for the capture's note)."""
    request.meta[FAILURE] = (kind, reason)
    stats = crawler.stats
    assert stats is not None
    stats.inc_value(f"xxgk/failure/{kind}")
    listed = stats.get_value("xxgk/failures") or []
    if len(listed) < LEDGER_LIMIT:
        asked = (request.meta.get("redirect_urls") or [request.url])[0]  # before any redirect
        stats.set_value("xxgk/failures", [*listed, {"url": asked, "kind": kind, "reason": reason}])


def failure_reason(request: Request) -> str | None:
    """The ledger's reason for a failed request, as `kind: reason`, if it recorded one."""
    noted = request.meta.get(FAILURE)
    return f"{noted[0]}: {noted[1]}" if noted else None


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date); None if absent/unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _attempts(request: Request) -> int:
    return int(request.meta.get("retry_times", 0)) + 1


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, plus the server's Retry-After: waited for when reasonable, obeyed as 'not now'
    (no retry this run) when longer than the cap."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("XXGK_RETRY_AFTER_MAX")

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if delay is not None and delay > self.retry_after_max:
            note_failure(
                self.crawler,
                request,
                f"http_{response.status}",
                f"HTTP {response.status} with Retry-After {delay:.0f}s, beyond the {self.retry_after_max:.0f}s"
                " cap: not retried this run",
            )
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        if delay:
            from scrapy.utils.defer import maybe_deferred_to_future
            from twisted.internet import reactor, task

            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("xxgk/retry_after_waited")
            await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))
        return retry


class RedirectRefused(IgnoreRequest):
    """A redirect the crawler will not follow; reaches the request's errback."""


class RedirectGuardMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_times = crawler.settings.getint("REDIRECT_MAX_TIMES", 20)
        self.refresh_enabled = crawler.settings.getbool("METAREFRESH_ENABLED", True)
        self.refresh_ignore_tags = crawler.settings.getlist("METAREFRESH_IGNORE_TAGS")
        self.refresh_max_delay = crawler.settings.getint("METAREFRESH_MAXDELAY", 100)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        target, how = self.redirect_target(request, response)
        if target is None:
            return response
        domains = list(getattr(self.crawler.spider, "allowed_domains", None) or [])
        visited = [*request.meta.get("redirect_urls", []), request.url]
        if domains and not url_is_from_any_domain(target, domains):
            kind = "offsite_redirect"
            reason = f"{how} to another host {urlsplit(target).hostname} ({target}): not followed"
        elif target in visited:
            kind, reason = "redirect_loop", "redirect loop " + " → ".join([*visited, target])
        elif len(visited) > self.max_times:
            kind, reason = "redirect_limit", f"more than {self.max_times} redirects from {visited[0]}"
        else:
            return response
        note_failure(self.crawler, request, kind, reason)
        raise RedirectRefused(reason)

    def redirect_target(self, request: Request, response: Response) -> tuple[str | None, str]:
        """Where Scrapy's RedirectMiddleware or MetaRefreshMiddleware would go next, and how."""
        location = response.headers.get("Location")
        if 300 <= response.status < 400 and response.status != 304 and location:
            return urljoin(request.url, location.decode("latin-1").strip()), f"HTTP {response.status}"
        if not self.refresh_enabled or not isinstance(response, HtmlResponse) or request.method == "HEAD":
            return None, ""
        interval, url = get_meta_refresh(response, ignore_tags=self.refresh_ignore_tags)
        if url is None or interval is None or interval >= self.refresh_max_delay:
            return None, ""
        return url, "meta refresh"


class FailureLedgerMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.maxsize = settings.getint("DOWNLOAD_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureLedgerMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if response.status >= 500 and FAILURE not in request.meta:
            note_failure(
                self.crawler,
                request,
                f"http_{response.status}",
                f"HTTP {response.status} after {_attempts(request)} attempts",
            )
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None) -> None:
        if isinstance(exception, IgnoreRequest):
            return None
        kind, reason = self.describe(request, exception)
        note_failure(self.crawler, request, kind, reason)
        return None

    def describe(self, request: Request, exception: Exception) -> tuple[str, str]:
        attempts = _attempts(request)
        if isinstance(exception, DownloadTimeoutError | net_error.TimeoutError):
            timeout = request.meta.get("download_timeout", self.timeout)
            return "timeout", f"no complete answer within {timeout:g}s, {attempts} attempts"
        if isinstance(exception, ResponseDataLossError) or "DataLoss" in repr(exception):
            return "truncated", f"body shorter than its Content-Length, {attempts} attempts"
        if isinstance(exception, DownloadCancelledError):
            cap = request.meta.get("download_maxsize", self.maxsize)
            return "oversized", f"larger than the {cap} byte size cap: download cancelled"
        if isinstance(exception, net_error.ConnectionRefusedError | net_error.ConnectError):
            return "connection", f"{type(exception).__name__}, {attempts} attempts"
        return "download_error", f"{type(exception).__name__}: {exception}"[:300]
