"""`xxgk db check` finds each way the search index can stop matching the versions, on both databases,
and `xxgk db reindex` repairs all of them."""

from __future__ import annotations

import json

from sqlalchemy import text

from archive.search.engine import search
from tests.conftest import xxgk
from tests.search_data import build_archive
from tests.test_cli import assert_clean_error


def _check(url: str):  # type: ignore[no-untyped-def]
    result = xxgk("db", "check", "--format", "json", "--database-url", url)
    return result, {row["check"]: row for row in json.loads(result.stdout or "[]")}


def test_check_finds_each_break_and_reindex_repairs_them(database_url: str) -> None:
    archive = build_archive(database_url)
    postgres = archive.engine.dialect.name == "postgresql"
    result, rows = _check(database_url)
    assert result.returncode == 0, result.stderr
    assert all(row["ok"] for row in rows.values()), rows
    expected = {"normaliser", "versions", "latest", "facet keys"}
    # SQLite's archive has a tantivy side index beside its file (`side`): none yet, built by a search.
    expected |= {"gin index", "vectors"} if postgres else {"search_fts", "search_fts_old", "side index"}
    assert set(rows) == expected
    assert "checks passed" in result.stderr

    with archive.engine.begin() as conn:
        latest = conn.execute(text("SELECT max(version_id) FROM search_docs WHERE is_latest")).scalar()
        conn.execute(text("DELETE FROM search_docs WHERE version_id = :v"), {"v": latest})
        conn.execute(text("UPDATE search_docs SET is_latest = NOT is_latest WHERE version_id = 1"))
        conn.execute(text("UPDATE search_state SET value = 'normalize 0' WHERE key = 'normaliser'"))
        # two combinations of facet values under one key (a1's and l1's: other sites, other years)
        conn.execute(text("UPDATE search_docs SET facet_key = (SELECT facet_key FROM search_docs d "
                          "WHERE d.document_id = 1) WHERE document_id = 3"))  # fmt: skip
        if postgres:
            conn.execute(text("DROP INDEX ix_search_docs_tsv"))
        else:  # the superseded versions' table emptied behind search_docs' back
            conn.execute(text("INSERT INTO search_fts_old(search_fts_old) VALUES ('delete-all')"))
    result, rows = _check(database_url)
    assert_clean_error(result, "xxgk db reindex")
    failed = {name for name, row in rows.items() if not row["ok"]}
    broken = {"normaliser", "versions", "latest", "facet keys"}
    # The deleted row's tokens are still in SQLite's search_fts, its text in PostgreSQL's search_text.
    broken |= {"gin index", "vectors"} if postgres else {"search_fts", "search_fts_old"}
    assert failed == broken, rows
    assert "1 of 7 versions have no search row" in rows["versions"]["detail"]
    assert "1 search rows say latest" in rows["latest"]["detail"]
    assert "1 keys shared by two combinations" in rows["facet keys"]["detail"]
    if postgres:
        assert rows["gin index"]["detail"] == "ix_search_docs_tsv is missing"
        assert "1 without their text" in rows["vectors"]["detail"]
    else:
        # the deleted row's tokens, and version 1's (its row now says superseded)
        assert "2 rows that are not latest versions" in rows["search_fts"]["detail"]

    assert xxgk("db", "reindex", "--database-url", database_url).returncode == 0
    result, rows = _check(database_url)
    assert result.returncode == 0 and all(row["ok"] for row in rows.values()), rows
    with archive.session() as s:
        assert search(s, "低保").total == 2
    archive.close()
