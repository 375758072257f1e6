"""Indexes shaped like the store's lookups that were answered by scanning

Revision ID: 0018
Revises: 0017

The store runs them for a page (archive/store.py, archive/captures.py):
- a document's latest capture that kept its raw response (`WHERE document_id = ? ... ORDER BY id DESC
  LIMIT 1`). With an index on `document_id` alone, PostgreSQL walked the primary key backwards from the
  newest capture, filtering by document: every capture made since the document's last one was read,
  so a night's crawl of a fleet read up to a night's captures a page. Now `(document_id, id)`;
- the document of a site holding a 索引号 (`WHERE site = ? AND index_no = ?`, a moved page). With one
  index on each column, PostgreSQL read every document of the site by the `site` index and filtered.
  Now `(site, index_no)`;
- the text already read from a file's bytes (`WHERE sha256 = ? ... ORDER BY id DESC LIMIT 1`, a
  known file attached again) had no index on `sha256` at all: both databases read the attachments
  backwards until one matched. Now `(sha256, id)`, a new index.
The first two new indexes serve every lookup the ones they replace did, so those are dropped (an
insert would maintain both). SQLite's plans for the first two were already index probes (its indexes
end with the rowid). tests/test_store_plans.py explains every lookup on a never-analysed archive.
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_captures_document_id_id", "captures", ["document_id", "id"])
    op.drop_index("ix_captures_document_id", table_name="captures")
    op.create_index("ix_documents_site_index_no", "documents", ["site", "index_no"])
    op.drop_index("ix_documents_index_no", table_name="documents")
    op.create_index("ix_attachments_sha256_id", "attachments", ["sha256", "id"])


def downgrade() -> None:
    op.drop_index("ix_attachments_sha256_id", table_name="attachments")
    op.create_index("ix_documents_index_no", "documents", ["index_no"])
    op.drop_index("ix_documents_site_index_no", table_name="documents")
    op.create_index("ix_captures_document_id", "captures", ["document_id"])
    op.drop_index("ix_captures_document_id_id", table_name="captures")
