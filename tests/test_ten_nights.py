"""Issue 6's test that matters: ten nights on all five sites with noise on every fetch. After each
night's crawl the archive's versions and events equal what the replica's change log implies, nothing
missed and nothing invented, on SQLite and PostgreSQL.

The nights run on simulated time, in turn, in one `xxgk crawl --nights FILE` process (what a nightly
service does; a process a night cost a minute more a backend). Each night's changes are planted ahead on
the replica's clock, an hour before that night's crawl, so the replica shows every crawl the sites as
they were at its moment. Afterwards the archive is read as of the end of each night: versions first
seen, documents first seen and events up to then; the last night is also read as the archive holds it
now, which must agree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from replica.process import start_replica
from tests.histories import (
    HOSTS,
    archived,
    archived_as_of,
    crawl_nights,
    expected,
    night_end,
    night_moment,
    plant_nights,
)

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


# One process crawls all fifty site-nights: ~100 s on a quiet machine, five minutes and more on a loaded one.
@pytest.mark.timeout(1800)
def test_ten_noisy_nights_on_all_sites_match_the_change_log(database_url: str, tmp_path: Path) -> None:
    state = tmp_path / "replica"
    with start_replica(state, docs=DOCS, seed=SEED, noise=True, as_of=night_moment(0).isoformat()) as replica:
        logs = plant_nights(state, list(HOSTS), NIGHTS)
        crawl_nights(database_url, replica.url, list(HOSTS), len(NIGHTS), tmp_path)
    for night in range(len(NIGHTS)):
        for site in HOSTS:
            got = archived_as_of(database_url, site, night_end(night))
            want = expected(site, logs[site][night], docs=DOCS, seed=SEED)
            assert got == want, f"night {night}, {site}\n{_diff(got, want)}"
    for site in HOSTS:  # the archive as it is now says what it said as of the last night
        assert archived(database_url, site) == archived_as_of(
            database_url, site, night_end(len(NIGHTS) - 1)
        ), site


def _diff(got: tuple, want: tuple) -> str:
    """Only what differs, so a failure names the pages."""
    lines = []
    for name, g, w in zip(("versions", "status", "events"), got, want, strict=True):
        for key in sorted(set(g) | set(w), key=str):
            if g.get(key) != w.get(key):
                lines.append(f"{name} {key}: archive {g.get(key)} replica {w.get(key)}")
    return "\n".join(lines)
