"""PostgreSQL's vectors carry the filter tags SQLite's FTS5 tables have; its index is rebuilt in one pass

Revision ID: 0009
Revises: 0008

Every vector gains a lexeme for its site, validity and publish year (`archive.search.tags`), so a
site, validity or publish-year filter is an AND inside the GIN lookup instead of a B-tree scan of the
filtered rows that opens each one's vector (at 100,000 documents: 民政 within a site, its count 163
ms → see docs/benchmarks.md). The rebuild empties the tables with TRUNCATE and builds the GIN index
after the rows. SQLite is unchanged.

Downgrade keeps the vectors: the code before never asks for a tag lexeme.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from archive.search import index

    index.rebuild(conn)


def downgrade() -> None:
    """Nothing to undo: extra lexemes change no answer of the code before."""
