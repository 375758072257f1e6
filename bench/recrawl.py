"""What a nightly incremental crawl costs against a full recrawl, and what it misses, in the same run.

    .venv/bin/python bench/recrawl.py [--docs 10000] [--nights 7] [--cycle 7]

One replica; each night it publishes 1% new documents and edits 1% of the old ones (`xxgk replica
change`). Archive A is crawled incrementally every night, archive B in full (the baseline), both after a
first full crawl. B's nightly crawl is a plain full recrawl (every page fetched again, no conditional
requests: what a crawler without memory does). Then `--cycle` quiet nights give A time to revisit every document once. Printed per
night: requests, bytes and seconds for each, the ratios, requests beyond the revisit slice, and against
the replica's change log: new documents A missed that night, and at the end, edits A never saw.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.db import Archive  # noqa: E402
from archive.models import CrawlRun, Document, Version  # noqa: E402
from archive.text import CHINA  # noqa: E402
from replica.process import LOOPBACK_CRAWL_ARGS as FAST  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def xxgk(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, env=ENV, cwd=ROOT
    )
    if out.returncode not in (0, 3):  # 3 = a health warning, expected when the modes differ this much
        raise SystemExit(f"xxgk {' '.join(args[:3])} failed:\n{out.stderr[-2000:]}")
    return out.stdout


def crawl(database_url: str, replica_url: str, mode: str, night: int, cycle: int, *extra: str) -> dict:
    started = time.perf_counter()
    xxgk("crawl", "anshun_mzj", "--mode", mode, "--database-url", database_url, "--replica-url", replica_url,
         "-s", f"XXGK_NIGHT={night}", "-s", f"XXGK_REVISIT_CYCLE={cycle}", *FAST, *extra)  # fmt: skip
    seconds = time.perf_counter() - started
    archive = Archive(database_url)
    with archive.session() as s:
        stats = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first().stats
    archive.close()
    return {
        "requests": stats.get("downloader/request_count", 0),
        "bytes": stats.get("downloader/response_bytes", 0),
        "seconds": seconds,
        "revisits": stats.get("xxgk/revisit", 0),
    }


def versions_by_url(database_url: str) -> dict[str, tuple[int, datetime]]:
    """URL → (number of versions, when the newest version was first captured, UTC)."""
    archive = Archive(database_url)
    with archive.session() as s:
        rows = s.execute(
            select(Document.url, func.count(Version.id), func.max(Version.first_seen_at))
            .join(Version, Version.document_id == Document.id)
            .group_by(Document.url)
        )
        out = {
            url: (count, newest if newest.tzinfo else newest.replace(tzinfo=UTC))
            for url, count, newest in rows
        }
    archive.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--nights", type=int, default=7, help="nights with changes")
    parser.add_argument("--cycle", type=int, default=7, help="revisit cycle (XXGK_REVISIT_CYCLE)")
    parser.add_argument("--share", type=float, default=0.01, help="share published and edited per night")
    args = parser.parse_args()

    from replica.process import start_replica

    with (
        tempfile.TemporaryDirectory() as tmp,
        start_replica(Path(tmp) / "replica", docs=args.docs, seed=1) as rep,
    ):
        state = str(Path(tmp) / "replica")
        incremental, full = f"sqlite:///{tmp}/incremental.sqlite3", f"sqlite:///{tmp}/full.sqlite3"
        print(f"replica {rep.url}: {args.docs} documents; first full crawl of both archives", file=sys.stderr)
        crawl(incremental, rep.url, "full", 0, args.cycle)
        crawl(full, rep.url, "full", 0, args.cycle)
        per_night = max(1, round(args.docs * args.share))
        rows, edits, missed_new = [], [], 0
        for night in range(1, args.nights + args.cycle + 1):
            changing = night <= args.nights
            published: list[str] = []
            if changing:
                log = xxgk("replica", "change", "anshun_mzj", f"--publish={per_night}", f"--edit={per_night}",
                           f"--seed={night}", "--state", state, "--format", "json")  # fmt: skip
                records = json.loads(log)
                published = [r["url"] for r in records if r["op"] == "publish"]
                edits += [r for r in records if r["op"] == "edit"]
            a = crawl(incremental, rep.url, "incremental", night, args.cycle)
            b = (
                crawl(full, rep.url, "full", night, args.cycle, "-s", "XXGK_CONDITIONAL=False")
                if changing
                else None
            )
            stored = versions_by_url(incremental)
            missed = sum(1 for url in published if url not in stored)
            missed_new += missed
            rows.append((night, a, b, len(published), missed))
            b_text = (
                f"full {b['requests']} req {b['bytes'] / 1e6:.1f} MB {b['seconds']:.0f}s" if b else "full -"
            )
            print(f"night {night:2d}: incremental {a['requests']} req ({a['revisits']} revisits) "
                  f"{a['bytes'] / 1e6:.2f} MB {a['seconds']:.0f}s | {b_text} | new missed {missed}",
                  file=sys.stderr)  # fmt: skip
        stored = versions_by_url(incremental)
        last_edit: dict[str, datetime] = {}
        edits_per_url: dict[str, int] = {}
        for record in edits:
            at = datetime.fromisoformat(record["at"]).replace(tzinfo=CHINA)
            last_edit[record["url"]] = max(at, last_edit.get(record["url"], at))
            edits_per_url[record["url"]] = edits_per_url.get(record["url"], 0) + 1
        # Missed: the document's latest content was never captured (its newest version predates its last edit).
        missed_edits = sum(1 for url, at in last_edit.items() if url not in stored or stored[url][1] < at)
        # Two edits between two visits leave one version: the intermediate state was never online at a visit.
        merged = sum(1 for url, n in edits_per_url.items() if url in stored and stored[url][0] < n + 1)

    print(f"\nbench/recrawl: {args.docs} documents, {per_night} published and {per_night} edited per night "
          f"for {args.nights} nights, then {args.cycle} quiet nights; revisit cycle {args.cycle}")  # fmt: skip
    print(f"{'night':>5} {'incr req':>9} {'revisits':>8} {'full req':>9} {'req ratio':>9} {'beyond slice':>12} "
          f"{'bytes ratio':>11} {'incr s':>7} {'full s':>7}")  # fmt: skip
    for night, a, b, _, _ in rows:
        if b is None:
            continue
        beyond = (a["requests"] - a["revisits"]) / b["requests"]
        print(f"{night:>5} {a['requests']:>9} {a['revisits']:>8} {b['requests']:>9} {a['requests'] / b['requests']:>9.3f} "
              f"{beyond:>12.3f} {a['bytes'] / b['bytes']:>11.3f} {a['seconds']:>7.1f} {b['seconds']:>7.1f}")  # fmt: skip
    print(f"new documents missed on their night: {missed_new} of {per_night * args.nights}")
    print(
        f"edited documents whose latest content was missed after a full revisit cycle: {missed_edits} of {len(last_edit)}"
    )
    print(
        f"edited twice between two visits (one version for two edits, unavoidable without a visit): {merged}"
    )


if __name__ == "__main__":
    main()
