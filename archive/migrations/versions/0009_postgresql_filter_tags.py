"""PostgreSQL's vectors carry the filter tags SQLite's FTS5 tables have; newest-first indexes in the listing's order

Revision ID: 0009
Revises: 0008

Every vector gains a lexeme for its site, validity and publish year (`archive.search.tags`), so a
site, validity or publish-year filter is an AND inside the GIN lookup instead of a B-tree scan of the
filtered rows that opens each one's vector (at 100,000 documents: 民政 within a site, its count 163
ms → see docs/benchmarks.md). The rebuild empties the tables with TRUNCATE and builds the GIN index
after the rows.

The two newest-first indexes of search_docs are rebuilt in the order a listing asks for, `publish_date
DESC NULLS LAST, version_id DESC` (undated documents last): PostgreSQL puts NULLs first when it reads
an ascending index backwards, so it sorted every latest version instead (27 ms for the first 200 of
100,000, now 0.07 ms). SQLite sorts NULLs first in ascending order, so its backward scan already
gives that order. SQLite is unchanged.

Downgrade keeps the vectors (the code before never asks for a tag lexeme) and puts the ascending
indexes back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.migrations import derived

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


_NEWEST = {
    "ix_search_docs_latest_site": ["is_latest", "site"],
    "ix_search_docs_latest_publish": ["is_latest"],
}


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for name, columns in _NEWEST.items():
        op.drop_index(name, "search_docs")
        order = [*columns, sa.text("publish_date DESC NULLS LAST"), sa.text("version_id DESC")]
        op.create_index(name, "search_docs", order)
    derived.mark_index_stale(conn)  # the vectors gain their filter tags when the upgrade reaches head


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns in _NEWEST.items():
        op.drop_index(name, "search_docs")
        op.create_index(name, "search_docs", [*columns, "publish_date"])
