"""SQLite: an FTS5 table of our per-character tokens, ranked by FTS5's own BM25.

Two tables of the same shape: `search_fts` holds each document's latest version, `search_fts_old` the
versions it superseded (see `supersede`). Each is contentless (`content=''`): the text is already in `search_docs`, FTS5 keeps only the
inverted index, positions and column sizes (what BM25 needs). Tokens are handed to FTS5's `ascii`
tokenizer already cut (space-separated): it treats every non-ASCII character as part of a token, so
Chinese bigrams and CJK punctuation pass through untouched; ASCII punctuation, which it would split
on, is shifted into the Private Use Area first (`_shift`), identically for text and queries.
`prefix='1'` adds an index of one-character prefixes, which makes one-character queries (`民*`) a
single lookup instead of a scan of the vocabulary.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, text

from archive.search.query import Query
from archive.search.schema import SearchDoc, SearchText
from archive.search.tokens import grams, query_grams

TITLE_WEIGHT = 4.0  # a hit in the title counts four times a hit in the body (bm25 column weights)
LATEST, OLDER = "search_fts", "search_fts_old"
_SHIFT = {c: chr(0xE000 + c) for c in range(128) if not chr(c).isalnum() and chr(c) != " "}


def _shift(token: str) -> str:
    return token.translate(_SHIFT)


def tables(all_versions: bool) -> tuple[str, ...]:
    """The FTS5 tables a search reads: latest versions only, or every version."""
    return (LATEST, OLDER) if all_versions else (LATEST,)


def score(table: str) -> str:
    """Higher is better (FTS5's bm25() is lower-is-better)."""
    return f"-bm25({table}, {TITLE_WEIGHT}, 1.0)"


def create(conn: Connection) -> None:
    for table in (LATEST, OLDER):
        conn.execute(
            text(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
                "title, body, content='', tokenize='ascii', prefix='1')"
            )
        )


def drop(conn: Connection) -> None:
    for table in (LATEST, OLDER):
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))


def clear(conn: Connection) -> None:
    # A contentless table is emptied with its special 'delete-all' command.
    for table in (LATEST, OLDER):
        conn.execute(text(f"INSERT INTO {table}({table}) VALUES ('delete-all')"))
    conn.execute(text("DELETE FROM search_text"))
    conn.execute(text("DELETE FROM search_docs"))


def tokenized(compact: str) -> str:
    return " ".join(_shift(token) for token in grams(compact))


def _fts_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"id": r["version_id"], "title": tokenized(r["title"]), "body": tokenized(r["text"])} for r in rows
    ]


def write(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert search_docs and search_text rows, and their tokens into the FTS5 table of latest
    versions or of older ones (rowid = version id)."""
    if not rows:
        return
    conn.execute(
        insert(SearchDoc), [{k: v for k, v in r.items() if k not in ("title", "text")} for r in rows]
    )
    conn.execute(
        insert(SearchText),
        [{"version_id": r["version_id"], "title": r["title"], "text": r["text"]} for r in rows],
    )
    for table, part in (
        (LATEST, [r for r in rows if r["is_latest"]]),
        (OLDER, [r for r in rows if not r["is_latest"]]),
    ):
        if part:
            conn.execute(
                text(f"INSERT INTO {table}(rowid, title, body) VALUES (:id, :title, :body)"), _fts_rows(part)
            )


def supersede(conn: Connection, version_ids: list[int]) -> None:
    """Move versions that are no longer their document's latest from the latest table to the older one.

    Keeping the latest versions in a table of their own is what makes the default search (latest only)
    count and rank from the FTS5 index alone, without a join per match. A contentless table deletes a
    row when given the tokens it was indexed with: they are recomputed from search_text."""
    if not version_ids:
        return
    rows = [
        {"version_id": vid, "title": title, "text": body}
        for vid, title, body in conn.execute(
            select(SearchText.version_id, SearchText.title, SearchText.text).where(
                SearchText.version_id.in_(version_ids)
            )
        )
    ]
    fts = _fts_rows(rows)
    conn.execute(
        text(f"INSERT INTO {LATEST}({LATEST}, rowid, title, body) VALUES ('delete', :id, :title, :body)"), fts
    )
    conn.execute(text(f"INSERT INTO {OLDER}(rowid, title, body) VALUES (:id, :title, :body)"), fts)


def _term(term: str) -> str:
    if len(term) == 1:
        return f'"{_shift(term)}"*'
    return '"' + " ".join(_shift(g) for g in query_grams(term)) + '"'


def match_expression(query: Query) -> str:
    """The FTS5 MATCH string: all include terms, then each exclusion as `NOT`."""
    expression = " AND ".join(_term(t) for t in query.include)
    for term in query.exclude:
        expression = f"({expression}) NOT {_term(term)}"
    return expression


def index_bytes(conn: Connection) -> int:
    """Bytes on disk of the FTS5 shadow tables (needs the dbstat virtual table, built in by default)."""
    try:
        return int(
            conn.execute(
                text(
                    "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'search\\_fts%' ESCAPE '\\'"
                )
            ).scalar_one()
        )
    except Exception:  # a SQLite built without dbstat: the size is unknown, not an error
        return -1
