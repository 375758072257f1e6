"""`prepared.Prepared`, the store's statements run on the driver: the same values as SQLAlchemy would
write and read, and a driver's error raised as SQLAlchemy raises it (callers catch those)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from archive.db import Archive
from archive.models import Blob, Document, Url, Version
from archive.prepared import Prepared, insert_id, insert_rows, update_row

_VERSION = Version.__table__
_BY_ID = Prepared(select(_VERSION.c.raw_sha256, _VERSION.c.body, _VERSION.c.first_seen_at).where(
    _VERSION.c.id == bindparam("id")
))  # fmt: skip


def test_rows_written_and_read_back_as_sqlalchemy_does(database_url: str) -> None:
    archive = Archive(database_url)
    at = datetime(2026, 3, 1, 8, 30, 15, 123456)
    digest = "ab" * 32
    with archive.session() as s:
        conn = s.connection()
        doc_id = insert_id(
            conn,
            Document.__table__,
            {"site": "s", "url": "u", "first_seen_at": at, "last_seen_at": at, "status": "active",
             "title": "标题", "index_no": None},
        )  # fmt: skip
        version_id = insert_id(
            conn,
            _VERSION,
            {"document_id": doc_id, "number": 1, "fingerprint": "f", "first_seen_at": at, "last_seen_at": at,
             "raw_sha256": digest, "fields": {"title": "标题"}, "body": "正文" * 50, "tables": [[["a"]]]},
        )  # fmt: skip
        update_row(conn, Document.__table__, doc_id, {"title": "新标题"})
        update_row(conn, Document.__table__, doc_id, {})  # nothing to change: no statement
        insert_rows(conn, Url.__table__, [{"url": "a"}, {"url": "b"}])
        read = _BY_ID.first(conn, {"id": version_id})
        assert read is not None and read[:2] == (digest, "正文" * 50)
        assert _BY_ID.first(conn, {"id": version_id + 1}) is None
    with archive.session() as s:  # what the ORM reads is what was written
        version = s.get(Version, version_id)
        assert version is not None
        assert (version.raw_sha256, version.body, version.fields, version.tables) == (
            digest,
            "正文" * 50,
            {"title": "标题"},
            [[["a"]]],
        )
        assert version.first_seen_at == read[2]  # the same date type and value as SQLAlchemy reads
        assert s.get(Document, doc_id).title == "新标题"  # type: ignore[union-attr]
        assert sorted(s.scalars(select(Url.url))) == ["a", "b"]
    archive.close()


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it_and_rolls_back(database_url: str) -> None:
    archive = Archive(database_url)
    with pytest.raises(IntegrityError), archive.session() as s:
        conn = s.connection()
        insert_rows(conn, Blob.__table__, [{"sha256": "cd" * 32, "size": 1, "data": b"x"}])
        insert_rows(conn, Blob.__table__, [{"sha256": "cd" * 32, "size": 1, "data": b"x"}])
    with archive.session() as s:
        assert s.scalars(select(Blob.sha256)).all() == []
    archive.close()


def _tsvector_plain(title: str, body: str, tag_tokens: list[str]) -> str:
    """`pg_fts.tsvector_literal` as first written (before its loops were made faster)."""
    from archive.search.pg_fts import MAX_POSITION, MAX_POSITIONS_PER_LEXEME
    from archive.search.tokens import grams

    def quote(lexeme: str) -> str:
        return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"

    positions: dict[str, list[str]] = {tag: [] for tag in tag_tokens}
    offset = 0
    for compact, weight in ((title, "A"), (body, "D")):
        for i, gram in enumerate(grams(compact)):
            at = f"{min(offset + i + 1, MAX_POSITION)}{weight}"
            for lexeme in dict.fromkeys((gram, gram[0]) if weight == "A" else (gram,)):
                seen = positions.setdefault(lexeme, [])
                if len(seen) < MAX_POSITIONS_PER_LEXEME:
                    seen.append(at)
            positions.setdefault(gram[0], [])
        offset += len(compact)
    return " ".join(
        f"{quote(lexeme)}:{','.join(pos)}" if pos else quote(lexeme) for lexeme, pos in positions.items()
    )


def test_tsvector_literal_is_the_plain_forms_output() -> None:
    import random

    from archive.search.pg_fts import tsvector_literal

    rng = random.Random(7)
    alphabet = "民政局养老服务'\\a1,。（）"
    for n in range(300):
        title = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        body = "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 2, 50, 3000])))
        if n % 50 == 0:  # past the last position a vector holds
            title, body = "民" * rng.randrange(16_000, 17_000), "政民" * 300
        tags = ["site_anshun", "y2024"][: n % 3]
        assert tsvector_literal(title, body, tags) == _tsvector_plain(title, body, tags)
