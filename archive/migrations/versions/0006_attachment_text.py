"""the extracted text of attachments, searched with their version; filter tags in SQLite's FTS5 tables

Revision ID: 0006
Revises: 0005

`attachments.text` holds what archive/attachment_text.py reads from the stored file (PDF, OOXML), and
`attachments.text_note` why there is none (a legacy .doc, a scan) or what was cut. Existing
attachments are read from their blobs here. On SQLite the FTS5 tables gain a `tags` column (site,
validity and publish-year tokens, see archive/search/sqlite_fts.py), so they are recreated; on
PostgreSQL every vector gains one lexeme per character (archive/search/pg_fts.py). The index is then
rebuilt.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.migrations import derived

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_FTS = ("search_fts", "search_fts_old")


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("text_note", sa.Text(), nullable=True))
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        derived.create_fts5_tables(conn, "title, body, tags")
    # The stored files' text is read, and the index rebuilt with it, when the upgrade reaches head
    # (archive/migrations/derived.py; 0007 marks the index stale).


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _downgrade_to_two_column_fts(conn)
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("text_note")
        batch.drop_column("text")


def _downgrade_to_two_column_fts(conn: sa.Connection) -> None:
    """The 0004 tables (title, body), refilled from search_text (attachment text stays in it: it was
    indexed by then, and a reindex under 0004 drops it)."""
    from archive.search.sqlite_fts import tokenized

    for table in _FTS:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        conn.execute(
            sa.text(
                f"CREATE VIRTUAL TABLE {table} USING fts5("
                "title, body, content='', tokenize='ascii', prefix='1')"
            )
        )
    rows = conn.execute(
        sa.text(
            "SELECT t.version_id, t.title, t.text, d.is_latest FROM search_text t "
            "JOIN search_docs d ON d.version_id = t.version_id"
        )
    ).all()
    for table, latest in (("search_fts", True), ("search_fts_old", False)):
        part = [
            {"id": vid, "title": tokenized(title), "body": tokenized(body)}
            for vid, title, body, is_latest in rows
            if bool(is_latest) == latest
        ]
        if part:
            conn.execute(
                sa.text(f"INSERT INTO {table}(rowid, title, body) VALUES (:id, :title, :body)"), part
            )
