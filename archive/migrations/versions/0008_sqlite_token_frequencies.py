"""SQLite records its index's token frequencies, which bound a query's matches without walking them

Revision ID: 0008
Revises: 0007

`sqlite_fts.record_frequencies`: how many versions hold each token found in more than 1/16 of them,
read once from the FTS5 vocabulary (~1.3 s at 100,000 documents) into `search_state`. `index.rebuild`
records them from now on; this records them for an index built before, so that an archive gets them
without `xxgk db reindex`. A search works without them (it counts instead), so the downgrade only
forgets them. No schema change: `search_state` is a key-value table.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from archive.search import sqlite_fts

    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        sqlite_fts.record_frequencies(conn)


def downgrade() -> None:
    from archive.search import sqlite_fts

    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        sqlite_fts.forget_frequencies(conn)
