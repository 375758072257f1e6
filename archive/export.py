"""Exports of documents or versions, streamed: rows are read and written in batches, so memory stays
flat whether the archive holds a hundred documents or a million.

The rows are chosen exactly as `xxgk search` chooses them (same query syntax, same filters), read with
Core (no ORM identity map growing with every row) and a server-side cursor where the database has
one. Parquet gets real types: integers, dates, UTC timestamps and a list of attachment structs, so a
researcher's `pandas.read_parquet` needs no parsing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from archive.models import Attachment, Document, Version
from archive.records import DATE_FIELDS, FIELD_NAMES, VERSION_COLUMNS
from archive.search.engine import SearchPlan
from archive.search.filters import Filters
from archive.search.query import parse
from archive.search.schema import SearchDoc
from archive.search.state import require_current

BATCH = 1000
FORMATS = ("jsonl", "csv", "parquet")
# The document's fields come from the one field list (archive.records), in its order.
COLUMNS = (
    "document_id", "version", "site", "url", "status", *FIELD_NAMES,
    "url_date", "first_seen_at", "last_seen_at", "fingerprint", "attachments", "body",
)  # fmt: skip
DATES = (*DATE_FIELDS, "url_date")
MOMENTS = ("first_seen_at", "last_seen_at")


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def rows(s: Session, query: str = "", filters: Filters | None = None) -> Iterator[dict[str, Any]]:
    """Matching versions (latest ones unless filters.all_versions), by version id, one dict each.

    Dates stay as the page gave them (text); `first_seen_at`/`last_seen_at` are aware UTC datetimes."""
    require_current(s.connection())
    branches = SearchPlan(s, parse(query), filters or Filters()).branches(SearchDoc.version_id)
    chosen = union_all(*branches) if len(branches) > 1 else branches[0]
    v = Version.__table__.c
    stmt = (
        select(
            v.id,
            v.document_id,
            v.number,
            *(v[name] for name in VERSION_COLUMNS),
            v.url_date,
            v.fields,
            v.first_seen_at,
            v.last_seen_at,
            v.fingerprint,
            v.body,
            Document.site,
            Document.url,
            Document.status,
        )
        .join(Document, Document.id == v.document_id)
        .where(v.id.in_(chosen))
        .order_by(v.id)
    )
    result = s.connection().execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
    for batch in result.partitions(BATCH):
        attachments: dict[int, list[dict[str, Any]]] = {}
        ids = [row.id for row in batch]
        for a in s.execute(
            select(Attachment).where(Attachment.version_id.in_(ids)).order_by(Attachment.id)
        ).scalars():
            attachments.setdefault(a.version_id, []).append(
                {
                    "url": a.url,
                    "name": a.name,
                    "sha256": a.sha256,
                    "size": a.size,
                    "content_type": a.content_type,
                }
            )
        s.expunge_all()
        for row in batch:
            fields = row.fields or {}
            # A field with a column of its own is read from it; the others from the version's fields.
            yield {
                "document_id": row.document_id, "version": row.number, "site": row.site, "url": row.url,
                "status": row.status,
                **{name: row._mapping[name] if name in VERSION_COLUMNS else fields.get(name)
                   for name in FIELD_NAMES},
                "url_date": row.url_date, "first_seen_at": _utc(row.first_seen_at),
                "last_seen_at": _utc(row.last_seen_at), "fingerprint": row.fingerprint,
                "attachments": attachments.get(row.id, []), "body": row.body,
            }  # fmt: skip


class Writer(Protocol):
    def write(self, batch: list[dict[str, Any]]) -> None: ...
    def close(self) -> None: ...


class JsonlWriter:
    def __init__(self, path: Path) -> None:
        self.out = path.open("w", encoding="utf-8")

    def write(self, batch: list[dict[str, Any]]) -> None:
        for row in batch:
            self.out.write(json.dumps(row, ensure_ascii=False, default=_iso) + "\n")

    def close(self) -> None:
        self.out.close()


class CsvWriter:
    def __init__(self, path: Path) -> None:
        # utf-8-sig: Excel, which many researchers open CSVs in, reads Chinese correctly only with a BOM.
        self.out = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.DictWriter(self.out, fieldnames=COLUMNS)
        self.writer.writeheader()

    def write(self, batch: list[dict[str, Any]]) -> None:
        for row in batch:
            self.writer.writerow(
                {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else _iso(v)
                    for k, v in row.items()
                }
            )

    def close(self) -> None:
        self.out.close()


class ParquetWriter:
    """pyarrow (the reference Parquet implementation, what pandas itself uses) writing row groups."""

    def __init__(self, path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        text = pa.string()
        attachment = pa.struct(
            [("url", text), ("name", text), ("sha256", text), ("size", pa.int64()), ("content_type", text)]
        )
        types = {"document_id": pa.int64(), "version": pa.int32(), "attachments": pa.list_(attachment)}
        types |= {name: pa.date32() for name in DATES}
        types |= {name: pa.timestamp("us", tz="UTC") for name in MOMENTS}
        self.schema = pa.schema([(name, types.get(name, text)) for name in COLUMNS])
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")

    def write(self, batch: list[dict[str, Any]]) -> None:
        columns = {name: [row[name] for row in batch] for name in COLUMNS}
        for name in DATES:
            columns[name] = [_day(value) for value in columns[name]]
        self.writer.write_table(self.pa.Table.from_pydict(columns, schema=self.schema))

    def close(self) -> None:
        self.writer.close()


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def open_writer(fmt: str, path: Path) -> Writer:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (choose {', '.join(FORMATS)})")
    return {"jsonl": JsonlWriter, "csv": CsvWriter, "parquet": ParquetWriter}[fmt](path)


def export(s: Session, fmt: str, path: Path, query: str = "", filters: Filters | None = None) -> int:
    """Write the matching rows to `path`; returns how many. A failed export leaves no partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    writer = open_writer(fmt, partial)
    count, batch = 0, []
    try:
        for row in rows(s, query, filters):
            batch.append(row)
            if len(batch) >= BATCH:
                writer.write(batch)
                count, batch = count + len(batch), []
        if batch:
            writer.write(batch)
            count += len(batch)
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    writer.close()
    partial.replace(path)
    return count
