"""Running a search: match, filter, count, rank, and fetch the page of hits with snippets.

The work is proportional to the matches, so the statements avoid touching a row per match where they
can. On SQLite the latest versions have an FTS5 table of their own, so an unfiltered search counts and
ranks from the index alone; filters join the narrow `search_docs` rows by primary key. Only the page's
versions are then read in full, for titles, URLs and snippets. Facet counts are a pass over every
match, so they are computed only when asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from archive.models import Document, decompressed_text
from archive.search import pg_fts, side, sqlite_fts, tags
from archive.search.filters import Filters, conditions
from archive.search.query import Query, parse
from archive.search.schema import SearchDoc, SearchText
from archive.search.snippets import snippet
from archive.search.state import require_current

FACETS = ("site", "topic", "issuer", "year", "validity", "kind")
FACET_VALUES = 20  # the most frequent values per facet
# One construct per FTS5 table: SQLAlchemy tells FROM elements apart by object, not by name.
_FTS_TABLES = {name: table(name, column("rowid")) for name in (sqlite_fts.LATEST, sqlite_fts.OLDER)}


@dataclass
class SearchResult:
    query: str
    total: int
    ranked: bool  # False: newest first (no query, or a query in most documents)
    hits: list[dict[str, Any]]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    engine: str = "database"  # "tantivy": the side index answered (`side`)
    # Why the side index could not answer (missing, stale, busy): the database did, exactly but slower.
    warnings: list[str] = field(default_factory=list)


class SearchPlan:
    """The SQL for one parsed query and filter set, on one database."""

    def __init__(self, s: Session, query: Query, filters: Filters) -> None:
        self.s, self.query, self.filters = s, query, filters
        self.dialect = s.get_bind().dialect.name
        self.sqlite = self.dialect != "postgresql"
        self.tables = sqlite_fts.tables(filters.all_versions)
        tagged, exact = sqlite_fts.filter_match(filters) if self.sqlite else ("", False)
        self.match = sqlite_fts.match_expression(query, tagged) if self.sqlite and not query.empty else ""
        # Whether the FTS5 index alone answers (its tags hold every filter): no join, no row per match.
        self.index_only = self.sqlite and not query.empty and (filters.metadata_free or exact)
        # PostgreSQL: the filters the tags express go into the tsquery; those it expresses exactly stay
        # out of the SQL of a text search, or the planner would read the site's rows by their B-tree
        # index and open each one's vector instead of intersecting posting lists in the GIN index.
        self.pg_tags, pg_exact = ([], False) if self.sqlite or query.empty else tags.of_filters(filters)
        self._sql_filters = Filters(all_versions=filters.all_versions) if pg_exact else filters
        if not self.sqlite:
            pg_fts.session_settings(s.connection())

    @cached_property
    def where(self) -> list[ColumnElement[bool]]:
        """The filters as SQL on `search_docs`; built only when a statement joins it (an index-only
        search never does)."""
        return conditions(self._sql_filters, dialect=self.dialect)

    def _base(self, *columns: Any, every_filter: bool = False) -> Select:
        """A statement over search_docs with the filters in SQL: those the full-text index does not
        answer, or `every_filter` (a walk in publish-date order, which their B-tree indexes serve)."""
        stmt = select(*columns).select_from(SearchDoc)
        if self.filters.needs_documents:
            stmt = stmt.join(Document, Document.id == SearchDoc.document_id)
        return stmt.where(*(conditions(self.filters, dialect=self.dialect) if every_filter else self.where))

    def _pg_text(self, stmt: Select) -> Select:
        if pg_fts.needs_text(self.query):
            return stmt.join(SearchText, SearchText.version_id == SearchDoc.version_id)
        return stmt

    def _fts(self, name: str):  # type: ignore[no-untyped-def]
        return _FTS_TABLES[name]

    def _match(self, name: str, expression: str | None = None) -> ColumnElement[bool]:
        return text(f"{name} MATCH :fts_match").bindparams(fts_match=expression or self.match)

    def branches(self, *columns: Any, scored: bool = False) -> list[Select]:
        """One SELECT per FTS5 table (SQLite) or one in all (PostgreSQL), of the matching rows."""
        if self.query.empty:
            return [self._base(*columns)]
        if not self.sqlite:
            stmt = self._base(*columns, *([pg_fts.score(self.query).label("score")] if scored else []))
            return [self._pg_text(stmt).where(pg_fts.condition(self.query, self.pg_tags))]
        out = []
        for name in self.tables:
            fts = self._fts(name)
            score = [literal_column(sqlite_fts.score(name)).label("score")] if scored else []
            if self.index_only and all(c is SearchDoc.version_id for c in columns):
                # The index alone answers: no join, no row read per match.
                out.append(select(fts.c.rowid.label("version_id"), *score).where(self._match(name)))
            else:
                stmt = self._base(*columns, *score).join(fts, fts.c.rowid == SearchDoc.version_id)
                out.append(stmt.where(self._match(name)))
        return out

    def _raw(self, statement: str, **params: Any) -> Any:
        """Run fixed SQL on SQLite's driver: the hot statements of an index-only search are the same
        text for every query, so they skip SQLAlchemy's compile and cache-key work (~60-90 µs a
        statement, ~1.5 ms a search with the page's reads)."""
        return self.s.connection().exec_driver_sql(statement, params)

    def count(self, cap: int | None = None) -> int:
        """How many versions match; with `cap`, counting stops there (min(count, cap)): enough to
        tell whether a query is in most documents, at a fraction of the walk for a common term."""
        if self.index_only:
            if cap is None:
                counts = " + ".join(f"(SELECT count(*) FROM {n} WHERE {n} MATCH :m)" for n in self.tables)
                return int(self._raw(f"SELECT {counts}", m=self.match).scalar() or 0)
            rows = " UNION ALL ".join(f"SELECT 1 FROM {n} WHERE {n} MATCH :m" for n in self.tables)
            return int(
                self._raw(f"SELECT count(*) FROM ({rows} LIMIT :cap)", m=self.match, cap=cap).scalar() or 0
            )
        if cap is None:
            return sum(int(self.s.scalar(b) or 0) for b in self.branches(func.count()))
        limited = [
            select(func.count()).select_from(b.limit(cap).subquery())
            for b in self.branches(literal_column("1"))
        ]
        return min(cap, sum(int(self.s.scalar(c) or 0) for c in limited))

    def unfiltered_count(self, cap: int | None = None) -> int:
        """Matches in the whole index, the population BM25's idf is computed over (at most `cap`)."""
        if self.filters.metadata_free:
            return self.count(cap)
        return SearchPlan(self.s, self.query, Filters(all_versions=self.filters.all_versions)).count(cap)

    def whole_index_candidates(self, cap: int) -> int:
        """PostgreSQL: versions of the whole index whose vectors hold every bigram of the query (at most
        `cap`), from the GIN index alone: an upper bound of the matches, no LIKE confirmation."""
        every = conditions(Filters(all_versions=self.filters.all_versions), dialect=self.dialect)
        stmt = (
            select(literal_column("1"))
            .select_from(SearchDoc)
            .where(*every, pg_fts.index_condition(self.query))
        )
        return int(self.s.scalar(select(func.count()).select_from(stmt.limit(cap).subquery())) or 0)

    def whole_index_bounds(self, population: int) -> tuple[int, int | None]:
        """Bounds on `unfiltered_count` from the recorded token frequencies (SQLite,
        `sqlite_fts.match_bounds`), read without walking the query's doclists: (0, None) when unknown."""
        if not self.sqlite:
            return 0, None
        return sqlite_fts.match_bounds(self.s.connection(), self.query, population, self.filters.all_versions)

    def ranked_page(
        self, limit: int, offset: int, counted: bool = True
    ) -> tuple[list[tuple[int, float]], int | None]:
        """The page by score, and the number of matches counted in the same pass (a window count over
        the rows the ranking reads anyway); None when the page is empty or `counted` is False (the
        total is known: the window would make SQLite keep every row instead of the best `limit`)."""
        if self.index_only:
            return self._raw_ranked_page(limit, offset, counted)
        branches = self.branches(SearchDoc.version_id, scored=True)
        both = union_all(*branches).subquery() if len(branches) > 1 else branches[0].subquery()
        total = [func.count().over().label("total")] if counted else []
        stmt = select(both.c.version_id, both.c.score, *total)
        stmt = stmt.order_by(both.c.score.desc(), both.c.version_id.desc())
        rows = self.s.execute(stmt.limit(limit).offset(offset)).all()
        return [(r[0], r[1]) for r in rows], (rows[0].total if rows and counted else None)

    def _raw_ranked_page(
        self, limit: int, offset: int, counted: bool
    ) -> tuple[list[tuple[int, float]], int | None]:
        """`ranked_page` when the index alone answers, as one fixed statement (see `_raw`)."""
        scored = " UNION ALL ".join(
            f"SELECT rowid AS version_id, {sqlite_fts.score(n)} AS score FROM {n} WHERE {n} MATCH :m"
            for n in self.tables
        )
        rows = self._raw(
            f"SELECT version_id, score{', count(*) OVER ()' if counted else ''} FROM ({scored}) "
            "ORDER BY score DESC, version_id DESC LIMIT :limit OFFSET :offset",
            m=self.match,
            limit=limit,
            offset=offset,
        ).all()
        return [(int(r[0]), r[1]) for r in rows], (int(rows[0][2]) if rows and counted else None)

    def _newest(self) -> list[ColumnElement]:
        # PostgreSQL sorts NULLs first in a descending order, SQLite last: say it, for one behaviour.
        first = SearchDoc.publish_date.desc()
        return [first if self.sqlite else first.nulls_last(), SearchDoc.version_id.desc()]

    def newest_page(self, limit: int, offset: int) -> list[tuple[int, float | None]]:
        """Newest first, walking the publish-date index and checking rows against the full-text index:
        a query found in most documents fills a page within a few dozen rows."""
        stmt = self._base(SearchDoc.version_id, every_filter=True).order_by(*self._newest())
        if self.query.empty:
            return [(vid, None) for vid in self.s.scalars(stmt.limit(limit).offset(offset))]
        if self.sqlite:
            # The rows walked already meet every filter (`_base`): each probe asks the index about the
            # text alone, without the filter's tag tokens (a third less per probe).
            terms = sqlite_fts.match_expression(self.query)
            probes = [
                exists(select(literal_column("1")).select_from(self._fts(n)).where(
                    self._match(n, terms), self._fts(n).c.rowid == SearchDoc.version_id))
                for n in self.tables
            ]  # fmt: skip
            return [
                (vid, None) for vid in self.s.scalars(stmt.where(or_(*probes)).limit(limit).offset(offset))
            ]
        # PostgreSQL's planner would rather collect every match from the GIN index and sort them all:
        # take the newest candidates in batches and keep those the index matches.
        found: list[int] = []
        batch, start = max(4 * (limit + offset), 200), 0
        while len(found) < limit + offset:
            candidates = list(self.s.scalars(stmt.limit(batch).offset(start)))
            if not candidates:
                break
            check = self._pg_text(select(SearchDoc.version_id).where(SearchDoc.version_id.in_(candidates)))
            matched = set(self.s.scalars(check.where(pg_fts.condition(self.query))))  # filters met
            found += [vid for vid in candidates if vid in matched]
            start += batch
        return [(vid, None) for vid in found[offset : offset + limit]]

    def facets(self) -> dict[str, list[dict[str, Any]]]:
        """Each facet's most frequent values among the matches, with exact counts: one pass over the
        matches' search_docs rows, grouped by their combination of all six values, then each facet's
        counts summed over the groups (a few thousand at most) here."""
        counts: dict[str, dict[Any, int]] = {name: {} for name in FACETS}
        for values, n in self._facet_groups() if self.sqlite else self._facet_groups_by_value():
            for name, value in zip(FACETS, values, strict=True):
                counts[name][value] = counts[name].get(value, 0) + n
        return {name: _top(by_value.items()) for name, by_value in counts.items()}

    def _facet_groups_by_value(self) -> Iterable[tuple[tuple[Any, ...], int]]:
        """PostgreSQL: grouped by the six values themselves (a hash aggregate: no sort)."""
        year = func.substr(SearchDoc.publish_date, 1, 4).label("year")
        keys = (SearchDoc.site, SearchDoc.topic, SearchDoc.issuer, year, SearchDoc.validity, SearchDoc.kind)
        for branch in self.branches(*keys, func.count().label("n")):
            for *values, n in self.s.execute(branch.group_by(*keys)):
                yield tuple(values), n

    def _facet_groups(self) -> Iterable[tuple[tuple[Any, ...], int]]:
        """SQLite, whose GROUP BY sorts: the matches grouped by `facet_key`, one integer per combination
        of values (`facet_keys`), each group carrying only its count and one of its rows' id; the
        combinations are then read from those rows, by primary key. Sorting 100,000 matches this way
        costs about a fifth of sorting them on the six text columns (docs/benchmarks.md, "Facet
        counts")."""
        groups = [
            (row_id, n)
            for branch in self.branches(SearchDoc.facet_key, func.min(SearchDoc.version_id), func.count())
            for _, row_id, n in self.s.execute(branch.group_by(SearchDoc.facet_key))
        ]
        combos: dict[int, tuple[Any, ...]] = {}
        ids = [row_id for row_id, _ in groups]
        for start in range(0, len(ids), 5000):
            chunk = ", ".join(str(int(i)) for i in ids[start : start + 5000])  # ids the index just gave
            for row_id, *values in self._raw(
                "SELECT version_id, site, topic, issuer, substr(publish_date, 1, 4), validity, kind "
                f"FROM search_docs WHERE version_id IN ({chunk})"
            ):
                combos[row_id] = tuple(values)
        return [(combos[row_id], n) for row_id, n in groups]


def search(
    s: Session,
    text_query: str,
    filters: Filters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    facets: bool = False,
    newest_first: bool = False,
) -> SearchResult:
    """A page of hits, best first, with the total (and facet counts when asked).

    `newest_first` lists the matches by publish date whatever their scores (the web interface's
    "sort by date"), on the same walk a query found in most documents takes.

    Order: BM25 (ts_rank on PostgreSQL) with a title boost. When the query matches more than half of
    the indexed versions, BM25's idf is zero or negative for its terms (FTS5 clamps it to 1e-6): the
    scores no longer tell documents apart and computing one per match is wasted time, so such queries
    (民 in an archive of 民政局 pages) list the newest first, as a search without a query does.

    The tantivy side index answers when the archive has one and it holds every filter (`side`); when it
    is missing, stale or busy the database's own index answers, exactly, with a warning."""
    require_current(s.connection())  # once per search, not per plan it builds
    parsed, filters = parse(text_query), filters or Filters()
    warnings: list[str] = []
    if side.answers(filters):
        try:
            found = side.answer(
                s.connection(), parsed, filters, limit=limit, offset=offset, facets=facets,
                newest_first=newest_first, population=_population(s),
            )  # fmt: skip
        except side.Unavailable as exc:
            if side.location(s.connection()) is not None:
                warnings.append(f"search answered from the database's index: {exc}")
        else:
            return SearchResult(
                text_query, found.total, found.ranked, _hits(s, found.page, parsed),
                {name: _top(values) for name, values in found.facets.items()}, engine="tantivy",
            )  # fmt: skip
    plan = SearchPlan(s, parsed, filters)
    total: int | None = None
    ranked = False
    if not plan.query.empty and not newest_first:
        population = _population(s)
        if not plan.sqlite and pg_fts.needs_text(plan.query):
            # PostgreSQL, a term over two characters: its matches are the GIN index's candidates (every
            # bigram present) confirmed with LIKE. ts_rank has no idf, so "more than half" is only a
            # cost rule there, decided on the candidates from the index alone; the exact total then
            # comes with the ranked page (one LIKE pass, not two) or from a count.
            ranked = plan.whole_index_candidates(cap=population // 2 + 1) * 2 <= population
        elif plan.filters.metadata_free:
            total = plan.count()  # the total is the idf population itself
            ranked = total * 2 <= population
        else:
            # Only whether the whole index has more than half: known from the recorded token
            # frequencies when they settle it, else counted, stopping one past the half. The filtered total then comes with
            # the ranked page (a window count over the rows it ranks, one walk of the match instead of
            # two), or from a count when listed newest first.
            low, high = plan.whole_index_bounds(population)
            if high is not None and high * 2 <= population:
                ranked = True
            elif low * 2 > population:
                ranked = False
            else:
                ranked = plan.unfiltered_count(cap=population // 2 + 1) * 2 <= population
    if ranked:
        page, counted = plan.ranked_page(limit, offset, counted=total is None)
        total = total if total is not None else counted
    else:
        page = plan.newest_page(limit, offset)
    if total is None:
        total = plan.count()
    return SearchResult(
        text_query,
        total,
        ranked,
        _hits(s, page, plan.query),
        plan.facets() if facets else {},
        warnings=warnings,
    )


def _top(counts: Iterable[tuple[Any, int]]) -> list[dict[str, Any]]:
    """A facet's most frequent values, ties by value: the order `SearchPlan.facets` gives."""
    ordered = sorted(counts, key=lambda kv: (-kv[1], str(kv[0])))[:FACET_VALUES]
    return [{"value": value, "count": n} for value, n in ordered]


def matching_ids(
    s: Session, text_query: str, filters: Filters | None = None, database: bool = False
) -> set[int]:
    """Every matching version id, unranked: what the benchmark compares with a substring scan; from the
    side index when `search` would use it, unless `database`."""
    require_current(s.connection())  # once per search, not per plan it builds
    if not database and side.answers(filters or Filters()):
        try:
            return side.matching_ids(s.connection(), parse(text_query), filters or Filters())
        except side.Unavailable:
            pass
    plan = SearchPlan(s, parse(text_query), filters or Filters())
    return {vid for branch in plan.branches(SearchDoc.version_id) for vid in s.scalars(branch)}


def _population(s: Session) -> int:
    """How many versions are indexed: version ids are dense (nothing is ever deleted), so the largest
    is the count, read from the primary key's end instead of counting 100,000 rows."""
    return int(s.connection().exec_driver_sql("SELECT max(version_id) FROM search_docs").scalar() or 0)


def _hits(s: Session, page: list[tuple[int, float | None]], query: Query) -> list[dict[str, Any]]:
    if not page:
        return []
    # Only the columns a hit shows: whole Version rows would carry their JSON fields and tables. Plain
    # SQL on the driver: the same two statements for every search, with the page's ids (integers we
    # read from the index) written in, instead of SQLAlchemy's expanding IN compiled per execution.
    conn = s.connection()
    ids = ", ".join(str(int(vid)) for vid, _ in page)
    rows = {
        row.vid: row
        for row in conn.exec_driver_sql(
            "SELECT versions.id AS vid, versions.number, versions.publish_date, versions.doc_number, "
            "versions.index_no, versions.title, versions.body, documents.id AS doc_id, documents.site, "
            "documents.status, documents.url FROM versions "
            f"JOIN documents ON documents.id = versions.document_id WHERE versions.id IN ({ids})"
        )
    }
    files: dict[int, list[tuple[str | None, str | None]]] = {}
    for vid, name, extracted in conn.exec_driver_sql(
        f"SELECT version_id, name, text FROM attachments WHERE version_id IN ({ids}) ORDER BY id"
    ):
        files.setdefault(vid, []).append((name, extracted))
    hits = []
    for vid, score in page:
        row = rows[vid]
        where, text = _snippet(row, files.get(vid, ()), query)
        hits.append(
            {
                "id": row.doc_id,
                "version": row.number,
                "site": row.site,
                "publish_date": row.publish_date,
                "doc_number": row.doc_number,
                "index_no": row.index_no,
                "title": row.title,
                "score": None if score is None else round(float(score), 6),
                "snippet": text,
                "matched_in": where,
                "status": row.status,
                "url": row.url,
            }
        )
    return hits


def _snippet(
    version: Any, files: Iterable[tuple[str | None, str | None]], query: Query
) -> tuple[str | None, str | None]:
    """Where the first term was found (body, title, attachment) and a snippet of it; a hit found only
    in an attached file says so and names the file, so a reader knows to open the attachment."""
    found = snippet(decompressed_text(version.body), query.include)  # read on the driver: zstd on SQLite
    if found:
        return "body", found
    found = snippet(version.title, query.include)
    if found:
        return "title", found
    for name, extracted in files:
        found = snippet(extracted, query.include) or snippet(name, query.include)
        if found:
            return "attachment", f"[附件 {name or '(unnamed)'}] {found}"
    return None, None
