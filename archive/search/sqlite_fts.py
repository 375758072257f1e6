"""SQLite: an FTS5 table of our per-character tokens, ranked by FTS5's own BM25.

Two tables of the same shape: `search_fts` holds each document's latest version, `search_fts_old` the
versions it superseded (see `supersede`). Each is contentless (`content=''`): FTS5 keeps only the
inverted index, positions and column sizes (what BM25 needs), and no normalised text is stored for
search on SQLite at all: a row's tokens are recomputed from the version (its stored `search_text`,
title, 文号, 索引号, attachment names and texts: `index.rows`) when FTS5 needs them again to delete it. Tokens are handed to FTS5's `ascii`
tokenizer already cut (space-separated): it treats every non-ASCII character as part of a token, so
Chinese bigrams and CJK punctuation pass through untouched; ASCII punctuation, which it would split
on, is shifted into the Private Use Area first (`_shift`), identically for text and queries.
`prefix='1'` adds an index of one-character prefixes, which makes one-character queries (`民*`) a
single lookup instead of a scan of the vocabulary.

A third column, `tags`, holds one token per filterable value: the site, the validity and the publish
year (`archive.search.tags`). A site, validity or publish-year filter is then an AND in the same MATCH, an
intersection of doclists inside FTS5, instead of a join of every match to `search_docs` afterwards;
the tags weigh nothing in BM25 (weight 0). Text tokens are bigrams (at most two characters) and tag
tokens three or more, so neither can match the other's column and a MATCH needs no column filter
(which would cost a column check per position), except when a one-character ASCII term, a prefix
query, could reach a tag token (`match_expression`).
"""

from __future__ import annotations

import json
import re
from array import array
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from archive.prepared import Prepared, insert_rows
from archive.search import tags
from archive.search.filters import Filters
from archive.search.findings import Finding, count
from archive.search.query import Query
from archive.search.schema import SearchDoc
from archive.search.tokens import query_grams

TITLE_WEIGHT = 4.0  # a hit in the title counts four times a hit in the body (bm25 column weights)
LATEST, OLDER = "search_fts", "search_fts_old"
_SHIFT = {c: chr(0xE000 + c) for c in range(128) if not chr(c).isalnum() and chr(c) != " "}
# The characters `_SHIFT` moves, to find which of them a text holds (`_shift_text`).
_SHIFTED = re.compile("[" + "".join(f"\\x{c:02x}" for c in _SHIFT) + "]")
# An array type of 4-byte items: one UTF-32 code unit, i.e. one code point, per item (`tokenized`).
_UCS4 = next(code for code in "IL" if array(code).itemsize == 4)
_SPACE_UTF32 = " ".encode("utf-32-le")


def _shift(token: str) -> str:
    return token.translate(_SHIFT)


def _shift_text(text: str) -> str:
    """`_shift(text)`, faster on a long text: `str.translate` looks every character of a Chinese text
    up in the table (~25 ns each), where a text holds a handful of distinct ASCII punctuation marks,
    each replaced with one `str.replace`. The same result: the replacements (Private Use Area
    characters) are none of the characters replaced, so no replacement is replaced again."""
    for char in set(_SHIFTED.findall(text)):
        text = text.replace(char, _SHIFT[ord(char)])
    return text


def tables(all_versions: bool) -> tuple[str, ...]:
    """The FTS5 tables a search reads: latest versions only, or every version."""
    return (LATEST, OLDER) if all_versions else (LATEST,)


def score(table: str) -> str:
    """Higher is better (FTS5's bm25() is lower-is-better). Weights in column order: body, title, tags."""
    return f"-bm25({table}, 1.0, {TITLE_WEIGHT}, 0.0)"


# The tables' columns are `body, title, tags` (created by migration 0007). The body is the first column:
# FTS5 writes a column marker (2 bytes) into every position list of a column other than the first, and
# nearly every body token is a position list of its own; with the body first the index is 28% smaller
# (measured: docs/benchmarks.md, storage).


def clear(conn: Connection, with_state: bool = True) -> None:
    """Empty the index for a rebuild, and forget its recorded token frequencies (`with_state`: the
    migrations before 0007 run without the search_state table)."""
    # A contentless table is emptied with its special 'delete-all' command.
    for table in (LATEST, OLDER):
        conn.execute(text(f"INSERT INTO {table}({table}) VALUES ('delete-all')"))
    conn.execute(text("DELETE FROM search_docs"))
    if with_state:
        forget_frequencies(conn)


def finish_rebuild(conn: Connection, with_state: bool = True) -> None:
    """Merge each table's segments into one, after a rebuild: written in batches, the index is many
    segments, and every query term is then looked up in each of them. Then record the token
    frequencies of the new index (`with_state`, as for `clear`)."""
    for table in (LATEST, OLDER):
        conn.execute(text(f"INSERT INTO {table}({table}) VALUES ('optimize')"))
    if with_state:
        record_frequencies(conn)


def tokenized(compact: str) -> str:
    """The text's tokens (`grams`), shifted, space-separated: `c0c1 c1c2 … cn-1`. The shift maps one
    character to one character, so shifting the whole text first and cutting it after gives the same
    tokens, without a `translate` per token (this runs on every version the store writes).

    Built in one array of code points rather than as a string per token: character i goes to
    position 3i, character i+1 to 3i+1, and a space stays at 3i+2 (the last character alone at the
    end), two slice assignments in C instead of a `str` made and joined per character, a fifth of
    the time for a page of text. UTF-32 is one item per code point, so characters beyond the BMP are
    cut as `grams` cuts them; `surrogatepass` takes any `str` as the string join did."""
    if not compact:
        return ""
    shifted = _shift_text(compact)
    n = len(shifted)
    if n == 1:
        return shifted
    chars = array(_UCS4, shifted.encode("utf-32-le", "surrogatepass"))
    out = array(_UCS4, _SPACE_UTF32 * (3 * n - 2))
    out[0::3] = chars
    out[1::3] = chars[1:]
    return out.tobytes().decode("utf-32-le", "surrogatepass")


def filter_match(f: Filters) -> tuple[str, bool]:
    """The MATCH clause of the filters the tags column holds, and whether it expresses every filter
    exactly (then the index alone answers; else matches are joined to search_docs and checked).

    The tokens need no `tags :` column filter: every title and body token is a bigram (at most two
    characters) and every tag token has three or more, so a tag token occurs in the tags column only;
    the filter would only make FTS5 check the column of each position (5–20% of a filtered search)."""
    groups, exact = tags.of_filters(f)
    return " AND ".join(g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in groups), exact


def _fts_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": r["version_id"],
            "title": tokenized(r["title"]),
            "body": tokenized(r["text"]),
            "tags": " ".join(tags.of_version(r["site"], r["validity"], r["publish_date"])),
        }
        for r in rows
    ]


def write(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert search_docs rows, and their tokens into the FTS5 table of latest versions or of older
    ones (rowid = version id)."""
    if not rows:
        return
    insert_rows(
        conn, SearchDoc.__table__, [{k: v for k, v in r.items() if k not in ("title", "text")} for r in rows]
    )
    for table, part in (
        (LATEST, [r for r in rows if r["is_latest"]]),
        (OLDER, [r for r in rows if not r["is_latest"]]),
    ):
        if part:
            _INSERT_TOKENS[table].many(conn, _fts_rows(part))


# The store writes through these for every new version (prepared.Prepared: compiled once per dialect).
_INSERT_TOKENS = {
    table: Prepared(text(f"INSERT INTO {table}(rowid, title, body, tags) VALUES (:id, :title, :body, :tags)"))
    for table in (LATEST, OLDER)
}


def _table(row: dict[str, Any]) -> str:
    return LATEST if row["is_latest"] else OLDER


def _delete(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    # A contentless table deletes a row only when given the tokens it was indexed with.
    conn.execute(
        text(
            f"INSERT INTO {table}({table}, rowid, title, body, tags) VALUES ('delete', :id, :title, :body, :tags)"
        ),
        _fts_rows(rows),
    )


# Whether `supersede` reads the superseded versions' rows (their tokens, to delete them): it does.
SUPERSEDE_READS_ROWS = True


def supersede(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Move versions that are no longer their document's latest (`rows`, computed from what is stored,
    see `index.rows`) from the latest table to the older one.

    Keeping the latest versions in a table of their own is what makes the default search (latest only)
    count and rank from the FTS5 index alone, without a join per match."""
    if not rows:
        return
    _delete(conn, LATEST, rows)
    conn.execute(
        text(f"INSERT INTO {OLDER}(rowid, title, body, tags) VALUES (:id, :title, :body, :tags)"),
        _fts_rows(rows),
    )


def replace_text(conn: Connection, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    """A version's searchable text changed in place (an attachment that arrived later): its tokens
    go out as they were indexed and come in as they are now; its search_docs row is unchanged. Each
    such version may add one to a token's document count without a new version id: counted in the
    recorded frequencies (`record_frequencies`), whose bounds stay upper bounds."""
    conn.execute(
        text(
            "UPDATE search_state SET value = json_set(value, '$.replaced', "
            "json_extract(value, '$.replaced') + :n) WHERE key = :key"
        ),
        {"n": len(after), "key": FREQUENCIES},
    )
    for row in before:
        _delete(conn, _table(row), [row])
    for row in after:
        conn.execute(
            text(f"INSERT INTO {_table(row)}(rowid, title, body, tags) VALUES (:id, :title, :body, :tags)"),
            _fts_rows([row]),
        )


FREQUENCIES = "fts_df"  # the search_state key of the recorded token frequencies
RARE_SHARE = 16  # tokens in more than 1/16 of the versions are recorded with their count


def record_frequencies(conn: Connection) -> None:
    """Record, after a rebuild, how many versions (both tables) hold each token found in more than
    1/16 of them, and per character the summed counts of the tokens starting with it; every token or
    character not listed is in at most `threshold` versions.

    Why: a filtered search must know whether its query is in more than half of the whole index
    (ranked or newest first). Counting walks the query's doclists, position checks included: 1–3 ms
    for a long phrase at 100,000 documents, and the same walk BM25 then repeats for its idf. A phrase
    is in at most as many versions as its rarest bigram, so when the recorded counts put that under
    half the index the count is skipped (`match_bounds`); a query that is one bigram in more than half
    of them (民政) is known to be listed newest first the same way. FTS5 keeps no document count per
    token (its `fts5vocab` table walks the doclists to give one), so they are read once here, from the
    whole vocabulary (~1.3 s at 100,000 documents), into one `search_state` row (~1,000 tokens).

    Every change after this keeps the bounds true: a new version has a larger id than any recorded
    (`versions`: the growth is added to every bound), a version moved to the older table keeps its
    tokens, and a text replaced in place is counted (`replaced`, see `replace_text`)."""
    conn.execute(text("DELETE FROM search_state WHERE key = :key"), {"key": FREQUENCIES})
    versions = int(conn.execute(text("SELECT coalesce(max(version_id), 0) FROM search_docs")).scalar_one())
    threshold = versions // RARE_SHARE
    for table in (LATEST, OLDER):
        conn.execute(text(f"CREATE VIRTUAL TABLE temp.{table}_vocab USING fts5vocab(main, {table}, row)"))
    # One pass over the vocabulary (it walks every doclist), into a temporary table read twice.
    conn.execute(
        text(
            "CREATE TEMP TABLE search_token_counts AS SELECT term, sum(latest) AS latest, sum(doc) AS doc "
            f"FROM (SELECT term, doc AS latest, doc FROM temp.{LATEST}_vocab UNION ALL "
            f"SELECT term, 0, doc FROM temp.{OLDER}_vocab) GROUP BY term"
        )
    )
    counts = conn.execute(
        text("SELECT term, latest, doc FROM temp.search_token_counts WHERE doc > :threshold"),
        {"threshold": threshold},
    ).all()
    # A one-character term is a prefix query: in at most as many versions as the tokens starting with
    # its character hold, summed (a version holding two of them counts twice: still a bound).
    prefixes = conn.execute(
        text(
            "SELECT substr(term, 1, 1), sum(doc) FROM temp.search_token_counts GROUP BY 1 "
            "HAVING sum(doc) > :threshold"
        ),
        {"threshold": threshold},
    ).all()
    conn.execute(text("DROP TABLE temp.search_token_counts"))
    for table in (LATEST, OLDER):
        conn.execute(text(f"DROP TABLE temp.{table}_vocab"))
    value = {
        "versions": versions,
        "replaced": 0,
        "threshold": threshold,  # every token not listed is in at most this many versions
        "all": {term: n for term, _, n in counts},  # versions holding the token, both tables
        "latest": {term: n for term, n, _ in counts},  # in the latest table
        "prefix": dict(prefixes),  # tokens starting with the character, their counts summed
    }
    conn.execute(
        text("INSERT INTO search_state (key, value) VALUES (:key, :value)"),
        {"key": FREQUENCIES, "value": json.dumps(value, ensure_ascii=False)},
    )


def forget_frequencies(conn: Connection) -> None:
    """The index is being emptied: its recorded frequencies no longer bound anything (versions are
    indexed again under ids already counted)."""
    conn.execute(text("DELETE FROM search_state WHERE key = :key"), {"key": FREQUENCIES})


@lru_cache(maxsize=4)
def _frequencies(value: str) -> dict[str, Any]:
    return json.loads(value)


def match_bounds(
    conn: Connection, query: Query, population: int, all_versions: bool
) -> tuple[int, int | None]:
    """Bounds on the versions that match `query` in the whole index (the latest table, or both), from
    the recorded token frequencies and without reading the index; (0, None) when nothing is known.

    Upper: each include term of two or more characters is in at most as many versions as its rarest
    bigram, a one-character term (a prefix query) as the tokens starting with it, plus every version
    added or re-texted since the counts were recorded (each adds at most one to a token's count).
    Lower, for a query that is one bigram (民政): its recorded count minus those same changes (a
    version leaves the latest table only when a newer one is added)."""
    if not query.include:
        return 0, None
    value = conn.exec_driver_sql(f"SELECT value FROM search_state WHERE key = '{FREQUENCIES}'").scalar()
    if value is None:
        return 0, None
    recorded = _frequencies(value)
    changes = population - recorded["versions"] + recorded["replaced"]
    if changes < 0:  # fewer versions than recorded: not the index the counts were read from
        return 0, None
    every, latest, threshold = recorded["all"], recorded["latest"], recorded["threshold"]
    high = changes + min(
        min(every.get(_shift(g), threshold) for g in query_grams(t))
        if len(t) > 1
        else recorded["prefix"].get(_shift(t), threshold)
        for t in query.include
    )
    low = 0
    if len(query.include) == 1 and not query.exclude and len(query.include[0]) == 2:
        token = _shift(query.include[0])
        low = max(0, (every if all_versions else latest).get(token, 0) - changes)
    return low, high


def _term(term: str) -> str:
    if len(term) == 1:
        return f'"{_shift(term)}"*'
    return '"' + " ".join(_shift(g) for g in query_grams(term)) + '"'


def _may_reach_tags(term: str) -> bool:
    """Whether a term's tokens could match a tag token. Tags are ASCII letters and digits of three or
    more characters; a term of two or more characters is matched as exact bigram tokens (two
    characters), so only a one-character ASCII term, a prefix query, can reach one."""
    return len(term) == 1 and term.isascii() and term.isalnum()


def match_expression(query: Query, filters: str = "") -> str:
    """The FTS5 MATCH string: all include terms, then each exclusion as `NOT`; then the filter tokens
    (`filter_match`), if any.

    The terms are confined to title and body (`{title body} : …`) only when one of them could match a
    tag (`_may_reach_tags`). Otherwise the column filter changes nothing (no tag can match, and the
    tags weigh 0 in BM25, so scores are the same) but costs: FTS5 then checks the column of every
    position of every match (measured at 100,000 documents: counts 10–60% faster without it, 民 6.2 →
    3.1 ms; BM25 pages 5–15%)."""
    expression = " AND ".join(_term(t) for t in query.include)
    for term in query.exclude:
        expression = f"({expression}) NOT {_term(term)}"
    if any(_may_reach_tags(t) for t in (*query.include, *query.exclude)):
        expression = "{title body} : (" + expression + ")"
    return f"({expression}) AND {filters}" if filters else expression


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


def check(conn: Connection) -> list[Finding]:
    """Each FTS5 table holds exactly its versions (latest, or superseded: rowids against search_docs),
    and passes FTS5's own `integrity-check` (its segments are consistent; ~0.5 s per 10,000 rows)."""
    findings = []
    for table, latest in ((LATEST, 1), (OLDER, 0)):
        rows = f"(SELECT version_id FROM search_docs WHERE is_latest = {latest})"
        missing = count(
            conn, f"SELECT count(*) FROM {rows} d WHERE d.version_id NOT IN (SELECT id FROM {table}_docsize)"
        )
        extra = count(conn, f"SELECT count(*) FROM {table}_docsize f WHERE f.id NOT IN {rows}")
        what = "latest" if latest else "superseded"
        if missing or extra:
            findings.append(
                Finding(
                    table,
                    False,
                    f"{missing} {what} versions not in it; {extra} rows that are not {what} versions",
                )
            )
            continue
        try:
            conn.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
        except DBAPIError as error:
            findings.append(Finding(table, False, f"FTS5 integrity-check failed: {error.orig}"))
            continue
        findings.append(Finding(table, True, f"holds the {what} versions; FTS5 integrity-check passed"))
    return findings
