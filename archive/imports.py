"""The ledger of imported WARC records (`imported_records`) and how a revisit finds its original.

Kept in the archive because both questions are about what the archive holds: has this record come in
already (an import is idempotent by WARC-Record-ID), and which capture holds the payload a revisit
stands for. The import itself (reading WARCs, parsing, deciding) lives in the crawler's room
(`crawler/warc_import/`); it writes a ledger row in the same transaction as the capture
(`VersionStore.record(page, also=…)`), so the two are committed or lost together.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, insert, select

from archive import raw
from archive.models import Capture, DocumentUrl, ImportedRecord, Url

_LEDGER = ImportedRecord.__table__
_CAPTURES = Capture.__table__
_URLS = Url.__table__
_DOCUMENT_URLS = DocumentUrl.__table__


@dataclass(frozen=True)
class Original:
    """The capture a revisit resolves to, and its record (status line, header lines, body)."""

    capture_id: int
    status_line: str
    header_lines: list[tuple[str, str]]
    body: bytes

    @property
    def status(self) -> int:
        return int(self.status_line.split(" ", 2)[1])


def record_key(record_id: str, url: str, warc_date: datetime) -> str:
    """What identifies a record: its WARC-Record-ID with its target URI and date (see the model)."""
    moment = warc_date.astimezone(UTC).isoformat()
    return hashlib.sha1(f"{record_id}\n{url}\n{moment}".encode()).hexdigest()


def known(conn: Connection, record_id: str, url: str, warc_date: datetime) -> bool:
    """Whether an earlier import (or this one) took the record in already."""
    key = record_key(record_id, url, warc_date)
    return conn.execute(_BY_RECORD_KEY, {"record_key": key}).first() is not None


def add(
    conn: Connection,
    *,
    record_id: str,
    run_id: int | None,
    capture_id: int | None,
    url: str,
    warc_date: datetime,
    payload_digest: str | None,
    state: str,
) -> None:
    conn.execute(
        insert(_LEDGER),
        {
            "record_key": record_key(record_id, url, warc_date),
            "record_id": record_id,
            "run_id": run_id,
            "capture_id": capture_id,
            "url": url,
            "warc_date": warc_date,
            "payload_digest": payload_digest,
            "state": state,
        },
    )


def find_original(
    conn: Connection,
    *,
    refers_to: str | None,
    digest: str | None,
    url: str | None,
    date: datetime | None,
    before: datetime,
) -> Original | None:
    """The capture a revisit stands for, the first way that finds one holding a full response:
    the original's record id (`WARC-Refers-To`); its payload digest (an imported record with the same
    `WARC-Payload-Digest`, whatever its URL: Browsertrix and pywb dedupe across URLs); its target URI
    at its date; the latest capture of that URL before the revisit (an imported one, else a crawl's
    capture of the document at that URL: a crawl keeps no SHA-1, so by URL and time)."""
    candidates: list[int] = []
    if refers_to:
        candidates += conn.execute(_CAPTURE_BY_RECORD_ID, {"record_id": refers_to.strip()}).scalars().all()
    if digest:
        candidates += conn.execute(_CAPTURES_BY_DIGEST, {"digest": digest}).scalars().all()
    if url:
        if date is not None:
            candidates += conn.execute(_CAPTURES_AT, {"url": url, "date": date}).scalars().all()
        candidates += conn.execute(_IMPORTED_BEFORE, {"url": url, "before": before}).scalars().all()
        candidates += conn.execute(_CRAWLED_BEFORE, {"url": url, "before": before}).scalars().all()
    for capture_id in dict.fromkeys(candidates):
        original = _full_response(conn, capture_id)
        if original is not None:
            return original
    return None


def _full_response(conn: Connection, capture_id: int) -> Original | None:
    """The capture's record when it is a full response (not a 304, not an unresolved revisit)."""

    def get(found_id: int) -> raw.Frame | None:
        row = conn.execute(_FRAME, {"id": found_id}).first()
        return raw.Frame(*row) if row is not None else None

    frame = get(capture_id)
    record = raw.read_with(raw.frames(conn, get), frame) if frame is not None else None
    if record is None:
        return None
    status_line, lines, body = raw.split_lines(record)
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit() or parts[1] == "304":
        return None
    return Original(capture_id, status_line, lines, body)


_BY_RECORD_KEY = select(_LEDGER.c.id).where(_LEDGER.c.record_key == bindparam("record_key"))
_STORED = _LEDGER.c.state == "stored"
_CAPTURE_BY_RECORD_ID = select(_LEDGER.c.capture_id).where(
    _LEDGER.c.record_id == bindparam("record_id"), _STORED, _LEDGER.c.capture_id.is_not(None)
)
_CAPTURES_BY_DIGEST = (
    select(_LEDGER.c.capture_id)
    .where(_LEDGER.c.payload_digest == bindparam("digest"), _STORED, _LEDGER.c.capture_id.is_not(None))
    .order_by(_LEDGER.c.id)
    .limit(5)
)
_CAPTURES_AT = (
    select(_LEDGER.c.capture_id)
    .where(
        _LEDGER.c.url == bindparam("url"),
        _LEDGER.c.warc_date == bindparam("date"),
        _STORED,
        _LEDGER.c.capture_id.is_not(None),
    )
    .limit(5)
)
_IMPORTED_BEFORE = (
    select(_LEDGER.c.capture_id)
    .where(
        _LEDGER.c.url == bindparam("url"),
        _LEDGER.c.warc_date <= bindparam("before"),
        _STORED,
        _LEDGER.c.capture_id.is_not(None),
    )
    .order_by(_LEDGER.c.warc_date.desc())
    .limit(5)
)
# A crawl's captures of the document seen at that URL (captures are found by document, never by URL
# text alone: `captures` has no URL index).
_CRAWLED_BEFORE = (
    select(_CAPTURES.c.id)
    .join(_URLS, _URLS.c.id == _CAPTURES.c.url_id)
    .where(
        _CAPTURES.c.document_id.in_(
            select(_DOCUMENT_URLS.c.document_id).where(_DOCUMENT_URLS.c.url == bindparam("url"))
        ),
        _URLS.c.url == bindparam("url"),
        _CAPTURES.c.fetched_at <= bindparam("before"),
        _CAPTURES.c.http_status != 304,
    )
    .order_by(_CAPTURES.c.fetched_at.desc())
    .limit(5)
)
_FRAME = select(_CAPTURES.c.id, _CAPTURES.c.raw, _CAPTURES.c.raw_base_id).where(
    _CAPTURES.c.id == bindparam("id")
)
