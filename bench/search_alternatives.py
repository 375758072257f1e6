"""The index designs not chosen, measured on the same archive: FTS5's trigram tokenizer.

    PYTHONPATH=. .venv/bin/python bench/search_alternatives.py ARCHIVE.sqlite3

Run it on an archive `bench/search.py --keep` left behind. It builds an FTS5 trigram table over the
same normalised text (`search_text`), then times the same kind of queries on it and on our bigram
index: the trigram index's size and build time, and what it does with one- and two-character queries
(it cannot use its index for them: SQLite falls back to scanning every row).
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import time

QUERIES = ("民", "婚", "低保", "养老", "社会救", "福利彩", "最低生活保障", "高龄津贴发放标准")


def timed(conn: sqlite3.Connection, sql: str, *args: str, repeat: int = 3) -> tuple[float, int]:
    conn.execute(sql, args).fetchall()
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = len(conn.execute(sql, args).fetchall())
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def main(path: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("DROP TABLE IF EXISTS alt_trigram")
    conn.execute("CREATE VIRTUAL TABLE alt_trigram USING fts5(title, text, content='search_text', "
                 "content_rowid='version_id', tokenize='trigram')")  # fmt: skip
    started = time.perf_counter()
    conn.execute("INSERT INTO alt_trigram(alt_trigram) VALUES ('rebuild')")
    conn.commit()
    build = time.perf_counter() - started
    size = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'alt_trigram%'").fetchone()[0]
    ours = conn.execute(
        "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search\\_fts%' ESCAPE '\\'"
    ).fetchone()[0]
    print(
        f"trigram index: built in {build:.0f}s, {size / 2**20:.0f} MiB (bigram index: {ours / 2**20:.0f} MiB)"
    )
    print("| query | chars | trigram: matches | trigram ms | bigram (ours): matches | bigram ms |")
    print("|---|---:|---:|---:|---:|---:|")
    sys.path.insert(0, ".")
    from archive.search.query import parse
    from archive.search.sqlite_fts import match_expression

    for query in QUERIES:
        # The trigram tokenizer answers LIKE itself, with its index for 3+ characters only.
        # (one LIKE per statement: with `OR` between the columns SQLite would use no index at all.)
        tri, tri_rows = timed(conn, "SELECT rowid FROM alt_trigram WHERE text LIKE ? UNION "
                              "SELECT rowid FROM alt_trigram WHERE title LIKE ?", f"%{query}%", f"%{query}%")  # fmt: skip
        big, big_rows = timed(
            conn,
            "SELECT rowid FROM search_fts WHERE search_fts MATCH ? UNION ALL "
            "SELECT rowid FROM search_fts_old WHERE search_fts_old MATCH ?",
            match_expression(parse(query)),
            match_expression(parse(query)),
        )
        print(f"| {query} | {len(query)} | {tri_rows} | {tri * 1000:.1f} | {big_rows} | {big * 1000:.1f} |")
    conn.execute("DROP TABLE alt_trigram")
    conn.commit()


if __name__ == "__main__":
    main(sys.argv[1])
