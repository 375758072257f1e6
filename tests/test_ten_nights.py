"""Issue 6's test that matters: ten nights on all five sites with noise on every fetch. After each
night's crawl the archive's versions and events equal what the replica's change log implies, nothing
missed and nothing invented, on SQLite and PostgreSQL. And (issue 18) the SQLite history exported as
WARC and WACZ replays in pywb, every capture.

The nights run on simulated time, in turn, in one `xxgk crawl --nights FILE` process (what a nightly
service does; a process a night cost a minute more a backend). Each night's changes are planted ahead on
the replica's clock, an hour before that night's crawl, so the replica shows every crawl the sites as
they were at its moment. Afterwards the archive is read as of the end of each night: versions first
seen, documents first seen and events up to then; the last night is also read as the archive holds it
now, which must agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from replica.process import start_replica
from tests.conftest import WITH_PARSE_WORKER, xxgk
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
from tests.interchange_files import captures, read_warc
from tests.pywb_replay import assert_replays, make_collection, replay_targets, tools_venv, wayback

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


@dataclass(frozen=True)
class TenNights:
    database_url: str
    logs: dict[str, list[list[dict]]]  # per site, per night: the change log by then


def crawl_ten_nights(database_url: str, tmp: Path) -> TenNights:
    state = tmp / "replica"
    with start_replica(state, docs=DOCS, seed=SEED, noise=True, as_of=night_moment(0).isoformat()) as replica:
        logs = plant_nights(state, list(HOSTS), NIGHTS)
        crawl_nights(
            database_url, replica.url, list(HOSTS), len(NIGHTS), tmp, *WITH_PARSE_WORKER
        )  # the default
    return TenNights(database_url, logs)


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory: pytest.TempPathFactory) -> TenNights:
    """The ten nights in a SQLite archive, shared by the history check and the replay of its export."""
    tmp = tmp_path_factory.mktemp("ten-nights")
    return crawl_ten_nights(f"sqlite:///{tmp / 'archive.sqlite3'}", tmp)


def check_nights(history: TenNights) -> None:
    for night in range(len(NIGHTS)):
        for site in HOSTS:
            got = archived_as_of(history.database_url, site, night_end(night))
            want = expected(site, history.logs[site][night], docs=DOCS, seed=SEED)
            assert got == want, f"night {night}, {site}\n{_diff(got, want)}"
    last = night_end(len(NIGHTS) - 1)
    for site in HOSTS:  # the archive as it is now says what it said as of the last night
        assert archived(history.database_url, site) == archived_as_of(history.database_url, site, last), site


# One crawl process does all fifty site-nights: ~100 s on a quiet machine, five minutes and more on a
# loaded one. The SQLite history is a module fixture, so its tests share one xdist worker.
@pytest.mark.timeout(1800)
@pytest.mark.xdist_group("ten_nights_sqlite")
def test_ten_noisy_nights_on_all_sites_match_the_change_log_sqlite(on_sqlite: TenNights) -> None:
    check_nights(on_sqlite)


@pytest.mark.timeout(1800)
def test_ten_noisy_nights_on_all_sites_match_the_change_log_postgresql(postgres, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    database_url = postgres.create_database(f"xxgk_ten_nights_{os.getpid()}")
    check_nights(crawl_ten_nights(database_url, tmp_path))


@pytest.mark.timeout(1800)
@pytest.mark.xdist_group("ten_nights_sqlite")
def test_pywb_replays_every_capture_of_the_ten_nights(on_sqlite: TenNights, tmp_path: Path) -> None:
    """Issue 18's proof: the ten-night, five-site history exported as WARC and as WACZ, and every
    capture (with noise, so every refetch is a new payload; 304s; the GBK site) replayed by pywb."""
    warc, wacz = tmp_path / "ten-nights.warc.gz", tmp_path / "ten-nights.wacz"
    for fmt, out in (("warc", warc), ("wacz", wacz)):
        done = xxgk("export", "--format", fmt, "--out", str(out), "--database-url", on_sqlite.database_url)
        assert done.returncode == 0, done.stderr
    kept = [c for c in captures(on_sqlite.database_url) if c.record is not None]
    records = read_warc(warc)
    wanted = replay_targets(records)
    replayable = {(r.uri, r.date) for r in records if r.type in ("response", "revisit")}
    assert len(replayable) == len(kept)  # every capture kept, once
    bin_dir, _ = tools_venv()
    make_collection(bin_dir, tmp_path, "warc", warc)
    make_collection(bin_dir, tmp_path, "wacz", wacz, unpack_wacz=True)
    with wayback(bin_dir, tmp_path) as base:
        for collection in ("warc", "wacz"):
            replayed = assert_replays(base, collection, wanted)
            assert any("mzj.sxjz.gov.cn" in url for url in replayed)  # the GBK site
            assert any(len(digests) > 1 for digests in replayed.values())  # older captures, older versions


def _diff(got: tuple, want: tuple) -> str:
    """Only what differs, so a failure names the pages."""
    lines = []
    for name, g, w in zip(("versions", "status", "events"), got, want, strict=True):
        for key in sorted(set(g) | set(w), key=str):
            if g.get(key) != w.get(key):
                lines.append(f"{name} {key}: archive {g.get(key)} replica {w.get(key)}")
    return "\n".join(lines)
