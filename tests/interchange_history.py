"""A multi-night, five-site history for the interchange tests (WARC/WACZ export and its replay).

One replica on simulated time; every night's changes (publish, edit, withdraw, soft-404) are planted
ahead with `xxgk replica change --as-of NIGHT` (the replica shows a change only once the crawler's
moment reaches it); then ONE `xxgk crawl --nights FILE` process crawls all five sites night after night.
Incremental and full nights re-check older pages with conditional requests (304 answers: the export's
server-not-modified revisits); a last night without conditional requests refetches unchanged pages in
full (identical payloads: its identical-payload revisits). SQLite only: the export reads through SQLAlchemy
like every other query, and the PostgreSQL side of reading captures is covered elsewhere.

`build_history` is the one entry point, so the ten-night archive of tests/test_ten_nights.py can later
stand in for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from archive.clock import CHINA
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk, xxgk

SITES = ("anshun_mzj", "shizhong_mzj", "jinzhong_mzj", "ankang_mzj", "lianzhou_mzj")
DOCS, SEED = 6, 7
FIRST_NIGHT = date(2026, 3, 2)
# Each night's changes per site (the first night is the first crawl of what the sites hold).
CHANGES: list[dict[str, int]] = [
    {},
    {"edit": 1, "publish": 1},
    {"edit": 1},
    {"withdraw": 1},
]
# Nights 0 and the last walk every page (the last sees the withdrawals); the others are nightly
# incremental crawls (new pages, a rotating slice rechecked with conditional requests).
FULL_NIGHTS = {0, len(CHANGES) - 1}
CRAWL_TIME = time(2, 0)


@dataclass(frozen=True)
class History:
    database_url: str
    nights: list[str]  # the crawl moments, ISO with offset


def _moment(night: int, at: time = CRAWL_TIME) -> str:
    return datetime.combine(FIRST_NIGHT + timedelta(days=night), at, tzinfo=CHINA).isoformat()


def build_history(tmp: Path) -> History:
    """Crawl the five sites over `len(CHANGES)` nights into a fresh SQLite archive under `tmp`."""
    database_url = f"sqlite:///{tmp / 'archive.sqlite3'}"
    state = tmp / "replica"
    with start_replica(state, docs=DOCS, seed=SEED, as_of=_moment(0, time(0, 0))) as replica:
        for night, counts in enumerate(CHANGES):
            for site in SITES if counts else ():
                args = [f"--{op.replace('_', '-')}={n}" for op, n in counts.items()]
                out = xxgk(
                    "replica", "change", site, *args, f"--seed={night}", "--state", str(state),
                    "--as-of", _moment(night, time(1, 0)), "--format", "json", settle=False,
                )  # fmt: skip
                assert out.returncode == 0, out.stderr
        nights = [_moment(n) for n in range(len(CHANGES))]
        plan = [
            {"as_of": moment, "sites": list(SITES), "mode": "full" if n in FULL_NIGHTS else "incremental"}
            for n, moment in enumerate(nights)
        ]
        (tmp / "nights.json").write_text(json.dumps(plan), encoding="utf-8")
        out = run_xxgk(
            "crawl", "--nights", str(tmp / "nights.json"), "--database-url", database_url,
            "--replica-url", replica.url, *FAST, "-s", "XXGK_PARSE_PROCESSES=0", "--format", "json",
            timeout=900,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr[-3000:]
        # One more night in a process of its own, without conditional requests: unchanged pages come
        # back as full 200s with the payload already archived (the export's identical-payload revisits).
        last = _moment(len(CHANGES))
        assert xxgk("replica", "clock", last, "--state", str(state), settle=False).returncode == 0
        out = run_xxgk(
            "--as-of", last, "crawl", *SITES, "--mode", "full", "--database-url", database_url,
            "--replica-url", replica.url, *FAST, "-s", "XXGK_PARSE_PROCESSES=0", "-s", "XXGK_CONDITIONAL=False",
            timeout=600,
        )  # fmt: skip
        assert out.returncode in (0, 3), out.stderr[-3000:]  # 3: a health warning is not a failure
        nights.append(last)
    return History(database_url, nights)
