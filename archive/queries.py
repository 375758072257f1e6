"""Read-side of the archive: what the CLI, exports and (later) the web UI ask. Plain dicts out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from archive.models import Attachment, Capture, CrawlRun, Document, Event, Version


class NotFoundError(LookupError):
    pass


def _latest_versions() -> Select:
    """Each document's newest version number, as a subquery to join against."""
    return select(Version.document_id, func.max(Version.number).label("number")).group_by(Version.document_id)


def find_document(s: Session, ref: str) -> Document:
    """A document by id (`42`) or by any URL it has been seen at."""
    doc = s.get(Document, int(ref)) if ref.isdigit() else None
    if doc is None:
        doc = s.scalars(select(Document).where(Document.url == ref)).first()
    if doc is None:
        from archive.models import DocumentUrl

        doc = s.scalars(select(Document).join(DocumentUrl).where(DocumentUrl.url == ref)).first()
    if doc is None:
        raise NotFoundError(
            f"no document {ref!r} in the archive (give an id or a URL; `xxgk search` finds them)"
        )
    return doc


def document_row(doc: Document, version: Version | None) -> dict[str, Any]:
    return {
        "id": doc.id,
        "site": doc.site,
        "url": doc.url,
        "status": doc.status,
        "title": version.title if version else doc.title,
        "index_no": version.index_no if version else doc.index_no,
        "publish_date": version.publish_date if version else None,
        "versions": version.number if version else 0,
        "first_seen_at": doc.first_seen_at.isoformat(),
        "last_seen_at": doc.last_seen_at.isoformat(),
    }


def newest(s: Session, limit: int = 5) -> list[dict[str, Any]]:
    """The latest versions most recently published, newest first (searching is `archive.search`)."""
    latest = _latest_versions().subquery()
    stmt = (
        select(Document, Version)
        .join(latest, latest.c.document_id == Document.id)
        .join(Version, (Version.document_id == Document.id) & (Version.number == latest.c.number))
        .order_by(Version.publish_date.desc(), Document.id.desc())
        .limit(limit)
    )
    return [document_row(doc, version) for doc, version in s.execute(stmt)]


def version_of(s: Session, doc: Document, number: int | None = None) -> Version:
    stmt = select(Version).where(Version.document_id == doc.id)
    stmt = stmt.where(Version.number == number) if number else stmt.order_by(Version.number.desc()).limit(1)
    version = s.scalars(stmt).first()
    if version is None:
        have = s.scalar(select(func.count()).select_from(Version).where(Version.document_id == doc.id))
        raise NotFoundError(f"document {doc.id} has no version {number} (it has {have})")
    return version


def version_as_of(s: Session, doc: Document, when: datetime) -> Version:
    """The version a reader would have seen at `when`: the newest one first captured by then."""
    when = when.astimezone(UTC)  # stored times are UTC (SQLite keeps them without an offset)
    version = s.scalars(
        select(Version)
        .where(Version.document_id == doc.id, Version.first_seen_at <= when)
        .order_by(Version.number.desc())
        .limit(1)
    ).first()
    if version is None:
        first = s.scalar(select(func.min(Version.first_seen_at)).where(Version.document_id == doc.id))
        since = f"; first captured {first.isoformat()}" if first else ""
        raise NotFoundError(f"document {doc.id} had not been captured by {when.isoformat()}{since}")
    return version


def show(
    s: Session, doc: Document, number: int | None = None, *, as_of: datetime | None = None
) -> dict[str, Any]:
    version = version_as_of(s, doc, as_of) if as_of is not None else version_of(s, doc, number)
    attachments = s.scalars(select(Attachment).where(Attachment.version_id == version.id)).all()
    return {
        **document_row(doc, version),
        "version": version.number,
        "version_first_seen_at": version.first_seen_at.isoformat(),
        "version_last_seen_at": version.last_seen_at.isoformat(),
        "url_date": version.url_date,
        **version.fields,
        "body": version.body,
        "tables": version.tables,
        "attachments": [
            {
                "url": a.url,
                "name": a.name,
                "sha256": a.sha256,
                "size": a.size,
                "content_type": a.content_type,
                "error": a.error,
            }
            for a in attachments
        ],
        "raw_sha256": version.raw_sha256,
    }


def history(s: Session, doc: Document) -> list[dict[str, Any]]:
    """Versions and lifecycle events of one document, oldest first."""
    rows: list[dict[str, Any]] = []
    for v in s.scalars(select(Version).where(Version.document_id == doc.id).order_by(Version.number)):
        captures = s.scalar(select(func.count()).select_from(Capture).where(Capture.version_id == v.id))
        rows.append(
            {
                "kind": "version",
                "version": v.number,
                "at": v.first_seen_at.isoformat(),
                "last_seen_at": v.last_seen_at.isoformat(),
                "captures": captures,
                "title": v.title,
                "publish_date": v.publish_date,
                "fingerprint": v.fingerprint[:12],
            }
        )
    for e in s.scalars(select(Event).where(Event.document_id == doc.id).order_by(Event.at)):
        if e.kind != "created":
            rows.append({"kind": e.kind, "version": None, "at": e.at.isoformat(), "detail": e.detail})
    return sorted(rows, key=lambda r: r["at"])


def totals(s: Session, site: str | None = None) -> dict[str, int]:
    def count(model, *where) -> int:  # type: ignore[no-untyped-def]
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    doc_filter = (Document.site == site,) if site else ()
    docs = count(Document, *doc_filter)
    if site:
        ids = select(Document.id).where(Document.site == site)
        versions = count(Version, Version.document_id.in_(ids))
        attachments = count(
            Attachment, Attachment.version_id.in_(select(Version.id).where(Version.document_id.in_(ids)))
        )
        captures = count(Capture, Capture.document_id.in_(ids))
    else:
        versions, attachments, captures = count(Version), count(Attachment), count(Capture)
    return {"documents": docs, "versions": versions, "attachments": attachments, "captures": captures}


@dataclass(frozen=True)
class KnownDocument:
    """What the crawler needs to know of a stored document to decide whether to fetch it again."""

    title: str | None
    publish_date: str | None
    last_modified: str | None  # the server's validators from the last full response
    etag: str | None
    sent: str | None = None  # that response's Date: when the server sent it (judges Last-Modified)


def known_documents(s: Session, site: str) -> dict[str, KnownDocument]:
    """Every active document of `site` by URL, with its latest version's list-visible fields and the
    HTTP validators of its latest successful capture (for conditional requests)."""
    latest = _latest_versions().subquery()
    last_ok = (
        select(Capture.document_id, func.max(Capture.id).label("capture_id"))
        .where(Capture.http_status == 200, Capture.document_id.is_not(None))
        .group_by(Capture.document_id)
        .subquery()
    )
    rows = s.execute(
        select(Document.url, Version.title, Version.publish_date, Capture)
        .join(latest, latest.c.document_id == Document.id)
        .join(Version, (Version.document_id == Document.id) & (Version.number == latest.c.number))
        .outerjoin(last_ok, last_ok.c.document_id == Document.id)
        .outerjoin(Capture, Capture.id == last_ok.c.capture_id)
        .where(Document.site == site, Document.status == "active")
    )
    known = {}
    for url, title, publish_date, capture in rows:
        # The validators are in the capture's compressed record (read back with its base chain).
        lowered = {k.lower(): v for k, v in (capture.headers if capture is not None else {}).items()}
        known[url] = KnownDocument(
            title, publish_date, lowered.get("last-modified"), lowered.get("etag"), lowered.get("date")
        )
    return known


RESUMABLE_OUTCOMES = ("new_version", "unchanged", "withdrawn", "not_document")


def resumable_captures(s: Session, site: str, mode: str, run_id: int) -> tuple[list[int], set[str]]:
    """The interrupted runs just before `run_id` (same site and mode, back to the last one that
    ended) and the URLs they captured successfully: what a resumed run need not fetch again."""
    chain: list[int] = []
    earlier = select(CrawlRun).where(CrawlRun.site == site, CrawlRun.id < run_id).order_by(CrawlRun.id.desc())
    for run in s.scalars(earlier):
        if run.status not in ("interrupted", "running") or run.mode != mode:
            break
        chain.append(run.id)
    if not chain:
        return [], set()
    urls = s.scalars(
        select(Capture.url)
        .where(Capture.run_id.in_(chain), Capture.outcome.in_(RESUMABLE_OUTCOMES))
        .distinct()
    )
    return chain, set(urls)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands stored UTC times back without an offset; PostgreSQL with one."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def runs(
    s: Session, limit: int = 20, *, site: str | None = None, failed: bool = False
) -> list[dict[str, Any]]:
    """Crawl runs, newest first; `failed` keeps the ones that did not finish or recorded errors."""
    stmt = select(CrawlRun).order_by(CrawlRun.id.desc())
    if site:
        stmt = stmt.where(CrawlRun.site == site)
    rows = []
    for r in s.scalars(stmt):
        stats = r.stats or {}
        errors = int(stats.get("xxgk/error", 0)) + int(stats.get("xxgk/parse_error", 0))
        # Fetches given up on, list pages included (`xxgk failures RUN` lists them with reasons).
        failures = sum(int(v) for k, v in stats.items() if k.startswith("xxgk/failure/"))
        if failed and r.status == "finished" and not errors and not failures:
            continue
        created = s.scalar(
            select(func.count()).select_from(Event).where(Event.run_id == r.id, Event.kind == "created")
        )
        started, scheduled = _utc(r.started_at), _utc(r.scheduled_for)
        rows.append(
            {
                "id": r.id,
                "site": r.site,
                "mode": r.mode,
                "status": r.status,
                "started_at": started.isoformat() if started else None,
                "finished_at": _utc(r.finished_at).isoformat() if r.finished_at else None,
                "pages": stats.get("response_received_count", 0),
                "new_documents": created,
                "new_versions": stats.get("xxgk/new_version", 0),
                "withdrawn": stats.get("xxgk/withdrawn", 0),
                "errors": errors,
                "failed_fetches": failures,
                "scheduled_for": scheduled.isoformat() if scheduled else None,
                "late_minutes": round((started - scheduled).total_seconds() / 60)
                if started and scheduled
                else None,
            }
        )
        if len(rows) >= limit:
            break
    return rows


def coverage(s: Session, site: str, first: date, last: date, tz: tzinfo) -> list[dict[str, Any]]:
    """One row per night (local date in `tz`) from `first` to `last`: the runs of `site` that started
    that night, and whether one finished having seen every declared column. A night without one is a
    gap: an auditor must read "not published" there as "unknown"."""
    start = datetime.combine(first, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    by_night: dict[date, list[CrawlRun]] = {}
    stmt = select(CrawlRun).where(
        CrawlRun.site == site, CrawlRun.started_at >= start, CrawlRun.started_at < end
    )
    for run in s.scalars(stmt):
        by_night.setdefault(_utc(run.started_at).astimezone(tz).date(), []).append(run)
    rows = []
    night = first
    while night <= last:
        nightly = by_night.get(night, [])
        finished = [r for r in nightly if r.status == "finished"]
        seen = max((_columns_seen(r.stats or {}) for r in finished), default=0)
        declared = max((int((r.stats or {}).get("xxgk/columns_declared", 0)) for r in finished), default=0)
        state = "gap" if not finished else ("partial" if declared and seen < declared else "covered")
        rows.append(
            {
                "night": night.isoformat(),
                "state": state,
                "runs": len(nightly),
                "finished": len(finished),
                "modes": ",".join(sorted({r.mode for r in nightly})),
                "list_pages": sum(int((r.stats or {}).get("xxgk/list_pages", 0)) for r in finished),
                "columns_seen": f"{seen}/{declared}" if finished else "",
            }
        )
        night += timedelta(days=1)
    return rows


def _columns_seen(stats: dict[str, Any]) -> int:
    return sum(1 for key in stats if key.startswith("xxgk/column_pages/"))
