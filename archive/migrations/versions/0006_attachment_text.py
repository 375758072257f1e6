"""the extracted text of attachments, searched with their version

Revision ID: 0006
Revises: 0004

`attachments.text` holds what archive/attachment_text.py reads from the stored file (PDF, OOXML), and
`attachments.text_note` why there is none (a legacy .doc, a scan) or what was cut. Existing
attachments are read from their blobs here, and the search index is rebuilt so it has their text.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("text_note", sa.Text(), nullable=True))
    from archive.search import index

    conn = op.get_bind()
    index.extract_attachments(conn)
    texts = sa.table("attachments", sa.column("text", sa.Text))
    if conn.execute(sa.select(texts.c.text).where(texts.c.text.is_not(None)).limit(1)).first():
        index.rebuild(conn)  # only when there is new text to index: a rebuild of a large archive is minutes


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("text_note")
        batch.drop_column("text")
