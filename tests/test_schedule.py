"""The schedule service: config checks, a missed slot run once on start, a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.db import Archive
from archive.models import CrawlRun
from schedules import config as schedule_config
from schedules.service import ScheduleService
from tests.conftest import FAST, ROOT, xxgk

SITES = ["anshun_mzj"]


def hourly_config(tmp_path: Path) -> Path:
    """An hourly incremental job whose slots sit half an hour away from now (no slot during the test)."""
    minute = (datetime.now().minute + 30) % 60
    path = tmp_path / "schedule.toml"
    path.write_text(
        f'timezone = "Asia/Shanghai"\nmisfire_grace_hours = 6\n[defaults]\nincremental = "{minute} * * * *"\n',
        encoding="utf-8",
    )
    return path


def runs(database_url: str) -> list[CrawlRun]:
    archive = Archive(database_url)
    with archive.session() as s:
        found = list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    archive.close()
    return found


def wait_for(condition, timeout: float = 90) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def miss_slots(config: schedule_config.ScheduleConfig, database_url: str, down_for: timedelta) -> datetime:
    """Store the jobs, then pretend the service was down: the job's next slot lies `down_for` back."""
    service = ScheduleService(config, database_url)
    service.open()
    job = service.scheduler.get_job("anshun_mzj:incremental")
    past = datetime.now(UTC) - down_for
    service.scheduler.modify_job(job.id, next_run_time=past)
    latest_missed = job.trigger.get_next_fire_time(None, datetime.now(UTC) - timedelta(hours=1))
    service.close()
    return latest_missed


def test_missed_slots_run_once_on_start_and_the_run_says_it_was_late(tmp_path: Path, replica) -> None:
    database_url = f"sqlite:///{tmp_path}/archive.sqlite3"
    config = schedule_config.load(hourly_config(tmp_path), SITES)
    latest_missed = miss_slots(config, database_url, timedelta(days=2))  # dozens of hourly slots missed

    service = ScheduleService(config, database_url, ("--replica-url", replica.url, *FAST))
    service.open()
    service.run()
    try:
        wait_for(lambda: [r.status for r in runs(database_url)] == ["finished"])
        time.sleep(2)  # a second, wrong run would start now
    finally:
        service.stop()
    (run,) = runs(database_url)  # coalesced: one run for all the missed slots
    assert run.mode == "incremental"
    scheduled = (
        run.scheduled_for.replace(tzinfo=UTC) if run.scheduled_for.tzinfo is None else run.scheduled_for
    )
    assert scheduled == latest_missed
    started = run.started_at.replace(tzinfo=UTC) if run.started_at.tzinfo is None else run.started_at
    assert started - scheduled > timedelta(minutes=20)  # late, and the record shows by how much
    listed = xxgk("runs", "--format", "json", "--database-url", database_url)
    assert '"late_minutes"' in listed.stdout


def test_sigterm_lets_the_running_crawl_stop_cleanly(tmp_path: Path, replica) -> None:
    database_url = f"sqlite:///{tmp_path}/archive.sqlite3"
    path = hourly_config(tmp_path)
    miss_slots(schedule_config.load(path, SITES), database_url, timedelta(minutes=40))
    slow = (
        "-s",
        "DOWNLOAD_DELAY=0.1",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    )
    service = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "schedule", "run", "--config", str(path), "--database-url", database_url,
         "--replica-url", replica.url, *slow],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: bool(runs(database_url)))
        time.sleep(2)
        service.send_signal(signal.SIGTERM)
        _, stderr = service.communicate(timeout=60)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0, stderr[-2000:]
    assert "stopping" in stderr
    (run,) = runs(database_url)
    assert run.status == "interrupted" and run.finished_at is not None  # closed properly, resumable


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[defaults]\nincremental = "61 * * * *"',
            "[defaults] incremental: bad cron expression '61 * * * *'",
        ),
        ('[sites.nowhere_mzj]\nfull = "0 3 * * sat"', "[sites.nowhere_mzj]: unknown site"),
        ('timezone = "Mars/Olympus"', "timezone: unknown time zone"),
        ('[defaults]\nnightly = "0 1 * * *"', "unknown key 'nightly'"),
        (
            '[[windows]]\nname = "a"\nstart = "01-20"\nend = "02-10"\nat = "0 13"\n'
            '[[windows]]\nname = "b"\nstart = "02-01"\nend = "02-20"\nat = "0 14"',
            "windows 'a' and 'b' overlap",
        ),
        ('[[windows]]\nstart = "02-30"\nend = "03-01"\nat = "0 13"', "'02-30' is not a month-day"),
        ("timezone = ", "not valid TOML"),
    ],
)
def test_bad_schedule_files_are_refused_with_the_reason(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    out = xxgk("schedule", "list", "--config", str(path), "--database-url", f"sqlite:///{tmp_path}/a.db")
    assert out.returncode == 1 and message in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and str(path) in out.stderr


def test_deadline_windows_fire_only_inside_their_dates() -> None:
    config = schedule_config.load(None, SITES)
    window = next(j for j in config.jobs if j.id == "anshun_mzj:window1")
    tz = config.timezone
    first = window.trigger.get_next_fire_time(None, datetime(2027, 1, 1, tzinfo=tz))
    assert first == datetime(2027, 1, 20, 13, 0, tzinfo=tz)
    fires = [first]
    while len(fires) < 40:
        fires.append(window.trigger.get_next_fire_time(fires[-1], fires[-1] + timedelta(seconds=1)))
    assert fires[21] == datetime(2027, 2, 10, 13, 0, tzinfo=tz)  # 12 days in January, 10 in February
    assert fires[22] == datetime(2028, 1, 20, 13, 0, tzinfo=tz)  # then next year


def test_schedule_commands_change_the_stored_jobs(tmp_path: Path) -> None:
    db = ("--database-url", f"sqlite:///{tmp_path}/a.sqlite3")

    def jobs() -> dict[str, dict]:
        out = xxgk("schedule", "list", "--format", "json", *db)
        assert out.returncode == 0, out.stderr
        return {job["job"]: job for job in json.loads(out.stdout)}

    assert {job for job in jobs() if job.startswith("anshun_mzj:")} == {  # every site gets the same four
        "anshun_mzj:incremental",
        "anshun_mzj:full",
        "anshun_mzj:window1",
        "anshun_mzj:window2",
    }
    added = xxgk("schedule", "add", "anshun_mzj", "--mode", "full", "--cron", "0 14 * * *", *db)
    assert added.returncode == 0 and "added extra:anshun_mzj:full:0_14_*_*_*" in added.stdout
    assert jobs()["extra:anshun_mzj:full:0_14_*_*_*"]["next_run"].endswith("14:00:00+08:00")
    assert xxgk("schedule", "pause", "anshun_mzj:full", *db).returncode == 0
    assert jobs()["anshun_mzj:full"]["paused"] is True  # and it stays paused across restarts
    assert xxgk("schedule", "resume", "anshun_mzj:full", *db).returncode == 0
    assert jobs()["anshun_mzj:full"]["next_run"] is not None
    refused = xxgk("schedule", "remove", "anshun_mzj:full", *db)
    assert refused.returncode == 2 and "comes from the schedule file" in refused.stderr
    assert xxgk("schedule", "remove", "extra:anshun_mzj:full:0_14_*_*_*", *db).returncode == 0
    assert "extra:anshun_mzj:full:0_14_*_*_*" not in jobs()
    upcoming = json.loads(xxgk("schedule", "next", "--count", "3", "--format", "json", *db).stdout)
    assert len(upcoming) == 3 and [u["at"] for u in upcoming] == sorted(u["at"] for u in upcoming)
    bad = xxgk("schedule", "add", "anshun_mzj", "--cron", "99 * * * *", *db)
    assert bad.returncode == 1 and "bad cron expression" in bad.stderr and "Traceback" not in bad.stderr
