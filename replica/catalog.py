"""What every replica site is once built, whatever its CMS: its pages, and the answer to any request.

One `Catalog` for every platform. It holds the site's pages (`documents`, newest first, `by_path`,
`by_column`, `files`) and what the change log did to them (`gone`, `moved`, `modified`,
`added_paragraphs`), replays changes (`apply`, from `replica.catalog_changes`), hides pages not yet
published on simulated time, and serves: a document's page, an attachment, a withdrawn page, else the
platform's own `route`. Conditional GET and view counters are `replica.conditional`.

A platform supplies the rest: where a document lives (`locate`), its list, section and home pages
(`route`), its detail page (`render_detail`), its "does not exist" page, and how its documents are
generated: `replica.generation.ColumnCatalog` for sites of list columns (TRS WCM, sxjz, 安康), the
posts of `replica.platforms.gkmlpt_posts` for Guangdong's platform.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from replica import conditional, content
from replica.catalog_changes import Changes
from replica.declarations import PAGE_SIZE, Column, KnownReport, ReportColumn, SiteDeclaration
from replica.documents import ReplicaDocument, page_order
from replica.web import SERVER, Response, SiteRequest, redirect

Block = str | list[list[str]]  # a body paragraph, or a table as rows of cells


class Catalog(Changes):
    """A built site: its pages, how they changed, and the answer to any request for one of its URLs.

    `site` is the platform's declaration: it has at least `host`, `charset`, `charset_in_header` and
    `scheme`; the platform's subclass fills the pages with `index` when it is built."""

    def __init__(self, site: Any, seed: int) -> None:
        self.site = site
        self.seed = seed
        self.host: str = site.host
        self._plans: dict[str, Any] = {}  # page path → what its body is generated from (the platform's)
        self.documents: list[ReplicaDocument] = []
        self.by_path: dict[str, ReplicaDocument] = {}
        self.by_column: dict[str, list[ReplicaDocument]] = {}
        self.files: dict[str, tuple[Any, ReplicaDocument]] = {}
        # Changes replayed from the state directory (see `apply`).
        self.modified: dict[str, datetime] = {}
        self.added_paragraphs: dict[str, list[str]] = {}  # document key → paragraphs added by edits
        self.gone: dict[str, tuple[str, ReplicaDocument]] = {}  # path → ("404" | "410" | "soft404", doc)
        self.moved: dict[str, str] = {}  # old path → new path
        self._hits = itertools.count(1)
        self._detail_parts = lru_cache(maxsize=4096)(self.render_detail)
        self.next_publication: datetime | None = None  # on simulated time: the next hidden page's date

    def index(self, records: Iterable[ReplicaDocument]) -> None:
        """Take `records` as the site's pages: sorted newest first, by path, by column, with their files."""
        self.documents = sorted(records, key=page_order, reverse=True)
        self.by_path = {d.path: d for d in self.documents}
        self.by_column = {path: [] for path in self.column_keys()}
        for d in self.documents:
            self.by_column.setdefault(d.column, []).append(d)
        self.files = {a.path: (a, d) for d in self.documents for a in d.attachments}

    def hide_after(self, moment: datetime) -> None:
        """Simulated time: the site as it was at `moment` (Beijing wall time) shows no page dated later."""
        later = [d.publish for d in self.documents if d.publish > moment]
        self.next_publication = min(later, default=None)
        if not later:
            return
        self.index([d for d in self.documents if d.publish <= moment])
        self._detail_parts.cache_clear()
        self.changed()

    # ---- the platform's part ----------------------------------------------------------------------

    def column_keys(self) -> Iterable[str]:
        """The columns `by_column` lists even while they are empty."""
        return ()

    def route(self, request: SiteRequest) -> Response | None:
        """List, section and home pages; None when the path is not one of them."""
        raise NotImplementedError

    def render_detail(self, path: str) -> tuple[bytes, bytes]:
        """The detail page at `path`, encoded and split around its view counter (cached by the caller)."""
        raise NotImplementedError

    def body_blocks(self, doc: ReplicaDocument) -> list[Block]:
        """The body as generated: paragraphs, and tables as lists of rows (attachments not included)."""
        raise NotImplementedError

    def not_found_html(self) -> str:
        raise NotImplementedError

    def soft404_html(self) -> str:
        """What the CMS answers with 200 for a deleted page (the same "does not exist" page by default)."""
        return self.not_found_html()

    # ---- bodies -----------------------------------------------------------------------------------

    def published_blocks(self, doc: ReplicaDocument) -> list[Block]:
        """The body as the page shows it now: as generated, plus the paragraphs edits added."""
        return [*self.body_blocks(doc), *self.added_paragraphs.get(doc.key, [])]

    def body_text(self, doc: ReplicaDocument) -> str:
        """Paragraphs joined by newlines (tables as tab-separated rows): what a good extractor recovers."""
        return content.blocks_text(self.published_blocks(doc))

    # ---- serving ----------------------------------------------------------------------------------

    def encode(self, page: str) -> bytes:
        charset = self.site.charset.lower()
        return page.encode("gb18030" if charset.startswith("gb") else charset)

    def content_type(self) -> str:
        return f"text/html; charset={self.site.charset}" if self.site.charset_in_header else "text/html"

    def html(self, status: int, page: str, headers: dict[str, str] | None = None) -> Response:
        return Response(
            status,
            {"Content-Type": self.content_type(), "Server": SERVER, **(headers or {})},
            self.encode(page),
        )

    def handle(self, request: SiteRequest) -> Response:
        path = request.path
        if path in self.by_path:
            doc = self.by_path[path]
            return conditional.detail_response(
                request,
                self.modified.get(doc.path, doc.publish),
                self.content_type(),
                lambda: self._detail_parts(doc.path),
                lambda: doc.views + next(self._hits),
            )
        if path in self.files:
            attachment, doc = self.files[path]
            return conditional.attachment_response(
                request, self.modified.get(doc.path, doc.publish), attachment
            )
        if path in self.gone:
            return self.gone_response(self.gone[path][0])
        routed = self.route(request)
        return routed if routed is not None else self.not_found()

    def gone_response(self, how: str) -> Response:
        """A withdrawn page: its status (404, 410), a 200 "does not exist" page, or sent home (302)."""
        if how == "soft404":  # the CMS answers 200 with its "page does not exist" page
            return self.html(200, self.soft404_html())
        if how == "302":  # the CMS sends the reader to the home page
            return redirect("/", 302)
        return self.html(int(how), self.not_found_html())

    def not_found(self) -> Response:
        return self.html(404, self.not_found_html())

    def list_chunk(self, column_path: str, page: int) -> tuple[list[ReplicaDocument], int]:
        """Documents on list page `page` (0-based) of a column, and the column's page count."""
        docs = self.by_column[column_path]
        size = self.site.page_size
        pages = max(1, -(-len(docs) // size))
        return docs[page * size : (page + 1) * size], pages


__all__ = [
    "PAGE_SIZE",
    "Block",
    "Catalog",
    "Column",
    "KnownReport",
    "ReportColumn",
    "SiteDeclaration",
]
