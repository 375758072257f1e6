"""Exports at 100,000 documents: is memory flat, and what does each format cost?

    PYTHONPATH=. .venv/bin/python bench/export.py --archive /work/bench-search.sqlite3 [--docs 100000]
    PYTHONPATH=. .venv/bin/python bench/export.py --archive postgresql+psycopg://user@127.0.0.1:PORT/db

The archive is the one `bench/search.py --keep PATH` leaves (generated straight into the archive and
indexed); a path that does not exist yet is generated here. Every export runs through the real
command line (`xxgk export`) in a process of its own, whose peak resident memory is read from the
kernel (`getrusage` of the finished child). Three selections of 1×, ~10× and ~11× as many rows: one
publish year, every document, every version. The baseline, in the same run, is the memory the same
process needs for an export that matches nothing (imports, the archive opened, the query planned),
and, for contrast, a process that reads the same rows into a list instead of streaming them.
Memory that does not grow from one year to every version is what "constant memory" means here.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow.parquet as pq  # noqa: E402

from archive.db import Archive  # noqa: E402
from archive.search import index  # noqa: E402
from bench.search_corpus import generate  # noqa: E402

SELECTIONS = {
    "nothing (baseline)": ["--since", "2099-01-01"],
    "one year (2024)": ["--since", "2024-01-01", "--until", "2024-12-31"],
    "every document": [],
    "every version": ["--all-versions"],
}
FORMATS = ("jsonl", "csv", "parquet")

# Runs COMMAND in a child and prints, as JSON, its wall time, exit code, peak resident memory (KiB,
# from the kernel at exit) and peak anonymous memory (KiB, RssAnon sampled every 10 ms): the archive's
# SQLite connections map the file (mmap_size 256 MiB) and keep a 64 MiB page cache, pages that count
# in RSS but are the database's, bounded by those settings, not the rows; the heap is RssAnon.
_PROBE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
anon = 0
while child.poll() is None:
    try:
        with open(f"/proc/{child.pid}/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    anon = max(anon, int(line.split()[1]))
    except FileNotFoundError:
        pass
    time.sleep(0.01)
print(json.dumps({"seconds": time.perf_counter() - started, "code": child.returncode, "anon_kib": anon,
    "rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "stderr": child.stderr.read()[-400:]}))
"""

# The same rows read into a list, the way an export that does not stream would hold them.
_MATERIALISED = """
import sys
from archive import export
from archive.db import Archive
from archive.search.filters import Filters
with Archive(sys.argv[1]).session() as s:
    rows = list(export.rows(s, "", Filters(all_versions=sys.argv[2] == "all")))
print(len(rows))
"""


def probe(command: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *command], capture_output=True, text=True, check=True, cwd=ROOT
    )
    measured = json.loads(out.stdout)
    if measured["code"] != 0:
        raise SystemExit(f"{' '.join(command)} failed: {measured['stderr']}")
    return measured


def rows_written(path: Path, fmt: str) -> int:
    """Rows read back from the file, not taken from the command's own report."""
    if fmt == "parquet":
        return pq.read_metadata(path).num_rows
    with path.open(encoding="utf-8-sig", newline="") as f:
        return sum(1 for _ in csv.DictReader(f)) if fmt == "csv" else sum(1 for _ in f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--archive", required=True, help="SQLite archive path (generated if missing) or a database URL."
    )
    parser.add_argument("--docs", type=int, default=100_000)
    args = parser.parse_args()
    url = args.archive if "://" in args.archive else f"sqlite:///{args.archive}"
    if "://" not in args.archive and not Path(args.archive).exists():
        archive = Archive(url)
        versions = generate(archive, args.docs)
        with archive.engine.begin() as conn:
            index.rebuild(conn)
        archive.close()
        print(f"generated {args.docs} documents, {versions} versions into {args.archive}")
    xxgk = [sys.executable, "-m", "cli.main", "export", "--database-url", url]
    print(
        "| selection | format | rows | seconds | rows/s | peak RSS MiB | peak heap (RssAnon) MiB | heap above baseline MiB | file MiB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        base_heap = None
        for label, filters in SELECTIONS.items():
            for fmt in FORMATS:
                out = Path(tmp) / f"out.{fmt}"
                measured = probe([*xxgk, "--format", fmt, "--out", str(out), *filters])
                rss, heap = measured["rss_kib"] / 1024, measured["anon_kib"] / 1024
                if base_heap is None:
                    base_heap = heap
                n = rows_written(out, fmt)
                seconds = measured["seconds"]
                print(f"| {label} | {fmt} | {n:,} | {seconds:.1f} | {n / seconds:,.0f} | {rss:.0f} | "
                      f"{heap:.0f} | {heap - base_heap:+.0f} | {out.stat().st_size / 2**20:.1f} |")  # fmt: skip
                if label == "nothing (baseline)":
                    break  # one format is enough to size the process itself
    for scope in ("latest", "all"):
        measured = probe([sys.executable, "-c", _MATERIALISED, url, scope])
        print(f"contrast: every {'version' if scope == 'all' else 'document'} read into a list: peak RSS "
              f"{measured['rss_kib'] / 1024:.0f} MiB, heap {measured['anon_kib'] / 1024:.0f} MiB, "
              f"in {measured['seconds']:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
