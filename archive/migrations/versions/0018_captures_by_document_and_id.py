"""captures: one index on (document_id, id) in place of the one on document_id

Revision ID: 0018
Revises: 0017

The store asks for a document's latest capture that kept its raw response (`WHERE document_id = ?
... ORDER BY id DESC LIMIT 1`, archive/captures.py) once a page. With an index on `document_id` alone,
PostgreSQL walked the primary key backwards from the newest capture and filtered by document: every
capture made since the document's last one was read, so a night's crawl of a fleet read a night's
captures a page. On (document_id, id) the lookup is one index probe on both databases (SQLite's index
already ended with the rowid, so its plans do not change). The new index also serves every lookup the
old one did, which is dropped rather than kept beside it (each insert would maintain both).
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


def downgrade() -> None:
    op.create_index("ix_captures_document_id", "captures", ["document_id"])
    op.drop_index("ix_captures_document_id_id", table_name="captures")
