"""The version store: decides whether a fetch is a new version, an unchanged one, or a withdrawal.

Each call to `record` is one transaction, so a crash mid-crawl leaves every document either fully
written or untouched, and a rerun simply continues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from archive import blobs, clock, runs
from archive.captures import CaptureWriter, Learnt
from archive.db import Archive
from archive.fingerprint import Seen, StoredFile, as_latest_sees, fingerprint
from archive.health import Health
from archive.models import Attachment, Document, DocumentUrl, Event, Version
from archive.prepared import Prepared, insert_id, insert_rows, update_row
from archive.records import VERSION_COLUMNS, FetchedAttachment, FetchedPage
from archive.search import index as search_index

GONE_STATUSES = {404, 410}


@dataclass(frozen=True)
class Outcome:
    kind: str  # new_version | unchanged | withdrawn | not_document
    document_id: int | None = None
    version_number: int | None = None
    capture_id: int | None = None  # the capture row that records the fetch


# What a caller writes with a fetch in the same transaction, given the fetch's outcome (`record`'s `also`).
Also = Callable[[Connection, Outcome], None]


def now() -> datetime:
    """Run and version times follow `archive.clock` (real time unless XXGK_CLOCK is set)."""
    return clock.now()


class VersionStore:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.captures = CaptureWriter()
        # Whether the search index is under the running normaliser (`search.state.is_current`), read
        # once per transaction by its first new version instead of once per version; None: not read
        # yet in the open transaction.
        self._index_current: bool | None = None

    # -- runs (archive/runs.py) ---------------------------------------------------------------------
    def start_run(self, site: str, mode: str, scheduled_for: datetime | None = None) -> int:
        return runs.start(self.archive, site, mode, scheduled_for)

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any]) -> Health | None:
        return runs.finish(self.archive, run_id, status, stats)

    # -- documents ----------------------------------------------------------------------------------
    def record(self, page: FetchedPage, also: Also | None = None) -> Outcome:
        """Store one fetch in one transaction. Written with statements compiled once and run on the
        session's DB-API connection (`prepared.Prepared`: no unit of work, no per-call SQLAlchemy
        compile or cache-key work): this runs once per document of every crawl.

        `also` writes what a caller keeps with the fetch in the same transaction (the WARC import's
        ledger row naming the capture), so the two are committed or lost together."""
        if page.fetched_at is None:
            page.fetched_at = now()
        done = Learnt()
        self._index_current = None
        with self.archive.session() as s:
            conn = s.connection()
            outcome = replace(self._record(conn, page, done), capture_id=done.capture)
            if also is not None:
                also(conn, outcome)
        self.captures.commit(page.site, done)  # what it learnt, kept only once committed
        return outcome

    def record_many(
        self, pages: list[FetchedPage], also: list[Also | None] | None = None
    ) -> list[Outcome | Exception]:
        """Store several fetches in one transaction, each exactly as `record` would, or, when any of
        them fails, each in a transaction of its own as `record` does: one page's failure costs no
        other page. Returns each page's outcome, or the exception its own transaction raised.
        `also[i]`, where given, is `record`'s `also` for `pages[i]`.

        Why: a transaction's commit (SQLite writing its pages to the WAL, the FTS5 segment) was a
        third of the store's CPU for a new document; 8–32 documents a commit cost 30–40% less a
        document (docs/benchmarks.md). Crash safety is the caller's, as with `record`: a page counts as
        stored once this has returned, since a killed process loses the whole open transaction."""
        writes: list[Also | None] = list(also) if also is not None else [None] * len(pages)
        if len(pages) > 1:
            try:
                return self._record_together(pages, writes)
            except Exception:  # which page failed is not known here: each alone, as before
                pass
        results: list[Outcome | Exception] = []
        for page, write in zip(pages, writes, strict=True):
            try:
                results.append(self.record(page, also=write))
            except Exception as exc:
                results.append(exc)
        return results

    def _record_together(self, pages: list[FetchedPage], writes: list[Also | None]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        learnt: list[tuple[str, Learnt]] = []
        self._index_current = None
        try:
            with self.archive.session() as s:
                conn = s.connection()
                for page, write in zip(pages, writes, strict=True):
                    if page.fetched_at is None:
                        page.fetched_at = now()
                    done = Learnt()
                    outcome = replace(self._record(conn, page, done), capture_id=done.capture)
                    if write is not None:
                        write(conn, outcome)
                    outcomes.append(outcome)
                    self.captures.learn_pending(page.site, done)
                    learnt.append((page.site, done))
        finally:
            self.captures.forget_pending()
        for site, done in learnt:  # committed: what the transaction learnt is kept
            self.captures.commit(site, done)
        return outcomes

    def _record(self, conn: Connection, page: FetchedPage, done: Learnt) -> Outcome:
        doc = self._find_document(conn, page.site, page.url)
        content = page.content
        if page.http_status == 304:
            return self._not_modified(conn, doc, page, done)
        if page.http_status == 0 or page.http_status >= 500 or (content is None and page.error):
            # The server failed us (or the parser did): that says nothing about the document.
            # Keep the raw response, change nothing.
            self.captures.write(conn, page, doc.id if doc else None, None, "error", done)
            return Outcome("error", doc.id if doc else None)
        gone = (
            page.http_status in GONE_STATUSES
            or page.redirected_to is not None
            or (content is not None and content.is_soft_404)
        )
        if gone:
            return self._withdraw(conn, doc, page, done)
        if content is None or content.page_type != "detail":
            self.captures.write(conn, page, doc.id if doc else None, None, "not_document", done)
            return Outcome("not_document", doc.id if doc else None)
        return self._store_detail(conn, doc, page, done)

    def _find_document(self, conn: Connection, site: str, url: str) -> _Doc | None:
        # Every document has a DocumentUrl row for each URL it was seen at (its current one included),
        # so one indexed lookup finds it whether or not it has moved. By URL, then by id, and the site
        # compared here: on a fresh PostgreSQL archive (no statistics yet) the planner answered a join,
        # and even `id = ? AND site = ?`, through the `site` index, reading every document of the
        # site for each page (O(n) a page; tests/test_store_plans.py).
        for (document_id,) in _URL_DOCUMENTS.all(conn, {"url": url}):
            found = _DOCUMENT_BY_ID.first(conn, {"id": document_id})
            if found is not None and found[0] == site:
                return _Doc(*found[1:])
        return None

    def _moved(self, conn: Connection, page: FetchedPage, fields: dict[str, Any]) -> _Doc | None:
        """A new URL showing the 索引号 of a document we hold is that document moved (DESIGN §4): it
        gains the URL and a `moved` event. Only when exactly one document has that 索引号 and it is
        the same item (same title, or already gone from its old URL), so a CMS that reuses numbers
        does not merge two documents."""
        index_no = (fields.get("index_no") or "").strip()
        if not index_no:
            return None
        held = _BY_INDEX_NO.all(conn, {"site": page.site, "index_no": index_no})
        if len(held) != 1:
            return None
        doc = _Doc(*held[0])
        if doc.title != fields.get("title") and doc.status != "withdrawn":
            return None
        insert_rows(
            conn, _DOCUMENT_URLS, [{"document_id": doc.id, "url": page.url, "first_seen_at": page.fetched_at}]
        )
        _event(conn, doc.id, "moved", page, f"{doc.url} → {page.url}")
        update_row(conn, _DOCUMENTS, doc.id, {"url": page.url})
        doc.url = page.url
        return doc

    def _latest(self, conn: Connection, doc: _Doc) -> _Latest | None:
        found = _LATEST_VERSION.first(conn, {"document_id": doc.id})
        if found is None:
            return None
        version_id, number, fp = found
        files = [StoredFile(*row) for row in _VERSION_FILES.all(conn, {"version_id": version_id})]
        return _Latest(version_id, number, fp, files)

    def _store_detail(self, conn: Connection, doc: _Doc | None, page: FetchedPage, done: Learnt) -> Outcome:
        content, at = page.content, page.fetched_at
        assert content is not None and at is not None
        fields = content.fields.as_dict()
        if doc is None:
            doc = self._moved(conn, page, fields)
        created = doc is None
        if doc is None:
            doc_id = insert_id(
                conn,
                _DOCUMENTS,
                {
                    "site": page.site,
                    "url": page.url,
                    "first_seen_at": at,
                    "last_seen_at": at,
                    "status": "active",
                    "title": fields["title"],
                    "index_no": fields["index_no"],
                },
            )
            doc = _Doc(doc_id, page.url, "active", fields["title"], fields["index_no"])
            insert_rows(conn, _DOCUMENT_URLS, [{"document_id": doc.id, "url": page.url, "first_seen_at": at}])
            _event(conn, doc.id, "created", page)
            latest = None
        else:
            latest = self._latest(conn, doc)
        body = content.body or ""
        attachment_hashes = self._attachment_hashes(conn, page, latest)
        fp = fingerprint(fields, body, [(url, digest) for url, digest, _ in attachment_hashes])

        changes: dict[str, Any] = {}
        if not created:
            if doc.status == "withdrawn":
                changes["status"] = doc.status = "active"
                _event(conn, doc.id, "restored", page)
            changes["last_seen_at"] = at

        if latest is not None and latest.fingerprint != fp:
            # Not the same by URL: maybe the same content as the latest version would see it (files
            # moved with the document, a fetch that failed tonight, a gap of its own now filled).
            seen = as_latest_sees(latest.files, attachment_hashes)
            if fingerprint(fields, body, [(a.url, a.before) for a in seen]) == latest.fingerprint:
                completed = fingerprint(fields, body, [(a.url, a.now) for a in seen])
                if self._fill_gaps(conn, latest, seen):
                    latest.fingerprint = completed
                    update_row(conn, _VERSIONS, latest.id, {"fingerprint": completed})
                fp = latest.fingerprint
        if latest is not None and latest.fingerprint == fp:
            update_row(conn, _VERSIONS, latest.id, {"last_seen_at": at})
            _update_document(conn, doc.id, changes)
            self.captures.write(conn, page, doc.id if doc else None, latest.id, "unchanged", done)
            return Outcome("unchanged", doc.id, latest.number)

        number = (latest.number + 1) if latest else 1
        values = {
            "document_id": doc.id,
            "number": number,
            "fingerprint": fp,
            "first_seen_at": at,
            "last_seen_at": at,
            "run_id": page.run_id,
            "raw_sha256": blobs.sha256(page.body),
            "url_date": content.url_date,
            "fields": fields,
            "body": body,
            "search_text": content.search_text,
            "charset": content.charset,
            "tables": list(content.tables),
            **{name: fields[name] for name in VERSION_COLUMNS},
        }
        version_id = insert_id(conn, _VERSIONS, values)
        known = {a.sha256: a for a in latest.files if a.sha256} if latest is not None else {}
        files = []
        for url, digest, fetched in attachment_hashes:
            text, note, method = self._attachment_text(conn, fetched, digest, known.get(digest))
            files.append(
                {
                    "version_id": version_id,
                    "url": url,
                    "name": fetched.name if fetched else None,
                    "http_status": fetched.http_status if fetched else None,
                    "content_type": fetched.content_type if fetched else None,
                    "size": len(fetched.body) if fetched and fetched.body is not None else None,
                    "sha256": digest,
                    "error": fetched.error if fetched else None,
                    "text": text,
                    "text_note": note,
                    "text_method": method,
                }
            )
        insert_rows(conn, _ATTACHMENTS, files)
        if not created:
            changes["title"], changes["index_no"] = fields["title"], fields["index_no"]
        _update_document(conn, doc.id, changes)
        # The search row from the values just written (what `search.index.rows` would read back).
        version = SimpleNamespace(id=version_id, **values)
        texts = [t for f in files for t in (f["name"], f["text"])]
        if self._index_current is None:
            self._index_current = search_index.is_current(conn)
        # Texts the crawl folded where it read them (the parse worker) are not folded again here.
        folded = {
            a.text: a.text_search_form for a in page.attachments if a.text and a.text_search_form is not None
        }
        search_index.add_new(
            conn,
            doc.id,
            page.site,
            version,
            texts,
            superseding=not created,
            current=self._index_current,
            folded=folded,
        )
        capture_id = self.captures.write(
            conn, page, doc.id, version_id, "new_version", done, new_document=created
        )
        if latest is None and not self.captures.has_relative(page.site):
            done.relative = capture_id
        return Outcome("new_version", doc.id, number)

    def _fill_gaps(self, conn: Connection, latest: _Latest, seen: list[Seen]) -> bool:
        """Complete the latest version's rows for files it could not fetch (a fault: hash unknown)
        that have now arrived; True when any was filled (the version's fingerprint then changes)."""
        gaps = {a.url: a for a in latest.files if a.sha256 is None}
        arrived = [(gaps[i.url], i) for i in seen if i.url in gaps and i.now and i.fetched is not None]
        if not arrived:
            return False

        def fill() -> None:
            for row, item in arrived:
                fetched = item.fetched
                assert fetched is not None
                text, note, method = self._attachment_text(conn, fetched, item.now, None)
                conn.execute(
                    update(_ATTACHMENTS)
                    .where(_ATTACHMENTS.c.id == row.id)
                    .values(
                        sha256=item.now,
                        error=None,
                        http_status=fetched.http_status,
                        text=text,
                        text_note=note,
                        text_method=method,
                        content_type=fetched.content_type,
                        size=len(fetched.body) if fetched.body is not None else None,
                    )
                )

        # The filled-in text is searchable at once (and the index stays what the versions say).
        search_index.refresh_version(conn, latest.id, fill)
        return True

    def _attachment_hashes(
        self, conn: Connection, page: FetchedPage, latest: _Latest | None
    ) -> list[tuple[str, str | None, FetchedAttachment]]:
        """(url, sha256, fetched) per attachment. A failed fetch is not a content change: it keeps the
        hash the previous version had for that URL."""
        previous = {a.url: a.sha256 for a in latest.files} if latest is not None else {}
        out = []
        for att in page.attachments:
            if att.body is not None and att.error is None and (att.http_status or 200) < 400:
                out.append((att.url, blobs.put_core(conn, att.body), att))
            else:
                out.append((att.url, previous.get(att.url), att))
        return out

    def _attachment_text(
        self,
        conn: Connection,
        fetched: FetchedAttachment | None,
        digest: str | None,
        before: StoredFile | None,
    ) -> tuple[str | None, str | None, str | None]:
        """The text of an attachment being stored, why there is none, and how it was read: as the crawl read it from the
        bytes fetched (crawler/pipelines/attachments.py; the store never parses, it holds the write
        lock); or, when the crawl left a file it knew by hash unread (`text_stored`), or this fetch
        failed but the file is known (same hash), the text stored with that file before: the previous
        version's row, else any row with the same SHA-256."""
        fetched_ok = fetched is not None and fetched.body is not None and fetched.error is None
        if fetched_ok and digest is not None and not fetched.text_stored:  # type: ignore[union-attr]
            return fetched.text, fetched.text_note, fetched.text_method  # type: ignore[union-attr]
        if digest is None:
            return None, None, None
        found = None
        if before is not None and before.sha256 == digest:
            found = _TEXT_OF.first(conn, {"id": before.id})
            if not fetched_ok or (found is not None and (found[0], found[1]) != (None, None)):
                return tuple(found) if found is not None else (None, None, None)  # type: ignore[return-value]
        if fetched_ok:  # known by hash, read before: from any version that has the file
            found = _TEXT_BY_SHA256.first(conn, {"sha256": digest})
        return tuple(found) if found is not None else (None, None, None)  # type: ignore[return-value]

    def _not_modified(self, conn: Connection, doc: _Doc | None, page: FetchedPage, done: Learnt) -> Outcome:
        """The server says the page is as we last fetched it: the latest version is confirmed."""
        found = _LATEST_VERSION.first(conn, {"document_id": doc.id}) if doc is not None else None
        if doc is None or found is None:  # a 304 to a request we made without validators
            self.captures.write(conn, page, doc.id if doc else None, None, "error", done)
            return Outcome("error", doc.id if doc else None)
        version_id, number, _ = found
        update_row(conn, _VERSIONS, version_id, {"last_seen_at": page.fetched_at})
        _update_document(conn, doc.id, {"last_seen_at": page.fetched_at})
        self.captures.write(conn, page, doc.id if doc else None, version_id, "unchanged", done)
        return Outcome("unchanged", doc.id, number)

    def _withdraw(self, conn: Connection, doc: _Doc | None, page: FetchedPage, done: Learnt) -> Outcome:
        if doc is not None and doc.url != page.url:
            # An old URL of a document that moved: its being gone says nothing about the document.
            self.captures.write(conn, page, doc.id if doc else None, None, "not_document", done)
            return Outcome("not_document", doc.id)
        if doc is not None and doc.status != "withdrawn":
            doc.status = "withdrawn"
            _update_document(conn, doc.id, {"status": "withdrawn"})
            reason = f"HTTP {page.http_status}" if page.http_status in GONE_STATUSES else "soft-404 page"
            if page.redirected_to:
                reason = f"redirected to the home page {page.redirected_to}"
            _event(conn, doc.id, "withdrawn", page, reason)
        self.captures.write(
            conn,
            page,
            doc.id if doc else None,
            None,
            "withdrawn" if doc is not None else "not_document",
            done,
        )
        return Outcome("withdrawn" if doc is not None else "not_document", doc.id if doc else None)


@dataclass
class _Doc:
    """The document row as the store reads it."""

    id: int
    url: str
    status: str
    title: str | None
    index_no: str | None


@dataclass
class _Latest:
    """A document's latest version: what the comparison with a new fetch needs of it."""

    id: int
    number: int
    fingerprint: str
    files: list[StoredFile]


def _event(
    conn: Connection, document_id: int, kind: str, page: FetchedPage, detail: str | None = None
) -> None:
    insert_rows(
        conn,
        _EVENTS,
        [
            {
                "document_id": document_id,
                "kind": kind,
                "at": page.fetched_at,
                "run_id": page.run_id,
                "detail": detail,
            }
        ],
    )


def _update_document(conn: Connection, document_id: int, changes: dict[str, Any]) -> None:
    update_row(conn, _DOCUMENTS, document_id, changes)


_DOCUMENTS = Document.__table__
_DOCUMENT_URLS = DocumentUrl.__table__
_VERSIONS = Version.__table__
_ATTACHMENTS = Attachment.__table__
_EVENTS = Event.__table__
_DOC_COLUMNS = (
    _DOCUMENTS.c.id,
    _DOCUMENTS.c.url,
    _DOCUMENTS.c.status,
    _DOCUMENTS.c.title,
    _DOCUMENTS.c.index_no,
)
# The statements `record` runs, compiled once per dialect and run on the driver (prepared.Prepared).
_URL_DOCUMENTS = Prepared(
    select(_DOCUMENT_URLS.c.document_id)
    .where(_DOCUMENT_URLS.c.url == bindparam("url"))
    .order_by(_DOCUMENT_URLS.c.id)
)
_DOCUMENT_BY_ID = Prepared(select(_DOCUMENTS.c.site, *_DOC_COLUMNS).where(_DOCUMENTS.c.id == bindparam("id")))
_BY_INDEX_NO = Prepared(
    select(*_DOC_COLUMNS)
    .where(_DOCUMENTS.c.site == bindparam("site"), _DOCUMENTS.c.index_no == bindparam("index_no"))
    .limit(2)
)
_LATEST_VERSION = Prepared(
    select(_VERSIONS.c.id, _VERSIONS.c.number, _VERSIONS.c.fingerprint)
    .where(_VERSIONS.c.document_id == bindparam("document_id"))
    .order_by(_VERSIONS.c.number.desc())
    .limit(1)
)
_VERSION_FILES = Prepared(
    select(
        _ATTACHMENTS.c.id,
        _ATTACHMENTS.c.url,
        _ATTACHMENTS.c.sha256,
    )
    .where(_ATTACHMENTS.c.version_id == bindparam("version_id"))
    .order_by(_ATTACHMENTS.c.id)
)
_TEXT_OF = Prepared(
    select(_ATTACHMENTS.c.text, _ATTACHMENTS.c.text_note, _ATTACHMENTS.c.text_method).where(
        _ATTACHMENTS.c.id == bindparam("id")
    )
)
_TEXT_BY_SHA256 = Prepared(
    select(_ATTACHMENTS.c.text, _ATTACHMENTS.c.text_note, _ATTACHMENTS.c.text_method)
    .where(
        _ATTACHMENTS.c.sha256 == bindparam("sha256"),
        _ATTACHMENTS.c.text.is_not(None) | _ATTACHMENTS.c.text_note.is_not(None),
    )
    .order_by(_ATTACHMENTS.c.id.desc())
    .limit(1)
)
