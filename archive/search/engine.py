"""Running a search: match, filter, rank, count, facet, and fetch the page of hits with snippets.

Two statements per search, both on the small `search_docs` rows: one ranks and returns a page of hits,
one groups every match by the facet columns (the total is its sum). Then only the page's versions are
read in full, for titles, URLs and snippets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from archive.models import Document, Version
from archive.search import pg_fts, sqlite_fts
from archive.search.filters import Filters, conditions
from archive.search.query import Query, parse
from archive.search.schema import SearchDoc
from archive.search.snippets import snippet

FACETS = ("site", "topic", "issuer", "year", "validity")
FACET_VALUES = 20  # the most frequent values per facet
_FTS = table("search_fts", column("rowid"))


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _matched(
    s: Session, query: Query, filters: Filters, *columns: Any
) -> tuple[Select, ColumnElement | None]:
    """SELECT columns FROM the matching search_docs rows (filters applied), and the score expression."""
    dialect = s.get_bind().dialect.name
    stmt = select(*columns).select_from(SearchDoc)
    score: ColumnElement | None = None
    if not query.empty:
        if dialect == "postgresql":
            stmt = stmt.where(pg_fts.condition(query))
            score = pg_fts.score(query)
        else:
            stmt = stmt.join(_FTS, _FTS.c.rowid == SearchDoc.version_id).where(
                text("search_fts MATCH :fts_match").bindparams(fts_match=sqlite_fts.match_expression(query))
            )
            score = -literal_column(sqlite_fts.SCORE)
    if filters.needs_documents:
        stmt = stmt.join(Document, Document.id == SearchDoc.document_id)
    return stmt.where(*conditions(filters, dialect=dialect)), score


def search(
    s: Session,
    text_query: str,
    filters: Filters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    facets: bool = True,
) -> SearchResult:
    filters = filters or Filters()
    query = parse(text_query)
    base, score = _matched(s, query, filters, SearchDoc.version_id)
    order = [SearchDoc.publish_date.desc(), SearchDoc.version_id.desc()]
    ranked = base.add_columns((score if score is not None else literal_column("0")).label("score"))
    ranked = ranked.order_by(*([score.desc()] if score is not None else []), *order)
    page = s.execute(ranked.limit(limit).offset(offset)).all()
    facet_counts, total = _facets(s, query, filters) if facets else ({}, _count(s, query, filters))
    hits = _hits(s, [(vid, sc) for vid, sc in page], query)
    return SearchResult(text_query, total, hits, facet_counts)


def matching_ids(s: Session, text_query: str, filters: Filters | None = None) -> set[int]:
    """Every matching version id, unranked: what the benchmark compares with a substring scan."""
    stmt, _ = _matched(s, parse(text_query), filters or Filters(), SearchDoc.version_id)
    return set(s.scalars(stmt))


def _count(s: Session, query: Query, filters: Filters) -> int:
    stmt, _ = _matched(s, query, filters, func.count())
    return int(s.scalar(stmt) or 0)


def _facets(s: Session, query: Query, filters: Filters) -> tuple[dict[str, list[dict[str, Any]]], int]:
    year = func.substr(SearchDoc.publish_date, 1, 4).label("year")
    keys = (SearchDoc.site, SearchDoc.topic, SearchDoc.issuer, year, SearchDoc.validity)
    stmt, _ = _matched(s, query, filters, *keys, func.count().label("n"))
    counts: dict[str, dict[Any, int]] = {name: {} for name in FACETS}
    total = 0
    for *values, n in s.execute(stmt.group_by(*keys)):
        total += n
        for name, value in zip(FACETS, values, strict=True):
            counts[name][value] = counts[name].get(value, 0) + n
    facets = {
        name: [
            {"value": value, "count": n}
            for value, n in sorted(by_value.items(), key=lambda kv: (-kv[1], str(kv[0])))[:FACET_VALUES]
        ]
        for name, by_value in counts.items()
    }
    return facets, total


def _hits(s: Session, page: list[tuple[int, float]], query: Query) -> list[dict[str, Any]]:
    if not page:
        return []
    rows = {
        version.id: (version, doc)
        for version, doc in s.execute(
            select(Version, Document)
            .join(Document, Document.id == Version.document_id)
            .where(Version.id.in_([vid for vid, _ in page]))
        )
    }
    hits = []
    for vid, score in page:
        version, doc = rows[vid]
        hits.append(
            {
                "id": doc.id,
                "version": version.number,
                "site": doc.site,
                "publish_date": version.publish_date,
                "doc_number": version.doc_number,
                "index_no": version.index_no,
                "title": version.title,
                "score": round(float(score), 4),
                "snippet": snippet(version.body, query.include) or snippet(version.title, query.include),
                "status": doc.status,
                "url": doc.url,
            }
        )
    return hits
