"""Issue 6's test that matters: ten nights on all five sites with noise on every fetch. After each
night's crawl the archive's versions and events equal what the replica's change log implies, nothing
missed and nothing invented, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from replica.process import start_replica
from tests.conftest import run_xxgk, xxgk
from tests.test_sites_history import FAST, HOSTS, archived, expected

DOCS, SEED = 24, 5
NIGHTS = [
    {},
    {"publish": 1, "edit": 2},
    {"move": 1, "edit": 1},
    {"withdraw": 1, "soft404": 1},
    {"restore": 1, "publish": 1},
    {"edit": 2},
    {"soft404": 1, "move": 1},
    {"restore": 1},
    {"publish": 1, "withdraw": 1},
    {"edit": 1, "restore": 1},
]


def test_ten_noisy_nights_on_all_sites_match_the_change_log(database_url: str, tmp_path: Path) -> None:
    state = tmp_path / "replica"
    logs: dict[str, list[dict]] = {site: [] for site in HOSTS}
    with start_replica(state, docs=DOCS, seed=SEED, noise=True) as replica:
        for night, counts in enumerate(NIGHTS):
            for site in HOSTS:
                if not counts:
                    continue
                args = [f"--{op}={n}" for op, n in counts.items()]
                out = xxgk(
                    "replica",
                    "change",
                    site,
                    *args,
                    f"--seed={night}",
                    "--state",
                    str(state),
                    "--format",
                    "json",
                    settle=False,  # the crawl below is a process of its own
                )
                assert out.returncode == 0, out.stderr
                logs[site] += json.loads(out.stdout)
            out = run_xxgk(
                "crawl", "--all", "--database-url", database_url, "--replica-url", replica.url,
                "-s", f"XXGK_NIGHT={night}", *FAST, timeout=900,
            )  # fmt: skip
            assert out.returncode in (0, 3), out.stderr[-2000:]  # 3: a health warning is not a failure
            for site, log in logs.items():
                got = archived(database_url, site)
                want = expected(site, log, docs=DOCS, seed=SEED)
                assert got == want, f"night {night}, {site}\n{_diff(got, want)}"


def _diff(got: tuple, want: tuple) -> str:
    """Only what differs, so a failure names the pages."""
    lines = []
    for name, g, w in zip(("versions", "status", "events"), got, want, strict=True):
        for key in sorted(set(g) | set(w), key=str):
            if g.get(key) != w.get(key):
                lines.append(f"{name} {key}: archive {g.get(key)} replica {w.get(key)}")
    return "\n".join(lines)
