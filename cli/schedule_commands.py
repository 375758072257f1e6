"""`xxgk schedule run | list | next | add | remove | pause | resume`."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import click
from apscheduler.jobstores.base import JobLookupError

from cli.archive_commands import db_option
from cli.crawl_commands import parse_setting
from cli.output import emit, format_option
from schedules import config as schedule_config
from schedules.config import MODES, JobSpec
from schedules.service import EXTRA_PREFIX, ScheduleService


def site_names() -> list[str]:
    from crawler.runner import site_names as names  # Scrapy's spider loader, when a command needs it

    return names()


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar="XXGK_SCHEDULE",
    help="Schedule TOML (default: nightly incremental, weekly full, report-deadline windows).",
)


@contextmanager
def _service(
    config_path: Path | None, database_url: str | None, crawl_args: tuple[str, ...] = ()
) -> Iterator:
    config = schedule_config.load(config_path, site_names())
    service = ScheduleService(config, database_url, crawl_args)
    try:
        service.open()
        yield service
    finally:
        service.close()


@click.group("schedule")
def schedule() -> None:
    """The crawl schedule and the service that runs it."""


@schedule.command("run")
@config_option
@db_option
@click.option(
    "--replica-url", envvar="XXGK_REPLICA_URL", help="Crawl a running replica instead of the live sites."
)
@click.option(
    "-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="A crawl setting for every run."
)
def run(config_path: Path | None, database_url, replica_url, settings: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """Run the schedule until SIGTERM or Ctrl-C (running crawls finish their current documents)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    crawl_args: tuple[str, ...] = ("--replica-url", replica_url) if replica_url else ()
    for pair in settings:
        parse_setting(pair)  # refuse a malformed setting now, not in every night's crawl
        crawl_args += ("-s", pair)
    config = schedule_config.load(config_path, site_names())
    service = ScheduleService(config, database_url, crawl_args)
    service.open()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    service.run()
    jobs = service.jobs()
    click.echo(
        f"schedule service: {len(jobs)} jobs; next: {min((j['next_run'] or '-') for j in jobs)}", err=True
    )
    stop.wait()
    click.echo("stopping: letting running crawls finish their current documents", err=True)
    service.stop()


@schedule.command("list")
@config_option
@db_option
@format_option()
def list_jobs(config_path: Path | None, database_url, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """Every scheduled job, its next run, and whether it is paused."""
    with _service(config_path, database_url) as service:
        emit(service.jobs(), fmt)


@schedule.command("next")
@click.option("--count", type=click.IntRange(1, 1000), default=10, show_default=True)
@config_option
@db_option
@format_option()
def next_runs(count: int, config_path: Path | None, database_url, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """The next COUNT runs across all jobs, in order."""
    with _service(config_path, database_url) as service:
        upcoming: list[tuple[datetime, str, str, str]] = []
        for job in service.scheduler.get_jobs(jobstore="default"):
            when = job.next_run_time
            for _ in range(count):
                if when is None:
                    break
                upcoming.append((when, job.kwargs["site"], job.id, job.kwargs["mode"]))
                when = job.trigger.get_next_fire_time(when, when + timedelta(seconds=1))
        upcoming.sort()
        rows = [
            {"at": at.isoformat(), "site": site, "job": job, "mode": mode} for at, site, job, mode in upcoming
        ]
        emit(rows[:count], fmt)


@schedule.command("add")
@click.argument("site")
@click.option("--mode", type=click.Choice(MODES), default="incremental", show_default=True)
@click.option("--cron", required=True, help='When, in cron syntax: "0 14 * * *".')
@config_option
@db_option
def add(site: str, mode: str, cron: str, config_path: Path | None, database_url) -> None:  # type: ignore[no-untyped-def]
    """Add an extra recurring crawl (kept when the config file changes)."""
    if site not in site_names():
        raise click.BadParameter(f"unknown site {site!r}; `xxgk sites` lists them", param_hint="SITE")
    with _service(config_path, database_url) as service:
        trigger = schedule_config.cron_trigger(cron, service.config.timezone, "--cron")
        job_id = f"{EXTRA_PREFIX}{site}:{mode}:{cron.replace(' ', '_')}"
        job = service.add_extra(
            JobSpec(job_id, site, mode, f"{mode} crawl, cron {cron!r} (added)", trigger, cron)
        )
        click.echo(f"added {job.id}; next run {job.next_run_time.isoformat() if job.next_run_time else '-'}")


def _job_action(action: str) -> click.Command:
    @click.command(action)
    @click.argument("job")
    @config_option
    @db_option
    def command(job: str, config_path: Path | None, database_url) -> None:  # type: ignore[no-untyped-def]
        with _service(config_path, database_url) as service:
            if action == "remove" and not job.startswith(EXTRA_PREFIX):
                raise click.UsageError(
                    f"{job} comes from the schedule file; edit the file (or pause the job)"
                )
            try:
                getattr(service.scheduler, f"{action}_job")(job, jobstore="default")
            except JobLookupError:
                raise click.UsageError(f"no job {job!r}; `xxgk schedule list` shows them") from None
        click.echo(f"{action}d {job}" if action != "pause" else f"paused {job}")

    command.__doc__ = {
        "remove": "Remove a job added with `schedule add`.",
        "pause": "Pause a job (it keeps its place; `resume` brings it back).",
        "resume": "Resume a paused job from its next slot.",
    }[action]
    return command


for _action in ("remove", "pause", "resume"):
    schedule.add_command(_job_action(_action))

COMMANDS = [schedule]
