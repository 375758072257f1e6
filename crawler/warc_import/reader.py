"""Read the records of another tool's WARC or WACZ, each with its HTTP head as recorded and its
payload decoded as the crawler keeps bodies.

warcio (Webrecorder's reader, the one pywb itself uses) parses the WARC/ARC framing, per-record or
whole-file gzip and the HTTP head; hand-written parsing of WARC's corner cases (continuation lines,
WARC/1.0 vs 1.1 dates, ARC) would be worse. What warcio does not do for us:

- **Damage.** warcio reads a record cut short as a shorter one without a word. Every record's block is
  read to its end here and the bytes still missing (`LimitReader.limit`) make a `DamagedFile` naming
  the file and the byte offset where the damaged record starts (the compressed offset in a .warc.gz),
  as does any framing error warcio raises; the records before it have been yielded already.
- **Decoding.** The archive keeps a response's body with its transfer and content codings undone (the
  crawler's Scrapy does the same), so chunking and gzip/deflate/br/zstd are undone here; a coding that
  cannot be undone leaves the payload as recorded and says so in `note`.
- **WACZ** is a ZIP whose `archive/` folder holds the WARCs (stored, so read in place).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParser, StatusAndHeadersParserException
from warcio.timeutils import iso_date_to_datetime


class DamagedFile(ValueError):
    """A WARC that cannot be read on from `offset`: truncated, or a malformed record header."""

    def __init__(self, file: str, offset: int, reason: str) -> None:
        super().__init__(f"{file}: damaged at byte {offset}: {reason}")
        self.file, self.offset, self.reason = file, offset, reason


@dataclass
class WarcEntry:
    """One record of a WARC, as the import needs it."""

    source: str  # the file (for a WACZ, `file.wacz!archive/data.warc.gz`)
    offset: int  # where the record starts in that file (compressed offset in a .warc.gz)
    size: int  # bytes of the record's block (HTTP head and payload as recorded)
    rec_type: str  # response | revisit | request | warcinfo | metadata | resource | conversion …
    record_id: str  # WARC-Record-ID, or a key made of type, URI, date and digest when it has none
    url: str | None
    date: datetime  # WARC-Date, UTC
    payload_digest: str | None  # WARC-Payload-Digest as recorded (`sha1:BASE32…`)
    profile: str | None = None  # a revisit's WARC-Profile
    refers_to: str | None = None  # a revisit's WARC-Refers-To (the original's record id)
    refers_to_url: str | None = None  # WARC-Refers-To-Target-URI
    refers_to_date: datetime | None = None  # WARC-Refers-To-Date
    status: int | None = None  # HTTP status (None: no HTTP head, e.g. an empty revisit)
    status_line: str | None = None  # `HTTP/1.1 200 OK` as recorded
    header_lines: list[tuple[str, str]] | None = None  # every header line in order
    body: bytes = b""  # the payload with transfer and content codings undone
    note: str | None = None  # a coding that could not be undone
    warcinfo: str | None = None  # a warcinfo record's text (its `software:` line is reported)
    content_type: str | None = None  # the record's own Content-Type (a resource's media type)

    def header(self, name: str) -> str | None:
        """The first value of header `name` (any case), or None."""
        lowered = name.lower()
        return next((v for n, v in self.header_lines or () if n.lower() == lowered), None)


def read_entries(path: Path) -> Iterator[WarcEntry]:
    """Every record of a .warc, .warc.gz, .arc(.gz) or .wacz file, in file order. Raises
    `DamagedFile` at the first damaged record, after yielding the ones before it."""
    if path.suffix.lower() == ".wacz" or zipfile.is_zipfile(path):
        yield from _wacz_entries(path)
        return
    with path.open("rb") as fh:
        yield from _entries(fh, str(path), path.stat().st_size, arc=_is_arc(path))


def _is_arc(path: Path) -> bool:
    """An ARC file (the WARC's predecessor) starts with its `filedesc://` record. warcio converts its
    records to WARC ones with a new random WARC-Record-ID at every read, so an ARC record is known by
    its URI, date and type instead."""
    with path.open("rb") as fh:
        start = fh.read(2)
    opener = gzip.open if start == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as fh:
            return fh.read(11) == b"filedesc://"
    except (OSError, EOFError):
        return False


class FileIndex:
    """Where each file-like response of a WARC is (not HTML: a PDF, a spreadsheet), so an imported
    document page can take its attachments from the same file whether they come before or after it
    (wget fetches a page's links after the page). Built by a first pass that reads record headers and
    HTTP heads only; a file is read again, by seeking to its record, when a page links it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.places: dict[str, list[tuple[str, str, int]]] = {}  # URL → (WARC-Date, member, offset)
        for member, offset, url, date, content_type in _heads(path):
            if not content_type.lower().startswith(("text/html", "application/xhtml")):
                self.places.setdefault(url, []).append((date, member, offset))

    def read(self, url: str, at: datetime | None = None) -> WarcEntry | None:
        """The file recorded for `url` (a 2xx response, or a resource record) at `at` or the latest
        before it (else the earliest), or None when the file has none (or cannot be re-read)."""
        places = self.places.get(url)
        if not places:
            return None
        stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") if at is not None else ""
        before = [p for p in places if _sortable(p[0]) <= stamp]
        _, member, offset = max(before, key=lambda p: _sortable(p[0])) if before else places[0]
        try:
            if member:
                with zipfile.ZipFile(self.path) as archive, archive.open(member) as fh:
                    return _entry_at(fh, offset, f"{self.path}!{member}")
            with self.path.open("rb") as fh:
                return _entry_at(fh, offset, str(self.path))
        except (DamagedFile, StopIteration, ArchiveLoadFailed, OSError, ValueError, zlib.error):
            return None


def _entry_at(fh: IO[bytes], offset: int, source: str) -> WarcEntry:
    fh.seek(offset)
    return _entry(next(iter(ArchiveIterator(fh, arc2warc=True))), source, offset)


def _sortable(warc_date: str) -> str:
    try:
        return _utc(iso_date_to_datetime(warc_date)).strftime("%Y-%m-%dT%H:%M:%S.%f")
    except ValueError:
        return ""


def _heads(path: Path) -> Iterator[tuple[str, int, str, str, str]]:
    """(WACZ member or "", offset, URL, WARC-Date, Content-Type) of every 2xx HTTP response and every
    resource record of an http(s) URI."""
    if path.suffix.lower() == ".wacz" or zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                for name in sorted(n for n in archive.namelist() if n.startswith("archive/")):
                    with archive.open(name) as fh:
                        yield from _heads_of(fh, name)
        except zipfile.BadZipFile:
            return
        return
    with path.open("rb") as fh:
        yield from _heads_of(fh, "")


def _heads_of(fh: IO[bytes], member: str) -> Iterator[tuple[str, int, str, str, str]]:
    records = ArchiveIterator(fh, arc2warc=True)
    try:
        for record in records:
            headers, http = record.rec_headers, record.http_headers
            url = (headers.get_header("WARC-Target-URI") or "").strip("<> ")
            date = headers.get_header("WARC-Date") or ""
            if record.rec_type == "resource" and url.lower().startswith(("http://", "https://")):
                yield member, records.offset, url, date, headers.get_header("Content-Type") or ""
            if record.rec_type != "response" or http is None or not http.statusline.startswith("2"):
                continue
            yield member, records.offset, url, date, http.get_header("Content-Type") or ""
    except (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, EOFError, zlib.error):
        return


def _wacz_entries(path: Path) -> Iterator[WarcEntry]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise DamagedFile(str(path), 0, f"not a readable WACZ (ZIP): {exc}") from None
    with archive:
        members = sorted(
            name
            for name in archive.namelist()
            if name.startswith("archive/") and name.lower().endswith((".warc", ".warc.gz"))
        )
        if not members:
            raise DamagedFile(str(path), 0, "a WACZ without WARC files under archive/")
        for name in members:
            with archive.open(name) as member:
                yield from _entries(member, f"{path}!{name}", archive.getinfo(name).file_size)


def _entries(fh: IO[bytes], source: str, size: int, arc: bool = False) -> Iterator[WarcEntry]:
    records = ArchiveIterator(fh, arc2warc=True)
    offset = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            # warcio takes a gzip member or a record header cut short for the end of the file; the
            # bytes after the last whole record say otherwise.
            if records.offset < size:
                raise DamagedFile(
                    source,
                    records.offset,
                    f"the file ends inside a record ({size - records.offset} bytes left)",
                ) from None
            return
        except (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, EOFError, zlib.error) as exc:
            raise DamagedFile(source, records.offset, _reason(exc)) from None
        offset = records.offset
        try:
            entry = _entry(record, source, offset, arc)
        except (StatusAndHeadersParserException, ValueError, EOFError, zlib.error) as exc:
            raise DamagedFile(source, offset, _reason(exc)) from None
        yield entry


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _entry(record, source: str, offset: int, arc: bool = False) -> WarcEntry:  # type: ignore[no-untyped-def]
    headers = record.rec_headers
    rec_type = record.rec_type
    raw = record.raw_stream.read()
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:
        raise DamagedFile(source, offset, f"{rec_type} record cut short: {missing} bytes missing")
    url = headers.get_header("WARC-Target-URI")
    if url:
        url = url.strip("<> ")  # WARC/1.0 drafts (and some tools) wrote <uri>
    date_text = headers.get_header("WARC-Date") or ""
    try:
        date = _utc(iso_date_to_datetime(date_text)) if date_text else datetime.fromtimestamp(0, UTC)
    except ValueError:
        raise DamagedFile(source, offset, f"malformed WARC-Date {date_text!r}") from None
    digest = headers.get_header("WARC-Payload-Digest")
    record_id = headers.get_header("WARC-Record-ID")
    if not record_id or arc:
        record_id = _made_up_id(rec_type, url, date_text, digest)
    refers_date = headers.get_header("WARC-Refers-To-Date")
    entry = WarcEntry(
        source=source,
        offset=offset,
        size=len(raw) + (record.http_headers.total_len if record.http_headers else 0),
        rec_type=rec_type,
        record_id=record_id.strip(),
        url=url,
        date=date,
        payload_digest=digest.strip() if digest else None,
        profile=headers.get_header("WARC-Profile"),
        refers_to=headers.get_header("WARC-Refers-To"),
        refers_to_url=(headers.get_header("WARC-Refers-To-Target-URI") or "").strip("<> ") or None,
        refers_to_date=_utc(iso_date_to_datetime(refers_date)) if refers_date else None,
    )
    http = record.http_headers
    entry.content_type = headers.get_header("Content-Type")
    if rec_type == "warcinfo":
        entry.warcinfo = raw.decode("utf-8", "replace")
    elif rec_type == "resource":
        entry.body = raw  # a file as such (no HTTP exchange): what a page's attachment may be
    elif rec_type == "metadata" and "msgtype=response" in (entry.content_type or "").replace(" ", ""):
        # An HTTP response head kept in a metadata record (this project's export keeps a 304's head
        # so, beside a server-not-modified revisit without one): the head it holds, for the revisit.
        head = _http_head(raw)
        if head is not None:
            entry.status_line, entry.header_lines, entry.status = head
    if http is None or rec_type not in ("response", "revisit") or not http.protocol:
        return entry
    entry.status_line = f"{http.protocol} {http.statusline}".rstrip()
    entry.header_lines = [(name, value) for name, value in http.headers]
    try:
        entry.status = int(http.statusline.split(" ", 1)[0])
    except ValueError:
        raise DamagedFile(source, offset, f"malformed HTTP status line {entry.status_line!r}") from None
    entry.body, entry.note = decoded(raw, entry.header("Transfer-Encoding"), entry.header("Content-Encoding"))
    return entry


def _http_head(block: bytes) -> tuple[str, list[tuple[str, str]], int] | None:
    """(status line, header lines, status) of an HTTP response head, parsed as warcio parses a
    response record's; None when the block is no such head."""
    try:
        http = StatusAndHeadersParser([], verify=False).parse(io.BytesIO(block))
        if not http.protocol.upper().startswith("HTTP/"):
            return None
        status = int(http.statusline.split(" ", 1)[0])
    except (StatusAndHeadersParserException, ValueError, EOFError):
        return None
    return f"{http.protocol} {http.statusline}".rstrip(), list(http.headers), status


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _made_up_id(rec_type: str, url: str | None, date: str, digest: str | None) -> str:
    """A record without WARC-Record-ID (which the standard requires) is known by what it is."""
    key = hashlib.sha1(f"{rec_type} {url} {date} {digest}".encode()).hexdigest()
    return f"<urn:xxgk-import:{key}>"


# -- codings ----------------------------------------------------------------------------------------
def decoded(payload: bytes, transfer: str | None, content: str | None) -> tuple[bytes, str | None]:
    """The payload with its transfer coding (chunked) and content codings undone, as the crawler keeps
    bodies; and a note when a coding could not be undone (the payload is then kept as recorded)."""
    body = payload
    if not payload:  # a revisit's or a 304's empty payload: nothing to undo
        return payload, None
    if transfer and "chunked" in transfer.lower():
        # warcio's reader falls back to the bytes as they are when they turn out not to be chunked.
        body = ChunkedDataReader(io.BytesIO(payload)).read()
    codings = [c.strip().lower() for c in (content or "").split(",") if c.strip()]
    for coding in reversed(codings):  # the last coding applied is undone first
        if coding == "identity":
            continue
        try:
            body = _undo(coding, body)
        except Exception as exc:  # any codec failure: keep the bytes, say why
            return body, f"content-encoding {coding} not undone: {type(exc).__name__}"
    return body, None


def _undo(coding: str, data: bytes) -> bytes:
    if coding in ("gzip", "x-gzip"):
        return zlib.decompress(data, 16 + zlib.MAX_WBITS)
    if coding == "deflate":
        try:
            return zlib.decompress(data)
        except zlib.error:  # raw deflate without the zlib wrapper, as some servers send it
            return zlib.decompress(data, -zlib.MAX_WBITS)
    if coding == "br":
        import brotli

        return brotli.decompress(data)
    if coding == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    raise LookupError(f"unknown coding {coding}")
