"""Metadata filters shared by search and export: what narrows the documents before or beside a query.

Each filter is a SQL condition on `search_docs` (denormalised so no filter needs the wide versions
table), except "withdrawn" (a document's status, which changes without a new version) and "changed
between" (which asks for versions after the first one captured in a window).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, exists, select, true

from archive.models import Document, Version
from archive.search.keys import number_key
from archive.search.kinds import KINDS, canonical
from archive.search.schema import SearchDoc
from archive.text import CHINA

_TOP = "\U0010ffff"  # sorts after every character: `key >= p AND key < p + _TOP` is an indexed prefix match


@dataclass(frozen=True)
class Filters:
    site: str | None = None
    issuer: str | None = None  # contains
    topic: str | None = None  # contains
    published_from: date | None = None
    published_to: date | None = None
    written_from: date | None = None
    written_to: date | None = None
    doc_number: str | None = None  # exact, or a prefix when it ends with *
    index_no: str | None = None  # exact, or a prefix when it ends with *
    validity: str | None = None  # exact (有效, 失效, 废止 …)
    kind: str | None = None  # page kind, exact after `kinds.canonical` (通知, 办法, 年度报告 …)
    changed_from: date | None = None  # a new version (not the first) first captured in this window
    changed_to: date | None = None
    withdrawn: bool = False
    all_versions: bool = False

    def __post_init__(self) -> None:
        for low, high, name in (
            (self.published_from, self.published_to, "publish"),
            (self.written_from, self.written_to, "written"),
            (self.changed_from, self.changed_to, "changed"),
        ):
            if low and high and low > high:
                raise ValueError(f"the {name} date range is empty: {low} is after {high}")
        if self.kind is not None:
            # 解读 → 政策解读, 實施辦法 → 办法: the canonical kind the index stores, or a clear refusal
            # (a misspelt kind would otherwise be an empty result that reads as "none published").
            found = canonical(self.kind)
            if found is None:
                raise ValueError(f"unknown page kind {self.kind!r}; kinds: {' '.join(KINDS)}")
            object.__setattr__(self, "kind", found)
        for value, name in ((self.doc_number, "文号"), (self.index_no, "索引号")):
            if value is not None and not (number_key(value.rstrip("*")) or "").strip("[]"):
                raise ValueError(f"empty {name} filter {value!r}")

    @property
    def needs_documents(self) -> bool:
        return self.withdrawn

    @property
    def metadata_free(self) -> bool:
        """No filter but the choice of versions: the full-text index alone can answer."""
        return self == Filters(all_versions=self.all_versions)


def _contains(column, value: str) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    pattern = "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return column.like(pattern, escape="\\")


def _key_match(column, value: str) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    key = number_key(value.rstrip("*")) or ""
    if value.endswith("*"):
        return and_(column >= key, column < key + _TOP)
    return column == key


def _utc_start(day: date) -> datetime:
    # Stored times are UTC (SQLite keeps them without an offset), so compare naive UTC on both.
    return datetime.combine(day, time.min, tzinfo=CHINA).astimezone(UTC).replace(tzinfo=None)


def conditions(f: Filters, *, dialect: str) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if not f.all_versions:
        where.append(SearchDoc.is_latest == true())  # `= 1`, not `IS 1`: SQLite uses the index
    if f.site:
        where.append(SearchDoc.site == f.site)
    if f.issuer:
        where.append(_contains(SearchDoc.issuer, f.issuer))
    if f.topic:
        where.append(_contains(SearchDoc.topic, f.topic))
    if f.published_from:
        where.append(SearchDoc.publish_date >= f.published_from.isoformat())
    if f.published_to:
        where.append(SearchDoc.publish_date <= f.published_to.isoformat())
    if f.written_from:
        where.append(SearchDoc.written_date >= f.written_from.isoformat())
    if f.written_to:
        where.append(SearchDoc.written_date <= f.written_to.isoformat())
    if f.doc_number:
        where.append(_key_match(SearchDoc.doc_number_key, f.doc_number))
    if f.index_no:
        where.append(_key_match(SearchDoc.index_no_key, f.index_no))
    if f.validity:
        where.append(SearchDoc.validity == f.validity.strip())
    if f.kind:
        where.append(SearchDoc.kind == f.kind)
    if f.withdrawn:
        where.append(Document.status == "withdrawn")
    if f.changed_from or f.changed_to:
        changed = [Version.document_id == SearchDoc.document_id, Version.number > 1]
        if f.changed_from:
            changed.append(Version.first_seen_at >= _moment(f.changed_from, dialect))
        if f.changed_to:
            changed.append(Version.first_seen_at < _moment(f.changed_to + timedelta(days=1), dialect))
        where.append(exists(select(Version.id).where(*changed)))
    return where


def _moment(day: date, dialect: str) -> datetime:
    start = _utc_start(day)
    return start.replace(tzinfo=UTC) if dialect == "postgresql" else start
