"""Changes on the three sites' platforms are seen exactly: after publications, edits, withdrawals,
soft-404s, moves and restorations, the archive's versions and events equal what the change log implies."""

from __future__ import annotations

import pytest

from replica.process import start_replica
from tests.histories import (
    archived,
    archived_as_of,
    crawl_nights,
    expected,
    night_end,
    night_moment,
    plant_nights,
)
from tests.test_sites import SITES

# One crawl shared by the module's tests: under pytest-xdist they run on one worker, so it is made once.
pytestmark = pytest.mark.xdist_group("sites_history")

NIGHTS = [
    {},
    {"publish": 2, "edit": 3, "move": 1},
    {"withdraw": 2, "soft404": 1, "redirect_home": 1, "edit": 1},
    {"restore": 2},
]
DOCS, SEED = 30, 2


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[tuple, tuple]]]:
    """The three sites' nights, crawled together: one replica, one archive, one crawl of the three a
    night (sites are independent: each has its own host, pages and change log), the nights in turn in
    one process on simulated time. Per site, per night, what the archive held at the end of the night
    and what the site's change log implied by then; last, what the archive holds now against the whole
    log."""
    tmp = tmp_path_factory.mktemp("sites-history")
    database_url = f"sqlite:///{tmp / 'archive.sqlite3'}"
    state = tmp / "replica"
    with start_replica(state, docs=DOCS, seed=SEED, as_of=night_moment(0).isoformat()) as replica:
        logs = plant_nights(state, list(SITES), NIGHTS)
        crawl_nights(database_url, replica.url, list(SITES), len(NIGHTS), tmp)
    return {
        site: [
            *((archived_as_of(database_url, site, night_end(n)), expected(site, logs[site][n], DOCS, SEED))
              for n in range(len(NIGHTS))),
            (archived(database_url, site), expected(site, logs[site][-1], DOCS, SEED)),
        ]
        for site in SITES
    }  # fmt: skip


@pytest.mark.parametrize("site", SITES)
def test_nights_of_changes_match_the_change_log(
    site: str, nights: dict[str, list[tuple[tuple, tuple]]]
) -> None:
    for night, (got, want) in enumerate(nights[site]):
        assert got == want, f"night {night}" if night < len(NIGHTS) else "the archive as it is now"
