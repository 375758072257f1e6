"""The archive on both databases: migrations, raw captures compressed in their rows, attachment blobs."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zstandard
from alembic import command
from sqlalchemy import select, text

from archive import blobs, raw
from archive.db import Archive, ArchiveConfigError, make_engine
from archive.migrate import HEAD, alembic_config, current_revision, head_revision, shipped_head
from archive.models import Blob, Capture, Url, Version
from archive.records import FetchedPage
from archive.store import VersionStore
from crawler.extraction import parse_page
from crawler.pipelines.extract import page_content
from tests.pages import BODY, URL, page_html

HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Server": "nginx",
    "Date": "Mon, 01 Jan 2024 10:00:00 GMT",
}


def test_migrations_reach_head_and_rerun_is_noop(unmigrated_database_url: str) -> None:
    database_url = unmigrated_database_url
    assert shipped_head() == HEAD, "a migration was added: set archive.migrate.HEAD to its revision"
    archive = Archive(database_url)
    assert current_revision(archive.engine) == head_revision(archive.engine)
    Archive(database_url)  # second open: nothing to do, no error
    archive.close()


def _page(html: bytes, at: datetime, headers: dict[str, str]) -> FetchedPage:
    return FetchedPage(
        site="anshun_mzj", url=URL, fetched_at=at, http_status=200, headers=headers, body=html,
        content=page_content(parse_page(html, URL)),
    )  # fmt: skip


def test_capture_keeps_the_whole_response_as_a_small_delta(database_url: str) -> None:
    store = VersionStore(Archive(database_url))
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    pages = [page_html(BODY, 100 + n) for n in range(8)]
    for n, html in enumerate(pages):
        headers = {**HEADERS, "Date": f"Mon, 0{n + 1} Jan 2024 10:00:00 GMT"}
        store.record(_page(html, t0 + timedelta(days=n), headers))
    store.record(
        _page(pages[-1], t0 + timedelta(days=9), {**HEADERS, "Date": "Mon, 08 Jan 2024 10:00:00 GMT"})
    )
    with store.archive.session() as s:
        captures = s.scalars(select(Capture).order_by(Capture.id)).all()
        assert len(captures) == 9 and captures[0].raw_base_id is None and captures[0].url == URL
        for n, capture in enumerate(captures[:8]):
            assert capture.body == pages[n]  # complete bytes back, through the chain of bases
            assert capture.headers["Date"] == f"Mon, 0{n + 1} Jan 2024 10:00:00 GMT"
            assert capture.body_sha256 == hashlib.sha256(pages[n]).hexdigest()
            assert raw.depth(s, capture) <= raw.MAX_DEPTH
        assert all(len(c.raw) < len(pages[0]) // 10 for c in captures[1:8])  # a delta, not a page
        assert captures[8].raw is None and captures[8].raw_base_id == captures[7].id  # identical: no bytes
        assert raw.split(raw.read(s, captures[0]))[0] == "HTTP/1.1 200 OK"
        version = s.scalars(select(Version)).one()
        assert version.raw_sha256 == hashlib.sha256(pages[0]).hexdigest()
        assert s.scalar(select(Capture.id).where(Capture.url == URL).limit(1)) == captures[0].id
        assert s.scalars(select(Url.url)).all() == [URL]


def test_one_process_reading_two_archives_gets_each_its_own_bytes(tmp_path: Path) -> None:
    """Row ids repeat across archives, and so can a small delta frame: here capture 2 of both archives
    holds the very same frame, against a base that says 浏览次数 100 in one and 200 in the other. Read
    one archive and then the other in one process (as a test worker, an importer or the web server's
    export does), each gives its own record, not the one decompressed first."""
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    stores = [VersionStore(Archive(f"sqlite:///{tmp_path / name}.sqlite3")) for name in ("a", "b")]
    for store, counter in zip(stores, (100, 200), strict=True):
        html = page_html(BODY, counter)
        store.record(_page(html, t0, HEADERS))
        store.record(
            _page(html, t0 + timedelta(days=1), {**HEADERS, "Date": "Tue, 02 Jan 2024 10:00:00 GMT"})
        )
    a, b = stores
    with a.archive.session() as s:
        frame = s.get(Capture, 2).raw
        assert frame is not None and s.get(Capture, 2).raw_base_id == 1
    with b.archive.engine.begin() as conn:  # the coincidence, made certain
        conn.execute(text("UPDATE captures SET raw = :f WHERE id = 2"), {"f": frame})
    with a.archive.session() as s:
        from_a = raw.read(s, s.get(Capture, 2))  # decompressed, and cached
    with b.archive.session() as s:
        base_b = raw.read(s, s.get(Capture, 1))
        from_b = raw.read(s, s.get(Capture, 2))
    assert "浏览次数: 100".encode() in from_a
    assert from_b == raw.unpack(frame, base_b) != from_a
    assert "浏览次数: 200".encode() in from_b
    for store in stores:
        store.archive.close()


def test_attachment_blobs_are_stored_once_by_binary_digest(database_url: str) -> None:
    archive = Archive(database_url)
    data = b"%PDF-1.4 " + BODY.encode() * 3
    with archive.session() as s:
        digest = blobs.put(s, data)
        assert blobs.put(s, data) == digest == hashlib.sha256(data).hexdigest()
    with archive.session() as s:
        assert blobs.get(s, digest) == data and s.scalars(select(Blob)).one().sha256 == digest
        with archive.engine.connect() as conn:  # 32 bytes in the database, not 64 hex characters
            assert len(bytes(conn.execute(text("SELECT sha256 FROM blobs")).scalar_one())) == 32


def _old_blob(conn, data: bytes, base: tuple[str, bytes] | None = None) -> str:  # type: ignore[no-untyped-def]
    digest = hashlib.sha256(data).hexdigest()
    if base is None:
        codec, packed = "zstd", zstandard.ZstdCompressor(level=9).compress(data)
    else:
        dictionary = zstandard.ZstdCompressionDict(base[1], dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        codec, packed = "zstd-delta", zstandard.ZstdCompressor(level=9, dict_data=dictionary).compress(data)
    conn.execute(
        text("INSERT INTO blobs (sha256, size, codec, base_sha256, data) VALUES (:s, :n, :c, :b, :d)"),
        {"s": digest, "n": len(data), "c": codec, "b": base[0] if base else None, "d": packed},
    )
    return digest


def test_migration_0005_rewrites_an_old_archive(unmigrated_database_url: str) -> None:
    """An archive written by 0004's layout (hex-keyed blobs, headers as JSON, URL per capture) reads
    back identically after the upgrade."""
    database_url = unmigrated_database_url
    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "0004")
    first, second, pdf = page_html(BODY, 1), page_html(BODY, 2), b"%PDF-1.4 attachment"
    at = datetime(2024, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        a = _old_blob(conn, first)
        b = _old_blob(conn, second, (a, first))
        p = _old_blob(conn, pdf)
        conn.execute(text("INSERT INTO crawl_runs (id, site, mode, started_at, status, stats) "
                          "VALUES (1, 'anshun_mzj', 'full', :t, 'finished', '{}')"), {"t": at})  # fmt: skip
        conn.execute(text("INSERT INTO documents (id, site, url, status, first_seen_at, last_seen_at) "
                          "VALUES (1, 'anshun_mzj', :u, 'active', :t, :t)"), {"u": URL, "t": at})  # fmt: skip
        conn.execute(text("INSERT INTO versions (id, document_id, number, fingerprint, first_seen_at, last_seen_at,"
                          " run_id, raw_sha256, fields, body, tables) "
                          "VALUES (1, 1, 1, 'f', :t, :t, 1, :r, '{}', 'b', '[]')"), {"t": at, "r": a})  # fmt: skip
        conn.execute(text("INSERT INTO attachments (id, version_id, url, sha256) VALUES (1, 1, 'http://x/a.pdf', :p)"),
                     {"p": p})  # fmt: skip
        for cid, digest, headers in (
            (1, a, {"Date": "d1", "ETag": "e1"}),
            (2, b, {"Date": "d2", "ETag": "e1"}),
        ):
            conn.execute(text("INSERT INTO captures (id, run_id, document_id, version_id, url, fetched_at, http_status,"
                              " headers, body_sha256, outcome) VALUES (:i, 1, 1, 1, :u, :t, 200, :h, :b, 'unchanged')"),
                         {"i": cid, "u": URL, "t": at, "h": json.dumps(headers), "b": digest})  # fmt: skip
    engine.dispose()
    archive = Archive(database_url)
    assert current_revision(archive.engine) == head_revision(archive.engine)
    with archive.session() as s:
        one, two = s.scalars(select(Capture).order_by(Capture.id)).all()
        assert (one.body, two.body) == (first, second) and two.raw_base_id == 1
        assert one.headers == {"Date": "d1", "ETag": "e1"} and two.url == URL
        assert s.get(Version, 1).raw_sha256 == a
        assert blobs.get(s, p) == pdf and s.scalars(select(Blob.sha256)).all() == [p]
    archive.close()
    # And back: 0004's layout rebuilt from the records, then forward again.
    command.downgrade(alembic_config(engine), "0004")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT url, headers, body_sha256 FROM captures ORDER BY id")).all()
        assert [(u, json.loads(h) if isinstance(h, str) else h, d) for u, h, d in rows] == [
            (URL, {"Date": "d1", "ETag": "e1"}, a),
            (URL, {"Date": "d2", "ETag": "e1"}, b),
        ]
        assert conn.execute(text("SELECT raw_sha256 FROM versions")).scalar_one() == a
        assert conn.execute(text("SELECT sha256 FROM attachments")).scalar_one() == p
        assert {r for (r,) in conn.execute(text("SELECT sha256 FROM blobs"))} == {a, b, p}
    engine.dispose()
    archive = Archive(database_url)
    with archive.session() as s:
        assert [c.body for c in s.scalars(select(Capture).order_by(Capture.id))] == [first, second]
    archive.close()


def test_version_text_is_stored_once_and_compressed_on_sqlite(database_url: str) -> None:
    """SQLite: a version's body and normalised text are zstd in the row and read back as text; the
    search index keeps no copy of the normalised text (0007) and is recomputed from the versions.
    PostgreSQL: plain text (TOAST compresses it) and a search_text table for its LIKE confirmations.
    Down to 0006 and up again gives the same searchable archive."""
    from sqlalchemy import inspect

    from archive.search.engine import search

    archive = Archive(database_url)
    store = VersionStore(archive)
    assert (
        store.record(_page(page_html(BODY, 1), datetime(2024, 1, 1, tzinfo=UTC), HEADERS)).kind
        == "new_version"
    )
    sqlite = archive.engine.dialect.name == "sqlite"
    with archive.engine.connect() as conn:
        body, folded = conn.execute(text("SELECT body, search_text FROM versions")).one()
    assert isinstance(body, bytes) == sqlite and isinstance(folded, bytes) == sqlite
    with archive.session() as s:
        version = s.scalars(select(Version)).one()
        assert isinstance(version.body, str) and "养老服务" in version.body
        assert ("search_text" in inspect(s.connection()).get_table_names()) != sqlite
        assert search(s, "养老服务").total == 1
    config = alembic_config(archive.engine)
    command.downgrade(config, "0006")
    with archive.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM search_text")).scalar_one() == 1
    command.upgrade(config, "head")
    with archive.session() as s:
        assert search(s, "养老服务").total == 1 and search(s, "没有这个词").total == 0
    archive.close()


def test_the_sqlite_page_cache_follows_the_environment(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cache.sqlite3'}"
    with make_engine(url).connect() as conn:
        assert conn.execute(text("PRAGMA cache_size")).scalar() == -64 * 1024
    monkeypatch.setenv("XXGK_SQLITE_CACHE_MIB", "512")
    with make_engine(url).connect() as conn:
        assert conn.execute(text("PRAGMA cache_size")).scalar() == -512 * 1024
    monkeypatch.setenv("XXGK_SQLITE_CACHE_MIB", "lots")
    with pytest.raises(ArchiveConfigError, match="XXGK_SQLITE_CACHE_MIB='lots'"):
        make_engine(url)


def test_a_frame_is_the_same_whichever_way_its_compressor_is_found() -> None:
    """`raw._compressor` hands back the last base's compressor for the very same object: each frame
    is still the one a compressor made afresh for that base gives."""
    base, other = page_html(BODY, 1), page_html(BODY[::-1], 2)
    data = page_html(BODY, 3)

    def fresh(dictionary: bytes) -> bytes:
        return zstandard.ZstdCompressor(
            level=raw.LEVEL,
            dict_data=zstandard.ZstdCompressionDict(dictionary, dict_type=zstandard.DICT_TYPE_RAWCONTENT),
            write_checksum=False,
            write_content_size=False,
            write_dict_id=False,
        ).compress(data)

    expected, expected_other = fresh(base), fresh(other)
    assert expected != expected_other
    for dictionary, want in ((base, expected), (base, expected), (other, expected_other), (base, expected)):
        assert raw.pack(data, dictionary) == want
        assert raw.pack(data, bytes(bytearray(dictionary))) == want  # equal bytes, another object
    assert raw.unpack(raw.pack(data, base), base) == data
