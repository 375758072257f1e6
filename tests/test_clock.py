"""Simulated time (`XXGK_CLOCK` / `--as-of`): the archive's clock and the replica's, and that real time
is untouched without them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from archive import clock
from replica.core import Replica
from replica.season import plant_season
from replica.state import LiveReplica, load_state, open_state, set_clock
from tests.conftest import xxgk

SEASON_START = datetime(2027, 1, 1, 2, 0, tzinfo=clock.CHINA)


def test_clock_is_real_time_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(clock.ENV, raising=False)
    before = datetime.now(UTC)
    assert before <= clock.now() <= datetime.now(UTC)
    monkeypatch.setenv(clock.ENV, "2027-01-05T02:00")  # naive: China time
    first = clock.now()
    assert first >= datetime(2027, 1, 4, 18, 0, tzinfo=UTC) and first - datetime(
        2027, 1, 4, 18, 0, tzinfo=UTC
    ) < timedelta(seconds=5)
    assert clock.now() >= first  # it runs on
    assert clock.today_in_china().isoformat() == "2027-01-05"
    monkeypatch.setenv(clock.ENV, "yesterday")
    with pytest.raises(clock.ClockError):
        clock.now()


def test_replica_on_simulated_time_shows_what_was_published_by_then(tmp_path: Path) -> None:
    open_state(tmp_path, seed=3, docs=8)
    records = plant_season(tmp_path, 2026)
    report = next(r for r in records if r["op"] == "report" and r["host"] == "mzj.ankang.gov.cn")
    appears = datetime.fromisoformat(report["at"])  # Beijing wall time, as the log keeps it

    # Real time (no clock): every logged change applies, as before, whatever its `at`.
    assert load_state(tmp_path).build().document(report["url"]) is not None

    before = set_clock(tmp_path, (appears - timedelta(hours=1)).replace(tzinfo=clock.CHINA)).build()
    assert before.document(report["url"]) is None and before.handle("GET", report["url"]).status == 404
    assert before.pending and not before.due_for_rebuild()
    after = set_clock(tmp_path, (appears + timedelta(hours=1)).replace(tzinfo=clock.CHINA)).build()
    page = after.handle("GET", report["url"])
    assert page.status == 200
    # The page claims a date weeks before it appeared: the backdated report of the season.
    assert after.document(report["url"]).publish == datetime.fromisoformat(report["claims"]) < appears
    served_at = parsedate_to_datetime(page.header("Date") or "")
    assert abs(served_at - (appears + timedelta(hours=1)).replace(tzinfo=clock.CHINA)) < timedelta(minutes=1)

    # Generated pages dated after the clock are not published yet.
    early = Replica(3, 8, clock=clock.SimulatedClock(datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC)))
    assert all(d.publish <= datetime(2020, 1, 1, 8, 0) for d in early.documents("mzj.ankang.gov.cn"))
    assert len(early.documents("mzj.ankang.gov.cn")) < len(Replica(3, 8).documents("mzj.ankang.gov.cn"))


def test_replica_clock_command_and_changes_dated_by_it(tmp_path: Path) -> None:
    open_state(tmp_path, seed=3, docs=8)
    shown = xxgk("replica", "clock", "2027-01-10T02:00+08:00", "--state", str(tmp_path))
    assert shown.returncode == 0 and "2027-01-10T" in shown.stdout, shown.stderr
    changed = xxgk(
        "replica", "change", "anshun_mzj", "--publish=1", "--state", str(tmp_path), "--format", "json"
    )
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout)[0]["at"].startswith("2027-01-10T02:0")  # by the replica's clock
    explicit = xxgk("replica", "change", "anshun_mzj", "--edit=1", "--as-of", "2027-02-01T09:00",
                    "--state", str(tmp_path), "--format", "json")  # fmt: skip
    assert json.loads(explicit.stdout)[0]["at"].startswith("2027-02-01T09:00")
    real = xxgk("replica", "clock", "--real", "--state", str(tmp_path))
    assert real.returncode == 0 and "real time" in real.stdout
    bad = xxgk("--as-of", "soon", "runs")
    assert bad.returncode == 2 and "ISO 8601" in bad.stderr


def test_replica_follows_the_crawlers_clock_and_rebuilds_only_when_something_falls_due(
    tmp_path: Path,
) -> None:
    open_state(tmp_path, seed=3, docs=8)
    records = plant_season(tmp_path, 2026)
    live = LiveReplica(tmp_path, load_state(tmp_path))
    report = next(r for r in records if r["op"] == "report" and r["host"] == "mzj.ankang.gov.cn")
    night = datetime(2027, 1, 20, 2, 0, tzinfo=clock.CHINA)
    first = live.as_of(night)
    assert first.document(report["url"]) is None  # appears on 1 February
    assert live.as_of(night + timedelta(minutes=5)) is first  # nothing fell due: the same build
    later = live.as_of(datetime(2027, 2, 2, 2, 0, tzinfo=clock.CHINA))
    assert later is not first and later.document(report["url"]) is not None
    assert live.current().clock is None  # requests without the header: the replica's own (real) time
