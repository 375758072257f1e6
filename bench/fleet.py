"""1, 2 and 3 fleet workers on the same replica fleet, in one run: sites/hour, documents/s, worker RSS.

    .venv/bin/python bench/fleet.py [--sites 24] [--budget 4] [--workers 1,2,3] [--concurrency 2]

A PostgreSQL server started here (tests/pgserver.py) and one replica fleet (`--fleet`, several
agencies per platform host); for each worker count a fresh archive database, every site queued
(`xxgk crawl --queue`, full mode), then N `xxgk worker --until-empty` processes started together.
The clock runs from the workers' start to the last one's exit; the database server's CPU and the
connections the pass opened to the archive are counted over the same span. The per-host budget is on (as in a real
fleet, `--budget` requests/s per host across all workers), so a crawl waits on its host most of the
time: the point of more workers. RSS is sampled every 0.5 s: the worker process itself, and the
largest crawl process below it. The baseline is 1 worker, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bench.crawl import cpu_seconds as tree_cpu_seconds  # noqa: E402
from bench.crawl import descendants, process_tree  # noqa: E402
from replica.fleet import expected_documents, fleet_sites  # noqa: E402
from replica.process import start_replica  # noqa: E402
from tests.pgserver import PostgresServer  # noqa: E402


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, reaped: bool = False) -> float:
    """User + system CPU of a process (and, with `reaped`, of the children it has waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    times = [int(f) for f in fields[11:15]]  # utime stime cutime cstime
    return (sum(times) if reaped else times[0] + times[1]) / TICK


def tree_cpu(pid: int) -> float:
    """A worker's CPU so far: itself, its fork server with the crawls it reaped, the running crawls."""
    total = cpu_seconds(pid)
    for child in descendants(pid):
        total += cpu_seconds(child, reaped=True)
    return total


def sessions(url: str) -> int:
    """Connections ever opened to the archive's database (PostgreSQL's `pg_stat_database.sessions`,
    read from another database so the reading is not counted): each costs the server a backend."""
    database = url.rsplit("/", 1)[1]
    engine = create_engine(url.rsplit("/", 1)[0] + "/postgres", poolclass=NullPool)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        found = conn.execute(
            text("SELECT sessions FROM pg_stat_database WHERE datname = :db"), {"db": database}
        ).scalar()
    engine.dispose()
    return int(found or 0)


def run(
    workers: int,
    args: argparse.Namespace,
    server: PostgresServer,
    env: dict[str, str],
    mode: str = "full",
    url: str | None = None,
) -> dict:
    """Queue every site in `mode` and time `workers` workers through the queue (into a fresh archive,
    or into `url`, whose runs before this pass are left out of the counts)."""
    url = url or server.create_database(f"bench_{workers}")
    env = {**env, "XXGK_DATABASE_URL": url}

    def xxgk(*command: str) -> None:
        subprocess.run([sys.executable, "-m", "cli.main", *command], env=env, check=True, capture_output=True)

    xxgk("fleet", "init")
    engine = create_engine(url)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM crawl_runs")).scalar_one()
    engine.dispose()
    xxgk("crawl", *(s.name for s in fleet_sites(args.sites)), "--queue", "--mode", mode)
    crawl = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "XXGK_PARSE_PROCESSES=0",
             "-s", f"XXGK_HOST_BUDGET={args.budget}"]  # fmt: skip
    sessions_before, server_before = sessions(url), tree_cpu_seconds(process_tree(server.pid))
    started = time.perf_counter()
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "worker",
        "--until-empty",
        "--concurrency",
        str(args.concurrency),
    ]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [subprocess.Popen([*command, *crawl], env=env, **quiet) for _ in range(workers)]  # type: ignore[call-overload]
    peak = {"worker": 0, "crawl": 0}
    cpu = [0.0] * len(processes)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for n, p in enumerate(processes):
                cpu[n] = max(cpu[n], tree_cpu(p.pid))
                peak["worker"] = max(peak["worker"], rss_kib(p.pid))
                crawls = [rss_kib(c) for c in descendants(p.pid)]
                peak["crawl"] = max(peak["crawl"], *crawls, 0)
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for p in processes:
        p.wait()
    seconds = time.perf_counter() - started
    server_cpu = tree_cpu_seconds(process_tree(server.pid)) - server_before
    opened = sessions(url) - sessions_before
    done.set()
    sampler.join()
    engine = create_engine(url)
    with engine.connect() as conn:
        documents = conn.execute(text("SELECT count(*) FROM documents")).scalar_one()
        requests, received = conn.execute(text(
            "SELECT sum((stats->>'downloader/request_count')::int), "
            "sum((stats->>'downloader/response_bytes')::bigint) FROM crawl_runs WHERE id > :before"
        ), {"before": before}).one()  # fmt: skip
    engine.dispose()
    requests = int(requests or 0)
    print(f"  {workers} workers, {mode}: {seconds:.1f}s, {documents} documents, {requests} requests, "
          f"{int(received or 0) / 1e6:.1f} MB, CPU {sum(cpu):.1f}s, server CPU {server_cpu:.1f}s, "
          f"{opened} connections", file=sys.stderr, flush=True)  # fmt: skip
    return {"workers": workers, "mode": mode, "url": url, "seconds": seconds, "documents": documents, "requests": requests,
            "bytes": int(received or 0), "cpu": sum(cpu), "server_cpu": server_cpu, "connections": opened,
            "worker_rss_mib": peak["worker"] / 1024, "crawl_rss_mib": peak["crawl"] / 1024}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=24)
    parser.add_argument("--budget", type=float, default=4.0, help="requests/s per host, fleet-wide")
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    expected = sum(len(urls) for urls in expected_documents(args.sites).values())
    server = PostgresServer().start()
    state = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    try:
        with start_replica(state / "replica", docs=0, fleet=args.sites, sites_dir=state / "sites") as replica:
            env = {**os.environ, "PYTHONPATH": str(ROOT), "XXGK_REPLICA_URL": replica.url,
                   "XXGK_SITES_DIRS": str(state / "sites")}  # fmt: skip
            results = [run(n, args, server, env) for n in counts]
            # A night after the full crawl: the same sites incrementally, into the last archive.
            results.append(run(counts[-1], args, server, env, "incremental", results[-1]["url"]))
    finally:
        server.stop()
    load = os.getloadavg()
    print(f"{args.sites} sites ({expected} documents), budget {args.budget:g} req/s per host, "
          f"{args.concurrency} crawls per worker; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")  # fmt: skip
    base = results[0]["seconds"]
    print(f"{'workers':>7} {'seconds':>8} {'sites/hour':>10} {'docs/s':>7} {'requests':>8} {'vs 1':>6} "
          f"{'worker RSS':>10} {'crawl RSS':>9} {'CPU s':>6} {'server':>6} {'conns':>6} {'MB in':>6}")  # fmt: skip
    for r in results:
        if r["mode"] != "full":
            print(f"then one incremental night of the {args.sites} sites with {r['workers']} workers:")
        print(f"{r['workers']:>7} {r['seconds']:>8.1f} {args.sites / r['seconds'] * 3600:>10.0f} "
              f"{r['documents'] / r['seconds']:>7.2f} {r['requests'] or 0:>8} {base / r['seconds']:>5.2f}x "
              f"{r['worker_rss_mib']:>8.0f}Mi {r['crawl_rss_mib']:>7.0f}Mi {r['cpu']:>6.1f} {r['server_cpu']:>6.1f} "
              f"{r['connections']:>6} "
              f"{r['bytes'] / 1e6:>6.1f}")  # fmt: skip
        if r["mode"] == "full" and r["documents"] != expected:
            print(f"  !! {r['documents']} documents archived, {expected} expected")


if __name__ == "__main__":
    main()
