"""The web interface's server time at scale, beside the archive calls each page is made of.

    PYTHONPATH=. .venv/bin/python bench/web.py [--docs 100000] [--repeat 5] [--backends sqlite,postgresql]
                                               [--keep FILE.sqlite3 [--reuse]]

For each database: the search benchmark's archive (`bench/search_corpus.py`, built as `bench/search.py`
builds it, or `--reuse` a kept SQLite file), then `xxgk serve` in a process of its own, and over real
HTTP on loopback:
- the search page (`/search?q=…`: hits, snippets, facet counts, rendering) for bench/search.py's
  22 queries, against `archive.search.engine.search(…, facets=True)` on the same queries in this
  process: the page's own cost over the search;
- document pages (`/doc/ID`) of random documents, against `archive.queries.show` + `history`;
- version comparisons (`/doc/ID/compare`) of random edited documents, against `show` twice +
  `archive.diff.diff_records`.
Server time is the app's `Server-Timing` header (from request in to response out, rendering
included); the client's wall time is printed beside it. Each request runs once to warm up, then
`--repeat` times.

Then the facet counts alone, in this process, on the same queries: SQLite's grouping by `facet_key`
(`SearchPlan.facets`) against grouping by the six values themselves (what it did before, and what
PostgreSQL still does: `_facet_groups_by_value`), alternating, `--repeat` times each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from archive import queries  # noqa: E402
from archive.db import Archive  # noqa: E402
from archive.diff import diff_records  # noqa: E402
from archive.models import Version  # noqa: E402
from archive.search import engine  # noqa: E402
from archive.search.query import parse  # noqa: E402
from bench.search import QUERIES, build, percentile  # noqa: E402
from tests.web_server import serve  # noqa: E402

PAGES = 40  # random documents and edited documents measured


def fetch(url: str) -> tuple[float, float]:
    """(server ms from Server-Timing, client wall ms) of one GET that must answer 200."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
        assert response.status == 200, url
        timing = response.headers["Server-Timing"]
    wall = (time.perf_counter() - started) * 1000
    return float(timing.split("dur=")[1]), wall


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def filter_params(filters: Any) -> dict[str, str]:
    out = {}
    if filters.site:
        out["site"] = filters.site
    if filters.published_from:
        out["since"] = filters.published_from.isoformat()
    if filters.published_to:
        out["until"] = filters.published_to.isoformat()
    if filters.validity:
        out["validity"] = filters.validity
    return out


def measure(url: str, name: str, docs: int, repeat: int, reuse: bool) -> list[dict[str, Any]]:
    archive = Archive(url)
    if not reuse:
        build(archive, name, docs)
    rng = random.Random(7)
    with archive.session() as s:
        top = int(s.scalar(select(func.max(Version.document_id))) or 0)
        edited = list(s.scalars(select(Version.document_id).where(Version.number == 2).order_by(Version.id)))
    documents = [rng.randrange(1, top + 1) for _ in range(PAGES)]
    changed = rng.sample(edited, min(PAGES, len(edited)))
    rows: list[dict[str, Any]] = []

    def run(kind: str, path: str, baseline: Callable[[], Any]) -> None:
        fetch(served.base + path)  # warm: the first request of a path pays for compiling and caching
        baseline()
        for _ in range(repeat):
            server, wall = fetch(served.base + path)
            with_archive = timed(baseline)
            rows.append({"db": name, "kind": kind, "server": server, "wall": wall, "baseline": with_archive})

    def fresh(call: Callable[[Any], Any]) -> Callable[[], Any]:
        """The archive calls in a session of their own, as the server opens one per request (a search's
        planner settings on PostgreSQL are local to its transaction and must not leak into the next)."""

        def run_in_session() -> None:
            with archive.session() as s:
                call(s)

        return run_in_session

    def show(s: Any, d: int) -> None:
        doc = queries.find_document(s, str(d))
        queries.show(s, doc)
        queries.history(s, doc)

    def diff(s: Any, d: int) -> None:
        doc = queries.find_document(s, str(d))
        diff_records(queries.show(s, doc, 1), queries.show(s, doc, 2))

    with serve(url, "2026-12-01T12:00+08:00") as served:
        for query, filters in QUERIES:
            params = urlencode({"q": query, **filter_params(filters)})
            run("search + facets", f"/search?{params}",
                fresh(lambda s, q=query, f=filters: engine.search(s, q, f, limit=20, facets=True)))  # fmt: skip
        for doc_id in documents:
            run("document page", f"/doc/{doc_id}", fresh(lambda s, d=doc_id: show(s, d)))
        for doc_id in changed:
            run("compare page", f"/doc/{doc_id}/compare?a=1&b=2", fresh(lambda s, d=doc_id: diff(s, d)))
        run("search API", f"/api/search?q={quote('低保')}",
            fresh(lambda s: engine.search(s, "低保", limit=20, facets=True)))  # fmt: skip
    rows += facet_methods(archive, name, repeat)
    archive.close()
    return rows


def facet_methods(archive: Archive, name: str, repeat: int) -> list[dict[str, Any]]:
    """The facet counts of each query by both groupings, alternating; the six-value one is the baseline."""
    out: list[dict[str, Any]] = []

    def six_values(plan: engine.SearchPlan) -> None:
        list(plan._facet_groups_by_value())

    for query, filters in QUERIES:
        for n in range(repeat + 1):
            with archive.session() as s:
                plan = engine.SearchPlan(s, parse(query), filters)
                now = timed(plan.facets)
                before = timed(lambda p=plan: six_values(p))
            if n:  # the first round warms the caches
                out.append(
                    {
                        "db": name,
                        "kind": "facet counts only",
                        "query": query,
                        "server": now,
                        "wall": now,
                        "baseline": before,
                    }
                )
    return out


def report(rows: list[dict[str, Any]]) -> None:
    pages = [r for r in rows if r["kind"] != "facet counts only"]
    print("\n| database | page | n | server p50 ms | server p95 ms | client p50 ms | archive calls p50 ms |"
          " archive calls p95 ms | page / archive (p50) |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for key in dict.fromkeys((r["db"], r["kind"]) for r in pages):
        subset = [r for r in pages if (r["db"], r["kind"]) == key]
        server = [r["server"] for r in subset]
        base = [r["baseline"] for r in subset]
        wall = [r["wall"] for r in subset]
        print(f"| {key[0]} | {key[1]} | {len(subset)} | {statistics.median(server):.1f} | "
              f"{percentile(server, 0.95):.1f} | {statistics.median(wall):.1f} | {statistics.median(base):.1f} | "
              f"{percentile(base, 0.95):.1f} | {statistics.median(server) / statistics.median(base):.2f}× |")  # fmt: skip
    print("\n| database | facet counts of | method | n | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---:|---:|---:|---:|")
    for db in dict.fromkeys(r["db"] for r in rows if r["kind"] == "facet counts only"):
        every = [r for r in rows if r["db"] == db and r["kind"] == "facet counts only"]
        for what, subset in (
            ("the 22 queries", every),
            ("民 (every document)", [r for r in every if r["query"] == "民"]),
        ):
            for label, field in (
                ("SearchPlan.facets, now", "server"),
                ("by the six values, before", "baseline"),
            ):
                values = [r[field] for r in subset]
                print(f"| {db} | {what} | {label} | {len(values)} | {statistics.median(values):.1f} | "
                      f"{percentile(values, 0.95):.1f} | {max(values):.1f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--keep", type=Path, help="Write the SQLite archive here and keep it.")
    parser.add_argument("--reuse", action="store_true", help="Serve the --keep archive again (no build).")
    parser.add_argument("--pg-shared-buffers", default="2GB", help="as bench/search.py")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-web-") as tmp:
        where = args.keep or Path(tmp) / "archive.sqlite3"
        for name in args.backends.split(","):
            if name == "sqlite":
                reuse = args.reuse and args.keep is not None
                rows += measure(f"sqlite:///{where}", name, args.docs, args.repeat, reuse)
            else:
                from tests.pgserver import PostgresServer

                server = PostgresServer({"shared_buffers": args.pg_shared_buffers}).start()
                try:
                    rows += measure(server.create_database("bench_web"), name, args.docs, args.repeat, False)
                finally:
                    server.stop()
    report(rows)


if __name__ == "__main__":
    main()
