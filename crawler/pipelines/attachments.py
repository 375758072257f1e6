"""Fetch the attachments a parsed page links to, and read their text, before the page is stored.

Like Scrapy's FilesPipeline, the pipeline downloads through the engine (so the downloader middlewares,
the replica routing and the off-site filter all apply), but the bytes go to the archive with the
page, in the same transaction, because an attachment's hash is part of the version's fingerprint.

The text (archive/attachment_text.py) is read here, in the crawl's parse worker (`crawler.workers`),
not by the store: reading a large PDF takes long enough that doing it inside the store's transaction,
on the reactor's thread, would hold the SQLite write lock and stall every download meanwhile. Files
that need OCR or a converter (a scan takes a second a page) are not read here at all
(`XXGK_SLOW_ATTACHMENTS="after"`): stored unread, they wait for the attachment queue, which `xxgk
crawl` drains when the crawl has ended (archive/attachment_queue.py), so they never slow the crawl.

A file whose bytes the archive already holds with their text (its SHA-256 is in the frontier's
`attachment_hashes`, loaded when the spider starts) is not read again: it goes to the store marked
`text_stored`, and the store writes the text stored with the same bytes (`xxgk/attachment_text_reused`).
So a full refetch of unchanged pages reads no attachment twice.
"""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.url import url_is_from_any_domain

from archive import attachment_text, blobs
from archive.records import AttachmentLink
from crawler.items import FetchedAttachment, FetchedPage
from crawler.workers import ParseWorkers


class AttachmentsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.maxsize = crawler.settings.getint("XXGK_ATTACHMENT_MAXSIZE")
        self.workers = ParseWorkers.of(crawler)
        self.slow = crawler.settings.get("XXGK_SLOW_ATTACHMENTS", "after") == "inline"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AttachmentsPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.workers.open()

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        content = item.content if isinstance(item, FetchedPage) else None
        if content is None or content.page_type != "detail":
            return item
        links = [(url, name) for url, name in _unique(content.attachment_links) if self._own(url)]
        if links:
            item.attachments = list(await asyncio.gather(*(self._fetch(url, name) for url, name in links)))
        return item

    def _own(self, url: str) -> bool:
        """Only the site's own files: a body linking to a mirror or another agency's host must not bring
        that file into the archive (DESIGN §6)."""
        domains = getattr(self.crawler.spider, "allowed_domains", None)
        if not domains or url_is_from_any_domain(url, domains):
            return True
        self.crawler.stats.inc_value("xxgk/offsite_attachment_skipped")
        return False

    async def _fetch(self, url: str, name: str | None) -> FetchedAttachment:
        assert self.crawler.engine is not None
        request = Request(url, meta={"download_maxsize": self.maxsize, "handle_httpstatus_all": True})
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # a lost attachment must not lose the page
            self.crawler.stats.inc_value("xxgk/attachment_error")
            return FetchedAttachment(url=url, name=name, error=f"{type(exc).__name__}: {exc}"[:500])
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        self.crawler.stats.inc_value("xxgk/attachment_fetched")
        fetched = FetchedAttachment(
            url=url,
            name=name,
            http_status=response.status,
            content_type=content_type,
            body=response.body if response.status < 400 else None,
            error=None if response.status < 400 else f"HTTP {response.status}",
        )
        if fetched.body is not None:
            if blobs.sha256(fetched.body) in self._known_hashes():
                fetched.text_stored = True
                self.crawler.stats.inc_value("xxgk/attachment_text_reused")
                return fetched
            found = await self._read(fetched)
            fetched.text, fetched.text_note, fetched.text_method = found.text, found.note, found.method
            fetched.text_search_form = found.search_form
            if found.deferred:
                self.crawler.stats.inc_value("xxgk/attachment_text_deferred")
        return fetched

    def _known_hashes(self) -> set[str]:
        frontier = getattr(self.crawler.spider, "frontier", None)
        return getattr(frontier, "attachment_hashes", None) or set()

    async def _read(self, fetched: FetchedAttachment) -> attachment_text.Extracted:
        """The file's text, read in the parse worker, with its search form (`extract_searchable`: the
        store need not fold it). `extract` never raises on a damaged file; a worker that died or could
        not take the job is a reason too, never a lost page."""
        try:
            return await self.workers.run(
                attachment_text.extract_searchable,
                fetched.body,
                fetched.name,
                fetched.content_type,
                slow=self.slow,
            )
        except Exception as exc:
            self.crawler.stats.inc_value("xxgk/attachment_text_error")
            return attachment_text.Extracted(None, f"not read: {type(exc).__name__}: {exc}"[:300])


def _unique(links: list[AttachmentLink]) -> list[tuple[str, str | None]]:
    seen: dict[str, str | None] = {}
    for link in links:
        seen.setdefault(link.url, link.name)
    return list(seen.items())
