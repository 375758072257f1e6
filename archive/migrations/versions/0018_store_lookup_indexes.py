"""Indexes shaped like the store's two lookups that PostgreSQL answered by scanning

Revision ID: 0018
Revises: 0017

The store runs both once a page (archive/store.py, archive/captures.py):
- a document's latest capture that kept its raw response (`WHERE document_id = ? ... ORDER BY id DESC
  LIMIT 1`). With an index on `document_id` alone, PostgreSQL walked the primary key backwards from the
  newest capture, filtering by document: every capture made since the document's last one was read,
  so a night's crawl of a fleet read up to a night's captures a page. Now `(document_id, id)`;
- the document of a site holding a 索引号 (`WHERE site = ? AND index_no = ?`, a moved page). With one
  index on each column, PostgreSQL read every document of the site by the `site` index and filtered.
  Now `(site, index_no)`.
Each new index serves every lookup the one it replaces did, so the old one is dropped (an insert would
maintain both). SQLite's plans were already an index probe (its indexes end with the rowid).
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


def downgrade() -> None:
    op.create_index("ix_documents_index_no", "documents", ["index_no"])
    op.drop_index("ix_documents_site_index_no", table_name="documents")
    op.create_index("ix_captures_document_id", "captures", ["document_id"])
    op.drop_index("ix_captures_document_id_id", table_name="captures")
