"""What the archive costs on disk against the bytes it fetched, and against WARC.gz, in the same run.

    .venv/bin/python bench/storage.py [--docs 5000] [--nights 10]

One replica in noise mode (every fetch differs in counters, date banners, tokens, rotated links and
ads, attribute order, whitespace, comment timestamps). A first full crawl, then `--nights` nights each
with changes (1% edited, 0.5% published, 0.1% withdrawn, 0.1% turned soft-404, from night 3 0.1%
restored) and a full crawl without conditional requests: every page comes back whole and different,
as a WARC crawler would fetch and keep it. During every crawl `XXGK_WARC_METER` writes each response as
a gzip-compressed WARC record (warcio) into a counter: the standard alternative, on the very same
fetches. At the end: the archive's SQLite file (checkpointed, what `ls` shows) and its parts (dbstat), split into
(a) the raw-capture store (what a WARC holds: captures with their compressed responses, their URLs, and
attachment bodies), (b) derived data (versions with extracted text, the search index, documents,
events) and (c) the whole file, each against the raw bytes fetched (status line, headers, body) and
against WARC.gz of the same fetches.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from replica.process import LOOPBACK_CRAWL_ARGS as FAST  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
KINDS = ("detail", "attachment", "other")


def xxgk(*args: str, quiet: bool = True) -> str:
    """Run the CLI; a crawl's progress lines (stderr) go straight to ours so a long run shows life."""
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if quiet else None,
        text=True,
        env=ENV,
        cwd=ROOT,
    )
    if out.returncode not in (0, 3):  # 3 = a health warning
        raise SystemExit(f"xxgk {' '.join(args[:3])} failed:\n{(out.stderr or '')[-2000:]}")
    return out.stdout


def last_run_stats(db: Path) -> dict:
    with sqlite3.connect(db) as con:
        (stats,) = con.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    return json.loads(stats)


def archive_size(db: Path) -> tuple[int, dict[str, int]]:
    """The file's size once the WAL is checkpointed, and bytes per table (indexes under their table)."""
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        parts = dict(con.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
        owners = dict(con.execute("SELECT name, tbl_name FROM sqlite_master"))
    by_table: Counter = Counter()
    for name, size in parts.items():
        by_table[owners.get(name, name)] += size
    return db.stat().st_size, dict(by_table)


RAW_TABLES = ("captures", "urls", "blobs")  # what a WARC holds: every response, attachment bodies


def frame_figures(db: Path) -> list[tuple[str, int, int]]:
    """Captures by how their response is stored: (kind, captures, frame bytes)."""
    with sqlite3.connect(db) as con:
        return list(
            con.execute(
                "SELECT CASE WHEN raw IS NULL AND raw_base_id IS NULL THEN 'no response' "
                "WHEN raw IS NULL THEN 'identical to base' WHEN raw_base_id IS NULL THEN 'plain frame' "
                "ELSE 'delta frame' END AS kind, COUNT(*), COALESCE(SUM(LENGTH(raw)), 0) "
                "FROM captures GROUP BY kind ORDER BY kind"
            )
        )


def payload(db: Path) -> tuple[int, int, int]:
    """Compressed responses (capture frames), compressed attachment bodies (blob data), captures."""
    with sqlite3.connect(db) as con:
        frames, captures = con.execute(
            "SELECT COALESCE(SUM(LENGTH(raw)), 0), COUNT(*) FROM captures"
        ).fetchone()
        (data,) = con.execute("SELECT COALESCE(SUM(LENGTH(data)), 0) FROM blobs").fetchone()
    return frames, data, captures


def mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--nights", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="keep the archive file here")
    args = parser.parse_args()

    from replica.process import start_replica

    totals: Counter = Counter()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "replica"
        db = Path(tmp) / "archive.sqlite3"
        with start_replica(state, docs=args.docs, seed=1, noise=True) as rep:
            print(f"replica {rep.url}: {args.docs} documents, noise on", file=sys.stderr, flush=True)
            for night in range(args.nights + 1):
                if night:
                    changes = {
                        "edit": max(1, args.docs // 100),
                        "publish": max(1, args.docs // 200),
                        "withdraw": max(1, args.docs // 1000),
                        "soft404": max(1, args.docs // 1000),
                        "restore": max(1, args.docs // 1000) if night >= 3 else 0,
                    }
                    flags = [f"--{op}={n}" for op, n in changes.items() if n]
                    xxgk("replica", "change", "anshun_mzj", *flags, f"--seed={night}", "--state", str(state))
                xxgk("crawl", "anshun_mzj", "--database-url", f"sqlite:///{db}", "--replica-url", rep.url,
                     "-s", "XXGK_CONDITIONAL=False", "-s", "XXGK_WARC_METER=True", "-s", "XXGK_PROGRESS_INTERVAL=30",
                     *FAST, quiet=False)  # fmt: skip
                stats = last_run_stats(db)
                for kind in KINDS:
                    for what in ("raw", "warc_gz", "count"):
                        totals[(kind, what)] += stats.get(f"xxgk/meter/{kind}/{what}", 0)
                file_size, _ = archive_size(db)
                raw = sum(totals[(k, "raw")] for k in KINDS)
                print(f"night {night:2d}: {stats.get('response_received_count', 0)} responses, "
                      f"new versions {stats.get('xxgk/new_version', 0)}, withdrawn {stats.get('xxgk/withdrawn', 0)}; "
                      f"so far fetched {mb(raw)}, WARC.gz {mb(sum(totals[(k, 'warc_gz')] for k in KINDS))}, "
                      f"archive {mb(file_size)} ({file_size / raw:.2%}); {time.monotonic() - started:.0f}s",
                      file=sys.stderr, flush=True)  # fmt: skip
        file_size, tables = archive_size(db)
        frames = frame_figures(db)
        frame_bytes, blob_data, captures = payload(db)
        if args.keep:
            args.keep.write_bytes(db.read_bytes())

    raw_all = sum(totals[(k, "raw")] for k in KINDS)
    gz_all = sum(totals[(k, "warc_gz")] for k in KINDS)
    raw_kept = totals[("detail", "raw")] + totals[("attachment", "raw")]
    gz_kept = totals[("detail", "warc_gz")] + totals[("attachment", "warc_gz")]
    print(f"\nbench/storage: {args.docs} documents, {args.nights} nights after the first crawl, noise on, "
          f"full crawls without conditional requests; {time.monotonic() - started:.0f}s")  # fmt: skip
    print(f"{'fetched':<28} {'responses':>10} {'raw':>12} {'WARC.gz':>12} {'WARC.gz/raw':>11}")
    for kind in KINDS:
        raw, gz = totals[(kind, "raw")], totals[(kind, "warc_gz")]
        print(
            f"{kind:<28} {totals[(kind, 'count')]:>10} {mb(raw):>12} {mb(gz):>12} {gz / max(raw, 1):>11.2%}"
        )
    print(f"{'all':<28} {'':>10} {mb(raw_all):>12} {mb(gz_all):>12} {gz_all / raw_all:>11.2%}")
    raw_store = sum(n for t, n in tables.items() if t in RAW_TABLES)
    derived = sum(n for t, n in tables.items() if t not in RAW_TABLES)
    print(f"\n{'the archive':<58} {'bytes':>10} {'/ fetched':>9} {'× WARC.gz':>9}")
    for label, size in (
        ("(a) raw-capture store (captures, urls, attachment blobs)", raw_store),
        ("(b) derived data (versions, search index, documents, …)", derived),
        ("(c) the whole file (a + b + SQLite free pages)", file_size),
    ):
        print(f"{label:<58} {mb(size):>10} {size / raw_all:>9.2%} {size / gz_all:>9.3f}")
    print(f"(WARC.gz of all fetched: {mb(gz_all)}; of the detail and attachment bytes the archive keeps: "
          f"{mb(gz_kept)}, {gz_kept / raw_kept:.2%} of them)")  # fmt: skip
    print(f"payload: response frames {mb(frame_bytes)} + attachment blob data {mb(blob_data)}, "
          f"{(frame_bytes + blob_data) / raw_all:.2%} of fetched "
          f"({frame_bytes / max(captures, 1):.0f} frame bytes per capture over {captures} captures)")  # fmt: skip
    print(
        "archive parts: " + ", ".join(f"{t} {mb(n)}" for t, n in sorted(tables.items(), key=lambda x: -x[1]))
    )
    for kind, count, stored in frames:
        print(f"captures {kind:<18} {count:>7}, {mb(stored)} of frames")


if __name__ == "__main__":
    main()
