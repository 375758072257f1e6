"""search_docs gains `kind`, the page kind (体裁 / 公文种类) the search facets count and filter by, and
`facet_key`, one integer per combination of facet values (what SQLite's facet counts group by)

Revision ID: 0014
Revises: 0013

The kind is derived from each version (its 体裁分类, a kind named in its 主题分类, else its title's
ending: `archive.search.kinds`), so like every derived column it is filled by the rebuild at the end
of the upgrade (`archive.migrations.derived`), not here. A column of search_docs rather than a tag of
the full-text index: facet counts group the matches' search_docs rows by value, which a tag token
cannot give back. `facet_key` (`archive.search.facet_keys`): grouping 100,000 matches by one integer
instead of six text columns takes SQLite's facet counts from ~190 to ~60 ms. Downgrade drops both
columns (the code before never reads them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.migrations import derived

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_docs") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("facet_key", sa.BigInteger(), nullable=True))
    derived.mark_index_stale(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("search_docs") as batch:
        batch.drop_column("facet_key")
        batch.drop_column("kind")
