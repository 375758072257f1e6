"""The version store alone, on real parsed pages: its CPU per document, and every row it writes.

    python bench/store_replay.py --record FILE [--docs 600] [--seed 1]
    python bench/store_replay.py --replay FILE --database-url URL [--group 8] [--rounds 3] [--dump OUT]

Why: in a crawl the store runs in a writer thread beside the reactor and the parse workers, so its
cost is a share of a noisy process (py-spy). Replaying the items a crawl handed the store measures the
store by itself (`time.process_time` around `record_many`), and dumping what it wrote proves that a
faster store writes the same rows: run the same replay under two trees and `cmp` the dumps.

`--record` crawls the replica (anshun_mzj, the project's settings with bench/crawl.py's FAST
overrides, a throwaway SQLite archive) with one more item pipeline just before the archive's
(`RecordItems`, priority 799) that pickles each parsed item (content, attachments, attachment text)
into FILE. Then it changes the replica (`xxgk replica change`: publish, edit, withdraw, soft 404) and
records a second crawl: FILE holds both crawls' items.

`--replay` stores them into a fresh archive per round: the first crawl's items (new documents), the
same items again a day later (unchanged), then the second crawl's (changed, withdrawn, new), each in
groups of `--group` as the crawl's writer does (`VersionStore.record_many`). It prints the store's CPU
ms per document of each pass, best of `--rounds`. `--dump OUT` writes every table's rows of the last
round as JSON, sorted, with what depends on the wall clock (run times, the index generation's random
id) masked and long binary values as their SHA-256. The tables are read from the database itself, so
FTS5's shadow tables (its segments) are compared too on SQLite, and `search_text`/`tsv` on PostgreSQL.

A PostgreSQL URL (`postgresql+psycopg://USER@HOST:PORT/DB`) names a server: each round gets a fresh
database on it (the URL's user must be allowed to create databases); `--postgresql` starts a
throwaway one (tests/pgserver.py). This script imports the archive from wherever PYTHONPATH points, so
one copy of it measures the base tree and the changed one alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SITE = "anshun_mzj"
OUT_ENV = "STORE_REPLAY_OUT"  # where RecordItems appends (an environment variable: not a crawl setting)


class RecordItems:
    """An item pipeline that pickles each item as the archive's pipeline would receive it."""

    def __init__(self) -> None:
        self.out = open(os.environ[OUT_ENV], "ab")  # noqa: SIM115 (closed in close_spider)

    def process_item(self, item: Any) -> Any:
        pickle.dump(item, self.out, protocol=pickle.HIGHEST_PROTOCOL)
        return item

    def close_spider(self) -> None:
        self.out.close()


def _crawl_child(replica_url: str, database_url: str) -> None:
    """One crawl in this process (a Twisted reactor runs once per process)."""
    from scrapy.crawler import CrawlerProcess

    from bench.crawl import FAST
    from crawler.runner import project_settings, spider_loader

    settings = project_settings({**FAST, "XXGK_REPLICA_URL": replica_url, "XXGK_DATABASE_URL": database_url})
    pipelines = dict(settings.getdict("ITEM_PIPELINES"))
    pipelines["bench.store_replay.RecordItems"] = 799
    settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False)
    process = CrawlerProcess(settings)
    process.crawl(process.create_crawler(spider_loader(settings).load(SITE)))
    process.start()


def _crawl(replica_url: str, database_url: str, out: Path) -> list[Any]:
    out.unlink(missing_ok=True)
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, OUT_ENV: str(out), "PYTHONPATH": str(root)}
    cmd = [
        sys.executable,
        "-m",
        "bench.store_replay",
        "--crawl-child",
        replica_url,
        "--database-url",
        database_url,
    ]
    subprocess.run(cmd, check=True, env=env, cwd=root)
    items = []
    with out.open("rb") as f:
        while True:
            try:
                items.append(pickle.load(f))
            except EOFError:
                return items


def record(path: Path, docs: int, seed: int) -> None:
    from replica.process import start_replica

    root = Path(__file__).resolve().parent.parent
    with (
        tempfile.TemporaryDirectory() as tmp,
        start_replica(Path(tmp) / "state", docs=docs, seed=seed) as rep,
    ):
        database_url = f"sqlite:///{tmp}/crawl.sqlite3"
        first = _crawl(rep.url, database_url, Path(tmp) / "items")
        change = [
            sys.executable, "-m", "cli.main", "replica", "change", SITE, "--publish=20", "--edit=40",
            "--withdraw=10", "--soft404=5", "--state", str(Path(tmp) / "state"),
        ]  # fmt: skip
        subprocess.run(change, check=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
        second = _crawl(rep.url, database_url, Path(tmp) / "items")
    with path.open("wb") as f:
        pickle.dump({"crawls": [first, second]}, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"recorded {len(first)} + {len(second)} items into {path}", file=sys.stderr)


# -- replay ----------------------------------------------------------------------------------------------


class Databases:
    """A fresh database per round: a SQLite file, or a new database on a PostgreSQL server."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.count = itertools.count()

    def fresh(self, tmp: str) -> str:
        if self.url.startswith("sqlite"):
            return f"sqlite:///{tmp}/replay-{next(self.count)}.sqlite3"
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        name = f"xxgk_replay_{os.getpid()}_{next(self.count)}"
        conninfo = url.set(drivername="postgresql", database=url.database or "postgres")
        with psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return url.set(database=name).render_as_string(hide_password=False)


def _passes(data: dict[str, Any]) -> list[tuple[str, bytes, dt.timedelta]]:
    """(name, pickled items, shift of their fetch times) per pass; unpickled afresh each round."""
    first, second = data["crawls"]
    return [
        ("new", pickle.dumps(first), dt.timedelta(0)),
        ("unchanged", pickle.dumps(first), dt.timedelta(days=1)),
        ("changed", pickle.dumps(second), dt.timedelta(days=2)),
    ]


def replay_round(
    database_url: str, passes: list[tuple[str, bytes, dt.timedelta]], group: int
) -> dict[str, float]:
    """One fresh archive, every pass; returns the store's CPU ms per document of each pass."""
    from archive.db import Archive
    from archive.store import VersionStore

    archive = Archive(database_url)
    store = VersionStore(archive)
    out = {}
    try:
        for name, pickled, shift in passes:
            pages = pickle.loads(pickled)
            run_id = store.start_run(SITE, "full")
            for page in pages:
                page.run_id = run_id
                page.fetched_at = page.fetched_at + shift
            cpu = 0.0
            failed = 0
            for start in range(0, len(pages), group):
                chunk = pages[start : start + group]
                before = time.process_time()
                results = store.record_many(chunk)
                cpu += time.process_time() - before
                failed += sum(isinstance(r, Exception) for r in results)
            if failed:
                raise SystemExit(f"{failed} pages of pass {name} failed")
            store.finish_run(run_id, "finished", {})
            out[name] = 1000 * cpu / len(pages)
    finally:
        archive.close()
    return out


def _value(v: Any) -> Any:
    if isinstance(v, memoryview):
        v = bytes(v)
    if isinstance(v, bytes):
        return "sha256:" + hashlib.sha256(v).hexdigest() if len(v) > 64 else "hex:" + v.hex()
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, dict | list | str | int | float | bool) or v is None:
        return v
    return str(v)


def dump(database_url: str, out: Path) -> None:
    """Every table's rows, sorted, with what depends on the wall clock masked."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(database_url)
    tables: dict[str, list[Any]] = {}
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        if conn.dialect.name == "sqlite":  # FTS5's virtual tables and their shadow tables
            names = [r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))]
        for name in sorted(names):
            if name in ("search_fts", "search_fts_old"):  # contentless: nothing to read but the shadows
                continue
            result = conn.execute(text(f'SELECT * FROM "{name}"'))
            columns = list(result.keys())
            rows = []
            for row in result:
                record = {c: _value(v) for c, v in zip(columns, row, strict=True)}
                if name == "crawl_runs":
                    for c in ("started_at", "finished_at", "scheduled_for", "stats"):
                        record.pop(c, None)
                if name == "search_state" and record.get("key") == "generation":
                    record["value"] = "<masked>"
                if name == "alembic_version":
                    continue
                rows.append(record)
            tables[name] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))
        if conn.dialect.name == "sqlite":  # the index's vocabulary as FTS5 reads it back
            for table in ("search_fts", "search_fts_old"):
                conn.execute(
                    text(f"CREATE VIRTUAL TABLE temp.{table}_v USING fts5vocab(main, {table}, instance)")
                )
                tables[f"{table} (vocab)"] = [
                    list(r)
                    for r in conn.execute(
                        text(
                            f"SELECT term, doc, col, offset FROM temp.{table}_v ORDER BY term, doc, col, offset"
                        )
                    )
                ]
    engine.dispose()
    out.write_text(json.dumps(tables, sort_keys=True, ensure_ascii=False, indent=0))
    print(f"dumped {sum(map(len, tables.values()))} rows of {len(tables)} tables to {out}", file=sys.stderr)


def replay(path: Path, url: str, group: int, rounds: int, dump_to: Path | None) -> None:
    import archive

    print(f"archive from {Path(archive.__file__).parent}", file=sys.stderr)
    data = pickle.loads(path.read_bytes())
    passes = _passes(data)
    best: dict[str, float] = {}
    databases = Databases(url)
    with tempfile.TemporaryDirectory() as tmp:
        database_url = ""
        for n in range(rounds):
            database_url = databases.fresh(tmp)
            ms = replay_round(database_url, passes, group)
            print(
                f"round {n + 1}: " + ", ".join(f"{k} {v:.3f}" for k, v in ms.items()) + " ms/doc",
                file=sys.stderr,
            )
            best = {k: min(v, best.get(k, v)) for k, v in ms.items()}
        sizes = {name: len(pickle.loads(p)) for name, p, _ in passes}
        print(
            f"store_replay: group {group}, best of {rounds}: "
            + ", ".join(f"{k} {v:.3f} ms/doc ({sizes[k]} docs)" for k, v in best.items())
        )
        if dump_to is not None:
            dump(database_url, dump_to)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--record", type=Path)
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replay", type=Path)
    parser.add_argument(
        "--database-url", help="sqlite:///… (a fresh file per round is made beside it) or a server"
    )
    parser.add_argument(
        "--postgresql", action="store_true", help="Replay into a throwaway PostgreSQL server."
    )
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--crawl-child")
    args = parser.parse_args()
    if args.crawl_child:
        _crawl_child(args.crawl_child, args.database_url)
    elif args.record:
        record(args.record, args.docs, args.seed)
    elif args.replay:
        if args.postgresql:
            from tests.pgserver import PostgresServer  # from PYTHONPATH's tree, as the archive

            server = PostgresServer().start()
            try:
                url = server.url().replace("postgresql://", "postgresql+psycopg://", 1)
                replay(args.replay, url, args.group, args.rounds, args.dump)
            finally:
                server.stop()
        else:
            replay(args.replay, args.database_url or "sqlite://", args.group, args.rounds, args.dump)
    else:
        parser.error("--record or --replay")


if __name__ == "__main__":
    main()
