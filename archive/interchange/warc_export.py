"""Export captures as WARC 1.1 (warcio), one gzip member per record, streamed in flat memory.

Record layout (what an importer, a replay tool or an archivist finds in the file):

- `warcinfo` first: software and version, the WARC format, and the selection as JSON. Its WARC-Date
  is the latest chosen capture's time, not the export's: the same archive exports to the same bytes.
- Per capture that kept a response, in capture order within its document:
  - a `response` (the status line and headers as received, made truthful for the decoded body kept,
    see `records`; the body; WARC-Date = the fetch time with microseconds; WARC-Payload-Digest and
    WARC-Block-Digest as base32 SHA-1);
  - or, for a 2xx whose payload an earlier record of the same document already holds, a `revisit`
    with the `identical-payload-digest` profile: its own status line and headers, no payload,
    WARC-Refers-To-Target-URI/-Date and WARC-Refers-To naming that record;
  - or, for a 304 answer to a conditional request, a `revisit` with the `server-not-modified` profile
    naming the latest full 200 response of that URL (its payload digest is the target's). Its block is
    empty, so replay tools (pywb, ReplayWeb.page) serve the target's headers and payload at the 304's
    time: the page as the 304 confirmed it. The 304's own status line and headers are kept, byte for
    byte as received, in a `metadata` record (Content-Type `application/http; msgtype=response`)
    whose WARC-Refers-To is the revisit: pywb would otherwise replay a 304 with no body.
  - a `request` (WARC-Concurrent-To the response or revisit): method, target and Host, which is all
    the archive knows of the request;
  - for the first capture holding a version's page: a `metadata` record (application/json) with the
    version's extracted fields, WARC-Refers-To its response, and a `resource` record per attachment
    of that version (the file as fetched; the archive keeps attachment bodies, not their HTTP
    headers, so a resource record, which claims no HTTP exchange, is the truthful form; WARC-Date is
    the page capture's, the crawl fetched the files right after it).
- Metadata records carry no WARC-Target-URI (optional for them in WARC 1.1), so URL indexes (pywb,
  cdxj-indexer) list only what replays: responses, revisits and resources.
- Self-contained: a revisit's target is always in the same export. An identical-payload revisit is
  only written against a record already written; a 304 whose original falls outside the selection
  (a capture-time window that starts after it) gets that original written in full first, at its own
  time, and the warcinfo's count says how many were added.
- Captures that kept no response (a fetch that got none) are skipped and counted.
- Record ids are uuid5 of what the record is (`records.record_id`): deterministic.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from io import BytesIO
from typing import Any, BinaryIO

import zstandard
from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.warcwriter import WARCWriter

from archive import raw
from archive.interchange import records as r
from archive.interchange.selection import (
    CaptureRow,
    Selection,
    attachments_of,
    count,
    earlier_full_response,
    frame_getter,
    groups,
    versions_of,
)
from archive.models import Blob

WARC_VERSION = "WARC/1.1"
CHUNK_GROUPS = 200  # documents whose versions and attachments are read together
# The extracted fields a version's metadata record holds (ids stay out: they are this archive's own).
VERSION_FIELDS = (
    "number", "fingerprint", "title", "index_no", "issuer", "source", "doc_number", "topic",
    "publish_date", "written_date", "url_date", "charset", "fields",
)  # fmt: skip


@dataclass(frozen=True)
class IndexEntry:
    """What a CDXJ line says of one replayable record (the WACZ's index is built from these)."""

    url: str
    timestamp: str
    mime: str
    status: str | None
    digest: str
    offset: int
    length: int


@dataclass(frozen=True)
class Page:
    """A document's entry in a WACZ's pages.jsonl: the last capture that replays its page."""

    url: str
    ts: str
    title: str
    text: str


@dataclass
class ExportStats:
    captures: int = 0
    responses: int = 0
    identical_revisits: int = 0
    not_modified_revisits: int = 0
    requests: int = 0
    metadata: int = 0
    resources: int = 0
    originals_added: int = 0
    not_kept: int = 0
    records: int = 0
    bytes: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Written:
    """A record holding a payload: what a revisit names."""

    record_id: str
    url: str
    date: str
    digest: str


@dataclass
class _Group:
    """What the writer remembers while it writes one group (one document's captures)."""

    versions: dict[int, dict[str, Any]] = field(default_factory=dict)
    attachments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    by_digest: dict[str, Written] = field(default_factory=dict)
    by_url: dict[str, Written] = field(default_factory=dict)  # each URL's latest 200 payload
    written: set[int] = field(default_factory=set)
    described: set[int] = field(default_factory=set)  # versions whose metadata is written
    files: set[tuple[str, str]] = field(default_factory=set)
    page: tuple[str, str, int | None] | None = None  # (url, WARC-Date, version id)


Progress = Callable[[int, int, int], None]  # (captures done, captures in all, bytes written)


class WarcExporter:
    """Writes the selection's captures to `out` (a binary file: offsets are read with `tell`)."""

    def __init__(
        self,
        s: Session,
        out: BinaryIO,
        selection: Selection,
        *,
        software: str = "xxgk-archive",
        on_index: Callable[[IndexEntry], None] | None = None,
        on_page: Callable[[Page], None] | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.s, self.out, self.selection = s, out, selection
        self.software = software
        self.on_index, self.on_page, self.progress = on_index, on_page, progress
        self.writer = WARCWriter(out, gzip=True, warc_version=WARC_VERSION)
        self.stats = ExportStats()
        self.near: dict[int, Any] = {}  # the rows of the groups being written, by id
        self.frames = raw.frames(s, frame_getter(s, self.near))
        self._blob = zstandard.ZstdDecompressor()

    # -- the run --------------------------------------------------------------------------------
    def run(self) -> ExportStats:
        total, latest = count(self.s, self.selection)
        self.export_date = r.warc_date(latest) if latest is not None else "1970-01-01T00:00:00.000000Z"
        self._warcinfo()
        chunk: list[list[CaptureRow]] = []
        for rows in groups(self.s, self.selection):
            chunk.append(rows)
            if len(chunk) >= CHUNK_GROUPS:
                self._chunk(chunk, total)
                chunk = []
        self._chunk(chunk, total)
        return self.stats

    def _chunk(self, chunk: list[list[CaptureRow]], total: int) -> None:
        """A few hundred groups at a time: their versions and attachments read in one query each."""
        versions = versions_of(self.s, [rows[0].document_id for rows in chunk if rows[0].document_id])
        attachments = attachments_of(self.s, list(versions))
        by_document: dict[int, dict[int, dict[str, Any]]] = {}
        for version_id, version in versions.items():
            by_document.setdefault(version["document_id"], {})[version_id] = version
        for rows in chunk:
            self.near.clear()
            self.near.update((row.id, row) for row in rows)
            group = _Group()
            group.versions = by_document.get(rows[0].document_id or -1, {})
            group.attachments = {i: attachments[i] for i in group.versions if i in attachments}
            self._group(rows, group)
        if self.progress and chunk:
            self.progress(self.stats.captures, total, self.stats.bytes)

    def _group(self, rows: list[CaptureRow], group: _Group) -> None:
        for row in rows:
            self.stats.captures += 1
            self._capture(row, group)
        if group.page is not None and self.on_page is not None:
            url, date, version_id = group.page
            version = group.versions.get(version_id or -1, {})
            self.on_page(Page(url, date, version.get("title") or url, version.get("body") or ""))

    def _capture(self, row: CaptureRow, group: _Group) -> None:
        record = raw.read_with(self.frames, row)
        if record is None:
            self.stats.not_kept += 1
            return
        line, headers, body = raw.split_lines(record)  # every header line: repeats stay repeats
        status = row.http_status
        if status == 304:
            target = group.by_url.get(row.url)
            if target is None:
                original = earlier_full_response(self.s, row)
                if original is not None and original.id not in group.written:
                    self._capture(original, group)
                    self.stats.originals_added += 1
                target = group.by_url.get(row.url)
            if target is not None:
                self._not_modified(row, record[: len(record) - len(body)], target, group)
                return
        digest = r.sha1_digest(body)
        duplicate = group.by_digest.get(digest) if 200 <= status < 300 and body else None
        if duplicate is not None:
            written = self._identical(row, line, headers, body, duplicate)
        else:
            written = self._response(row, line, headers, body, digest)
            if 200 <= status < 300 and body:
                group.by_digest.setdefault(digest, written)
        group.written.add(row.id)
        if status == 200:
            group.by_url[row.url] = Written(duplicate.record_id, duplicate.url, duplicate.date, digest) \
                if duplicate is not None else written  # fmt: skip
            group.page = (row.url, r.warc_date(row.fetched_at), row.version_id)
        if row.version_id is not None and 200 <= status < 300 and row.version_id not in group.described:
            group.described.add(row.version_id)
            self._describe(row, written, group)

    # -- records ----------------------------------------------------------------------------------
    def _write(self, record: Any, index: tuple[str, str | None] | None = None) -> None:
        offset = self.out.tell()
        self.writer.write_record(record)
        length = self.out.tell() - offset
        self.stats.records += 1
        self.stats.bytes += length
        if index is not None and self.on_index is not None:
            headers = record.rec_headers
            mime, status = index
            self.on_index(
                IndexEntry(
                    url=headers.get_header("WARC-Target-URI"),
                    timestamp=r.timestamp14_of(headers.get_header("WARC-Date")),
                    mime=mime,
                    status=status,
                    digest=headers.get_header("WARC-Payload-Digest") or "",
                    offset=offset,
                    length=length,
                )
            )

    def _warcinfo(self) -> None:
        info = {
            "software": self.software,
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "xxgk-selection": json.dumps(self.selection.describe(), ensure_ascii=False, sort_keys=True),
        }
        record = self.writer.create_warcinfo_record("", info)
        record.rec_headers.remove_header("WARC-Filename")
        record.rec_headers.replace_header("WARC-Date", self.export_date)
        record.rec_headers.replace_header("WARC-Record-ID", r.record_id("warcinfo", self.export_date))
        self._write(record)

    def _response(
        self, row: CaptureRow, line: str, headers: list[tuple[str, str]], body: bytes, digest: str
    ) -> Written:
        date = r.warc_date(row.fetched_at)
        rid = r.record_id("response", row.url, date, digest)
        http = r.http_response(line, headers, len(body))
        record = self.writer.create_warc_record(
            row.url, "response", payload=BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict={"WARC-Date": date, "WARC-Record-ID": rid, "WARC-Payload-Digest": digest},
        )  # fmt: skip
        self._write(record, (_mime(http.get_header("Content-Type")), str(row.http_status)))
        self.stats.responses += 1
        self._request(row, rid, date)
        return Written(rid, row.url, date, digest)

    def _identical(
        self, row: CaptureRow, line: str, headers: list[tuple[str, str]], body: bytes, target: Written
    ) -> Written:
        date = r.warc_date(row.fetched_at)
        rid = r.record_id("revisit", row.url, date, target.digest)
        http = r.http_response(line, headers, len(body))
        record = self.writer.create_warc_record(
            row.url, "revisit", http_headers=http,
            warc_headers_dict={
                "WARC-Date": date, "WARC-Record-ID": rid, "WARC-Payload-Digest": target.digest,
                "WARC-Profile": r.IDENTICAL_PAYLOAD, "WARC-Refers-To": target.record_id,
                "WARC-Refers-To-Target-URI": target.url, "WARC-Refers-To-Date": target.date,
            },
        )  # fmt: skip
        self._write(record, ("warc/revisit", str(row.http_status)))
        self.stats.identical_revisits += 1
        self._request(row, rid, date)
        return Written(rid, row.url, date, target.digest)

    def _not_modified(self, row: CaptureRow, received: bytes, target: Written, group: _Group) -> None:
        date = r.warc_date(row.fetched_at)
        rid = r.record_id("revisit", row.url, date, "304")
        record = self.writer.create_warc_record(
            row.url, "revisit", warc_content_type="application/http; msgtype=response",
            warc_headers_dict={
                "WARC-Date": date, "WARC-Record-ID": rid, "WARC-Payload-Digest": target.digest,
                "WARC-Profile": r.SERVER_NOT_MODIFIED, "WARC-Refers-To": target.record_id,
                "WARC-Refers-To-Target-URI": target.url, "WARC-Refers-To-Date": target.date,
            },
        )  # fmt: skip
        self._write(record, ("warc/revisit", None))  # no HTTP message: cdxj-indexer gives no status
        self.stats.not_modified_revisits += 1
        # The 304 exactly as received: its status line and headers (it had no body).
        self._metadata(rid, date, "application/http; msgtype=response", received, "304")
        self._request(row, rid, date)
        group.written.add(row.id)
        group.page = (row.url, date, row.version_id)

    def _request(self, row: CaptureRow, concurrent: str, date: str) -> None:
        record = self.writer.create_warc_record(
            row.url, "request", http_headers=r.http_request(row.url),
            warc_headers_dict={
                "WARC-Date": date, "WARC-Record-ID": r.record_id("request", concurrent),
                "WARC-Concurrent-To": concurrent,
            },
        )  # fmt: skip
        self._write(record)
        self.stats.requests += 1

    def _metadata(self, refers_to: str, date: str, content_type: str, block: bytes, kind: str) -> None:
        record = self.writer.create_warc_record(
            "", "metadata", payload=BytesIO(block), length=len(block), warc_content_type=content_type,
            warc_headers_dict={
                "WARC-Date": date, "WARC-Record-ID": r.record_id("metadata", kind, refers_to),
                "WARC-Refers-To": refers_to,
            },
        )  # fmt: skip
        record.rec_headers.remove_header("WARC-Target-URI")
        self._write(record)
        self.stats.metadata += 1

    def _describe(self, row: CaptureRow, response: Written, group: _Group) -> None:
        """The version's metadata record and its attachments' resource records."""
        version = group.versions.get(row.version_id or -1)
        if version is None:
            return
        files = group.attachments.get(row.version_id or -1, [])
        fields = {name: version.get(name) for name in VERSION_FIELDS}
        fields["url"] = row.url
        fields["attachments"] = [{"url": a["url"], "sha256": a["sha256"], "content_type": a["content_type"]}
                                 for a in files]  # fmt: skip
        block = json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
        self._metadata(response.record_id, response.date, "application/json", block, "version")
        for attachment in files:
            key = (attachment["url"], attachment["sha256"])
            if key in group.files:
                continue
            group.files.add(key)
            self._resource(attachment, response.date)

    def _resource(self, attachment: dict[str, Any], date: str) -> None:
        data = self._blob_bytes(attachment["sha256"])
        digest = r.sha1_digest(data)
        content_type = attachment["content_type"] or "application/octet-stream"
        record = self.writer.create_warc_record(
            attachment["url"], "resource", payload=BytesIO(data), length=len(data),
            warc_content_type=content_type,
            warc_headers_dict={
                "WARC-Date": date, "WARC-Payload-Digest": digest, "WARC-Block-Digest": digest,
                "WARC-Record-ID": r.record_id("resource", attachment["url"], date, digest),
            },
        )  # fmt: skip
        self._write(record, (_mime(content_type), None))  # no HTTP status to index
        self.stats.resources += 1

    def _blob_bytes(self, sha256: str) -> bytes:
        stored = (
            self.s.connection().execute(select(Blob.__table__.c.data).where(Blob.sha256 == sha256)).scalar()
        )
        if stored is None:
            raise LookupError(f"attachment body {sha256} is missing from the archive")
        return self._blob.decompressobj().decompress(stored)


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower() or "unk"
