"""What a migration does about derived data: it says so, and the end of the upgrade rebuilds it once.

A migration changes the schema with SQL frozen as of its own revision. The search index (search_docs,
the FTS5 tables or the tsvectors, the token frequencies) and the text read from stored attachments are
computed from the versions by today's code, so no migration computes them: one that changes what
they are made of marks the index stale with the mechanism that already protects a search from an index
built under another normaliser (`search_state.normaliser`: a search over it stops with "run `xxgk db
reindex`", and the store leaves it alone). When an upgrade reaches head, `archive.migrate.finish_upgrade`
(called by env.py in the upgrade's transaction) sees the mark and rebuilds everything once, so an
archive several revisions behind is rebuilt once, not once per revision.
"""

from __future__ import annotations

import sqlalchemy as sa

STALE = "stale: rebuilt when the upgrade reaches head (or by `xxgk db reindex`)"


def mark_index_stale(conn: sa.Connection) -> None:
    """Record that the search index no longer matches the versions (needs the 0007 search_state)."""
    conn.execute(sa.text("DELETE FROM search_state WHERE key = 'normaliser'"))
    conn.execute(sa.text("INSERT INTO search_state (key, value) VALUES ('normaliser', :v)"), {"v": STALE})


def create_fts5_tables(conn: sa.Connection, columns: str) -> None:
    """The two contentless FTS5 tables (latest versions, superseded ones) with the given columns."""
    for table in ("search_fts", "search_fts_old"):
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        conn.execute(
            sa.text(
                f"CREATE VIRTUAL TABLE {table} USING fts5("
                f"{columns}, content='', tokenize='ascii', prefix='1')"
            )
        )
