"""SQLite: an FTS5 table of our per-character tokens, ranked by FTS5's own BM25.

The table is contentless (`content=''`): the text is already in `search_docs`, FTS5 keeps only the
inverted index, positions and column sizes (what BM25 needs). Tokens are handed to FTS5's `ascii`
tokenizer already cut (space-separated): it treats every non-ASCII character as part of a token, so
Chinese bigrams and CJK punctuation pass through untouched; ASCII punctuation, which it would split
on, is shifted into the Private Use Area first (`_shift`), identically for text and queries.
`prefix='1'` adds an index of one-character prefixes, which makes one-character queries (`民*`) a
single lookup instead of a scan of the vocabulary.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, text

from archive.search.query import Query
from archive.search.schema import SearchDoc
from archive.search.tokens import grams, query_grams

TITLE_WEIGHT = 4.0  # a hit in the title counts four times a hit in the body (bm25 column weights)
SCORE = f"bm25(search_fts, {TITLE_WEIGHT}, 1.0)"
_SHIFT = {c: chr(0xE000 + c) for c in range(128) if not chr(c).isalnum() and chr(c) != " "}


def _shift(token: str) -> str:
    return token.translate(_SHIFT)


def create(conn: Connection) -> None:
    conn.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
            "title, body, content='', tokenize='ascii', prefix='1')"
        )
    )


def drop(conn: Connection) -> None:
    conn.execute(text("DROP TABLE IF EXISTS search_fts"))


def clear(conn: Connection) -> None:
    # A contentless table is emptied with its special 'delete-all' command.
    conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('delete-all')"))
    conn.execute(text("DELETE FROM search_docs"))


def tokenized(compact: str) -> str:
    return " ".join(_shift(token) for token in grams(compact))


def write(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert search_docs rows and their tokens into the FTS5 index (rowid = version id)."""
    if not rows:
        return
    conn.execute(insert(SearchDoc), rows)
    conn.execute(
        text("INSERT INTO search_fts(rowid, title, body) VALUES (:id, :title, :body)"),
        [{"id": r["version_id"], "title": tokenized(r["title"]), "body": tokenized(r["text"])} for r in rows],
    )


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
                text("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'search_fts%'")
            ).scalar_one()
        )
    except Exception:  # a SQLite built without dbstat: the size is unknown, not an error
        return -1
