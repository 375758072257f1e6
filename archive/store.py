"""The version store: decides whether a fetch is a new version, an unchanged one, or a withdrawal.

Each call to `record` is one transaction, so a crash mid-crawl leaves every document either fully
written or untouched, and a rerun simply continues.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, func, insert, select, update

from archive import blobs, clock, health, raw
from archive.db import Archive
from archive.health import Health
from archive.models import Attachment, Capture, CrawlRun, Document, DocumentUrl, Event, Url, Version
from archive.records import FIELD_NAMES, VERSION_COLUMNS, FetchedAttachment, FetchedPage
from archive.search import index as search_index

# The metadata fields of DESIGN §5 that belong to a version's content (and so to its fingerprint).
CONTENT_FIELDS = FIELD_NAMES
GONE_STATUSES = {404, 410}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Outcome:
    kind: str  # new_version | unchanged | withdrawn | not_document
    document_id: int | None = None
    version_number: int | None = None


def now() -> datetime:
    """Run and version times follow `archive.clock` (real time unless XXGK_CLOCK is set)."""
    return clock.now()


def fingerprint(fields: dict[str, Any], body: str, attachment_hashes: list[tuple[str, str | None]]) -> str:
    """Hash of what a reader would call the document's content; chrome and counters never enter it."""
    canonical = {
        "fields": {name: fields.get(name) for name in CONTENT_FIELDS},
        "body": _SPACE.sub(" ", body).strip(),
        "attachments": sorted(attachment_hashes),
    }
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


class VersionStore:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        # site → a capture of it already stored: the zstd dictionary for a new document's first capture.
        self._relative: dict[str, int] = {}
        # URL → its id in `urls`, for URLs stored by this store's committed transactions or read by them.
        self._url_ids: dict[str, int] = {}

    # -- runs ---------------------------------------------------------------------------------------
    def start_run(self, site: str, mode: str, scheduled_for: datetime | None = None) -> int:
        with self.archive.session() as s:
            # A run still marked running for this site was cut off (crash, kill): say so.
            s.execute(
                update(CrawlRun)
                .where(CrawlRun.site == site, CrawlRun.status == "running")
                .values(status="interrupted")
            )
            run = CrawlRun(
                site=site,
                mode=mode,
                started_at=now(),
                status="running",
                stats={},
                # Stored times are UTC: SQLite keeps no offset, so an aware local time would shift.
                scheduled_for=scheduled_for.astimezone(UTC) if scheduled_for else None,
            )
            s.add(run)
            s.flush()
            return run.id

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any]) -> Health | None:
        """Close the run's record; a finished run is also judged against the site's history."""
        with self.archive.session() as s:
            run = s.get(CrawlRun, run_id)
            if run is None:
                return None
            verdict = health.check(s, run, stats) if status == "finished" else None
            summary = {**(run.stats or {}), **stats}
            if verdict is not None:
                summary["xxgk/health"] = verdict.summary()
            run.status, run.finished_at, run.stats = status, now(), summary
            return verdict

    # -- documents ----------------------------------------------------------------------------------
    def record(self, page: FetchedPage) -> Outcome:
        """Store one fetch in one transaction. Written with Core statements on the session's connection
        (one statement per row, no unit of work): this runs once per document of every crawl."""
        if page.fetched_at is None:
            page.fetched_at = now()
        done = _Done()
        with self.archive.session() as s:
            outcome = self._record(s.connection(), page, done)
        # Remembered only once committed: a rolled-back row id must never be reused from memory.
        self._url_ids.update(done.urls)
        if done.relative is not None:
            self._relative.setdefault(page.site, done.relative)
        return outcome

    def _record(self, conn: Connection, page: FetchedPage, done: _Done) -> Outcome:
        doc = self._find_document(conn, page.site, page.url)
        content = page.content
        if page.http_status == 304:
            return self._not_modified(conn, doc, page, done)
        if page.http_status == 0 or page.http_status >= 500 or (content is None and page.error):
            # The server failed us (or the parser did): that says nothing about the document.
            # Keep the raw response, change nothing.
            self._capture(conn, page, doc, None, "error", done)
            return Outcome("error", doc.id if doc else None)
        gone = (
            page.http_status in GONE_STATUSES
            or page.redirected_to is not None
            or (content is not None and content.is_soft_404)
        )
        if gone:
            return self._withdraw(conn, doc, page, done)
        if content is None or content.page_type != "detail":
            self._capture(conn, page, doc, None, "not_document", done)
            return Outcome("not_document", doc.id if doc else None)
        return self._store_detail(conn, doc, page, done)

    def _find_document(self, conn: Connection, site: str, url: str) -> _Doc | None:
        # Every document has a DocumentUrl row for each URL it was seen at (its current one included),
        # so one indexed lookup finds it whether or not it has moved.
        found = conn.execute(_FIND_DOCUMENT, {"url": url, "site": site}).first()
        return _Doc(*found) if found is not None else None

    def _moved(self, conn: Connection, page: FetchedPage, fields: dict[str, Any]) -> _Doc | None:
        """A new URL showing the 索引号 of a document we hold is that document moved (DESIGN §4): it
        gains the URL and a `moved` event. Only when exactly one document has that 索引号 and it is
        the same item (same title, or already gone from its old URL), so a CMS that reuses numbers
        does not merge two documents."""
        index_no = (fields.get("index_no") or "").strip()
        if not index_no:
            return None
        held = conn.execute(_BY_INDEX_NO, {"site": page.site, "index_no": index_no}).all()
        if len(held) != 1:
            return None
        doc = _Doc(*held[0])
        if doc.title != fields.get("title") and doc.status != "withdrawn":
            return None
        conn.execute(
            insert(_DOCUMENT_URLS), {"document_id": doc.id, "url": page.url, "first_seen_at": page.fetched_at}
        )
        _event(conn, doc.id, "moved", page, f"{doc.url} → {page.url}")
        conn.execute(update(_DOCUMENTS).where(_DOCUMENTS.c.id == doc.id).values(url=page.url))
        doc.url = page.url
        return doc

    def _latest(self, conn: Connection, doc: _Doc) -> _Latest | None:
        found = conn.execute(_LATEST_VERSION, {"document_id": doc.id}).first()
        if found is None:
            return None
        files = [_File(*row) for row in conn.execute(_VERSION_FILES, {"version_id": found.id})]
        return _Latest(found.id, found.number, found.fingerprint, files)

    def _store_detail(self, conn: Connection, doc: _Doc | None, page: FetchedPage, done: _Done) -> Outcome:
        content, at = page.content, page.fetched_at
        assert content is not None and at is not None
        fields = content.fields.as_dict()
        if doc is None:
            doc = self._moved(conn, page, fields)
        created = doc is None
        if doc is None:
            doc_id = conn.execute(
                insert(_DOCUMENTS),
                {
                    "site": page.site,
                    "url": page.url,
                    "first_seen_at": at,
                    "last_seen_at": at,
                    "status": "active",
                    "title": fields["title"],
                    "index_no": fields["index_no"],
                },
            ).inserted_primary_key[0]
            doc = _Doc(doc_id, page.url, "active", fields["title"], fields["index_no"])
            conn.execute(
                insert(_DOCUMENT_URLS), {"document_id": doc.id, "url": page.url, "first_seen_at": at}
            )
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
            seen = _as_latest_sees(latest, attachment_hashes)
            if fingerprint(fields, body, [(a.url, a.before) for a in seen]) == latest.fingerprint:
                completed = fingerprint(fields, body, [(a.url, a.now) for a in seen])
                if self._fill_gaps(conn, latest, seen):
                    latest.fingerprint = completed
                    conn.execute(
                        update(_VERSIONS).where(_VERSIONS.c.id == latest.id).values(fingerprint=completed)
                    )
                fp = latest.fingerprint
        if latest is not None and latest.fingerprint == fp:
            conn.execute(update(_VERSIONS).where(_VERSIONS.c.id == latest.id).values(last_seen_at=at))
            _update_document(conn, doc.id, changes)
            self._capture(conn, page, doc, latest.id, "unchanged", done)
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
        version_id = conn.execute(insert(_VERSIONS), values).inserted_primary_key[0]
        known = {a.sha256: a for a in latest.files if a.sha256} if latest is not None else {}
        files = []
        for url, digest, fetched in attachment_hashes:
            text, note = self._attachment_text(conn, fetched, digest, known.get(digest))
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
                }
            )
        if files:
            conn.execute(insert(_ATTACHMENTS), files)
        if not created:
            changes["title"], changes["index_no"] = fields["title"], fields["index_no"]
        _update_document(conn, doc.id, changes)
        # The search row from the values just written (what `search.index.rows` would read back).
        version = SimpleNamespace(id=version_id, **values)
        texts = [t for f in files for t in (f["name"], f["text"])]
        search_index.add_new(conn, doc.id, page.site, version, texts, superseding=not created)
        capture_id = self._capture(conn, page, doc, version_id, "new_version", done)
        if latest is None and page.site not in self._relative:
            done.relative = capture_id
        return Outcome("new_version", doc.id, number)

    def _fill_gaps(self, conn: Connection, latest: _Latest, seen: list[_Seen]) -> bool:
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
                text, note = self._attachment_text(conn, fetched, item.now, None)
                conn.execute(
                    update(_ATTACHMENTS)
                    .where(_ATTACHMENTS.c.id == row.id)
                    .values(
                        sha256=item.now,
                        error=None,
                        http_status=fetched.http_status,
                        text=text,
                        text_note=note,
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
        self, conn: Connection, fetched: FetchedAttachment | None, digest: str | None, before: _File | None
    ) -> tuple[str | None, str | None]:
        """The text of an attachment being stored, and why there is none: as the crawl read it from the
        bytes fetched (crawler/pipelines/attachments.py; the store never parses, it holds the write
        lock); or, when the crawl left a file it knew by hash unread (`text_stored`), or this fetch
        failed but the file is known (same hash), the text stored with that file before: the previous
        version's row, else any row with the same SHA-256."""
        fetched_ok = fetched is not None and fetched.body is not None and fetched.error is None
        if fetched_ok and digest is not None and not fetched.text_stored:  # type: ignore[union-attr]
            return fetched.text, fetched.text_note  # type: ignore[union-attr]
        if digest is None:
            return None, None
        found = None
        if before is not None and before.sha256 == digest:
            found = conn.execute(_TEXT_OF, {"id": before.id}).first()
            if not fetched_ok or (found is not None and (found.text, found.text_note) != (None, None)):
                return (found.text, found.text_note) if found is not None else (None, None)
        if fetched_ok:  # known by hash, read before: from any version that has the file
            found = conn.execute(_TEXT_BY_SHA256, {"sha256": digest}).first()
        return (found.text, found.text_note) if found is not None else (None, None)

    def _not_modified(self, conn: Connection, doc: _Doc | None, page: FetchedPage, done: _Done) -> Outcome:
        """The server says the page is as we last fetched it: the latest version is confirmed."""
        found = conn.execute(_LATEST_VERSION, {"document_id": doc.id}).first() if doc is not None else None
        if doc is None or found is None:  # a 304 to a request we made without validators
            self._capture(conn, page, doc, None, "error", done)
            return Outcome("error", doc.id if doc else None)
        conn.execute(update(_VERSIONS).where(_VERSIONS.c.id == found.id).values(last_seen_at=page.fetched_at))
        _update_document(conn, doc.id, {"last_seen_at": page.fetched_at})
        self._capture(conn, page, doc, found.id, "unchanged", done)
        return Outcome("unchanged", doc.id, found.number)

    def _withdraw(self, conn: Connection, doc: _Doc | None, page: FetchedPage, done: _Done) -> Outcome:
        if doc is not None and doc.url != page.url:
            # An old URL of a document that moved: its being gone says nothing about the document.
            self._capture(conn, page, doc, None, "not_document", done)
            return Outcome("not_document", doc.id)
        if doc is not None and doc.status != "withdrawn":
            doc.status = "withdrawn"
            _update_document(conn, doc.id, {"status": "withdrawn"})
            reason = f"HTTP {page.http_status}" if page.http_status in GONE_STATUSES else "soft-404 page"
            if page.redirected_to:
                reason = f"redirected to the home page {page.redirected_to}"
            _event(conn, doc.id, "withdrawn", page, reason)
        self._capture(conn, page, doc, None, "withdrawn" if doc is not None else "not_document", done)
        return Outcome("withdrawn" if doc is not None else "not_document", doc.id if doc else None)

    def _capture(
        self,
        conn: Connection,
        page: FetchedPage,
        doc: _Doc | None,
        version_id: int | None,
        outcome: str,
        done: _Done,
    ) -> int:
        """One capture row holding the complete response, compressed against the document's previous
        capture (a new document's against a capture of the same site: the template is most of a page).
        A fetch that got no response (status 0) keeps no record."""
        # A redirect to the home page stands for a deleted document's page: of type "other".
        page_type = page.content.page_type if page.content else ("other" if page.redirected_to else None)

        def get(capture_id: int) -> raw.Frame | None:
            found = conn.execute(_FRAME, {"id": capture_id}).first()
            return raw.Frame(*found) if found is not None else None

        like = self._latest_kept(conn, doc.id, page.http_status) if doc is not None else None
        if like is None and page.site in self._relative:
            like = get(self._relative[page.site])
        record = raw.message(page.http_status, page.headers, page.body) if page.http_status else None
        frame, base_id = raw.frame(get, record, like)
        return conn.execute(
            insert(_CAPTURES),
            {
                "run_id": page.run_id,
                "document_id": doc.id if doc else None,
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
        ).inserted_primary_key[0]

    def _latest_kept(self, conn: Connection, document_id: int, status: int | None) -> raw.Frame | None:
        """The document's most recent capture that holds a record, of the same status when there is one
        (a 304 or a 404 is a poor dictionary for the next full page): the base for its next capture."""
        found = conn.execute(_LATEST_KEPT_OF_STATUS, {"document_id": document_id, "status": status}).first()
        if found is None:
            found = conn.execute(_LATEST_KEPT, {"document_id": document_id}).first()
        return raw.Frame(*found) if found is not None else None

    def _url_id(self, conn: Connection, url: str, done: _Done) -> int:
        found = self._url_ids.get(url) or conn.execute(_URL_ID, {"url": url}).scalar()
        if found is None:
            found = conn.execute(insert(_URLS), {"url": url}).inserted_primary_key[0]
        done.urls[url] = found
        return found

    def count_versions(self, document_id: int) -> int:
        with self.archive.session() as s:
            return s.scalar(
                select(func.count()).select_from(Version).where(Version.document_id == document_id)
            )


@dataclass
class _Doc:
    """The document row as the store reads it."""

    id: int
    url: str
    status: str
    title: str | None
    index_no: str | None


@dataclass
class _File:
    """An attachment row of the latest version (its text is read only when needed: `_TEXT_OF`)."""

    id: int
    url: str
    sha256: str | None


@dataclass
class _Latest:
    """A document's latest version: what the comparison with a new fetch needs of it."""

    id: int
    number: int
    fingerprint: str
    files: list[_File]


@dataclass
class _Done:
    """What one `record` call learnt, kept by the store only once its transaction committed."""

    urls: dict[str, int] = field(default_factory=dict)
    relative: int | None = None


def _event(
    conn: Connection, document_id: int, kind: str, page: FetchedPage, detail: str | None = None
) -> None:
    conn.execute(
        insert(_EVENTS),
        {
            "document_id": document_id,
            "kind": kind,
            "at": page.fetched_at,
            "run_id": page.run_id,
            "detail": detail,
        },
    )


def _update_document(conn: Connection, document_id: int, changes: dict[str, Any]) -> None:
    if changes:
        conn.execute(update(_DOCUMENTS).where(_DOCUMENTS.c.id == document_id).values(**changes))


_DOCUMENTS = Document.__table__
_DOCUMENT_URLS = DocumentUrl.__table__
_VERSIONS = Version.__table__
_ATTACHMENTS = Attachment.__table__
_CAPTURES = Capture.__table__
_URLS = Url.__table__
_EVENTS = Event.__table__
_DOC_COLUMNS = (
    _DOCUMENTS.c.id,
    _DOCUMENTS.c.url,
    _DOCUMENTS.c.status,
    _DOCUMENTS.c.title,
    _DOCUMENTS.c.index_no,
)
# The statements `record` runs, built once (SQLAlchemy then finds each compiled in its cache).
_FIND_DOCUMENT = (
    select(*_DOC_COLUMNS)
    .join(_DOCUMENT_URLS, _DOCUMENT_URLS.c.document_id == _DOCUMENTS.c.id)
    .where(_DOCUMENT_URLS.c.url == bindparam("url"), _DOCUMENTS.c.site == bindparam("site"))
    .limit(1)
)
_BY_INDEX_NO = (
    select(*_DOC_COLUMNS)
    .where(_DOCUMENTS.c.site == bindparam("site"), _DOCUMENTS.c.index_no == bindparam("index_no"))
    .limit(2)
)
_LATEST_VERSION = (
    select(_VERSIONS.c.id, _VERSIONS.c.number, _VERSIONS.c.fingerprint)
    .where(_VERSIONS.c.document_id == bindparam("document_id"))
    .order_by(_VERSIONS.c.number.desc())
    .limit(1)
)
_VERSION_FILES = (
    select(
        _ATTACHMENTS.c.id,
        _ATTACHMENTS.c.url,
        _ATTACHMENTS.c.sha256,
    )
    .where(_ATTACHMENTS.c.version_id == bindparam("version_id"))
    .order_by(_ATTACHMENTS.c.id)
)
_TEXT_OF = select(_ATTACHMENTS.c.text, _ATTACHMENTS.c.text_note).where(_ATTACHMENTS.c.id == bindparam("id"))
_TEXT_BY_SHA256 = (
    select(_ATTACHMENTS.c.text, _ATTACHMENTS.c.text_note)
    .where(
        _ATTACHMENTS.c.sha256 == bindparam("sha256"),
        _ATTACHMENTS.c.text.is_not(None) | _ATTACHMENTS.c.text_note.is_not(None),
    )
    .order_by(_ATTACHMENTS.c.id.desc())
    .limit(1)
)
_FRAME = select(_CAPTURES.c.id, _CAPTURES.c.raw, _CAPTURES.c.raw_base_id).where(
    _CAPTURES.c.id == bindparam("id")
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
_LATEST_KEPT = _KEPT
_LATEST_KEPT_OF_STATUS = _KEPT.where(_CAPTURES.c.http_status == bindparam("status"))
_URL_ID = select(_URLS.c.id).where(_URLS.c.url == bindparam("url"))


class _Seen(NamedTuple):
    """One fetched attachment as the latest version would record it."""

    url: str  # the URL the latest version has this file under (the fetched one when it has none)
    before: str | None  # the hash the latest version would record: None where it has a gap
    now: str | None  # the hash it has once tonight's fetch is added: a gap filled, a failure kept
    fetched: FetchedAttachment | None


def _as_latest_sees(latest: _Latest, hashes: list[tuple[str, str | None, Any]]) -> list[_Seen]:
    """The new fetch's attachments labelled the way the latest version recorded them, so that one
    fingerprint comparison tells a content change from a fetch that differs only in where the files
    are or which of them could be fetched. A file is the latest version's file

    - at the same URL with the same bytes, else with the same bytes at another URL (the files moved
      with the document), else at the same URL (changed bytes: a change the comparison will see);
    - else, when it has no bytes to go by (failed tonight) or bytes the version never had, by the last
      segment of its URL, if exactly one file of the version not yet matched has it: a file that moved
      with the document, as a CMS republishes a document's directory, including one the version
      never managed to fetch.

    A gap of the latest version (hash unknown) stays a gap in `before`, so a file arriving there
    compares equal and fills it; a file that failed tonight takes the hash the version has for it."""
    rows = list(latest.files)
    claimed: set[str] = set()
    labels: list[str | None] = []
    for url, digest, _ in hashes:  # by bytes and by URL first
        same_url = next((r for r in rows if r.url == url and r.url not in claimed), None)
        by_bytes = next((r for r in rows if digest and r.sha256 == digest and r.url not in claimed), None)
        if same_url is not None and (digest is None or same_url.sha256 in (digest, None)):
            match = same_url
        else:
            match = by_bytes or same_url
        labels.append(match.url if match is not None else None)
        if match is not None:
            claimed.add(match.url)
    for i, (url, _, _) in enumerate(hashes):  # then by file name, for what is left on both sides
        if labels[i] is None:
            name = url.rsplit("/", 1)[-1]
            left = [r for r in rows if r.url not in claimed and r.url.rsplit("/", 1)[-1] == name]
            if len(left) == 1 and name:
                labels[i] = left[0].url
                claimed.add(left[0].url)
    recorded = {r.url: r.sha256 for r in rows}
    seen = []
    for label, (url, digest, fetched) in zip(labels, hashes, strict=True):
        if label is None:
            seen.append(_Seen(url, digest, digest, fetched))
            continue
        before = None if recorded[label] is None else (digest or recorded[label])
        seen.append(_Seen(label, before, digest or recorded[label], fetched))
    return seen
