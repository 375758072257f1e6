"""Crawl throughput of the full pipeline against two baselines, over the same replica, in one run.

    python bench/crawl.py [--docs 5000] [--repeat 1] [--profile] [--site anshun_mzj]
                          [--postgresql | --database-url postgresql://USER@HOST:PORT/DB]

Variants (each in its own process, since a Twisted reactor runs once per process):
  fetch-only  our spider's navigation with no pipelines: the ceiling set by HTTP and Scrapy
  naive       the spider a user writes first (bench/naive_spider.py): fetch + trafilatura.extract, stores nothing
  full        the real thing: navigation, parse, attachments, versioned store into a fresh SQLite file;
              the parser and the attachment text reader run in one worker process
              (XXGK_PARSE_PROCESSES=1, the default)
  full-inline the same with both in the reactor's thread (XXGK_PARSE_PROCESSES=0), one core
  --extra full-2-workers      two parse worker processes (XXGK_PARSE_PROCESSES=2)
  --extra full-store-thread   the store in a thread of the crawl process instead of a process of its
                              own (XXGK_STORE_PROCESS=False)
  --extra full-group-8        the store's transactions at most 8 documents instead of 32 (XXGK_STORE_GROUP)
  --extra full-no-linger      the store writing an item the moment its writer is free, however few wait
                              (XXGK_STORE_LINGER=0)
  --extra fetch-only-gc-default, full-gc-default
                              fetch-only and full with Python's garbage collector left as it comes
                              (XXGK_GC_THRESHOLD=0)
  --extra bound-no-store, bound-no-parse, bound-neither, bound-no-parse-store-thread
                              the full crawl with the store's writes, the parser's work or both taken
                              out (bench/bounds.py): how fast no arrangement of the rest can beat;
                              the last without the parser and with the store in a thread
Politeness is switched off for all three alike (delay 0, AutoThrottle off, 16 concurrent per host) so
the figures measure the software, not the courtesy waits. Prints documents/s and ratios, and the CPU
seconds each variant used: the crawl process itself (`crawl`), its worker processes (`workers`) and
the replica server (`replica`), which tells a variant bound by one process from one bound by the cores,
the crawl process's time in Python's garbage collector, and the TCP connections the crawl opened (a
crawl that keeps its connections opens about as many as it has requests in flight).

The full variants write a fresh SQLite file by default. `--postgresql` starts a throwaway PostgreSQL
server (tests/pgserver.py: the installed binaries, fsync off) and gives each full crawl a fresh
database on it; `--database-url` names a server of your own (a fresh database is created per crawl,
so the URL's user must be allowed to create databases). Its CPU is counted as `database`.

`--site` picks the spider (default anshun_mzj). For a site behind a JavaScript challenge (lianzhou_mzj)
the naive variant is left out (a plain spider cannot pass the challenge), and each variant also reports
pages/s, the requests that went through the browser and the browser's share of the wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.settings import ITEM_PIPELINES  # noqa: E402

FAST = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "WARNING",
    "XXGK_PROGRESS_INTERVAL": 0,
}


# Variants of the full pipeline beyond `full`, by their settings (`--extra` adds the ones not run by default).
EXTRA: dict[str, dict] = {
    "full-inline": {"XXGK_PARSE_PROCESSES": 0},
    "full-2-workers": {"XXGK_PARSE_PROCESSES": 2},
    "full-store-thread": {"XXGK_STORE_PROCESS": False},
    "full-group-8": {"XXGK_STORE_GROUP": 8},
    "full-no-linger": {"XXGK_STORE_LINGER": 0},
    # Python's garbage collector as it comes (crawler/extensions/collector.py off), for both sides.
    "fetch-only-gc-default": {"XXGK_GC_THRESHOLD": 0},
    "full-gc-default": {"XXGK_GC_THRESHOLD": 0},
}
_NO_STORE = {"crawler.pipelines.store.ArchivePipeline": None, "bench.bounds.StoreNothing": 800}
_NO_PARSE = {"crawler.pipelines.extract.ExtractPipeline": None, "bench.bounds.ParseOnce": 300}
# Bounds: the full crawl with a stage's work taken out (bench/bounds.py says what each answers).
EXTRA.update(
    {
        "bound-no-store": {"ITEM_PIPELINES": {**ITEM_PIPELINES, **_NO_STORE}},
        "bound-no-parse": {"ITEM_PIPELINES": {**ITEM_PIPELINES, **_NO_PARSE}},
        "bound-neither": {"ITEM_PIPELINES": {**ITEM_PIPELINES, **_NO_STORE, **_NO_PARSE}},
        # Without the parser's work, the store in a thread: the crawl process then holds the store's
        # Python beside the reactor, and bounds the crawl whatever the parser costs (bench/bounds.py).
        "bound-no-parse-store-thread": {
            "ITEM_PIPELINES": {**ITEM_PIPELINES, **_NO_PARSE},
            "XXGK_STORE_PROCESS": False,
        },
    }
)


def run_variant(variant: str, replica_url: str, database_url: str, profile: str | None, site: str) -> dict:
    """Runs in a child process: one crawl, returns its figures as JSON on stdout."""
    from scrapy.crawler import CrawlerProcess

    from crawler import workers
    from crawler.runner import project_settings, spider_loader

    overrides = {**FAST, "XXGK_REPLICA_URL": replica_url, "XXGK_DATABASE_URL": database_url}
    if not variant.startswith(("full", "bound")):
        overrides["ITEM_PIPELINES"] = {}
    overrides.update(EXTRA.get(variant, {}))
    settings = project_settings(overrides)  # command-line priority: beats the spider's politeness
    settings.set("LOG_INSTALL_ROOT_HANDLER", False)
    # As `xxgk crawl` does (crawler/runner.py): the parse workers forked before the reactor exists
    # (none for a variant without pipelines, which never parses).
    with workers.forked_ahead(settings, 1 if settings.getdict("ITEM_PIPELINES") else 0):
        process = CrawlerProcess(settings)
        spider = spider_loader(settings).load(site)
        if variant == "naive":
            from bench.naive_spider import NaiveSpider

            crawler = process.create_crawler(NaiveSpider)
            process.crawl(crawler, base_url=spider.base_url, columns=list(spider.columns))
        else:
            crawler = process.create_crawler(spider)
            process.crawl(crawler)
        opened = count_connections()
        collector = collector_seconds()
        started = time.perf_counter()
        if profile:
            import cProfile

            cProfile.runctx("process.start()", globals(), {"process": process}, profile)
        else:
            process.start()
        seconds = time.perf_counter() - started
    stats = crawler.stats.get_stats()
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the worker processes, joined by now
    return {
        "variant": variant,
        "seconds": seconds,
        "cpu_crawl": own.ru_utime + own.ru_stime,
        "cpu_workers": children.ru_utime + children.ru_stime,
        "responses": stats.get("response_received_count", 0),
        "documents": stats.get("item_scraped_count", 0),
        "stored_versions": stats.get("xxgk/new_version", 0) + stats.get("xxgk/unchanged", 0),
        "attachments": stats.get("xxgk/attachment_fetched", 0),
        "store_transactions": stats.get("xxgk/store_transactions", 0),
        "browser_requests": stats.get("xxgk/browser_requests", 0),
        "browser_seconds": stats.get("xxgk/browser_seconds", 0.0),
        "connections": opened[0],
        "gc_seconds": collector[0],
    }


def collector_seconds() -> list[float]:
    """CPU seconds the crawl process spends in Python's garbage collector from now on, in `[0]` (a
    `gc.callbacks` hook: crawler/extensions/collector.py says why it is worth watching)."""
    import gc

    total, started = [0.0], [0.0]

    def hook(phase: str, _info: dict) -> None:
        if phase == "start":
            started[0] = time.process_time()
        else:
            total[0] += time.process_time() - started[0]

    gc.callbacks.append(hook)
    return total


def count_connections() -> list[int]:
    """Count the TCP connections the crawl opens (Twisted's pool makes each one in `_newConnection`):
    a crawl that keeps its connections opens about as many as it has requests in flight."""
    from twisted.web.client import HTTPConnectionPool

    opened = [0]
    new_connection = HTTPConnectionPool._newConnection

    def counted(pool: HTTPConnectionPool, key: object, endpoint: object) -> object:
        opened[0] += 1
        return new_connection(pool, key, endpoint)

    HTTPConnectionPool._newConnection = counted  # type: ignore[method-assign]
    return opened


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (Linux /proc; 0 where unreadable)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
    return total


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (a PostgreSQL server's backends), whichever thread started them."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                with contextlib.suppress(OSError):
                    todo += [int(c) for c in (task / "children").read_text().split()]
    return out


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (a fleet worker's fork server and the crawls it forked)."""
    return process_tree(pid)[1:]


class Databases:
    """A fresh database per full crawl: a SQLite file in a temporary directory, or one more database
    on a PostgreSQL server (`server_url`)."""

    def __init__(self, server_url: str | None, server_pid: int | None = None) -> None:
        self.server_url = server_url
        self.server_pid = server_pid
        self.count = itertools.count()

    def fresh(self, tmp: str) -> str:
        if self.server_url is None:
            return f"sqlite:///{tmp}/bench.sqlite3"
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.server_url.replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"xxgk_bench_{os.getpid()}_{next(self.count)}"
        conninfo = url.set(drivername="postgresql", database=url.database or "postgres")
        with psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return url.set(database=name).render_as_string(hide_password=False)

    def cpu(self) -> float:
        return cpu_seconds(process_tree(self.server_pid)) if self.server_pid else 0.0


def child(
    variant: str,
    replica_url: str,
    profile: str | None,
    site: str = "anshun_mzj",
    databases: Databases | None = None,
    replica_pid: int | None = None,
) -> dict:
    databases = databases or Databases(None)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            variant,
            "--replica-url",
            replica_url,
            "--database-url",
            databases.fresh(tmp)
            if variant.startswith(("full", "bound"))
            else f"sqlite:///{tmp}/bench.sqlite3",
            "--site",
            site,
        ]
        if profile:
            cmd += ["--profile-out", profile]
        replica_before, database_before = cpu_seconds([replica_pid] if replica_pid else []), databases.cpu()
        out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        if out.returncode != 0:
            raise SystemExit(f"{variant} failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["cpu_replica"] = cpu_seconds([replica_pid] if replica_pid else []) - replica_before
        result["cpu_database"] = databases.cpu() - database_before
        return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="Rounds; the best of each variant is reported.")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="Also profile full-inline (all work in one process); print top costs.",
    )
    parser.add_argument("--site", default="anshun_mzj", help="The spider to measure.")
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        choices=[v for v in EXTRA if v != "full-inline"],
        help="Also measure this variant of the full pipeline (repeatable).",
    )
    parser.add_argument(
        "--postgresql", action="store_true", help="Full variants write to a throwaway PostgreSQL server."
    )
    parser.add_argument(
        "--server-url",
        help="Full variants write to this PostgreSQL server (postgresql://USER@HOST:PORT/DB), "
        "a fresh database per crawl.",
    )
    parser.add_argument(
        "--only",
        help="Comma-separated variants to run instead of the default set (e.g. fetch-only,full).",
    )
    parser.add_argument("--child")
    parser.add_argument("--replica-url")
    parser.add_argument("--database-url")
    parser.add_argument("--profile-out")
    args = parser.parse_args()
    if args.child:
        print(
            json.dumps(
                run_variant(args.child, args.replica_url, args.database_url, args.profile_out, args.site)
            )
        )
        return

    from crawler.runner import spider_loader
    from replica.process import start_replica

    browser = getattr(spider_loader().load(args.site), "browser", False)
    variants = (
        ("fetch-only", "full", "full-inline") if browser else ("fetch-only", "naive", "full", "full-inline")
    ) + tuple(args.extra)
    if args.only:
        variants = tuple(v.strip() for v in args.only.split(",") if v.strip())
        if "fetch-only" not in variants:
            raise SystemExit("--only needs fetch-only: every ratio is against it")
    results: dict[str, list[dict]] = {v: [] for v in variants}
    server = None
    if args.postgresql:
        from tests.pgserver import PostgresServer

        server = PostgresServer().start()
        databases = Databases(server.url(), server.pid)
    else:
        databases = Databases(args.server_url)
    backend = "postgresql" if databases.server_url else "sqlite"
    try:
        with (
            tempfile.TemporaryDirectory() as state,
            start_replica(Path(state), docs=args.docs, seed=args.seed) as rep,
        ):
            print(f"replica {rep.url}: {args.docs} generated documents; store: {backend}", file=sys.stderr)
            os.environ["BENCH_PARSED_PAGES"] = str(Path(state) / "parsed.pickles")  # bench/bounds.py
            for round_no in range(args.repeat):
                for variant in results:
                    r = child(variant, rep.url, None, args.site, databases, rep.pid)
                    results[variant].append(r)
                    print(
                        f"round {round_no + 1} {variant:>11}: {r['documents']} documents, "
                        f"{r['responses']} responses on {r['connections']} connections in {r['seconds']:.1f}s = "
                        f"{r['documents'] / r['seconds']:.1f} documents/s; CPU s: crawl {r['cpu_crawl']:.1f}, "
                        f"workers {r['cpu_workers']:.1f}, replica {r['cpu_replica']:.1f}, "
                        f"database {r['cpu_database']:.1f}; garbage collector {r['gc_seconds']:.2f}; "
                        f"{r['store_transactions']} store transactions; "
                        f"load {os.getloadavg()[0]:.1f}",
                        file=sys.stderr,
                    )
            if args.profile:
                profile_path = Path(state) / "full.prof"
                child("full-inline", rep.url, str(profile_path), args.site, databases, rep.pid)
                report_profile(profile_path)
    finally:
        if server is not None:
            server.stop()

    best = {v: max(rs, key=lambda r: r["documents"] / r["seconds"]) for v, rs in results.items()}
    rate = {v: r["documents"] / r["seconds"] for v, r in best.items()}
    baseline = "naive" if "naive" in rate else "fetch-only"  # the ratio's column heading says which
    print(
        f"\nbench/crawl: {args.site}, {args.docs} replica documents, store {backend}, best of {args.repeat}"
    )
    print(
        f"{'variant':>11} {'documents':>9} {'responses':>9} {'seconds':>8} {'docs/s':>8} {'pages/s':>8} "
        f"{'browser':>7} {'browser%':>8} {'vs ' + baseline:>13} {'vs fetch':>9} "
        f"{'cpu crawl':>9} {'workers':>7} {'replica':>7} {'db':>5}"
    )
    for v, r in best.items():
        share = 100 * r["browser_seconds"] / r["seconds"]
        print(
            f"{v:>11} {r['documents']:>9} {r['responses']:>9} {r['seconds']:>8.1f} {rate[v]:>8.1f} "
            f"{r['responses'] / r['seconds']:>8.1f} {r['browser_requests']:>7} {share:>7.1f}% "
            f"{rate[v] / rate[baseline]:>12.2f}x {rate[v] / rate['fetch-only']:>8.2f}x "
            f"{r['cpu_crawl']:>9.1f} {r['cpu_workers']:>7.1f} {r['cpu_replica']:>7.1f} {r['cpu_database']:>5.1f}"
        )


def report_profile(path: Path) -> None:
    import pstats

    stats = pstats.Stats(str(path))
    print("\nfull-inline, where the time goes (cumulative, this project's code):")
    stats.sort_stats("cumulative").print_stats(r"/(crawler|archive|spiders)/", 25)
    print("full-inline, top own-time functions:")
    stats.sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
