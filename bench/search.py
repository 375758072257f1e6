"""Search latency at scale against a substring scan, on SQLite and PostgreSQL, in the same run.

    PYTHONPATH=. .venv/bin/python bench/search.py [--docs 100000] [--repeat 5] [--backends sqlite,postgresql]

For each database: generate `--docs` documents straight into a fresh archive
(`bench/search_corpus.py`), build the search index (timed, sized), then run a query set of 1-, 2-, 3-
and 4+-character queries, with and without filters. Each query runs through the real search
(`archive.search.engine.search`: a ranked page of 20 with snippets, and the total) `--repeat` times,
as many again with facet counts, and once as the baseline scan: `LIKE '%q%'` over the same normalised
text with the same filters. The set of matching versions must be identical for every query; the run
fails if one differs. PostgreSQL is a private server started from the installed binaries
(tests/pgserver.py), with `shared_buffers` large enough for the search tables (`--pg-shared-buffers`,
2GB): SQLite reads its file through the operating system's cache, all of it in memory here, and a
PostgreSQL left at its 128MB default would copy most pages in from that cache on every query instead.

Latency is wall-clock time. CPU is this process's CPU time: on SQLite (in-process) that is the
search's own work, readable even when other jobs share the machine's cores; on PostgreSQL the work
happens in the server, so only wall time counts there. The scan's CPU time is taken too, so on SQLite
the speed-up is also given CPU to CPU (the figure that holds on a loaded machine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Select, column, insert, not_, or_, select, table, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.db import Archive  # noqa: E402
from archive.models import Document  # noqa: E402
from archive.search import engine, index  # noqa: E402
from archive.search.filters import Filters, conditions  # noqa: E402
from archive.search.query import parse  # noqa: E402
from archive.search.schema import SearchDoc, SearchText  # noqa: E402
from bench.search_corpus import generate  # noqa: E402

RECENT = Filters(published_from=date(2022, 1, 1), published_to=date(2023, 12, 31))
SITE = Filters(site="anshun_mzj")
QUERIES: list[tuple[str, Filters]] = [
    ("民", Filters()), ("婚", Filters()), ("殡", SITE), ("孤", RECENT),
    ("低保", Filters()), ("养老", Filters()), ("民政", SITE), ("慈善", RECENT), ("養老", Filters()),
    ("社会救", Filters()), ("养老院", Filters()), ("困难群", SITE), ("福利彩", RECENT),
    ("最低生活保障", Filters()), ("特困人员救助供养", Filters()), ("高龄津贴发放标准", Filters()),
    ("地名普查成果转化", SITE), ("社会组织等级评估", RECENT), ("养老 -机构", Filters()),
    ("低保 资金", Filters(validity="有效")), ("２０２３年", Filters()),
    ("如实填写", Filters()),  # only in attachment text (replica.files.SENTENCES)
]  # fmt: skip


def group(query: str) -> str:
    longest = max(len(term) for term in parse(query).include)
    return {1: "1 char", 2: "2 chars", 3: "3 chars"}.get(longest, "4+ chars")


# SQLite keeps no normalised text for search (its FTS5 index is recomputed from the versions): the
# baseline scans a table of its own with the very rows the index was built from (`index.rows`).
SCAN_TEXT = table("bench_scan_text", column("version_id"), column("title"), column("text"))


def scan_text(archive: Archive) -> Any:
    """The table the baseline scans: PostgreSQL's search_text, or SQLite's bench_scan_text (made once)."""
    if archive.engine.dialect.name == "postgresql":
        return SearchText.__table__
    with archive.engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'bench_scan_text'")).first():
            return SCAN_TEXT
        started = time.perf_counter()
        conn.execute(
            text("CREATE TABLE bench_scan_text (version_id INTEGER PRIMARY KEY, title TEXT, text TEXT)")
        )
        ids = list(conn.scalars(text("SELECT version_id FROM search_docs ORDER BY version_id")))
        for at in range(0, len(ids), index.BATCH):
            rows = index.rows(conn, ids[at : at + index.BATCH], True)
            conn.execute(
                insert(SCAN_TEXT), [{k: r[k] for k in ("version_id", "title", "text")} for r in rows]
            )
    print(
        f"baseline text for the scan written in {time.perf_counter() - started:.0f}s (not part of the archive)"
    )
    return SCAN_TEXT


def scan(query: str, filters: Filters, dialect: str, text_table: Any) -> Select:
    """The baseline: a substring scan over the same normalised text, same filters."""
    q = parse(query)

    def contains(term: str):  # type: ignore[no-untyped-def]
        return or_(text_table.c.title.like(f"%{term}%"), text_table.c.text.like(f"%{term}%"))

    stmt = select(SearchDoc.version_id).join(text_table, text_table.c.version_id == SearchDoc.version_id)
    stmt = stmt.where(*conditions(filters, dialect=dialect))
    if filters.needs_documents:
        stmt = stmt.join(Document, Document.id == SearchDoc.document_id)
    return stmt.where(*[contains(t) for t in q.include], *[not_(contains(t)) for t in q.exclude])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def build(archive: Archive, name: str, docs: int) -> dict:
    """Generate the documents and build the index; returns the timings and sizes."""
    started = time.perf_counter()
    versions = generate(archive, docs)
    generated = time.perf_counter() - started
    print(f"[{name}] generated {docs} documents, {versions} versions in {generated:.0f}s")
    with archive.engine.begin() as conn:
        started = time.perf_counter()
        index.rebuild(conn)
        seconds = time.perf_counter() - started
    with archive.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("ANALYZE"))
            conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
    if archive.engine.dialect.name == "postgresql":
        with archive.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE search_docs"))
            conn.execute(text("VACUUM ANALYZE search_text"))
    with archive.engine.connect() as conn:
        size = index.backend(conn).index_bytes(conn)
        tables = (
            conn.execute(
                text(
                    "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_docs%' OR name LIKE 'search_text%'"
                )
            ).scalar()
            if conn.dialect.name == "sqlite"
            else conn.execute(text("SELECT pg_total_relation_size('search_text')")).scalar()
        )
    print(f"[{name}] index built in {seconds:.1f}s ({versions / seconds:.0f} versions/s); full-text index "
          f"{size / 2**20:.0f} MiB; other search tables {tables / 2**20:.0f} MiB")  # fmt: skip
    return {"versions": versions, "build_s": seconds, "index_mib": size / 2**20, "tables_mib": tables / 2**20}


def measure(url: str, name: str, docs: int, repeat: int, reuse: bool = False) -> list[dict]:
    archive = Archive(url)
    if not reuse:
        build(archive, name, docs)
    rows = []
    text_table = scan_text(archive)
    with archive.session() as s:
        dialect = s.get_bind().dialect.name
        for query, filters in QUERIES:
            engine.search(s, query, filters)  # warm the cache once, as a running service would be
            times, cpu = [], []
            for _ in range(repeat):
                t, c = time.perf_counter(), time.process_time()
                result = engine.search(s, query, filters)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            faceted = []
            for _ in range(repeat):
                t = time.perf_counter()
                engine.search(s, query, filters, facets=True)
                faceted.append(time.perf_counter() - t)
            t, c = time.perf_counter(), time.process_time()
            scanned = set(s.scalars(scan(query, filters, dialect, text_table)))
            scan_time, scan_cpu = time.perf_counter() - t, time.process_time() - c
            found = engine.matching_ids(s, query, filters)
            if found != scanned or result.total != len(scanned):
                raise SystemExit(
                    f"[{name}] {query!r}: index {len(found)} / total {result.total} ≠ scan {len(scanned)}"
                )
            rows.append({"db": name, "query": query, "group": group(query), "filtered": filters != Filters(),
                         "matches": len(scanned), "times": times, "cpu": cpu, "faceted": faceted, "scan": scan_time, "scan_cpu": scan_cpu})  # fmt: skip
            print(f"[{name}] {query:<16} {len(scanned):>7} matches  p50 {statistics.median(times) * 1000:7.1f} ms"
                  f"  with facets {statistics.median(faceted) * 1000:7.1f} ms  scan {scan_time * 1000:8.1f} ms")  # fmt: skip
    archive.close()
    return rows


def report(rows: list[dict]) -> None:
    print("\n| database | queries | n | matches (median) | search p50 ms | search p95 ms | CPU p50 ms | CPU p95 ms "
          "| scan p50 ms | speed-up (p50) | + facets p50 ms | + facets p95 ms | scan CPU p50 ms | CPU speed-up (p50) |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    keys = sorted(
        {(r["db"], r["group"], r["filtered"]) for r in rows}, key=lambda k: (k[0] != "sqlite", k[1], k[2])
    )
    for db_name in dict.fromkeys(k[0] for k in keys):
        subsets = [(f"{g}{' + filter' if f else ''}", [r for r in rows if (r["db"], r["group"], r["filtered"]) == (db_name, g, f)])
                   for d, g, f in keys if d == db_name]  # fmt: skip
        subsets.append(("**all**", [r for r in rows if r["db"] == db_name]))
        for label, subset in subsets:
            times = [t for r in subset for t in r["times"]]
            cpu = [t for r in subset for t in r["cpu"]]
            faceted = [t for r in subset for t in r["faceted"]]
            scans = [r["scan"] for r in subset]
            scan_cpu = statistics.median(r["scan_cpu"] for r in subset)
            # CPU time is this process's: the search's own work on SQLite (in-process), only the
            # client's share on PostgreSQL, where the CPU columns say nothing of the query.
            sqlite = db_name == "sqlite"
            cpu_ratio = f"{scan_cpu / statistics.median(cpu):.0f}×" if sqlite else "–"
            scan_cpu_ms = f"{scan_cpu * 1000:.0f}" if sqlite else "–"
            p50, p95, scan50 = statistics.median(times), percentile(times, 0.95), statistics.median(scans)
            matches = statistics.median(r["matches"] for r in subset)
            print(f"| {db_name} | {label} | {len(subset)} | {matches:.0f} | {p50 * 1000:.1f} | {p95 * 1000:.1f} |"
                  f" {statistics.median(cpu) * 1000:.1f} | {percentile(cpu, 0.95) * 1000:.1f} |"
                  f" {scan50 * 1000:.0f} | {scan50 / p50:.0f}× | {statistics.median(faceted) * 1000:.1f} |"
                  f" {percentile(faceted, 0.95) * 1000:.1f} | {scan_cpu_ms} | {cpu_ratio} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--keep", type=Path, help="Write the SQLite archive here and keep it (else a temporary one)."
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Query the --keep archive again (no generation, no build)."
    )
    parser.add_argument(
        "--pg-shared-buffers",
        default="2GB",
        help="PostgreSQL's buffer cache: enough to hold the search tables (~1.1 GB at 100,000 documents), "
        "as a server sized for its data would have; PostgreSQL's own default is 128MB.",
    )
    args = parser.parse_args()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-search-") as tmp:
        where = args.keep or Path(tmp) / "archive.sqlite3"
        for name in args.backends.split(","):
            if name == "sqlite":
                rows += measure(
                    f"sqlite:///{where}", name, args.docs, args.repeat, args.reuse and args.keep is not None
                )
            else:
                from tests.pgserver import PostgresServer

                server = PostgresServer({"shared_buffers": args.pg_shared_buffers}).start()
                print(f"[postgresql] shared_buffers {args.pg_shared_buffers}")
                try:
                    rows += measure(server.create_database("bench_search"), name, args.docs, args.repeat)
                finally:
                    server.stop()
    report(rows)


if __name__ == "__main__":
    main()
