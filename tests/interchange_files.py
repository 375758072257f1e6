"""Reading what an export wrote, for the interchange tests: WARC records as plain data, the archive's
captures to compare them with."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from archive import raw
from archive.db import Archive
from archive.interchange.records import sha1_digest, warc_date
from archive.models import Capture, Document


@dataclass
class Rec:
    type: str
    id: str
    uri: str | None
    date: str
    warc: dict[str, str]
    status: str | None = None
    http: list[tuple[str, str]] = field(default_factory=list)
    block: bytes = b""  # the payload (response, resource) or the whole block (metadata, empty revisit)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.http if k.lower() == name.lower()), None)


def read_warc(path: Path) -> list[Rec]:
    out = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle, no_record_parse=False):
            h = record.rec_headers
            rec = Rec(
                type=record.rec_type,
                id=h.get_header("WARC-Record-ID"),
                uri=h.get_header("WARC-Target-URI"),
                date=h.get_header("WARC-Date"),
                warc=dict(h.headers),
            )
            if record.http_headers is not None and record.rec_type in ("response", "revisit", "request"):
                rec.status = record.http_headers.get_statuscode()
                rec.http = list(record.http_headers.headers)
            rec.block = record.content_stream().read() if record.rec_type != "request" else b""
            out.append(rec)
    return out


@dataclass(frozen=True)
class Kept:
    """A capture as the archive keeps it."""

    id: int
    site: str | None
    document_id: int | None
    version_id: int | None
    url: str
    date: str
    status: int
    record: bytes | None

    @property
    def body(self) -> bytes:
        return raw.split(self.record)[2] if self.record else b""

    @property
    def head(self) -> bytes:
        return self.record[: len(self.record) - len(self.body)] if self.record else b""

    @property
    def digest(self) -> str:
        return sha1_digest(self.body)


def captures(database_url: str) -> list[Kept]:
    archive = Archive(database_url)
    out = []
    with archive.session() as s:
        for capture, site in s.execute(
            select(Capture, Document.site)
            .outerjoin(Document, Document.id == Capture.document_id)
            .order_by(Capture.id)
        ):
            out.append(
                Kept(
                    capture.id,
                    site,
                    capture.document_id,
                    capture.version_id,
                    capture.url,
                    warc_date(capture.fetched_at),
                    capture.http_status,
                    raw.read(s, capture),
                )
            )
    archive.close()
    return out


def sha1_of(data: bytes) -> str:
    return sha1_digest(data)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def by_key(records: list[Rec], *types: str) -> dict[tuple[str | None, str], Rec]:
    return {(r.uri, r.date): r for r in records if r.type in types}


def describe(record: Rec) -> dict[str, Any]:
    return {"type": record.type, "uri": record.uri, "date": record.date, "status": record.status}


def warc_in_wacz(wacz: Path, into: Path) -> Path:
    """The WACZ's WARC, extracted to `into` (records are read with warcio, which wants a file)."""
    import zipfile

    out = into / (wacz.stem + ".warc.gz")
    with zipfile.ZipFile(wacz) as archive:
        out.write_bytes(archive.read("archive/data.warc.gz"))
    return out


def payloads_by_date(records: list[Rec]) -> dict[str, tuple[str, bytes]]:
    """WARC-Date → (record type, the payload the record stands for) of every response and revisit: a
    revisit's is its target's (what replay serves at its time)."""
    by_id = {r.id: r for r in records}
    out = {}
    for record in records:
        if record.type == "response":
            out[record.date] = ("response", record.block)
        elif record.type == "revisit":
            out[record.date] = ("revisit", by_id[record.warc["WARC-Refers-To"]].block)
    return out
