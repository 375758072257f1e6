"""Raw captures: every fetch's complete HTTP response, kept in the capture row, compressed against the
previous response of the same document.

A capture's *record* is the response as a WARC would hold it: status line, headers, blank line, body.
It is stored as one zstd frame (`Capture.raw`) compressed with the record of another capture
(`Capture.raw_base_id`) as a raw-content dictionary. Between two fetches of the same page only volatile
bits differ (a Date header, a cookie, a view counter, a token), so the frame is a few dozen bytes. A
record identical to its base stores no bytes at all (`raw` NULL, `raw_base_id` set); a first copy with no
relative is a plain zstd frame (`raw` set, no base). Frames carry no checksum, dictionary id or content
size: the row says which dictionary, SQLite/PostgreSQL keep the bytes intact, and decompression streams
without knowing the size. Delta chains are kept within `MAX_DEPTH`, so reading any capture decompresses
at most that many frames.

Decompressed records are cached by (database, id, frame digest, base id). The frame digest keeps a row id
reused after a rolled-back transaction from being served a stale entry. The database is in the key
because row ids repeat across archives: two archives of the same sites can hold capture 7 with the
very same delta frame against bases that differ (another Date header, another edition of the page), and a
process that reads both (a test worker, an importer, a library user) must get each archive's own bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, NamedTuple

import zstandard
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from archive.per_thread import PerThread

if TYPE_CHECKING:
    from archive.models import Capture

LEVEL = 9
MAX_DEPTH = 4  # frames decompressed at most to read one capture

_plain = PerThread(
    lambda: zstandard.ZstdCompressor(
        level=LEVEL, write_checksum=False, write_content_size=False, write_dict_id=False
    )
)


# -- the record: an HTTP response message ----------------------------------------------------------
def message(
    status: int,
    headers: dict[str, str],
    body: bytes,
    *,
    status_line: str | None = None,
    header_lines: list[tuple[str, str]] | None = None,
) -> bytes:
    """Status line, headers and body as on the wire (transfer encodings already undone).

    A crawl gives the status and a dict of headers; an import of another tool's WARC gives the status
    line and every header line as that tool recorded them (`status_line`, `header_lines`: an
    `HTTP/1.0 200 Okay`, a repeated `Set-Cookie`), so the record reads back exactly as received."""
    if status_line is None:
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        status_line = f"HTTP/1.1 {status} {reason}".rstrip()
    pairs = header_lines if header_lines is not None else list(headers.items())
    lines = [status_line, *(f"{name}: {value}" for name, value in pairs)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def split(record: bytes) -> tuple[str, dict[str, str], bytes]:
    """(status line, headers, body) of a record made by `message`; a header repeated (an imported
    WARC's two `Set-Cookie` lines) reads as its values joined with ", ", as the crawler keeps them.
    `header_lines` gives every line as recorded."""
    status_line, pairs, body = split_lines(record)
    headers: dict[str, str] = {}
    for name, value in pairs:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return status_line, headers, body


def split_lines(record: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, every header line in order as (name, value), body) of a record made by `message`."""
    head, _, body = record.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("utf-8").split("\r\n")
    pairs = []
    for line in lines:
        name, _, value = line.partition(": ")
        pairs.append((name, value))
    return status_line, pairs, body


# -- frames ------------------------------------------------------------------------------------------
def _dictionary(base: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def pack(data: bytes, base: bytes | None) -> bytes:
    """One zstd frame of `data`, with `base` (when given) as its dictionary."""
    if base is None:
        return _plain.get().compress(data)
    return _compressor(base).compress(data)


def _compressor(base: bytes) -> zstandard.ZstdCompressor:
    """A compressor with `base` as its dictionary, kept for the next frame against the same base: every
    new document of a crawl is compressed against one capture of its site, and preparing the
    dictionary of a 30 KB page costs as much as compressing against it.

    The base last used is kept too, and when the very same object comes again (the store reads a
    site's base record from the record cache, `read_with`, which hands out one object while it is
    cached) its compressor is taken without hashing the 30 KB again (~45 µs a new document). Exact: a
    `bytes` object never changes, and the one kept here cannot be freed and its id reused."""
    last = _last_compressor.get()  # this thread's: a compressor is never used by two threads at once
    if last.base is base and last.compressor is not None:
        return last.compressor
    key = (len(base), hashlib.blake2b(base, digest_size=16).digest())
    cache = _compressors.get()
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
        last.base, last.compressor = base, found
        return found
    found = cache[key] = zstandard.ZstdCompressor(
        level=LEVEL,
        dict_data=_dictionary(base),
        write_checksum=False,
        write_content_size=False,
        write_dict_id=False,
    )
    while len(cache) > 4:
        cache.popitem(last=False)
    last.base, last.compressor = base, found
    return found


class _LastBase:
    """The base `_compressor` was last asked for, and its compressor (one per thread)."""

    base: bytes | None = None
    compressor: zstandard.ZstdCompressor | None = None


_compressors: PerThread[OrderedDict[tuple[int, bytes], zstandard.ZstdCompressor]] = PerThread(OrderedDict)
_last_compressor: PerThread[_LastBase] = PerThread(_LastBase)
_lock = threading.Lock()  # guards the record cache and the engines' numbers (`frames`)


def unpack(frame: bytes, base: bytes | None) -> bytes:
    dctx = (
        zstandard.ZstdDecompressor(dict_data=_dictionary(base)) if base is not None else _decompressor.get()
    )
    return dctx.decompressobj().decompress(frame)


_decompressor = PerThread(zstandard.ZstdDecompressor)


# -- captures ----------------------------------------------------------------------------------------
def kept(capture: Capture) -> bool:
    """Whether the capture holds a record (a fetch that got no response keeps none)."""
    return capture.raw is not None or capture.raw_base_id is not None


class Frame(NamedTuple):
    """What the frame functions read of a capture row (a `Capture` has the same attributes)."""

    id: int
    raw: bytes | None
    raw_base_id: int | None


# How the frame functions find a capture by id: the session's `get`, or a Core select (the store).
Getter = Callable[[int], Any]


class Frames(NamedTuple):
    """One database's captures as the frame functions reach them: `get` finds a capture by id, and
    `scope` names the database in the record cache's keys (see the module's docstring)."""

    get: Getter
    scope: int


_scopes: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()
_next_scope = itertools.count(1)


def frames(bind: Session | Connection, get: Getter) -> Frames:
    """`get` over the database `bind` reads: a session's or a connection's engine. Each engine gets a
    number of its own, never reused, so a new archive never meets an old one's cached records."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    if isinstance(engine, Connection):
        engine = engine.engine
    with _lock:
        scope = _scopes.get(engine)
        if scope is None:
            scope = _scopes[engine] = next(_next_scope)
    return Frames(get, scope)


def _session_get(session: Session, capture: Any) -> Getter:
    return lambda capture_id: session.get(type(capture), capture_id)


def _session_frames(session: Session, capture: Any) -> Frames:
    return frames(session, _session_get(session, capture))


def _key(scope: int, capture: Any) -> tuple[int, int, bytes, int | None]:
    return scope, capture.id, hashlib.blake2b(capture.raw or b"", digest_size=8).digest(), capture.raw_base_id


def _resolve_with(get: Getter, capture: Any) -> Any:
    """The capture whose frame holds this one's bytes (itself unless it is identical to its base)."""
    while capture.raw is None and capture.raw_base_id is not None:
        base = get(capture.raw_base_id)
        if base is None:
            raise LookupError(f"capture {capture.id} lost its base {capture.raw_base_id}")
        capture = base
    return capture


def _resolve(session: Session, capture: Capture) -> Capture:
    return _resolve_with(_session_get(session, capture), capture)


def _depth_with(get: Getter, capture: Any) -> int:
    level, capture = 0, _resolve_with(get, capture)
    while capture.raw is not None:
        level += 1
        if capture.raw_base_id is None:
            break
        capture = _resolve_with(get, get(capture.raw_base_id))
    return level


def depth(session: Session, capture: Capture) -> int:
    """Frames to decompress to read the capture: 1 for a plain frame, 1 + its base's for a delta."""
    return _depth_with(_session_get(session, capture), capture)


def read_with(source: Frames, capture: Any) -> bytes | None:
    """`read` with captures found by `source.get(id)` (rows with `id`, `raw` and `raw_base_id`)."""
    if not kept(capture):
        return None
    capture = _resolve_with(source.get, capture)
    key = _key(source.scope, capture)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    base = None
    if capture.raw_base_id is not None:
        base = read_with(source, source.get(capture.raw_base_id))
    data = unpack(capture.raw, base)
    _cache.put(key, data)
    return data


def read(session: Session, capture: Capture) -> bytes | None:
    """The capture's complete record, or None when it kept none."""
    return read_with(_session_frames(session, capture), capture)


def frame(source: Frames, record: bytes | None, like: Any | None) -> tuple[bytes | None, int | None]:
    """(raw, raw_base_id) of a new capture of `record`: against `like` (or the nearest of its bases
    within MAX_DEPTH), no bytes at all when the record equals that base's, a plain frame without one."""
    if record is None:
        return None, None
    get = source.get
    base = _resolve_with(get, like) if like is not None and kept(like) else None
    # The base's record, read once for the comparison and the frame (each read hashes the base's
    # frame for the record cache's key).
    data = read_with(source, base) if base is not None else None
    if base is not None and data == record:
        return None, base.id  # the same response again: no bytes at all
    if base is not None:
        level = _depth_with(get, base)
        while base is not None and level >= MAX_DEPTH:
            parent = base.raw_base_id
            base = _resolve_with(get, get(parent)) if parent is not None else None
            data = None  # another base: its record is read below
            level -= 1
    if base is None:
        return pack(record, None), None
    return pack(record, data if data is not None else read_with(source, base)), base.id


def store(session: Session, capture: Capture, record: bytes | None, like: Capture | None) -> None:
    """Set the capture's frame (see `frame`)."""
    capture.raw, capture.raw_base_id = frame(_session_frames(session, like), record, like)


def headers(session: Session, capture: Capture) -> dict[str, str]:
    record = read(session, capture)
    return split(record)[1] if record is not None else {}


def body(session: Session, capture: Capture) -> bytes | None:
    record = read(session, capture)
    return split(record)[2] if record is not None else None


def body_sha256(session: Session, capture: Capture) -> str | None:
    """Hex SHA-256 of the body bytes as fetched (what WARC-Payload-Digest-style checks compare)."""
    data = body(session, capture)
    return hashlib.sha256(data).hexdigest() if data is not None else None


def latest_kept(
    session: Session, model: type[Capture], document_id: int, status: int | None = None
) -> Capture | None:
    """The document's most recent capture that holds a record, of the same status when there is one
    (a 304 or a 404 is a poor dictionary for the next full page): the base for its next capture."""
    query = (
        select(model)
        .where(model.document_id == document_id, (model.raw.is_not(None)) | (model.raw_base_id.is_not(None)))
        .order_by(model.id.desc())
        .limit(1)
    )
    found = session.scalars(query.where(model.http_status == status)).first() if status else None
    return found or session.scalars(query).first()


class _BytesCache:
    """A small LRU of decompressed records (a committed capture never changes)."""

    def __init__(self, limit: int = 256) -> None:
        self.limit = limit
        self.items: OrderedDict[tuple, bytes] = OrderedDict()

    def get(self, key: tuple) -> bytes | None:
        with _lock:  # the crawl's store writes in a thread of its own (crawler/pipelines/store.py)
            data = self.items.get(key)
            if data is not None:
                self.items.move_to_end(key)
            return data

    def put(self, key: tuple, data: bytes) -> None:
        with _lock:
            self.items[key] = data
            self.items.move_to_end(key)
            while len(self.items) > self.limit:
                self.items.popitem(last=False)


_cache = _BytesCache()
