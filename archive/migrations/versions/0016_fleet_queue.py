"""the fleet's shared politeness budget per host (PostgreSQL only)

Revision ID: 0016
Revises: 0015

`host_budget(host, interval_seconds, next_at, paused_until)`: workers on any machine reserve a host's next request
slot in one atomic statement (`archive.host_budget`), so several sites on one platform host never get
more than the host's budget in total, whichever workers crawl them. A `Retry-After` pushes `next_at`
for every worker. The fleet is PostgreSQL-only (its task queue, procrastinate, lives there too; its
tables are procrastinate's own schema, applied by `xxgk fleet init`, not copied into these
migrations), so on SQLite this revision does nothing: the embedded default is unchanged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "host_budget",
        sa.Column("host", sa.String(length=255), primary_key=True),
        sa.Column("interval_seconds", sa.Float(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("host_budget")
