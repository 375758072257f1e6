"""The search side table: one row per version, with what filters, facets and matching read.

Kept apart from `versions` so a search never touches the wide version rows (raw bodies, JSON fields),
and so it can be rebuilt at will (`xxgk db reindex`) without touching what the crawl stored. The
full-text index is dialect-specific and lives beside it: two FTS5 tables `search_fts`/`search_fts_old`
on SQLite, computed from the versions (no copy of the text); on PostgreSQL a `tsv` tsvector column of
`search_docs` with a GIN index, plus the normalised text in `search_text` for its LIKE confirmations
(see `sqlite_fts`, `pg_fts`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.models import Base


class SearchDoc(Base):
    __tablename__ = "search_docs"

    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True, autoincrement=False)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    is_latest: Mapped[bool] = mapped_column(Boolean)
    site: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str | None] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(Text)
    validity: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(32))  # page kind (体裁), archive.search.kinds; 0014
    facet_key: Mapped[int | None] = mapped_column(BigInteger)  # archive.search.facet_keys; 0014
    publish_date: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD
    written_date: Mapped[str | None] = mapped_column(String(10))
    doc_number_key: Mapped[str | None] = mapped_column(String(256), index=True)  # see filters.number_key
    index_no_key: Mapped[str | None] = mapped_column(String(128), index=True)


class SearchText(Base):
    """PostgreSQL only (SQLite dropped it in 0007): the normalised, whitespace-free text of a version
    (`tokens.normalize`), what a term over two characters is confirmed against with LIKE. Apart from `search_docs` so that filtering and counting facets over
    100,000 matches reads narrow rows (forty to a page) instead of every document's text."""

    __tablename__ = "search_text"

    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")


# Newest first within a site walks this index (and a join by version id finds the site in it). On
# PostgreSQL both are `(…, publish_date DESC NULLS LAST, version_id DESC)`, the listing's order
# (migration 0009): it reads an ascending index backwards with NULLs first.
Index("ix_search_docs_latest_site", SearchDoc.is_latest, SearchDoc.site, SearchDoc.publish_date)
Index("ix_search_docs_latest_publish", SearchDoc.is_latest, SearchDoc.publish_date)


class SearchState(Base):
    """Facts about the index as a whole: `normaliser`, the text normaliser it was built with
    (`state.normaliser`). A contentless FTS5 row is deleted with tokens recomputed from the versions,
    which is exact only under the normaliser that indexed it; under another the index is rebuilt."""

    __tablename__ = "search_state"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SearchChange(Base):
    """A change sequence over the search rows (migration 0017): one row per version whose row was
    written or changed, in the same transaction. The tantivy side index (`archive.search.side`) is a
    cache of the rows keyed on it: it records the highest `seq` applied and applies those above."""

    __tablename__ = "search_changes"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    version_id: Mapped[int] = mapped_column(Integer)
