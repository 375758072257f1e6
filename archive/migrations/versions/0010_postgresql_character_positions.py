"""PostgreSQL's per-character lexemes carry their title positions, so ts_rank boosts a title for one-character queries

Revision ID: 0010
Revises: 0009

Each vector held every character as a lexeme of its own without positions (to keep vectors small),
so ts_rank scored every match of a one-character query alike: a title no higher than a body, and the
page ordered by version id alone, where SQLite's BM25 weighs a title four times. The characters now
carry their title positions (weight A); body positions too were measured and left out, for the 20%
they add to every vector (`pg_fts.tsvector_literal`, docs/benchmarks.md). Rebuilding the index
recomputes every vector. SQLite is unchanged.

Downgrade keeps the vectors: the code before reads them the same way (matching is unchanged).
"""

from __future__ import annotations

from alembic import op

from archive.migrations import derived

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    derived.mark_index_stale(conn)  # every vector is recomputed when the upgrade reaches head


def downgrade() -> None:
    pass
