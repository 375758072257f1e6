"""What the crawler hands to the archive: one fetch of a document page and its attachments.

Plain dataclasses so the archive does not depend on Scrapy, and a test or an import script can feed
the store directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class FetchedAttachment:
    """One attached file as fetched. `text`/`text_note` are what `archive.attachment_text.extract`
    read from `body` (the crawl reads them in its parse worker; `attachment_text.read` does it for a
    caller feeding the store directly). The store only writes them: left unread (both None), the
    row waits for `xxgk db reindex` to read it."""

    url: str
    name: str | None
    http_status: int | None = None
    content_type: str | None = None
    body: bytes | None = None
    error: str | None = None
    text: str | None = None
    text_note: str | None = None


@dataclass
class FetchedPage:
    """A detail page as fetched (raw) and as parsed; `parsed` is a `crawler.extraction.ParsedPage`."""

    site: str
    url: str
    fetched_at: datetime
    http_status: int
    headers: dict[str, str]
    body: bytes
    parsed: Any = None
    attachments: list[FetchedAttachment] = field(default_factory=list)
    run_id: int | None = None
    error: str | None = None  # why the fetch failed (timeout, DNS, HTTP 5xx after retries)
    # Where the server sent us instead, when it answered the document's URL with its home page: `url`
    # stays the URL asked for, and the page is a soft-404 (the document is gone).
    redirected_to: str | None = None
