"""The version store: decides whether a fetch is a new version, an unchanged one, or a withdrawal.

Each call to `record` is one transaction, so a crash mid-crawl leaves every document either fully
written or untouched, and a rerun simply continues.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

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
        if page.fetched_at is None:
            page.fetched_at = now()
        with self.archive.session() as s:
            doc = self._find_document(s, page.site, page.url)
            content = page.content
            if page.http_status == 304:
                return self._not_modified(s, doc, page)
            if page.http_status == 0 or page.http_status >= 500 or (content is None and page.error):
                # The server failed us (or the parser did): that says nothing about the document.
                # Keep the raw response, change nothing.
                self._capture(s, page, doc, None, "error")
                return Outcome("error", doc.id if doc else None)
            gone = (
                page.http_status in GONE_STATUSES
                or page.redirected_to is not None
                or (content is not None and content.is_soft_404)
            )
            if gone:
                return self._withdraw(s, doc, page)
            if content is None or content.page_type != "detail":
                self._capture(s, page, doc, None, "not_document")
                return Outcome("not_document", doc.id if doc else None)
            return self._store_detail(s, doc, page)

    def _find_document(self, s: Session, site: str, url: str) -> Document | None:
        # Every document has a DocumentUrl row for each URL it was seen at (its current one included),
        # so one indexed lookup finds it whether or not it has moved.
        return s.scalars(
            select(Document).join(DocumentUrl).where(DocumentUrl.url == url, Document.site == site).limit(1)
        ).first()

    def _moved(self, s: Session, page: FetchedPage, fields: dict[str, Any]) -> Document | None:
        """A new URL showing the 索引号 of a document we hold is that document moved (DESIGN §4): it
        gains the URL and a `moved` event. Only when exactly one document has that 索引号 and it is
        the same item (same title, or already gone from its old URL), so a CMS that reuses numbers
        does not merge two documents."""
        index_no = (fields.get("index_no") or "").strip()
        if not index_no:
            return None
        held = s.scalars(
            select(Document).where(Document.site == page.site, Document.index_no == index_no).limit(2)
        ).all()
        if len(held) != 1:
            return None
        doc = held[0]
        if doc.title != fields.get("title") and doc.status != "withdrawn":
            return None
        s.add(DocumentUrl(document_id=doc.id, url=page.url, first_seen_at=page.fetched_at))
        s.add(
            Event(
                document_id=doc.id,
                kind="moved",
                at=page.fetched_at,
                run_id=page.run_id,
                detail=f"{doc.url} → {page.url}",
            )
        )
        doc.url = page.url
        return doc

    def _latest(self, s: Session, doc: Document) -> Version | None:
        return s.scalars(
            select(Version).where(Version.document_id == doc.id).order_by(Version.number.desc()).limit(1)
        ).first()

    def _store_detail(self, s: Session, doc: Document | None, page: FetchedPage) -> Outcome:
        content, at = page.content, page.fetched_at
        assert content is not None and at is not None
        fields = content.fields.as_dict()
        if doc is None:
            doc = self._moved(s, page, fields)
        if doc is None:
            doc = Document(site=page.site, url=page.url, first_seen_at=at, last_seen_at=at, status="active")
            s.add(doc)
            s.flush()
            s.add(DocumentUrl(document_id=doc.id, url=page.url, first_seen_at=at))
            s.add(Event(document_id=doc.id, kind="created", at=at, run_id=page.run_id))
            latest = None
        else:
            latest = self._latest(s, doc)
        body = content.body or ""
        attachment_hashes = self._attachment_hashes(s, page, latest)
        fp = fingerprint(fields, body, [(url, digest) for url, digest, _ in attachment_hashes])

        if doc.status == "withdrawn":
            doc.status = "active"
            s.add(Event(document_id=doc.id, kind="restored", at=at, run_id=page.run_id))
        doc.last_seen_at = at

        if latest is not None and latest.fingerprint != fp:
            # Not the same by URL: maybe the same content as the latest version would see it (files
            # moved with the document, a fetch that failed tonight, a gap of its own now filled).
            seen = _as_latest_sees(latest, attachment_hashes)
            if fingerprint(fields, body, [(a.url, a.before) for a in seen]) == latest.fingerprint:
                if self._fill_gaps(s, latest, seen):
                    latest.fingerprint = fingerprint(fields, body, [(a.url, a.now) for a in seen])
                fp = latest.fingerprint
        if latest is not None and latest.fingerprint == fp:
            latest.last_seen_at = at
            self._capture(s, page, doc, latest, "unchanged")
            return Outcome("unchanged", doc.id, latest.number)

        version = Version(
            document_id=doc.id,
            number=(latest.number + 1) if latest else 1,
            fingerprint=fp,
            first_seen_at=at,
            last_seen_at=at,
            run_id=page.run_id,
            raw_sha256=blobs.sha256(page.body),
            url_date=content.url_date,
            fields=fields,
            body=body,
            search_text=content.search_text,
            charset=content.charset,
            tables=list(content.tables),
            **{name: fields[name] for name in VERSION_COLUMNS},
        )
        s.add(version)
        s.flush()
        known = {a.sha256: a for a in latest.attachments if a.sha256} if latest is not None else {}
        for url, digest, fetched in attachment_hashes:
            text, note = _attachment_text(fetched, digest, known.get(digest))
            s.add(
                Attachment(
                    version_id=version.id,
                    url=url,
                    name=fetched.name if fetched else None,
                    http_status=fetched.http_status if fetched else None,
                    content_type=fetched.content_type if fetched else None,
                    size=len(fetched.body) if fetched and fetched.body is not None else None,
                    sha256=digest,
                    error=fetched.error if fetched else None,
                    text=text,
                    text_note=note,
                )
            )
        doc.title, doc.index_no = fields["title"], fields["index_no"]
        search_index.add(s, doc, version)
        capture = self._capture(s, page, doc, version, "new_version")
        if latest is None:
            self._relative.setdefault(page.site, capture.id)
        return Outcome("new_version", doc.id, version.number)

    def _fill_gaps(self, s: Session, latest: Version, seen: list[_Seen]) -> bool:
        """Complete the latest version's rows for files it could not fetch (a fault: hash unknown)
        that have now arrived; True when any was filled (the version's fingerprint then changes)."""
        gaps = {a.url: a for a in latest.attachments if a.sha256 is None}
        arrived = [(gaps[i.url], i) for i in seen if i.url in gaps and i.now and i.fetched is not None]
        if not arrived:
            return False

        def fill() -> None:
            for row, item in arrived:
                fetched = item.fetched
                assert fetched is not None
                row.sha256, row.error, row.http_status = item.now, None, fetched.http_status
                row.text, row.text_note = _attachment_text(fetched, item.now, None)
                row.content_type = fetched.content_type
                row.size = len(fetched.body) if fetched.body is not None else None

        # The filled-in text is searchable at once (and the index stays what the versions say).
        search_index.refresh(s, latest, fill)
        return True

    def _attachment_hashes(self, s: Session, page: FetchedPage, latest: Version | None):
        """(url, sha256, fetched) per attachment. A failed fetch is not a content change: it keeps the
        hash the previous version had for that URL."""
        previous = {a.url: a.sha256 for a in latest.attachments} if latest is not None else {}
        out = []
        for att in page.attachments:
            if att.body is not None and att.error is None and (att.http_status or 200) < 400:
                out.append((att.url, blobs.put(s, att.body), att))
            else:
                out.append((att.url, previous.get(att.url), att))
        return out

    def _not_modified(self, s: Session, doc: Document | None, page: FetchedPage) -> Outcome:
        """The server says the page is as we last fetched it: the latest version is confirmed."""
        latest = self._latest(s, doc) if doc is not None else None
        if doc is None or latest is None:  # a 304 to a request we made without validators
            self._capture(s, page, doc, None, "error")
            return Outcome("error", doc.id if doc else None)
        latest.last_seen_at = doc.last_seen_at = page.fetched_at
        self._capture(s, page, doc, latest, "unchanged")
        return Outcome("unchanged", doc.id, latest.number)

    def _withdraw(self, s: Session, doc: Document | None, page: FetchedPage) -> Outcome:
        if doc is not None and doc.url != page.url:
            # An old URL of a document that moved: its being gone says nothing about the document.
            self._capture(s, page, doc, None, "not_document")
            return Outcome("not_document", doc.id)
        if doc is not None and doc.status != "withdrawn":
            doc.status = "withdrawn"
            reason = f"HTTP {page.http_status}" if page.http_status in GONE_STATUSES else "soft-404 page"
            if page.redirected_to:
                reason = f"redirected to the home page {page.redirected_to}"
            s.add(
                Event(
                    document_id=doc.id,
                    kind="withdrawn",
                    at=page.fetched_at,
                    run_id=page.run_id,
                    detail=reason,
                )
            )
        self._capture(s, page, doc, None, "withdrawn" if doc is not None else "not_document")
        return Outcome("withdrawn" if doc is not None else "not_document", doc.id if doc else None)

    def _capture(
        self, s: Session, page: FetchedPage, doc: Document | None, version: Version | None, outcome: str
    ) -> Capture:
        """One capture row holding the complete response, compressed against the document's previous
        capture (a new document's against a capture of the same site: the template is most of a page).
        A fetch that got no response (status 0) keeps no record."""
        # A redirect to the home page stands for a deleted document's page: of type "other".
        page_type = page.content.page_type if page.content else ("other" if page.redirected_to else None)
        capture = Capture(
            run_id=page.run_id,
            document_id=doc.id if doc else None,
            version_id=version.id if version else None,
            url_id=self._url_id(s, page.url),
            fetched_at=page.fetched_at,
            http_status=page.http_status,
            outcome=outcome,
            page_type=page_type,
            note=page.error,
        )
        like = raw.latest_kept(s, Capture, doc.id, page.http_status) if doc is not None else None
        if like is None and page.site in self._relative:
            like = s.get(Capture, self._relative[page.site])
        record = raw.message(page.http_status, page.headers, page.body) if page.http_status else None
        raw.store(s, capture, record, like)
        s.add(capture)
        s.flush()
        return capture

    def _url_id(self, s: Session, url: str) -> int:
        found = s.scalar(select(Url.id).where(Url.url == url))
        if found is None:
            row = Url(url=url)
            s.add(row)
            s.flush()
            found = row.id
        return found

    def count_versions(self, document_id: int) -> int:
        with self.archive.session() as s:
            return s.scalar(
                select(func.count()).select_from(Version).where(Version.document_id == document_id)
            )


class _Seen(NamedTuple):
    """One fetched attachment as the latest version would record it."""

    url: str  # the URL the latest version has this file under (the fetched one when it has none)
    before: str | None  # the hash the latest version would record: None where it has a gap
    now: str | None  # the hash it has once tonight's fetch is added: a gap filled, a failure kept
    fetched: FetchedAttachment | None


def _as_latest_sees(latest: Version, hashes: list[tuple[str, str | None, Any]]) -> list[_Seen]:
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
    rows = list(latest.attachments)
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


def _attachment_text(
    fetched: FetchedAttachment | None, digest: str | None, before: Attachment | None
) -> tuple[str | None, str | None]:
    """The text of an attachment being stored, and why there is none: as the crawl read it from the
    bytes fetched (crawler/pipelines/attachments.py; the store never parses, it holds the write lock),
    or kept from the previous version's row when this fetch failed but the file is known (same hash)."""
    if fetched is not None and fetched.body is not None and fetched.error is None and digest is not None:
        return fetched.text, fetched.text_note
    if before is not None and before.sha256 == digest and digest is not None:
        return before.text, before.text_note
    return None, None
