"""search_changes: a change sequence over the search rows, what the tantivy side index catches up from

Revision ID: 0017
Revises: 0016

Every version whose search row is written or changed (a new version, the one it supersedes, one whose
attachment text was filled in) gets a row here with a rising `seq`, in the transaction that changes
it. The side index (`archive.search.side`) records the highest `seq` it has applied and applies the
rows above it; a rebuild empties the table. Nothing to fill for an existing archive: its side index
does not exist yet, which `xxgk db reindex` builds (until then searches use the database's index).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_changes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("search_changes")
