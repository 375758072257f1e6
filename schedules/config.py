"""The schedule, from one TOML file, checked before anything runs.

    timezone = "Asia/Shanghai"
    misfire_grace_hours = 12            # a slot missed by less than this still runs (once) on start

    [defaults]                          # every site gets these unless it says otherwise
    incremental = "30 1 * * *"          # nightly, cron syntax (minute hour day month weekday)
    full = "0 3 * * sat"                # weekly

    [[windows]]                         # extra runs while reports fall due (every site)
    name = "annual disclosure reports (due 31 January)"
    start = "01-20"
    end = "02-10"
    at = "0 13"                         # minute hour
    mode = "incremental"

    [sites.anshun_mzj]                  # per-site overrides; enabled = false to leave a site out
    incremental = "0 2 * * *"

    queue = false                       # true: runs go to the fleet's queue (`xxgk worker`), PostgreSQL

    [notify]                            # optional: after each run with news (schedules/notify.py)
    urls = ["mailto://smtp.example.org?to=audit@example.org", "json://127.0.0.1:9000/hook"]
    retries = 3

Without a file, `DEFAULT_CONFIG` applies. Every error names the file, the key and what is wrong.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from schedules.notify import NotifyConfig

MODES = ("incremental", "full")

DEFAULT_CONFIG = """
timezone = "Asia/Shanghai"
misfire_grace_hours = 12

[defaults]
incremental = "30 1 * * *"
full = "0 3 * * sat"

[[windows]]
name = "annual disclosure reports (due 31 January)"
start = "01-20"
end = "02-10"
at = "0 13"
mode = "incremental"

[[windows]]
name = "rule-of-law reports (public before 1 April)"
start = "03-20"
end = "04-10"
at = "0 13"
mode = "incremental"
"""


class ScheduleConfigError(ValueError):
    pass


class ScheduleServiceBusy(RuntimeError):
    """Another service already runs this archive's schedule (fleet mode: one scheduler)."""


@dataclass(frozen=True)
class Window:
    name: str
    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]
    minute: int
    hour: int
    mode: str

    def days(self) -> set[tuple[int, int]]:
        """Every (month, day) in the window; a window may wrap over the new year."""
        out, (month, day) = set(), self.start
        current = date(2001, month, day)
        while True:
            out.add((current.month, current.day))
            if (current.month, current.day) == self.end:
                return out
            current = date.fromordinal(current.toordinal() + 1)
            if current.year > 2001:
                current = current.replace(year=2001)

    def trigger(self, tz: ZoneInfo) -> BaseTrigger:
        """One cron trigger per month the window touches (cron cannot express a date range)."""
        by_month: dict[int, list[int]] = {}
        for month, day in sorted(self.days()):
            by_month.setdefault(month, []).append(day)
        triggers = [
            CronTrigger(
                month=month, day=f"{min(days)}-{max(days)}", hour=self.hour, minute=self.minute, timezone=tz
            )
            for month, days in by_month.items()
        ]
        return triggers[0] if len(triggers) == 1 else OrTrigger(triggers)


@dataclass(frozen=True)
class JobSpec:
    """One recurring crawl: its id is stable, so the persistent job store recognises it on restart."""

    id: str
    site: str
    mode: str
    description: str
    trigger: BaseTrigger = field(compare=False)
    spec: str = ""  # the text the trigger came from: unchanged text means an unchanged job


@dataclass(frozen=True)
class ScheduleConfig:
    timezone: ZoneInfo
    misfire_grace_hours: float
    jobs: tuple[JobSpec, ...]
    notify: NotifyConfig | None = None  # [notify]: who hears of each run's changes (schedules.notify)
    queue: bool = False  # runs are queued for the fleet's workers instead of crawled by the service


def load(path: Path | None, known_sites: list[str]) -> ScheduleConfig:
    if path is None:
        return parse(DEFAULT_CONFIG, "the default schedule", known_sites)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleConfigError(f"cannot read schedule {path}: {exc.strerror}") from None
    return parse(text, str(path), known_sites)


def parse(text: str, where: str, known_sites: list[str]) -> ScheduleConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleConfigError(f"{where}: not valid TOML: {exc}") from None
    _only(data, {"timezone", "misfire_grace_hours", "defaults", "windows", "sites", "notify", "queue"}, where)
    queue = data.get("queue", False)
    if not isinstance(queue, bool):
        raise ScheduleConfigError(f"{where}: queue: true or false")
    if queue and data.get("notify") is not None:
        raise ScheduleConfigError(
            f"{where}: [notify] needs the crawls run by the service, which waits for them; "
            "with queue = true the fleet's workers run them"
        )
    try:
        tz = ZoneInfo(str(data.get("timezone", "Asia/Shanghai")))
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleConfigError(f"{where}: timezone: unknown time zone {data.get('timezone')!r}") from None
    grace = data.get("misfire_grace_hours", 12)
    if not isinstance(grace, int | float) or not 0 < grace <= 24 * 7:
        raise ScheduleConfigError(f"{where}: misfire_grace_hours: must be a number of hours in (0, 168]")

    defaults = data.get("defaults", {})
    _only(defaults, set(MODES), f"{where}: [defaults]")
    sites = data.get("sites", {})
    for name in sites:
        if name not in known_sites:
            raise ScheduleConfigError(
                f"{where}: [sites.{name}]: unknown site (known: {', '.join(known_sites)})"
            )
        _only(sites[name], {*MODES, "enabled"}, f"{where}: [sites.{name}]")
    windows = [_window(w, n, where) for n, w in enumerate(data.get("windows", []), 1)]
    _no_overlap(windows, where)

    jobs: list[JobSpec] = []
    for site in known_sites:
        own = sites.get(site, {})
        if own.get("enabled", True) is False:
            continue
        for mode in MODES:
            expr = own.get(mode, defaults.get(mode))
            if expr is None:
                continue
            key = f"[sites.{site}] {mode}" if mode in own else f"[defaults] {mode}"
            trigger = cron_trigger(expr, tz, f"{where}: {key}")
            jobs.append(JobSpec(f"{site}:{mode}", site, mode, f"{mode} crawl, cron {expr!r}", trigger, expr))
        for n, window in enumerate(windows, 1):
            spec = f"{window.start}-{window.end} {window.minute} {window.hour} {window.mode}"
            jobs.append(
                JobSpec(
                    f"{site}:window{n}", site, window.mode, f"{window.mode} crawl in window {window.name!r}",
                    window.trigger(tz), spec,
                )
            )  # fmt: skip
    return ScheduleConfig(tz, float(grace), tuple(jobs), _notify(data.get("notify"), where), queue)


def _notify(raw: Any, where: str) -> NotifyConfig | None:
    if raw is None:
        return None
    here = f"{where}: [notify]"
    _only(raw, {"urls", "retries", "retry_seconds"}, here)
    urls = raw.get("urls")
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) and "://" in u for u in urls):
        raise ScheduleConfigError(f'{here}: urls: a list of Apprise URLs like ["mailto://…", "json://…"]')
    retries, wait = raw.get("retries", 3), raw.get("retry_seconds", 5)
    if not isinstance(retries, int) or not 0 <= retries <= 10:
        raise ScheduleConfigError(f"{here}: retries: a whole number from 0 to 10")
    if not isinstance(wait, int | float) or not 0 <= wait <= 3600:
        raise ScheduleConfigError(f"{here}: retry_seconds: a number of seconds from 0 to 3600")
    return NotifyConfig(tuple(urls), retries, float(wait))


def _only(table: Any, allowed: set[str], where: str) -> None:
    if not isinstance(table, dict):
        raise ScheduleConfigError(f"{where}: expected a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ScheduleConfigError(
            f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def cron_trigger(expr: Any, tz: ZoneInfo, where: str) -> CronTrigger:
    if not isinstance(expr, str):
        raise ScheduleConfigError(f'{where}: a cron expression must be a string like "30 1 * * *"')
    try:
        return CronTrigger.from_crontab(expr, timezone=tz)
    except ValueError as exc:
        raise ScheduleConfigError(f"{where}: bad cron expression {expr!r}: {exc}") from None


def _month_day(value: Any, where: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(value).split("-"))
        date(2001, month, day)
    except ValueError:
        raise ScheduleConfigError(f'{where}: {value!r} is not a month-day like "01-20"') from None
    return month, day


def _window(raw: Any, n: int, where: str) -> Window:
    here = f"{where}: [[windows]] #{n}"
    _only(raw, {"name", "start", "end", "at", "mode"}, here)
    for key in ("start", "end", "at"):
        if key not in raw:
            raise ScheduleConfigError(f"{here}: missing {key}")
    mode = raw.get("mode", "incremental")
    if mode not in MODES:
        raise ScheduleConfigError(f"{here}: mode: {mode!r} is not one of {', '.join(MODES)}")
    try:
        minute, hour = (int(part) for part in str(raw["at"]).split())
        if not (0 <= minute < 60 and 0 <= hour < 24):
            raise ValueError
    except ValueError:
        raise ScheduleConfigError(f'{here}: at: {raw["at"]!r} is not "minute hour" like "0 13"') from None
    return Window(
        str(raw.get("name", f"window {n}")),
        _month_day(raw["start"], f"{here}: start"),
        _month_day(raw["end"], f"{here}: end"),
        minute,
        hour,
        mode,
    )


def _no_overlap(windows: list[Window], where: str) -> None:
    for i, a in enumerate(windows):
        for b in windows[i + 1 :]:
            if a.days() & b.days():
                raise ScheduleConfigError(f"{where}: windows {a.name!r} and {b.name!r} overlap")
