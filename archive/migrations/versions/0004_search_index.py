"""full-text search index: search_docs and search_text, plus FTS5 (SQLite) or a tsvector GIN index (PostgreSQL)

Revision ID: 0004
Revises: 0002

The index is filled from the versions already stored when the upgrade reaches head
(archive/migrations/derived.py), so an existing archive can search at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.migrations import derived

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_docs",
        sa.Column(
            "version_id", sa.Integer(), sa.ForeignKey("versions.id"), primary_key=True, autoincrement=False
        ),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=True),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column("validity", sa.String(length=64), nullable=True),
        sa.Column("publish_date", sa.String(length=10), nullable=True),
        sa.Column("written_date", sa.String(length=10), nullable=True),
        sa.Column("doc_number_key", sa.String(length=256), nullable=True),
        sa.Column("index_no_key", sa.String(length=128), nullable=True),
    )
    op.create_table(
        "search_text",
        sa.Column(
            "version_id", sa.Integer(), sa.ForeignKey("versions.id"), primary_key=True, autoincrement=False
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_search_docs_document_id", "search_docs", ["document_id"])
    op.create_index("ix_search_docs_doc_number_key", "search_docs", ["doc_number_key"])
    op.create_index("ix_search_docs_index_no_key", "search_docs", ["index_no_key"])
    op.create_index("ix_search_docs_latest_site", "search_docs", ["is_latest", "site", "publish_date"])
    op.create_index("ix_search_docs_latest_publish", "search_docs", ["is_latest", "publish_date"])
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("ALTER TABLE search_docs ADD COLUMN tsv tsvector"))
        conn.execute(sa.text("ALTER TABLE search_docs SET (toast_tuple_target = 256)"))
        conn.execute(sa.text("CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)"))
    else:
        derived.create_fts5_tables(conn, "title, body")
    # Filled when the upgrade reaches head: 0007, which adds search_state, marks the index stale.


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_search_docs_tsv"))
        conn.execute(sa.text("ALTER TABLE search_docs DROP COLUMN IF EXISTS tsv"))
    else:
        for table in ("search_fts", "search_fts_old"):
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    op.drop_table("search_text")
    op.drop_table("search_docs")
