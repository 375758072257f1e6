"""Search rows (and, for the side index, their tantivy documents) computed by a pool of processes.

Why: rebuilding the side index of a million versions is Python work per version (`index.row_for`:
OpenCC on titles, kinds, facet keys; `side.document`: the n-gram strings), 0.7 ms a version in one
process (docs/benchmarks.md, "Search at a million documents"), while tantivy's writer and SQLite's
inserts take a fraction of that. Worker processes compute the rows of ranges of version ids with the
one implementation (`index.all_rows`, each worker on its own connection), the caller writes them in
version order; so both cores work and the rows are the very rows a sequential rebuild computes.

Workers are spawned, not forked: the caller holds open database connections and tantivy's threads,
which a fork would copy half-alive. Results are taken in order with a bounded window, so a slow
writer never lets a million computed rows pile up in memory.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine

from archive.search import index

CHUNK = 2000  # version ids a task covers: large enough that pickling and scheduling cost little
_ENGINE: Engine | None = None
_DOCUMENTS = False


def processes() -> int:
    """How many worker processes a large rebuild uses: every core but none for the writer, at least 2
    (the writer mostly waits on the workers), at most 4 (SQLite serves the readers from one file)."""
    return max(2, min(4, (os.cpu_count() or 1)))


def _start(url: str, documents: bool) -> None:
    global _ENGINE, _DOCUMENTS
    from archive.db import make_engine

    _ENGINE, _DOCUMENTS = make_engine(url), documents


def _work(bounds: tuple[int, int]) -> tuple[list[dict[str, Any]], list[Any] | None]:
    from archive.search import side

    assert _ENGINE is not None
    with _ENGINE.connect() as conn:
        rows = [r for batch in index.all_rows(conn, start=bounds[0], stop=bounds[1]) for r in batch]
    return rows, [side.document(r) for r in rows] if _DOCUMENTS else None


def _ranges(conn: Connection, chunk: int) -> list[tuple[int, int]]:
    low, high = conn.exec_driver_sql("SELECT min(id), max(id) FROM versions").one()
    if low is None:
        return []
    return [(at, min(at + chunk, high + 1)) for at in range(int(low), int(high) + 1, chunk)]


def rows(
    conn: Connection, workers: int, documents: bool = False, chunk: int = CHUNK
) -> Iterator[tuple[list[dict[str, Any]], list[Any] | None]]:
    """Every version's search row in version order, a chunk at a time, with its tantivy documents when
    `documents`; computed in `workers` processes reading committed versions through their own
    connections (with `workers` ≤ 1, in this process on `conn`)."""
    if workers <= 1:
        from archive.search import side

        for batch in index.all_rows(conn):
            yield batch, [side.document(r) for r in batch] if documents else None
        return
    url = conn.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, _start, (url, documents)) as pool:
        pending: deque[Any] = deque()
        for bounds in _ranges(conn, chunk):
            pending.append(pool.apply_async(_work, (bounds,)))
            if len(pending) > 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
