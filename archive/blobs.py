"""Attachment bodies, content-addressed: stored once per distinct SHA-256, zstd-compressed.

Pages are not blobs: a page's raw response lives in its capture (`archive.raw`), compressed against the
previous capture of the same document. Attachments (PDF, DOC, XLS) rarely change and are shared between
versions, so identity by hash is what saves bytes for them. The key is the 32-byte digest (the models'
`Digest` type shows it as hex); frames carry no checksum or content size (the row has the size).
"""

from __future__ import annotations

import hashlib

import zstandard
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from archive.models import Blob
from archive.per_thread import PerThread
from archive.prepared import Prepared

LEVEL = 9

# One per thread: the crawl's store writes in a thread of its own (archive/per_thread.py).
_compressor = PerThread(
    lambda: zstandard.ZstdCompressor(
        level=LEVEL, write_checksum=False, write_content_size=False, write_dict_id=False
    )
)
_decompressor = PerThread(zstandard.ZstdDecompressor)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put(session: Session, data: bytes) -> str:
    """Store `data` once; returns its hex SHA-256."""
    digest = sha256(data)
    if session.scalar(select(Blob.size).where(Blob.sha256 == digest)) is None:
        session.add(Blob(sha256=digest, size=len(data), data=_compressor.get().compress(data)))
    return digest


def put_core(conn: Connection, data: bytes) -> str:
    """`put` on a connection (the version store writes with Core statements)."""
    digest = sha256(data)
    if _SIZE.first(conn, {"sha256": digest}) is None:
        _INSERT.execute(
            conn, {"sha256": digest, "size": len(data), "data": _compressor.get().compress(data)}
        ).close()
    return digest


_BLOBS = Blob.__table__
_SIZE = Prepared(select(_BLOBS.c.size).where(_BLOBS.c.sha256 == bindparam("sha256")))
_INSERT = Prepared.insert(_BLOBS, ["sha256", "size", "data"])


def read_blob(blob: Blob) -> bytes:
    return _decompressor.get().decompressobj().decompress(blob.data)


def get(session: Session, digest: str) -> bytes:
    blob = session.get(Blob, digest)
    if blob is None:
        raise LookupError(f"no blob {digest}")
    return read_blob(blob)
