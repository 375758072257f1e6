"""annual reports' parsed numbers, cached per version

Revision ID: 0013
Revises: 0011

One row per version of an annual report that `xxgk reports` / `xxgk audit content` has read: which
parser read it and what it read from the page and each attachment (JSON). A cache: derived from the
versions and their attachments' text, recomputed when the parser's version differs, emptied by
`xxgk db reindex`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_data",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("parser", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"]),
        sa.PrimaryKeyConstraint("version_id"),
    )


def downgrade() -> None:
    op.drop_table("report_data")
