"""Capture rows: every fetch kept with its complete response, compressed against an earlier capture.

The version store decides what a fetch means; this writes the capture that proves it. A response is
one zstd frame compressed with the record of another capture as its dictionary (`archive/raw.py`): the
document's previous capture of the same status, or for a new document a capture of the same site (the
CMS template is most of a page). The writer remembers that capture per site and every URL's id, but
only once the transaction that wrote them has committed (`Learnt`, `commit`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, select

from archive import raw
from archive.models import Capture, Url
from archive.prepared import Prepared
from archive.records import FetchedPage

_CAPTURES = Capture.__table__
_URLS = Url.__table__


@dataclass
class Learnt:
    """What one `record` call learnt, kept by the store only once its transaction committed."""

    urls: dict[str, int] = field(default_factory=dict)
    relative: int | None = None
    capture: int | None = None  # the id of the capture row the transaction wrote


class CaptureWriter:
    def __init__(self) -> None:
        # site → a capture of it already stored: the zstd dictionary for a new document's first capture.
        self._relative: dict[str, int] = {}
        # URL → its id in `urls`, for URLs stored by committed transactions or read by them.
        self._url_ids: dict[str, int] = {}
        # The same as `_relative`, learnt by an earlier document of the transaction still open
        # (`VersionStore.record_many`): later documents of that transaction use it as they would once
        # it is committed; forgotten if the transaction is not.
        self._pending_relative: dict[str, int] = {}

    def learn_pending(self, site: str, done: Learnt) -> None:
        """What a document of a transaction still open learnt, for the transaction's later documents."""
        if done.relative is not None and site not in self._relative:
            self._pending_relative.setdefault(site, done.relative)

    def forget_pending(self) -> None:
        """The transaction is over (committed: `commit` then keeps what it learnt; or rolled back)."""
        self._pending_relative.clear()

    def commit(self, site: str, done: Learnt) -> None:
        """Remember what a committed transaction learnt (a rolled-back row id must never be reused)."""
        self._url_ids.update(done.urls)
        if done.relative is not None:
            self._relative.setdefault(site, done.relative)

    def has_relative(self, site: str) -> bool:
        return site in self._relative or site in self._pending_relative

    def _relative_of(self, site: str) -> int | None:
        return self._relative.get(site, self._pending_relative.get(site))

    def write(
        self,
        conn: Connection,
        page: FetchedPage,
        document_id: int | None,
        version_id: int | None,
        outcome: str,
        done: Learnt,
        new_document: bool = False,
    ) -> int:
        """One capture row holding the complete response, compressed against the document's previous
        capture (a new document's against a capture of the same site: the template is most of a page).
        A fetch that got no response (status 0) keeps no record. `new_document`: the document was
        created by this very fetch, so it has no capture yet and none is looked for."""
        # A redirect to the home page stands for a deleted document's page: of type "other".
        page_type = page.content.page_type if page.content else ("other" if page.redirected_to else None)

        def get(capture_id: int) -> raw.Frame | None:
            found = _FRAME.first(conn, {"id": capture_id})
            return raw.Frame(*found) if found is not None else None

        like = (
            self._latest_kept(conn, document_id, page.http_status)
            if document_id is not None and not new_document
            else None
        )
        relative = self._relative_of(page.site) if like is None else None
        if relative is not None:
            like = get(relative)
        record = (
            raw.message(
                page.http_status,
                page.headers,
                page.body,
                status_line=page.status_line,
                header_lines=page.header_lines,
            )
            if page.http_status
            else None
        )
        frame, base_id = raw.frame(raw.frames(conn, get), record, like)
        done.capture = _INSERT_CAPTURE.insert_id(
            conn,
            {
                "run_id": page.run_id,
                "document_id": document_id,
                "version_id": version_id,
                "url_id": self._url_id(conn, page.url, done),
                "fetched_at": page.fetched_at,
                "http_status": page.http_status,
                "raw": frame,
                "raw_base_id": base_id,
                "outcome": outcome,
                "page_type": page_type,
                "note": page.error,
            },
        )
        return done.capture

    def _latest_kept(self, conn: Connection, document_id: int, status: int | None) -> raw.Frame | None:
        """The document's most recent capture that holds a record, of the same status when there is one
        (a 304 or a 404 is a poor dictionary for the next full page): the base for its next capture."""
        found = _LATEST_KEPT_OF_STATUS.first(conn, {"document_id": document_id, "status": status})
        if found is None:
            found = _LATEST_KEPT.first(conn, {"document_id": document_id})
        return raw.Frame(*found) if found is not None else None

    def _url_id(self, conn: Connection, url: str, done: Learnt) -> int:
        found = self._url_ids.get(url) or _URL_ID.scalar(conn, {"url": url})
        if found is None:
            found = _INSERT_URL.insert_id(conn, {"url": url})
        done.urls[url] = found
        return found


_FRAME = Prepared(
    select(_CAPTURES.c.id, _CAPTURES.c.raw, _CAPTURES.c.raw_base_id).where(_CAPTURES.c.id == bindparam("id"))
)
_KEPT = (
    select(_CAPTURES.c.id, _CAPTURES.c.raw, _CAPTURES.c.raw_base_id)
    .where(
        _CAPTURES.c.document_id == bindparam("document_id"),
        _CAPTURES.c.raw.is_not(None) | _CAPTURES.c.raw_base_id.is_not(None),
    )
    .order_by(_CAPTURES.c.id.desc())
    .limit(1)
)
_LATEST_KEPT = Prepared(_KEPT)
_LATEST_KEPT_OF_STATUS = Prepared(_KEPT.where(_CAPTURES.c.http_status == bindparam("status")))
_URL_ID = Prepared(select(_URLS.c.id).where(_URLS.c.url == bindparam("url")))
_INSERT_URL = Prepared.insert(_URLS, ["url"], "id")
_INSERT_CAPTURE = Prepared.insert(
    _CAPTURES,
    [
        "run_id",
        "document_id",
        "version_id",
        "url_id",
        "fetched_at",
        "http_status",
        "raw",
        "raw_base_id",
        "outcome",
        "page_type",
        "note",
    ],
    "id",
)
