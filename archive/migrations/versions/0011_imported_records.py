"""the ledger of WARC records taken in by `xxgk import`

Revision ID: 0011
Revises: 0010

One row per record an import stored (a response, or a revisit with its original resolved or not),
naming the capture it became: importing a file again adds nothing, and a revisit finds an original
that came in with an earlier import by record id, payload digest, or target URI and date.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=255), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("warc_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload_digest", sa.String(length=128), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"]),
        sa.ForeignKeyConstraint(["capture_id"], ["captures.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("record_key"),
    )
    op.create_index("ix_imported_records_record_id", "imported_records", ["record_id"])
    op.create_index("ix_imported_records_url", "imported_records", ["url"])
    op.create_index("ix_imported_records_payload_digest", "imported_records", ["payload_digest"])


def downgrade() -> None:
    op.drop_index("ix_imported_records_payload_digest", "imported_records")
    op.drop_index("ix_imported_records_url", "imported_records")
    op.drop_index("ix_imported_records_record_id", "imported_records")
    op.drop_table("imported_records")
