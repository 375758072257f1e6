"""Content-addressed raw bytes, compressed with zstd, each against its closest relative.

Pages of the same URL differ between fetches only in volatile bits (a view counter, a date banner),
so a capture is compressed with the previous copy of that URL as a zstd dictionary: the stored delta is
a few dozen bytes, yet every capture keeps its complete response (WARC-complete, a fraction of a WARC's
size). A page seen for the first time is compressed against another page of the same site (the CMS
template is most of its bytes). Identical bodies are stored once. Delta chains are kept short
(`MAX_DEPTH`): reading one blob decompresses at most that many others, and recently read bases are
cached (a blob never changes, so the cache can never be stale).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from functools import lru_cache

import zstandard
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Blob

LEVEL = 9
MAX_DEPTH = 3  # a delta's chain of bases: site relative → version → capture


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=4)
def _compressor(level: int) -> zstandard.ZstdCompressor:
    return zstandard.ZstdCompressor(level=level)


_decompressor = zstandard.ZstdDecompressor()


def _dictionary(base: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def depth(session: Session, blob: Blob) -> int:
    """0 for a full blob, else 1 + its base's depth."""
    level = 0
    while blob.codec == "zstd-delta" and blob.base_sha256:
        level += 1
        base = session.get(Blob, blob.base_sha256)
        if base is None:
            break
        blob = base
    return level


def put(session: Session, data: bytes, *, like: str | None = None) -> str:
    """Store `data` once; with `like` (a blob's hash), store it as a delta against that blob, or against
    the nearest of its bases that keeps the chain within MAX_DEPTH."""
    digest = sha256(data)
    if session.scalar(select(Blob.sha256).where(Blob.sha256 == digest)) is not None:
        return digest
    base = session.get(Blob, like) if like else None
    if base is not None:
        level = depth(session, base)
        while base is not None and level >= MAX_DEPTH:
            base, level = session.get(Blob, base.base_sha256), level - 1  # type: ignore[arg-type]
    if base is not None:
        base_bytes = read_blob(session, base)
        packed = zstandard.ZstdCompressor(level=LEVEL, dict_data=_dictionary(base_bytes)).compress(data)
        session.add(
            Blob(sha256=digest, size=len(data), codec="zstd-delta", base_sha256=base.sha256, data=packed)
        )
    else:
        session.add(Blob(sha256=digest, size=len(data), codec="zstd", data=_compressor(LEVEL).compress(data)))
    return digest


def read_blob(session: Session, blob: Blob) -> bytes:
    cached = _read_cache.get(blob.sha256)
    if cached is not None:
        return cached
    if blob.codec == "zstd":
        data = _decompressor.decompress(blob.data, max_output_size=blob.size)
    elif blob.codec == "zstd-delta":
        base = session.get(Blob, blob.base_sha256)
        if base is None:
            raise LookupError(f"blob {blob.sha256} lost its base {blob.base_sha256}")
        dctx = zstandard.ZstdDecompressor(dict_data=_dictionary(read_blob(session, base)))
        data = dctx.decompress(blob.data, max_output_size=blob.size)
    else:
        raise ValueError(f"blob {blob.sha256} has unknown codec {blob.codec!r}")
    _read_cache.put(blob.sha256, data)
    return data


class _BytesCache:
    """A small LRU of decompressed blobs by hash (content-addressed, so never stale)."""

    def __init__(self, limit: int = 64) -> None:
        self.limit = limit
        self.items: OrderedDict[str, bytes] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        data = self.items.get(key)
        if data is not None:
            self.items.move_to_end(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        self.items[key] = data
        self.items.move_to_end(key)
        while len(self.items) > self.limit:
            self.items.popitem(last=False)


_read_cache = _BytesCache()


def get(session: Session, digest: str) -> bytes:
    blob = session.get(Blob, digest)
    if blob is None:
        raise LookupError(f"no blob {digest}")
    return read_blob(session, blob)
