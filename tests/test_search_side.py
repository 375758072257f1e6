"""The tantivy side index (`archive.search.side`): the substring scan's results on SQLite and PostgreSQL,
stable paging, kept level with the archive through `search_changes`, and when it cannot be (missing,
far behind, of an earlier rebuild, damaged) the database's own index answers with a warning."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from archive.db import Archive
from archive.search import index, pool, side
from archive.search.engine import matching_ids, search
from archive.search.filters import Filters
from archive.store import VersionStore
from bench.search_corpus import generate
from tests.conftest import xxgk
from tests.search_data import T0, build_archive, detail, store_page, url_of
from tests.test_search import PUSHED_FILTERS, RECALL_QUERIES, oracle, oracle_texts, scan

# kind and a day range are answered by the side index's own fields (not the FTS5 tags)
SIDE_FILTERS = [Filters(), Filters(all_versions=True), Filters(kind="通知"), *PUSHED_FILTERS[:5]]


@pytest.fixture
def side_archive(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Archive:
    """300 generated documents; on PostgreSQL the side index where the setting says."""
    if database_url.startswith("postgresql"):
        monkeypatch.setenv(side.ENV, str(tmp_path / "pg.search"))
    archive = Archive(database_url)
    generate(archive, 300, seed=11)
    with archive.engine.begin() as conn:
        index.rebuild(conn)
    return archive


def test_same_results_as_a_substring_scan_stable_pages_and_facets(side_archive: Archive) -> None:
    archive = side_archive
    texts = oracle_texts(archive)
    with archive.session() as s:
        everything = {f: matching_ids(s, "", f, database=True) for f in SIDE_FILTERS}
        for query in RECALL_QUERIES:
            for filters in SIDE_FILTERS:
                expected = scan(texts, query, filters.all_versions) & everything[filters]
                result = search(s, query, filters)
                assert result.engine == "tantivy", result.warnings
                assert matching_ids(s, query, filters) == expected, (query, filters)
                assert result.total == len(expected), (query, filters)
    with archive.session() as s:
        # Hits read like the database's (ids, versions, status: a withdrawn document is flagged).
        statuses = {h["status"] for h in search(s, "民", limit=300).hits}
        assert statuses == {"active", "withdrawn"}
        for query in ("津贴", "民"):  # ranked by score, and newest first (in most documents)
            whole = search(s, query, limit=25)
            pages = [search(s, query, limit=5, offset=5 * n) for n in range(5)]
            again = [search(s, query, limit=5, offset=5 * n) for n in range(5)]
            ids = [(h["id"], h["version"]) for p in pages for h in p.hits]
            assert len(ids) == len(set(ids)) == 25, query
            assert ids == [(h["id"], h["version"]) for p in again for h in p.hits]
            assert ids == [(h["id"], h["version"]) for h in whole.hits]
        assert search(s, "津贴").ranked and not search(s, "民").ranked
        # Equal scores are ordered by version id, not by tantivy's document addresses: the side index
        # built again in reverse order, in several segments, pages the same.
        before = _pages(s, "津贴")
        scores = [h["score"] for p in before for h in p]
        assert len(set(scores)) < len(scores)  # ties within the first 25: the case that matters
        _rebuild_reversed(s.connection())
        assert _pages(s, "津贴") == before
        if s.get_bind().dialect.name == "sqlite":  # the rebuild's worker processes: the very same rows
            serial = [r for batch in index.all_rows(s.connection()) for r in batch]
            made = list(pool.rows(s.connection(), 2, documents=True, chunk=120))
            assert [r for rows, _ in made for r in rows] == serial
            assert [d for _, docs in made for d in docs] == [side.document(r) for r in serial]
    for query, filters in (("民", Filters()), ("养老", Filters(site="anshun_mzj")), ("", Filters())):
        with archive.session() as s:  # facet counts: tantivy's aggregations, the database's GROUP BY
            found = search(s, query, filters, facets=True)
            before = os.environ.get(side.ENV)
            os.environ[side.ENV] = "off"
            try:
                database = search(s, query, filters, facets=True)
            finally:
                os.environ.pop(side.ENV)
                if before is not None:
                    os.environ[side.ENV] = before
        assert found.engine == "tantivy" and database.engine == "database"
        assert found.facets == database.facets and found.total == database.total, query


def _pages(s, query: str) -> list[list[dict]]:  # type: ignore[no-untyped-def]
    pages = [search(s, query, limit=5, offset=5 * n).hits for n in range(5)]
    ids = [(h["id"], h["version"]) for p in pages for h in p]
    assert len(ids) == len(set(ids)) == 25, query
    return pages


def _rebuild_reversed(conn) -> None:  # type: ignore[no-untyped-def]
    """The side index written again, newest version first and a segment per 100 (other addresses)."""
    path = side.location(conn)
    assert path is not None
    rows = [r for batch in index.all_rows(conn) for r in batch][::-1]
    builder = side.Builder(path)
    for at in range(0, len(rows), 100):
        builder.add(rows[at : at + 100])
        builder.writer.commit()
    builder.finish(*side.archive_state(conn))


def _ids(archive: Archive, query: str) -> tuple[set[int], list[str], str]:
    with archive.session() as s:
        result = search(s, query, limit=100)
    return {h["id"] for h in result.hits}, result.warnings, result.engine


def test_kept_level_with_the_archive_or_the_database_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    archive = build_archive(url)
    path = tmp_path / "archive.sqlite3.search"
    monkeypatch.setattr(side, "SMALL", 0)  # as a large archive: never rebuilt by a search
    expected = oracle(archive, "低保")

    found, warnings, used = _ids(archive, "低保")  # never built: the database answers, and says so
    assert used == "database" and "no side index" in warnings[0] and len(found) == len(expected) == 2
    cli = xxgk("search", "低保", "--format", "json", "--database-url", url)
    assert cli.returncode == 0 and "warning: search answered from the database" in cli.stderr
    assert json.loads(cli.stdout)["warnings"] and json.loads(cli.stdout)["total"] == 2
    check = xxgk("db", "check", "--format", "json", "--database-url", url)
    assert check.returncode == 1 and "side index" in check.stderr

    assert xxgk("db", "reindex", "--database-url", url).returncode == 0
    assert xxgk("db", "check", "--database-url", url).returncode == 0
    assert _ids(archive, "低保")[1:] == ([], "tantivy")

    # A version stored after the build is found by the next search (it catches up first) …
    store = VersionStore(archive)  # its write path logs each change (index.log_changes)
    store_page(store, url_of("anshun_mzj", "new1"), detail("低保新规", "临时救助与低保衔接。"), T0)
    with archive.engine.connect() as conn:  # what a crawl's end runs (ArchivePipeline.spider_closed)
        assert side.try_catch_up(conn) is None
        assert (
            side.read_meta(path)["seq"]
            == conn.exec_driver_sql("SELECT max(seq) FROM search_changes").scalar()
        )
    found, warnings, used = _ids(archive, "低保")
    assert used == "tantivy" and not warnings and len(found) == 3
    # … a new version supersedes the old one there too …
    store_page(store, url_of("anshun_mzj", "new1"), detail("救助新规", "临时救助。"), T0)
    assert _ids(archive, "低保") == (found - {max(found)}, [], "tantivy")
    assert _ids(archive, "救助新规")[0] == {max(found)}
    # … but far behind, the database answers (exactly) until a reindex.
    monkeypatch.setattr(side, "CATCH_UP", 0)
    store_page(store, url_of("anshun_mzj", "new2"), detail("低保再版", "低保。"), T0)
    found, warnings, used = _ids(archive, "低保")
    assert used == "database" and "changes behind" in warnings[0] and len(found) == 3
    assert xxgk("db", "check", "--database-url", url).returncode == 1
    monkeypatch.setattr(side, "CATCH_UP", 20_000)
    assert _ids(archive, "低保")[1:] == ([], "tantivy")

    with archive.engine.begin() as conn:  # the database's rows rebuilt: the side index is of before
        index.rebuild(conn)
    found, warnings, used = _ids(archive, "低保")
    assert used == "database" and "predates the last rebuild" in warnings[0] and len(found) == 3

    with archive.engine.connect() as conn:
        side.rebuild(conn, path)
    for segment in path.glob("*.idx"):  # damaged files: never a wrong answer
        segment.write_bytes(b"\0" * 64)
    side._forget(path)
    found, warnings, used = _ids(archive, "低保")
    assert used == "database" and "cannot be read" in warnings[0] and len(found) == 3
    assert xxgk("db", "check", "--database-url", url).returncode == 1
    assert xxgk("db", "reindex", "--database-url", url).returncode == 0
    assert _ids(archive, "低保") == (found, [], "tantivy")
    archive.close()


def test_a_small_archive_builds_its_side_index_at_the_first_search(tmp_path: Path) -> None:
    archive = build_archive(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    assert not (tmp_path / "a.sqlite3.search").exists()
    assert _ids(archive, "低保") == ({1, 2}, [], "tantivy")
    assert side.read_meta(tmp_path / "a.sqlite3.search")["seq"] > 0
    archive.close()


def test_a_change_committed_after_a_later_one_is_still_applied(postgres, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL hands out sequence numbers at insert, so a transaction can commit a lower one after a
    higher one was applied: the side index keeps it as a gap and applies it when it appears."""
    path = tmp_path / "pg.search"
    monkeypatch.setenv(side.ENV, str(path))
    archive = build_archive(postgres.create_database(f"xxgk_side_gap_{os.getpid()}"))
    with archive.session() as s:
        assert search(s, "低保").engine == "tantivy"  # built at the first search (a small archive)
    late = archive.engine.connect()
    late.begin()
    first = late.execute(text("INSERT INTO search_changes (version_id) VALUES (1) RETURNING seq")).scalar()
    with archive.engine.begin() as conn:
        conn.execute(text("INSERT INTO search_changes (version_id) VALUES (2)"))
    with archive.engine.connect() as conn:
        assert side.catch_up(conn, path) == 1
    assert [seq for seq, _ in side.read_meta(path)["gaps"]] == [first]
    late.commit()
    late.close()
    with archive.engine.connect() as conn:
        assert side.catch_up(conn, path) == 1
    assert side.read_meta(path)["gaps"] == []
    archive.close()
