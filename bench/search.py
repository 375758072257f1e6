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
SQLite's own page cache is sized the same way (`--sqlite-cache-mib`, 4096, through the archive's
XXGK_SQLITE_CACHE_MIB): at a million documents the indexes the generator writes into outgrow the
archive's default of 64 MiB.

Latency is wall-clock time. CPU is this process's CPU time: on SQLite (in-process) that is the
search's own work, readable even when other jobs share the machine's cores; on PostgreSQL the work
happens in the server, so only wall time counts there. The scan's CPU time is taken too, so on SQLite
the speed-up is also given CPU to CPU (the figure that holds on a loaded machine).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Select, column, insert, inspect, not_, or_, select, table, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.db import Archive  # noqa: E402
from archive.models import Document  # noqa: E402
from archive.search import engine, index, pool, side  # noqa: E402
from archive.search.filters import Filters, conditions  # noqa: E402
from archive.search.query import parse  # noqa: E402
from archive.search.schema import SearchDoc, SearchText  # noqa: E402
from archive.search.state import record_generation, record_normaliser  # noqa: E402
from bench.search_corpus import generate  # noqa: E402

RECENT = Filters(published_from=date(2022, 1, 1), published_to=date(2023, 12, 31))
SITE = Filters(site="anshun_mzj")
VALID = Filters(validity="有效")
NOTICE = Filters(kind="通知")
LIANZHOU = Filters(site="lianzhou_mzj", published_from=date(2020, 3, 15))
SMALL_QUERIES: list[tuple[str, Filters]] = [
    ("民", Filters()), ("婚", Filters()), ("殡", SITE), ("孤", RECENT),
    ("低保", Filters()), ("养老", Filters()), ("民政", SITE), ("慈善", RECENT), ("養老", Filters()),
    ("社会救", Filters()), ("养老院", Filters()), ("困难群", SITE), ("福利彩", RECENT),
    ("最低生活保障", Filters()), ("特困人员救助供养", Filters()), ("高龄津贴发放标准", Filters()),
    ("地名普查成果转化", SITE), ("社会组织等级评估", RECENT), ("养老 -机构", Filters()),
    ("低保 资金", Filters(validity="有效")), ("２０２３年", Filters()),
    ("如实填写", Filters()),  # only in attachment text (replica.files.SENTENCES)
]  # fmt: skip
_ = Filters()
# 120 queries, 30 per group (the longest term's length): common and rare terms, terms found nowhere
# (鲸, 火星 …), traditional forms (養, 殯葬 …), half of them with filters (site, dates, validity, kind).
FULL_QUERIES: list[tuple[str, Filters]] = [
    # 1 character
    ("民", _), ("局", _), ("的", _), ("保", _), ("婚", _), ("殡", _), ("孤", _), ("募", _), ("彩", _),
    ("鲸", _), ("琵", _), ("養", _), ("殯", _), ("兒", _), ("a", _),
    ("民", SITE), ("工", RECENT), ("殡", SITE), ("孤", RECENT), ("婚", VALID), ("募", NOTICE),
    ("彩", LIANZHOU), ("鲸", SITE), ("養", RECENT), ("關", VALID), ("助", NOTICE), ("津", LIANZHOU),
    ("志", SITE), ("残", RECENT), ("寿", _),
    # 2 characters
    ("民政", _), ("低保", _), ("养老", _), ("慈善", _), ("殡葬", _), ("婚姻", _), ("救助", _),
    ("孤儿", _), ("津贴", _), ("火星", _), ("鲸鱼", _), ("養老", _), ("殯葬", _), ("養老 -機構", _),
    ("低保 资金", _),
    ("民政", SITE), ("低保", RECENT), ("养老", VALID), ("慈善", NOTICE), ("殡葬", LIANZHOU),
    ("彩票", SITE), ("地名", RECENT), ("志愿", VALID), ("募捐", NOTICE), ("火星", SITE),
    ("養老", LIANZHOU), ("社會", RECENT), ("残疾", SITE), ("低保 资金", VALID), ("养老 -机构", RECENT),
    # 3 characters
    ("民政局", _), ("社会救", _), ("养老院", _), ("困难群", _), ("福利彩", _), ("低收入", _),
    ("殡葬领", _), ("高龄津", _), ("孤儿基", _), ("火星车", _), ("量子态", _), ("養老服", _),
    ("社會救", _), ("殯葬領", _), ("老年人", _),
    ("民政局", SITE), ("社会救", RECENT), ("困难群", SITE), ("福利彩", RECENT), ("地名普", VALID),
    ("志愿服", NOTICE), ("临时救", LIANZHOU), ("残疾人", SITE), ("火星车", RECENT), ("養老服", LIANZHOU),
    ("慈善募", VALID), ("低收入", NOTICE), ("老年人", RECENT), ("移风易", SITE), ("民政局", VALID),
    # 4 or more characters
    ("最低生活保障", _), ("特困人员救助供养", _), ("高龄津贴发放标准", _), ("地名普查成果转化", _),
    ("社会组织等级评估", _), ("移风易俗", _), ("政务公开工作要点", _), ("权力清单和责任清单", _),
    ("如实填写", _), ("２０２３年", _), ("火星探测计划", _), ("量子计算机", _), ("社會救助兜底保障", _),
    ("養老服務情況公示", _), ("部門預算公開", _),
    ("最低生活保障", SITE), ("特困人员救助供养", RECENT), ("高龄津贴发放标准", VALID),
    ("地名普查成果转化", SITE), ("社会组织等级评估", RECENT), ("探访关爱", NOTICE), ("兜底保障", LIANZHOU),
    ("临时救助", VALID), ("申请审批表", SITE), ("火星探测计划", RECENT), ("部門預算公開", SITE),
    ("最低生活保障 -临时", _), ("移风易俗 资金", RECENT), ("2023年", NOTICE), ("养老服务 救助", VALID),
]  # fmt: skip
QUERY_SETS = {"full": FULL_QUERIES, "small": SMALL_QUERIES}
QUERIES = SMALL_QUERIES  # what bench/web.py runs
MISMATCHES: list[str] = []  # queries whose result set differs from the scan's


def group(query: str) -> str:
    longest = max(len(term) for term in parse(query).include)
    return {1: "1 char", 2: "2 chars", 3: "3 chars"}.get(longest, "4+ chars")


# SQLite keeps no normalised text for search (its FTS5 index is recomputed from the versions): the
# baseline scans a table of its own with the very rows the index was built from (`index.rows`).
SCAN_TEXT = table("bench_scan_text", column("version_id"), column("title"), column("text"))
SCAN_TEXT_DDL = "CREATE TABLE bench_scan_text (version_id INTEGER PRIMARY KEY, title TEXT, text TEXT)"


def scan_text(archive: Archive) -> Any:
    """The table the baseline scans: the bench's own bench_scan_text where the build wrote one (SQLite,
    which keeps no normalised text, and PostgreSQL under --side-only, which writes no search_text), made
    here for an older SQLite archive; else PostgreSQL's search_text."""
    if inspect(archive.engine).has_table("bench_scan_text"):
        return SCAN_TEXT
    if archive.engine.dialect.name == "postgresql":
        return SearchText.__table__
    with archive.engine.begin() as conn:
        started = time.perf_counter()
        conn.execute(text(SCAN_TEXT_DDL))
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


_SCAN: dict[str, Any] = {}


def _scan_start(url: str) -> None:
    from archive.db import make_engine

    _SCAN["engine"] = make_engine(url)


def _scan_one(task: tuple[str, Filters, str, bool]) -> tuple[set[int], float, float]:
    """One query's baseline scan: its version ids, wall and CPU seconds (in a worker process, or here)."""
    query, filters, dialect, own_table = task
    with _SCAN["engine"].connect() as conn:
        t, c = time.perf_counter(), time.process_time()
        found = set(
            conn.scalars(scan(query, filters, dialect, SCAN_TEXT if own_table else SearchText.__table__))
        )
        return found, time.perf_counter() - t, time.process_time() - c


def scans(
    archive: Archive, queries: list[tuple[str, Filters]], workers: int
) -> list[tuple[set[int], float, float]]:
    """Every query's scan, before any search is timed, `workers` at a time (at a million documents a
    scan takes 6-7 s: 120 of them one after the other were most of the run). Each scan is timed in its
    own process: with other scans beside it on a loaded machine its time can only grow, so the
    speed-ups are not flattered."""
    dialect = archive.engine.dialect.name
    own_table = scan_text(archive) is SCAN_TEXT
    tasks = [(query, filters, dialect, own_table) for query, filters in queries]
    started = time.perf_counter()
    if workers <= 1:
        _SCAN["engine"] = archive.engine
        done = [_scan_one(task) for task in tasks]
    else:
        url = archive.engine.url.render_as_string(hide_password=False)
        with multiprocessing.get_context("spawn").Pool(workers, _scan_start, (url,)) as scanners:
            done = scanners.map(_scan_one, tasks, chunksize=1)
    print(f"[{dialect}] {len(tasks)} scans in {time.perf_counter() - started:.0f}s, {workers} at a time")
    return done


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def rows_only(conn: Any, on_rows: Any, workers: int) -> None:
    """`index.rebuild` without the database's full-text tables: the search_docs rows, each batch also
    given to `on_rows` with its side-index documents (`--side-only`: a million-document run of the side
    index on a loaded machine, where FTS5's tokens would double the pass; the database's engine is
    then measured at 100,000). The rows and documents are computed by `workers` processes
    (`archive.search.pool`, as `side.rebuild` does), this process writes them."""
    conn.execute(text("DELETE FROM search_docs"))
    conn.execute(text("DELETE FROM search_changes"))
    record_normaliser(conn)
    record_generation(conn)
    for rows, documents in pool.rows(conn, workers, documents=True):
        conn.execute(
            insert(SearchDoc), [{k: v for k, v in r.items() if k not in ("title", "text")} for r in rows]
        )
        on_rows(rows, documents)


def build(
    archive: Archive,
    name: str,
    docs: int,
    side_path: Path | None = None,
    generated: bool = False,
    side_only: bool = False,
    workers: int = 1,
) -> dict:
    """Generate the documents (unless `generated`) and build the index; returns the timings and sizes.

    With `side_path`, the tantivy side index and SQLite's scan table are written in the same pass as
    the database's index (`index.rebuild(on_rows=…)`): each row is computed once, not three times (at a
    million documents that pass is most of the run). Each one's own time is measured apart."""
    started = time.perf_counter()
    if generated:
        with archive.engine.connect() as conn:
            versions = int(conn.execute(text("SELECT count(*) FROM versions")).scalar() or 0)
    else:
        versions = generate(archive, docs, workers=workers)
        print(
            f"[{name}] generated {docs} documents, {versions} versions in {time.perf_counter() - started:.0f}s"
        )
    # The scan's own copy of the normalised text, where the archive keeps none after this build.
    own_scan_table = archive.engine.dialect.name == "sqlite" or side_only
    builder = side.Builder(side_path) if side_path else None
    spent = {"side": 0.0, "scan": 0.0}

    with archive.engine.begin() as conn:

        def on_rows(rows: list[dict], documents: list | None = None) -> None:
            if builder:
                t = time.perf_counter()
                builder.add(rows, documents)
                spent["side"] += time.perf_counter() - t
            if own_scan_table:
                t = time.perf_counter()
                conn.execute(
                    insert(SCAN_TEXT), [{k: r[k] for k in ("version_id", "title", "text")} for r in rows]
                )
                spent["scan"] += time.perf_counter() - t

        conn.execute(text("DROP TABLE IF EXISTS bench_scan_text"))
        if own_scan_table:
            conn.execute(text(SCAN_TEXT_DDL))
        started = time.perf_counter()
        if side_only:
            rows_only(conn, on_rows, workers)
        else:
            index.rebuild(conn, on_rows=on_rows if builder or own_scan_table else None)
        if builder:
            t = time.perf_counter()
            builder.finish(*side.archive_state(conn))
            spent["side"] += time.perf_counter() - t
        seconds = time.perf_counter() - started - spent["side"] - spent["scan"]
    if builder and side_path:
        print(f"[{name}] side index written in {spent['side']:.1f}s besides the rows it shares with the "
              f"database's index; {side.size_bytes(side_path) / 2**20:.0f} MiB")  # fmt: skip
    if side_only:
        print(f"[{name}] search rows (no full-text tables) written in {seconds:.1f}s")
        return {"versions": versions, "build_s": seconds}
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


def build_side(archive: Archive, name: str, path: Path) -> dict:
    """Build the tantivy side index (`archive.search.side`) unless it is current; timed and sized."""
    with archive.engine.connect() as conn:
        if side._stale(conn, side.read_meta(path), path) is None:
            print(f"[{name}] side index at {path} is current ({side.size_bytes(path) / 2**20:.0f} MiB)")
            return {}
        started = time.perf_counter()
        count = side.rebuild(conn, path)
        seconds = time.perf_counter() - started
    size = side.size_bytes(path) / 2**20
    print(f"[{name}] side index built in {seconds:.1f}s ({count / seconds:.0f} versions/s); {size:.0f} MiB")
    return {"side_build_s": seconds, "side_mib": size}


@contextmanager
def engine_choice(name: str, path: Path) -> Iterator[None]:
    """Search through the side index at `path` ("side") or the database's own index ("database")."""
    before = os.environ.get(side.ENV)
    os.environ[side.ENV] = str(path) if name == "side" else "off"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(side.ENV, None)
        else:
            os.environ[side.ENV] = before


def measure(
    url: str,
    name: str,
    docs: int,
    repeat: int,
    queries: list[tuple[str, Filters]],
    engines: list[str],
    side_path: Path,
    reuse: bool = False,
    side_only: bool = False,
    workers: int = 1,
) -> list[dict]:
    archive = Archive(url)
    if not reuse:
        build(
            archive,
            name,
            docs,
            side_path if "side" in engines else None,
            side_only=side_only,
            workers=workers,
        )
    else:
        with archive.engine.connect() as conn:
            indexed = conn.execute(text("SELECT count(*) FROM search_docs")).scalar()
        if not indexed:  # generated by an earlier run that stopped before its index
            build(archive, name, docs, side_path if "side" in engines else None, True, side_only, workers)
    if "side" in engines:
        build_side(archive, name, side_path)
    rows = []
    baseline = scans(archive, queries, workers)
    print(f"[{name}] load average {os.getloadavg()[0]:.2f} before the queries")
    with archive.session() as s:
        for (query, filters), (scanned, scan_time, scan_cpu) in zip(queries, baseline, strict=True):
            for chosen in engines:
                with engine_choice(chosen, side_path):
                    result = engine.search(s, query, filters)  # warm the cache once, as a service would be
                    if chosen == "side" and result.engine != "tantivy":
                        raise SystemExit(
                            f"[{name}] {query!r}: the side index did not answer: {result.warnings}"
                        )
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
                    found = engine.matching_ids(s, query, filters, database=chosen == "database")
                label = f"{name} {chosen}"
                if found != scanned or result.total != len(scanned):
                    # Recorded and the run goes on (a million-document run is not repeated lightly);
                    # it fails at the end.
                    MISMATCHES.append(
                        f"[{label}] {query!r} {filters}: index {len(found)} / total {result.total} ≠ scan {len(scanned)}"
                    )
                    print(MISMATCHES[-1])
                rows.append({"db": label, "query": query, "group": group(query), "filtered": filters != Filters(),
                             "matches": len(scanned), "times": times, "cpu": cpu, "faceted": faceted, "scan": scan_time, "scan_cpu": scan_cpu})  # fmt: skip
                print(f"[{label}] {query:<16} {len(scanned):>7} matches  p50 {statistics.median(times) * 1000:7.1f} ms"
                      f"  with facets {statistics.median(faceted) * 1000:7.1f} ms  scan {scan_time * 1000:8.1f} ms")  # fmt: skip
    print(f"[{name}] load average {os.getloadavg()[0]:.2f} after the queries")
    archive.close()
    return rows


def report(rows: list[dict]) -> None:
    print("\n| database | queries | n | matches (median) | search p50 ms | search p95 ms | CPU p50 ms | CPU p95 ms "
          "| scan p50 ms | speed-up (p50) | + facets p50 ms | + facets p95 ms | scan CPU p50 ms | CPU speed-up (p50) |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    keys = sorted(
        {(r["db"], r["group"], r["filtered"]) for r in rows},
        key=lambda k: (not k[0].startswith("sqlite"), k[0], k[1], k[2]),
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
            sqlite = db_name.startswith("sqlite")
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
        "--queries", choices=sorted(QUERY_SETS), default="full", help="120 queries, or the 22 of before."
    )
    parser.add_argument(
        "--side-only",
        action="store_true",
        help="Build the search rows and the side index only, not the database's full-text index (implies --engines side).",
    )
    parser.add_argument(
        "--engines",
        default="side,database",
        help="side: the tantivy side index; database: FTS5 or GIN (the side index switched off).",
    )
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
    parser.add_argument(
        "--sqlite-cache-mib",
        type=int,
        default=4096,
        help="Each SQLite connection's page cache (XXGK_SQLITE_CACHE_MIB; the archive's default is 64), "
        "sized for a million documents' indexes as --pg-shared-buffers is for PostgreSQL's tables.",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=pool.processes(),
        help="Processes that generate the documents and compute the search rows and side-index documents "
        "(this process writes them); 1: all in this process.",
    )
    args = parser.parse_args()
    os.environ["XXGK_SQLITE_CACHE_MIB"] = str(args.sqlite_cache_mib)  # inherited by the worker processes
    rows: list[dict] = []
    queries = QUERY_SETS[args.queries]
    engines = ["side"] if args.side_only else args.engines.split(",")
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-search-") as tmp:
        where = args.keep or Path(tmp) / "archive.sqlite3"
        for name in args.backends.split(","):
            if name == "sqlite":
                rows += measure(
                    f"sqlite:///{where}", name, args.docs, args.repeat, queries, engines,
                    Path(f"{where}.search"), args.reuse and args.keep is not None, args.side_only,
                    args.workers,
                )  # fmt: skip
            else:
                from tests.pgserver import PostgresServer

                server = PostgresServer({"shared_buffers": args.pg_shared_buffers}).start()
                print(f"[postgresql] shared_buffers {args.pg_shared_buffers}")
                try:
                    url = server.create_database("bench_search")
                    rows += measure(
                        url, name, args.docs, args.repeat, queries, engines, Path(tmp) / "pg.search",
                        side_only=args.side_only, workers=args.workers,
                    )  # fmt: skip
                finally:
                    server.stop()
    report(rows)
    if MISMATCHES:
        raise SystemExit("result sets differ from the scan's:\n" + "\n".join(MISMATCHES))
    print("\nevery query: the same result set as the scan")


if __name__ == "__main__":
    main()
