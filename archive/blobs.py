"""Content-addressed raw bytes, compressed with zstd.

Pages of the same URL differ between fetches only in volatile bits (a view counter, a date banner),
so a capture is compressed with the previous full copy of that URL as a zstd dictionary: the stored
delta is a few dozen bytes, yet every capture keeps its complete response (WARC-complete, a fraction of
a WARC's size). Deltas are one level deep (their base is always a full blob) so reading never chains.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import zstandard
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Blob

LEVEL = 9


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=4)
def _compressor(level: int) -> zstandard.ZstdCompressor:
    return zstandard.ZstdCompressor(level=level)


_decompressor = zstandard.ZstdDecompressor()


def _dictionary(base: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def put(session: Session, data: bytes, *, like: str | None = None) -> str:
    """Store `data` once; with `like` (a full blob's hash), store it as a delta against that blob."""
    digest = sha256(data)
    if session.scalar(select(Blob.sha256).where(Blob.sha256 == digest)) is not None:
        return digest
    base = session.get(Blob, like) if like else None
    if base is not None and base.codec == "zstd":
        base_bytes = read_blob(session, base)
        packed = zstandard.ZstdCompressor(level=LEVEL, dict_data=_dictionary(base_bytes)).compress(data)
        session.add(
            Blob(sha256=digest, size=len(data), codec="zstd-delta", base_sha256=base.sha256, data=packed)
        )
    else:
        session.add(Blob(sha256=digest, size=len(data), codec="zstd", data=_compressor(LEVEL).compress(data)))
    return digest


def read_blob(session: Session, blob: Blob) -> bytes:
    if blob.codec == "zstd":
        return _decompressor.decompress(blob.data, max_output_size=blob.size)
    if blob.codec == "zstd-delta":
        base = session.get(Blob, blob.base_sha256)
        if base is None:
            raise LookupError(f"blob {blob.sha256} lost its base {blob.base_sha256}")
        dctx = zstandard.ZstdDecompressor(dict_data=_dictionary(read_blob(session, base)))
        return dctx.decompress(blob.data, max_output_size=blob.size)
    raise ValueError(f"blob {blob.sha256} has unknown codec {blob.codec!r}")


def get(session: Session, digest: str) -> bytes:
    blob = session.get(Blob, digest)
    if blob is None:
        raise LookupError(f"no blob {digest}")
    return read_blob(session, blob)
