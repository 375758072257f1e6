"""SQLite records its index's token frequencies, which bound a query's matches without walking them

Revision ID: 0008
Revises: 0007

`sqlite_fts.record_frequencies`: how many versions hold each token found in more than 1/16 of them,
read once from the FTS5 vocabulary (~1.3 s at 100,000 documents) into `search_state`. `index.rebuild`
records them from now on; this marks an index built before stale, so that the end of the upgrade
rebuilds it with them (archive/migrations/derived.py), without `xxgk db reindex`. A search works without them (it counts instead), so the downgrade only
forgets them. No schema change: `search_state` is a key-value table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.migrations import derived

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        derived.mark_index_stale(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":  # the key `sqlite_fts.FREQUENCIES` had at this revision
        conn.execute(sa.text("DELETE FROM search_state WHERE key = 'fts_df'"))
