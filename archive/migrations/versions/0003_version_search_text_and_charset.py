"""the normalised search text of a version and the charset its page was read with

Revision ID: 0003
Revises: 0002

Existing versions get their search text computed from their stored body (in batches, so a large archive
migrates in bounded memory); their charset stays unknown (null): it was not recorded when they were read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("charset", sa.String(length=32), nullable=True))
    _backfill_search_text()


def _backfill_search_text() -> None:
    from archive.models import decompressed_text  # a body written by later code, after a downgrade
    from archive.text import normalize_text  # the one normaliser, as at write time

    versions = sa.table(
        "versions", sa.column("id", sa.Integer), sa.column("body", sa.Text), sa.column("search_text", sa.Text)
    )
    conn = op.get_bind()
    update = (
        versions.update().where(versions.c.id == sa.bindparam("vid")).values(search_text=sa.bindparam("text"))
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(versions.c.id, versions.c.body)
            .where(versions.c.id > last)
            .order_by(versions.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            update,
            [{"vid": vid, "text": normalize_text(decompressed_text(body) or "")} for vid, body in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 has it): a batch "move and copy" of `versions`
    # would trip the foreign keys of attachments and captures that point at it.
    op.drop_column("versions", "charset")
    op.drop_column("versions", "search_text")
