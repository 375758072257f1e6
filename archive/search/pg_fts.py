"""PostgreSQL: the same per-character tokens as a `tsvector` column with a GIN index, ranked by ts_rank.

PostgreSQL's text-search parsers know no Chinese, so we bypass them: the tsvector is written as a
literal of our own lexemes (title positions weighted A, body D, so ts_rank's default weights boost a
title hit tenfold) and queries are cast to `tsquery` directly, never through `to_tsquery`'s parser.
Positions stop at 16,383 in a tsvector, so a long term is matched as the AND of its bigrams (a GIN
lookup) and then confirmed with `LIKE` on the stored normalised text; one- and two-character terms
are exact from the index alone (a one-character term through the per-character lexemes every vector
also carries: one posting list instead of the union of every bigram starting with it). Each vector
also carries its filter tags (site, validity, publish year: `archive.search.tags`), so those filters
are ANDed into the tsquery and the GIN index intersects them.

pg_trgm was the alternative: it cannot use its index for queries under three characters, which are
the common ones here. RUM (positions and ranking in the index) was measured and left out: it orders
equal ranks differently for different LIMITs, so pages repeated and skipped documents, and most ranks
are equal here (see docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    cast,
    func,
    literal,
    literal_column,
    not_,
    or_,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from archive.prepared import Prepared, insert_rows
from archive.search import tags
from archive.search.findings import Finding, count
from archive.search.query import Query
from archive.search.schema import SearchText
from archive.search.tokens import grams, query_grams

MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 64  # enough for ranking; PostgreSQL keeps at most 256 anyway
TSV = literal_column("search_docs.tsv")


def create_index(conn: Connection) -> None:
    # Memory for a bulk build (a rebuild builds the index after the rows): the default 64 MB makes it
    # spill and merge; the setting ends with the transaction.
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_search_docs_tsv ON search_docs USING gin (tsv)"))


def session_settings(conn: Connection) -> None:
    """Local to the search's transaction:

    - memory for the GIN bitmap of a common term: with the default 4 MB it turns lossy and every row
      of its pages is rechecked (each vector decompressed);
    - no sequential scan of `search_docs`: for a term in most documents the planner estimates the GIN
      index saves nothing and reads the table instead, which detoasts and searches every vector
      (measured at 8,000 documents: count of 民 128 ms by seq scan, 2.3 ms by bitmap over the GIN
      index, whose exact, non-lossy bitmap needs no recheck). The cost model does not see the
      out-of-line vectors."""
    conn.execute(text("SET LOCAL work_mem = '64MB'"))
    conn.execute(text("SET LOCAL enable_seqscan = off"))


def clear(conn: Connection, with_state: bool = True) -> None:
    """Empty the index for a rebuild, without its GIN index: `finish_rebuild` builds that in one pass
    over the rows, faster than growing it row by row (see docs/benchmarks.md). TRUNCATE, not DELETE:
    the build would otherwise index the deleted rows too (still visible to other transactions), and
    the tables would keep their space. Both lock out searches until the rebuild commits, as dropping
    the index does; a failed rebuild rolls back to the index as it was."""
    conn.execute(text("DROP INDEX IF EXISTS ix_search_docs_tsv"))
    conn.execute(text("TRUNCATE search_text, search_docs"))


def finish_rebuild(conn: Connection, with_state: bool = True) -> None:
    """Build the GIN index over the rebuilt rows (PostgreSQL records nothing else in search_state)."""
    create_index(conn)


def _quote(lexeme: str) -> str:
    if "'" in lexeme or "\\" in lexeme:
        return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + lexeme + "'"


# The position strings of a vector ("12A", "340D"), made once: formatting one per character of every
# version was half the time of `tsvector_literal`. Positions past MAX_POSITION are all MAX_POSITION.
_AT = {weight: [f"{i + 1}{weight}" for i in range(MAX_POSITION)] for weight in ("A", "D")}


def tsvector_literal(title: str, body: str, tag_tokens: Iterable[str] = ()) -> str:
    """Title (weight A) and body (D) lexemes with their positions, the bigram starting at each
    character and the character itself, and the version's filter tags (`archive.search.tags`: a site
    filter is then an AND in the same GIN lookup).

    The character is a lexeme of its own so that a one-character term is one posting list, not the
    union of every bigram starting with it. Its title positions are kept: without them every match of
    a one-character query ranked alike (ts_rank 0.0608), a title no higher than a body. Its body
    positions are not: they made every vector 20% larger, and ranking, which reads every matching
    vector, 10–20% slower (docs/benchmarks.md), for a term frequency one-character queries hardly need.

    Lexemes are listed in the order first met (tags, then text), each with at most
    MAX_POSITIONS_PER_LEXEME positions; the loops below are written for speed (this runs on every
    version the store writes to PostgreSQL), `tests/test_store_prepared.py` holds them to the plain
    form's output."""
    positions: dict[str, list[str]] = {tag: [] for tag in tag_tokens}
    get = positions.get
    limit = MAX_POSITIONS_PER_LEXEME
    offset = 0
    for compact, weight in ((title, "A"), (body, "D")):
        ats = _AT[weight]
        last = ats[-1]
        title_part = weight == "A"
        for i, gram in enumerate(grams(compact)):
            at = ats[offset + i] if offset + i < MAX_POSITION else last
            first = gram[0]
            # the bigram starting here, and in the title its character (one lexeme at a text's end)
            seen = get(gram)
            if seen is None:
                positions[gram] = [at]
            elif len(seen) < limit:
                seen.append(at)
            if title_part and first != gram:
                seen = get(first)
                if seen is None:
                    positions[first] = [at]
                elif len(seen) < limit:
                    seen.append(at)
            elif first not in positions:
                positions[first] = []
        offset += len(compact)
    return " ".join(
        f"{_quote(lexeme)}:{','.join(pos)}" if pos else _quote(lexeme) for lexeme, pos in positions.items()
    )


def _vector(row: dict[str, Any]) -> str:
    return tsvector_literal(
        row["title"], row["text"], tags.of_version(row["site"], row["validity"], row["publish_date"])
    )


def write(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert search_docs rows with their tsvector in the same statement (no second pass, no dead
    tuples), and the search_text rows."""
    if not rows:
        return
    meta = [{k: v for k, v in r.items() if k not in ("title", "text")} for r in rows]
    _insert_docs(tuple(meta[0])).many(
        conn, [{**m, "tsv": _vector(r)} for m, r in zip(meta, rows, strict=True)]
    )
    insert_rows(
        conn,
        SearchText.__table__,
        [{"version_id": r["version_id"], "title": r["title"], "text": r["text"]} for r in rows],
    )


_INSERT_DOCS: dict[tuple[str, ...], Prepared] = {}


def _insert_docs(columns: tuple[str, ...]) -> Prepared:
    """The INSERT of search_docs rows with these columns and their vector, compiled once per dialect
    (`prepared.Prepared`: the store writes one per new version)."""
    found = _INSERT_DOCS.get(columns)
    if found is None:
        found = _INSERT_DOCS[columns] = Prepared(
            text(
                f"INSERT INTO search_docs ({', '.join(columns)}, tsv) "
                f"VALUES ({', '.join(':' + c for c in columns)}, CAST(:tsv AS tsvector))"
            )
        )
    return found


# Whether `supersede` reads the superseded versions' rows: it does not here, so the index does not
# compute them (a select, and the old version's strings normalised again) for each changed document.
SUPERSEDE_READS_ROWS = False


def supersede(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Nothing to move: one GIN index serves both, `search_docs.is_latest` tells them apart."""


def replace_text(conn: Connection, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    """A version's searchable text changed in place (an attachment that arrived later): a new vector
    and a new search_text row."""
    for row in after:
        conn.execute(
            text("UPDATE search_docs SET tsv = CAST(:tsv AS tsvector) WHERE version_id = :id"),
            {"tsv": _vector(row), "id": row["version_id"]},
        )
        conn.execute(
            update(SearchText)
            .where(SearchText.version_id == row["version_id"])
            .values(title=row["title"], text=row["text"])
        )


def _lexemes(term: str) -> list[str]:
    if len(term) == 1:
        return [_quote(term)]  # every character is a lexeme of its own (tsvector_literal)
    return [_quote(g) for g in dict.fromkeys(query_grams(term))]


def tsquery(query: Query, tag_groups: Iterable[list[str]] = ()) -> str:
    """Every include term's lexemes ANDed; short exclusions as `!` (long ones are `not_like`); then
    the filter tags, each group an OR (`tags.of_filters`)."""
    parts = [lexeme for term in query.include for lexeme in _lexemes(term)]
    parts += [f"!{_lexemes(term)[0]}" for term in query.exclude if len(term) <= 2]
    parts += ["(" + " | ".join(_quote(t) for t in group) + ")" for group in tag_groups]
    return " & ".join(parts)


def _contains(term: str) -> ColumnElement[bool]:
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(SearchText.title.like(pattern, escape="\\"), SearchText.text.like(pattern, escape="\\"))


def _tsquery_value(query: Query, tag_groups: Iterable[list[str]] = ()) -> ColumnElement:
    return cast(literal(tsquery(query, tag_groups)), TSQUERY)


def score(query: Query) -> ColumnElement[float]:
    return func.ts_rank(TSV, _tsquery_value(query))


def needs_text(query: Query) -> bool:
    """Whether `condition` reads search_text (a term over two characters is confirmed there)."""
    return any(len(t) > 2 for t in (*query.include, *query.exclude))


def index_condition(query: Query, tag_groups: Iterable[list[str]] = ()) -> ColumnElement[bool]:
    """What the GIN index answers alone: exact for terms of one or two characters, a superset (every
    bigram present, anywhere) for longer ones."""
    return TSV.op("@@")(_tsquery_value(query, tag_groups))


def condition(query: Query, tag_groups: Iterable[list[str]] = ()) -> ColumnElement[bool]:
    """The WHERE clause: the GIN-indexed tsquery with the filter tags, and LIKE confirmations for terms
    over two characters."""
    clauses: list[ColumnElement[bool]] = [index_condition(query, tag_groups)]
    clauses += [_contains(t) for t in query.include if len(t) > 2]
    clauses += [not_(_contains(t)) for t in query.exclude if len(t) > 2]
    return and_(*clauses)


def index_bytes(conn: Connection) -> int:
    return int(conn.execute(text("SELECT pg_total_relation_size('search_docs')")).scalar_one())


def check(conn: Connection) -> list[Finding]:
    """The GIN index is there and valid (without it every search reads every vector: 1–2 s at 100,000
    documents instead of tens of ms), every row has its vector and its text for LIKE."""
    valid = conn.exec_driver_sql(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname = 'ix_search_docs_tsv'"
    ).scalar()
    gin = Finding(
        "gin index",
        bool(valid),
        {
            True: "ix_search_docs_tsv is valid",
            False: "ix_search_docs_tsv is invalid (a failed concurrent build)",
            None: "ix_search_docs_tsv is missing",
        }[valid],
    )
    no_vector = count(conn, "SELECT count(*) FROM search_docs WHERE tsv IS NULL")
    no_text = count(
        conn,
        "SELECT (SELECT count(*) FROM search_docs d WHERE NOT EXISTS "
        "(SELECT 1 FROM search_text t WHERE t.version_id = d.version_id)) + "
        "(SELECT count(*) FROM search_text t WHERE NOT EXISTS "
        "(SELECT 1 FROM search_docs d WHERE d.version_id = t.version_id))",
    )
    vectors = Finding(
        "vectors",
        not no_vector and not no_text,
        f"{no_vector} search rows without a vector; {no_text} without their text (or text without a row)"
        if no_vector or no_text
        else "every search row has its vector and its text",
    )
    return [gin, vectors]
