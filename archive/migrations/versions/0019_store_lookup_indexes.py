"""documents (site, index_no) and attachments (sha256, id): the store's other lookups that scanned

Revision ID: 0019
Revises: 0018

Revision 0018 (captures by document and id) had already shipped when these were found, so they are a
revision of their own: an archive stamped 0018 gets them here. The store runs both for a page
(archive/store.py, archive/captures.py):
- the document of a site holding a 索引号 (`WHERE site = ? AND index_no = ?`, a moved page). With one
  index on each column, PostgreSQL read every document of the site by the `site` index and filtered.
  Now `(site, index_no)`, which serves every lookup the one on `index_no` did, so that one is dropped
  (an insert would maintain both);
- the text already read from a file's bytes (`WHERE sha256 = ? ... ORDER BY id DESC LIMIT 1`, a
  known file attached again) had no index on `sha256` at all: both databases read the attachments
  backwards until one matched. Now `(sha256, id)`, a new index.
tests/test_store_plans.py explains every lookup on a never-analysed archive.
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_documents_site_index_no", "documents", ["site", "index_no"])
    op.drop_index("ix_documents_index_no", table_name="documents")
    op.create_index("ix_attachments_sha256_id", "attachments", ["sha256", "id"])


def downgrade() -> None:
    op.drop_index("ix_attachments_sha256_id", table_name="attachments")
    op.create_index("ix_documents_index_no", "documents", ["index_no"])
    op.drop_index("ix_documents_site_index_no", table_name="documents")
