"""search_docs gains `kind`, the page kind (体裁 / 公文种类) the search facets count and filter by

Revision ID: 0014
Revises: 0011

The kind is derived from each version (its 体裁分类, a kind named in its 主题分类, else its title's
ending: `archive.search.kinds`), so like every derived column it is filled by the rebuild at the end
of the upgrade (`archive.migrations.derived`), not here. A column of search_docs rather than a tag of
the full-text index: facet counts group the matches' search_docs rows by value, which a tag token
cannot give back. Downgrade drops the column (the code before never reads it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.migrations import derived

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_docs") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
    derived.mark_index_stale(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("search_docs") as batch:
        batch.drop_column("kind")
