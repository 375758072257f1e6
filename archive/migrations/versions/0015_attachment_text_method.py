"""how each attachment's text was read; scans and legacy Office files queued to be read

Revision ID: 0015
Revises: 0014

`attachments.text_method` records the reader and its version ("pypdf 7.1.1 text layer", "tesseract
5.3.0 chi_sim", "catdoc 0.95"). Text read before this revision came from pypdf or the OOXML reader,
and says so. Files the old code skipped with a reason the new readers handle (a legacy OLE2 file, a
PDF without a text layer) lose that reason: with neither text nor reason they are what the attachment
queue reads (`archive.attachment_queue`, after the next crawl or `xxgk db reindex`), off this
migration's transaction, which must not run OCR.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The reasons the reader before 0015 gave for files it could not read and today's readers can.
_OLD_REASONS = ("legacy OLE2 file%", "pdf: no text (a scan?)%")


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("text_method", sa.String(length=300), nullable=True))
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "UPDATE attachments SET text_method = 'pypdf or OOXML (read before 0015)' WHERE text IS NOT NULL"
        )
    )
    for pattern in _OLD_REASONS:
        conn.execute(
            sa.text("UPDATE attachments SET text_note = NULL WHERE text IS NULL AND text_note LIKE :p"),
            {"p": pattern},
        )


def downgrade() -> None:
    # Text the new readers found stays (0011 searches it like any other attachment text).
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("text_method")
