"""What a column crawl asks of a site: `xxgk crawl --column URL…` over a declared site's columns, counted
at the replica (its request log), against the documents it archived.

    PYTHONPATH=. .venv/bin/python bench/column_requests.py [--site anshun_mzj] [--docs 300]

The site's declared columns are given by URL alone (no declaration used), crawled once into a fresh
SQLite archive, and the replica's log says how many requests reached it and how many paths it was asked
for more than once: a detail asked twice is a request the crawl could have spared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.runner import spider_loader  # noqa: E402
from replica.process import LOOPBACK_CRAWL_ARGS, start_replica  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--site", default="anshun_mzj")
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    spider = spider_loader().load(args.site)
    columns = [
        spider.base_url.rstrip("/") + column for column in spider.columns if not column.endswith("/gkmlpt/")
    ]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.log"
        with start_replica(Path(tmp) / "replica", docs=args.docs, seed=args.seed, request_log=log) as replica:
            ran = subprocess.run(
                [sys.executable, "-m", "cli.main", "crawl", *(a for url in columns for a in ("--column", url)),
                 "--database-url", f"sqlite:///{tmp}/archive.sqlite3", "--replica-url", replica.url,
                 "--format", "json", *LOOPBACK_CRAWL_ARGS],
                env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=False,
            )  # fmt: skip
        if ran.returncode not in (0, 3):
            sys.exit(f"the crawl failed (exit {ran.returncode}):\n{ran.stderr[-3000:]}")
        asked = Counter(line.split(" ", 2)[2] for line in log.read_text().splitlines())
    (row,) = json.loads(ran.stdout)
    twice = sum(1 for n in asked.values() if n > 1)
    print(
        f"{args.site}: {len(columns)} columns by URL, {args.docs} documents: {sum(asked.values())} requests, "
        f"{twice} paths asked more than once, {row['new_versions']} new versions, "
        f"{row.get('errors', 0)} errors"
    )


if __name__ == "__main__":
    main()
