"""SQLite keeps no second copy of the normalised text for search (the index reads the versions), and its FTS5 tables put the body first

Revision ID: 0007
Revises: 0006

A version's normalised text is stored once, in `versions.search_text` (the one normaliser's output,
issue 5). SQLite's search index held it again in `search_text`, only so that a contentless FTS5 row
could be deleted with the tokens it was indexed with; those tokens are now recomputed from the version
(`archive.search.index.rows`), so the table goes and the FTS5 tables are rebuilt from the versions (an
index built from the old table then equals, token for token, what a later delete recomputes). They are
recreated with the body as their first column, which makes them 28% smaller (see archive/search/sqlite_fts.py).
PostgreSQL keeps `search_text`: it is what a term over two characters is confirmed against with LIKE.

Both gain `search_state`, which records the normaliser the index was built with: recomputed tokens
are exact only under it, so under another the index is left alone until `xxgk db reindex`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.migrations import derived

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_state",
        sa.Column("key", sa.String(length=32), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    conn = op.get_bind()
    # Every archive passing here is rebuilt once its upgrade reaches head.
    derived.mark_index_stale(conn)
    if conn.dialect.name != "sqlite":
        return
    op.drop_table("search_text")
    derived.create_fts5_tables(conn, "body, title, tags")  # body first: see archive/search/sqlite_fts.py


def downgrade() -> None:
    op.drop_table("search_state")
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    from archive.search import index

    op.create_table(
        "search_text",
        sa.Column(
            "version_id", sa.Integer(), sa.ForeignKey("versions.id"), primary_key=True, autoincrement=False
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    for table in ("search_fts", "search_fts_old"):  # 0006's column order
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        conn.execute(
            sa.text(
                f"CREATE VIRTUAL TABLE {table} USING fts5("
                "title, body, tags, content='', tokenize='ascii', prefix='1')"
            )
        )
    index.rebuild(conn, record=False, omit=("kind", "facet_key"))  # columns 0014 adds
    ids = list(conn.scalars(sa.text("SELECT version_id FROM search_docs ORDER BY version_id")))
    for start in range(0, len(ids), index.BATCH):
        rows = index.rows(conn, ids[start : start + index.BATCH], True)
        if rows:
            conn.execute(
                sa.text(
                    "INSERT INTO search_text(version_id, title, text) VALUES (:version_id, :title, :text)"
                ),
                [{k: r[k] for k in ("version_id", "title", "text")} for r in rows],
            )
