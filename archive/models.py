"""The archive's tables.

A *document* is one published item of one site (identity: site + canonical URL). A *version* exists
only when the document's content fingerprint changes; every fetch is a *capture* that says which
version it confirmed. A capture keeps its complete raw response in its own row, compressed against the
document's previous capture, so an unchanged page costs a few dozen bytes per fetch (`archive.raw`);
attachment bodies are *blobs*, stored once per SHA-256 (`archive.blobs`). Digests that are keys are
32 bytes in the database and hex in Python (`Digest`). Nothing here is ever deleted by a crawl.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import zstandard
from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    column_property,
    mapped_column,
    object_session,
    relationship,
)

from archive.per_thread import PerThread


class Digest(TypeDecorator):
    """A SHA-256 stored as its 32 bytes (half the size of hex, in the row and in every index on it),
    handed to Python as the usual 64-character hex string."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | bytes | None, dialect: Any) -> bytes | None:
        if value is None or isinstance(value, bytes):
            return value
        return bytes.fromhex(value)

    def process_result_value(self, value: bytes | str | None, dialect: Any) -> str | None:
        if value is None or isinstance(value, str):  # a hex digest written before migration 0005
            return value
        return bytes(value).hex()


class CompressedText(TypeDecorator):
    """Long text (a version's body and normalised text) stored zstd-compressed on SQLite, handed to
    Python as `str`. Chinese text is 3 bytes a character in UTF-8 and compresses to ~60%; smaller rows
    also pack more versions into a page. PostgreSQL compresses long values itself (TOAST), so it keeps
    plain text there. A value written before this type (plain text) reads back as it is."""

    impl = Text
    cache_ok = True
    # One per thread: the crawl's store writes in a thread of its own (archive/per_thread.py).
    _compressor = PerThread(lambda: zstandard.ZstdCompressor(level=12, write_checksum=False))
    _decompressor = PerThread(zstandard.ZstdDecompressor)

    def load_dialect_impl(self, dialect: Any) -> Any:
        return dialect.type_descriptor(LargeBinary() if dialect.name == "sqlite" else Text())

    def process_bind_param(self, value: str | bytes | None, dialect: Any) -> str | bytes | None:
        # bytes: compressed already, by this class's compressor in another process (bench/search_corpus.py
        # makes a million versions in worker processes); written as given.
        if value is None or dialect.name != "sqlite" or isinstance(value, bytes):
            return value
        return self._compressor.get().compress(value.encode())

    def process_result_value(self, value: bytes | str | None, dialect: Any) -> str | None:
        return decompressed_text(value)


def decompressed_text(value: bytes | str | None) -> str | None:
    """A `CompressedText` value as text, for code that reads the column without the model (migrations)."""
    if value is None or isinstance(value, str):
        return value
    return CompressedText._decompressor.get().decompress(bytes(value)).decode()


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {dict[str, Any]: JSON, list[Any]: JSON}


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # running | finished | failed | interrupted
    status: Mapped[str] = mapped_column(String(16), default="running")
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Set when the scheduler started the run: the slot it was meant for (a late run shows it).
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SiteLock(Base):
    """One crawl per site at a time, across processes and machines sharing the archive.

    A holder keeps extending `expires_at` while it crawls; a holder that died (SIGKILL, power cut)
    stops extending it, and the lock can be taken over once it has expired."""

    __tablename__ = "site_locks"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Blob(Base):
    """An attachment body, zstd-compressed, stored once per SHA-256."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(Digest, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Url(Base):
    """A URL captures were made at, stored once (a capture names it by id)."""

    __tablename__ = "urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("site", "url", name="uq_documents_site_url"),
        Index("ix_documents_site_index_no", "site", "index_no"),  # a moved page's 索引号 (migration 0019)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    index_no: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(Text)
    # active | withdrawn
    status: Mapped[str] = mapped_column(String(16), default="active")
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    versions: Mapped[list[Version]] = relationship(
        back_populates="document", order_by="Version.number", cascade="save-update, merge"
    )


class DocumentUrl(Base):
    """Every URL a document has been seen at (a document moved within its site keeps both)."""

    __tablename__ = "document_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Version(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_versions_document_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    # SHA-256 of the raw page body this version was first read from (its first capture holds it).
    raw_sha256: Mapped[str] = mapped_column(Digest)

    title: Mapped[str | None] = mapped_column(Text)
    index_no: Mapped[str | None] = mapped_column(String(128))
    issuer: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(String(256), index=True)
    topic: Mapped[str | None] = mapped_column(Text)
    # Dates kept apart (DESIGN §4): what the page claims, what was signed, what the URL says.
    publish_date: Mapped[str | None] = mapped_column(String(32), index=True)
    written_date: Mapped[str | None] = mapped_column(String(32))
    url_date: Mapped[str | None] = mapped_column(String(32))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body: Mapped[str] = mapped_column(CompressedText, default="")
    # The body folded for search (crawler.extraction.normalize): the body above stays as published.
    search_text: Mapped[str | None] = mapped_column(CompressedText)
    # The codec the page was read with (a declared gb2312/gbk is read as gb18030).
    charset: Mapped[str | None] = mapped_column(String(32))
    tables: Mapped[list[Any]] = mapped_column(default=list)

    document: Mapped[Document] = relationship(back_populates="versions")
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id")


class Attachment(Base):
    __tablename__ = "attachments"
    # The text already read from the same bytes (migration 0019).
    __table_args__ = (Index("ix_attachments_sha256_id", "sha256", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    name: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(Digest, ForeignKey("blobs.sha256"))
    error: Mapped[str | None] = mapped_column(Text)
    # The file's text, searched with its version (archive/attachment_text.py), or why there is none.
    text: Mapped[str | None] = mapped_column(Text)
    text_note: Mapped[str | None] = mapped_column(Text)
    # How the text was read: "pdfium 8149 text layer", "tesseract 5.3.0 chi_sim", "catdoc 0.95", …
    text_method: Mapped[str | None] = mapped_column(String(300))


class Capture(Base):
    """One fetch of one URL: when, the status, what it confirmed, and the complete raw response.

    The response (status line, headers, body) is one zstd frame in `raw`, compressed against the record
    of capture `raw_base_id` (see `archive.raw`); `headers`, `body` and `body_sha256` read it back.
    Captures are looked up by document (and id, which follows time) or by run, never by URL text."""

    __tablename__ = "captures"
    # A document's latest capture: one probe of this index (migration 0018 says why).
    __table_args__ = (Index("ix_captures_document_id_id", "document_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    url_id: Mapped[int] = mapped_column(ForeignKey("urls.id"))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    http_status: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    raw_base_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))
    # new_version | unchanged | withdrawn | not_document | error
    outcome: Mapped[str] = mapped_column(String(16))
    page_type: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)

    # The URL, read through `urls`: a SQL expression correlated to the enclosing query's `captures`
    # (`Capture.url == …`, joins; a query of the URL alone needs `.select_from(Capture)`).
    url: Mapped[str] = column_property(
        select(Url.url).where(Url.id == url_id).correlate_except(Url).scalar_subquery()
    )

    def _session(self):  # type: ignore[no-untyped-def]
        session = object_session(self)
        if session is None:
            raise RuntimeError("a capture's raw response is read through its session")
        return session

    @property
    def headers(self) -> dict[str, str]:
        from archive import raw

        return raw.headers(self._session(), self)

    @property
    def body(self) -> bytes | None:
        from archive import raw

        return raw.body(self._session(), self)

    @property
    def body_sha256(self) -> str | None:
        from archive import raw

        return raw.body_sha256(self._session(), self)


class Event(Base):
    """Lifecycle facts about a document: created, withdrawn, restored, moved."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    detail: Mapped[str | None] = mapped_column(Text)


class ImportedRecord(Base):
    """A WARC record an import has taken in (`xxgk import`), and the capture it became.

    The ledger that makes an import idempotent (a record already here is not taken again) and lets a
    revisit find its original in an earlier import: by the original's record id (`WARC-Refers-To`), by
    payload digest (`identical-payload-digest`, across URLs), or by target URI and date. `state` is
    `stored` (a response, or a revisit resolved to its original) or `unresolved` (a revisit whose
    original was nowhere: kept as an error capture, reported).

    A record is known by its WARC-Record-ID *with* its target URI and date (`record_key`, their
    SHA-1): IDs are meant to be unique, but hand-edited and badly written files reuse them (pywb's
    own samples hold two different responses with one ID)."""

    __tablename__ = "imported_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_key: Mapped[str] = mapped_column(String(40), unique=True)
    record_id: Mapped[str] = mapped_column(String(255), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))
    url: Mapped[str] = mapped_column(String(2048), index=True)
    warc_date: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload_digest: Mapped[str | None] = mapped_column(String(128), index=True)
    state: Mapped[str] = mapped_column(String(16))


class ReportData(Base):
    """An annual report version's numbers as `archive.reports.parse` read them (page and each
    attachment), cached: derived data, recomputed when `parser` is not the current parser's version
    and emptied by `xxgk db reindex` (migration 0013)."""

    __tablename__ = "report_data"

    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    parser: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
