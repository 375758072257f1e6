"""The fleet's per-request slot reservation (`archive.host_budget.reserve`): in autocommit, as it runs,
against the same statement inside BEGIN … COMMIT, alternating, in one run.

    PYTHONPATH=. .venv/bin/python bench/host_budget.py [--reservations 1000]

A PostgreSQL server started here (tests/pgserver.py). Prints, per reservation, the client's CPU (this
process), the server's CPU (its postmaster and backends, from /proc) and the wall time, and the ratios
of autocommit to the transaction.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.engine import Engine

from archive import host_budget
from archive.db import Archive
from bench.crawl import cpu_seconds, process_tree
from tests.pgserver import PostgresServer


def in_a_transaction(engine: Engine, host: str, interval: float) -> float:
    """The reservation as it was written before: BEGIN, the statement, COMMIT."""
    with engine.begin() as conn:
        return float(conn.execute(host_budget._RESERVE, {"host": host, "interval": interval}).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reservations", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    n, rounds = args.reservations, args.rounds
    server = PostgresServer().start()
    archive = Archive(server.create_database("budget"))
    try:
        results: dict[str, list[tuple[float, float, float]]] = {"transaction": [], "autocommit": []}
        for _ in range(rounds):
            for name, reserve in (("transaction", in_a_transaction), ("autocommit", host_budget.reserve)):
                pids = process_tree(server.pid)  # the postmaster and its backends, this server's only
                s0, c0, w0 = cpu_seconds(pids), time.process_time(), time.perf_counter()
                for i in range(n):
                    reserve(archive.engine, f"h{i % 10}.example", 0.0)
                results[name].append(
                    ((time.process_time() - c0) / n * 1e3, (cpu_seconds(pids) - s0) / n * 1e3,
                     (time.perf_counter() - w0) / n * 1e3)
                )  # fmt: skip
        print(f"{n} reservations, best of {rounds} (ms per reservation)")
        print(f"{'':12} {'client CPU':>10} {'server CPU':>10} {'wall':>8}")
        best = {name: tuple(min(r[k] for r in rows) for k in range(3)) for name, rows in results.items()}
        for name, (client, srv, wall) in best.items():
            print(f"{name:12} {client:10.3f} {srv:10.3f} {wall:8.3f}")
        t, a = best["transaction"], best["autocommit"]
        print(f"{'ratio':12} {a[0] / t[0]:9.2f}x {a[1] / t[1]:9.2f}x {a[2] / t[2]:7.2f}x")
    finally:
        archive.close()
        server.stop()


if __name__ == "__main__":
    main()
