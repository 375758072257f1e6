"""Which captures an interchange export holds, read in the order the writer needs them.

The search/export filters (`archive.search`) choose *documents*: those with a matching version (the
latest, or any with `all_versions`), exactly as `xxgk search` finds them. Every capture of a chosen
document is exported, narrowed by capture time (`captured_from`/`captured_to`). With no query and no
filter the export is the whole archive, captures that belong to no document included.

Captures come grouped: by document (moves keep a document's URLs together), then by URL for captures
of no document, each group in capture order. The writer's memory of what it has written (payload
digests, each URL's latest full response) only has to span one group, so it stays flat however large
the archive is. Rows are read with Core and a server-side cursor where the database has one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, select, union_all
from sqlalchemy.orm import Session

from archive.models import Attachment, Capture, Document, Url, Version
from archive.search.engine import SearchPlan
from archive.search.filters import Filters
from archive.search.query import parse
from archive.search.schema import SearchDoc
from archive.search.state import require_current

BATCH = 500
_C = Capture.__table__.c
_U = Url.__table__.c
# A `CaptureRow`'s columns, in its order.
_ROW = (_C.id, _C.raw, _C.raw_base_id, _C.document_id, _C.version_id, _C.url_id, _U.url, _C.fetched_at,
        _C.http_status, _C.outcome)  # fmt: skip


@dataclass(frozen=True)
class Selection:
    """What to export: the search filters, a capture-time window (aware datetimes, inclusive), or an
    exact set of documents (an audit's evidence)."""

    query: str = ""
    filters: Filters = field(default_factory=Filters)
    captured_from: datetime | None = None
    captured_to: datetime | None = None
    document_ids: tuple[int, ...] | None = None

    @property
    def by_document(self) -> bool:
        """Whether documents are chosen (else every capture of the archive is)."""
        return self.document_ids is not None or bool(self.query.strip()) or not self.filters.metadata_free

    def describe(self) -> dict[str, Any]:
        """The selection as plain data, for the warcinfo record and the WACZ's package."""
        chosen = {k: v for k, v in vars(self.filters).items() if v not in (None, False)}
        out: dict[str, Any] = {"query": self.query, "filters": {k: str(v) for k, v in chosen.items()}}
        if self.captured_from or self.captured_to:
            out["captured"] = [_iso(self.captured_from), _iso(self.captured_to)]
        if self.document_ids is not None:
            out["documents"] = list(self.document_ids)
        return out


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _naive_utc(moment: datetime) -> datetime:
    # Stored times are UTC; SQLite keeps them without an offset, so compare naive UTC on both.
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


@dataclass
class CaptureRow:
    """One capture as the writer reads it (`id`, `raw`, `raw_base_id` are what `archive.raw` needs)."""

    id: int
    raw: bytes | None
    raw_base_id: int | None
    document_id: int | None
    version_id: int | None
    url_id: int
    url: str
    fetched_at: datetime
    http_status: int
    outcome: str


def _documents(s: Session, selection: Selection) -> Select | None:
    """The chosen documents' ids as a subquery, or None for the whole archive."""
    if selection.document_ids is not None:
        return select(Document.id).where(Document.id.in_(selection.document_ids))
    if not selection.by_document:
        return None
    require_current(s.connection())
    plan = SearchPlan(s, parse(selection.query), selection.filters)
    branches = plan.branches(SearchDoc.version_id)
    versions = union_all(*branches) if len(branches) > 1 else branches[0]
    return select(Version.document_id).where(Version.id.in_(versions)).distinct()


def _where(s: Session, selection: Selection) -> list[Any]:
    where: list[Any] = []
    documents = _documents(s, selection)
    if documents is not None:
        where.append(_C.document_id.in_(documents))
    if selection.captured_from is not None:
        where.append(_C.fetched_at >= _naive_utc(selection.captured_from))
    if selection.captured_to is not None:
        where.append(_C.fetched_at <= _naive_utc(selection.captured_to))
    return where


def count(s: Session, selection: Selection) -> tuple[int, datetime | None]:
    """(captures chosen, the latest one's time): the progress total and the export's own date."""
    found = s.execute(
        select(func.count(), func.max(_C.fetched_at))
        .select_from(Capture.__table__)
        .where(*_where(s, selection))
    ).one()
    return int(found[0]), found[1]


def groups(s: Session, selection: Selection) -> Iterator[list[CaptureRow]]:
    """The chosen captures, one list per document (then per URL for captures of no document)."""
    orphan = _C.document_id.is_(None)
    stmt = (
        select(*_ROW)
        .join(Url.__table__, _U.id == _C.url_id)
        .where(*_where(s, selection))
        .order_by(case((orphan, 1), else_=0), _C.document_id, case((orphan, _C.url_id), else_=0), _C.id)
    )
    result = s.connection().execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
    group: list[CaptureRow] = []
    key: tuple[Any, ...] | None = None
    for row in result:
        row_key = (row.document_id,) if row.document_id is not None else (None, row.url_id)
        if row_key != key and group:
            yield group
            group = []
        key = row_key
        group.append(CaptureRow(*row))
    if group:
        yield group


def frame_getter(s: Session, near: dict[int, Any]) -> Any:
    """`archive.raw`'s getter: a capture's frame by id, from `near` (the rows being written: a capture's
    base is mostly its document's previous capture) or read with Core (no identity map growing)."""
    stmt = select(_C.id, _C.raw, _C.raw_base_id).where(_C.id == bindparam("id"))

    def get(capture_id: int) -> Any:
        found = near.get(capture_id)
        return found if found is not None else s.connection().execute(stmt, {"id": capture_id}).first()

    return get


def earlier_full_response(s: Session, row: CaptureRow) -> CaptureRow | None:
    """The latest capture of the same URL before `row` that got a 200 with a record: what a 304
    confirmed, written too when the selection left it out (an export is self-contained)."""
    stmt = (
        select(*_ROW)
        .join(Url.__table__, _U.id == _C.url_id)
        .where(
            and_(_C.url_id == row.url_id, _C.id < row.id, _C.http_status == 200),
            _C.raw.is_not(None) | _C.raw_base_id.is_not(None),
        )
        .order_by(_C.id.desc())
        .limit(1)
    )
    found = s.connection().execute(stmt).first()
    return CaptureRow(*found) if found is not None else None


# The version columns a metadata record and a page line need (not the search text, not the tables).
_VERSION_COLUMNS = ("id", "document_id", "number", "fingerprint", "title", "index_no", "issuer", "source",
                    "doc_number", "topic", "publish_date", "written_date", "url_date", "charset", "fields",
                    "body")  # fmt: skip


def versions_of(s: Session, document_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The versions of these documents (id → the fields their metadata records hold), in one query."""
    v = Version.__table__.c
    if not document_ids:
        return {}
    stmt = select(*(v[name] for name in _VERSION_COLUMNS)).where(v.document_id.in_(document_ids))
    return {row.id: dict(row._mapping) for row in s.connection().execute(stmt)}


def attachments_of(s: Session, version_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The fetched attachments (those with a stored body) of these versions, by version."""
    a = Attachment.__table__.c
    out: dict[int, list[dict[str, Any]]] = {}
    if not version_ids:
        return out
    stmt = (
        select(a.version_id, a.url, a.content_type, a.sha256, a.http_status)
        .where(a.version_id.in_(version_ids), a.sha256.is_not(None))
        .order_by(a.id)
    )
    for row in s.connection().execute(stmt):
        out.setdefault(row.version_id, []).append(dict(row._mapping))
    return out
