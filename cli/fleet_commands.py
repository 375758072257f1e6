"""`xxgk worker` and `xxgk fleet …`: crawl jobs from the fleet's queue (PostgreSQL, procrastinate)."""

from __future__ import annotations

import logging

import click

from archive.db import database_url as resolve_url
from cli.archive_commands import db_option, open_archive
from cli.crawl_commands import parse_setting, settings_option
from cli.output import emit, format_option

# Crawl settings every worker's crawls get unless -s says otherwise: the fleet's budget per host (one
# request per second per host across every worker), and a site lock whose holder, if its machine
# vanished, is taken over after a minute rather than five; Scrapy's log at WARNING (the worker logs
# each job's start and end).
WORKER_DEFAULTS = {"XXGK_HOST_BUDGET": "1.0", "XXGK_LOCK_TTL": "60", "LOG_LEVEL": "WARNING"}


@click.command("worker")
@db_option
@click.option("--concurrency", type=click.IntRange(1), default=2, show_default=True, help="Crawls at once.")
@click.option("--name", help="This worker's name in the queue (default: procrastinate's).")
@settings_option("A crawl setting for every crawl this worker runs (repeatable), e.g. XXGK_HOST_BUDGET=2.")
@click.option("--until-empty", is_flag=True, help="Stop once the queue has no job left (tests, benches).")
def worker(database_url, concurrency: int, name: str | None, settings, until_empty: bool) -> None:  # type: ignore[no-untyped-def]
    """Take crawl jobs from the fleet's queue and crawl each in a child process into the archive.

    Run as many as you like, on any machines that reach the PostgreSQL archive (XXGK_DATABASE_URL).
    A worker killed mid-crawl loses nothing: its job is taken again within seconds and the crawl
    resumes from what the archive already holds."""
    from crawler.fleet.queue import conninfo
    from crawler.fleet.worker import WorkerConfig, run_worker

    url = resolve_url(database_url)
    conninfo(url)  # PostgreSQL or one clear message
    open_archive(url)  # fail now on a bad URL, and bring the schema up to date
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    overrides = {**WORKER_DEFAULTS, **dict(parse_setting(pair) for pair in settings)}
    run_worker(WorkerConfig(url, concurrency, overrides, name), wait=not until_empty)


@click.group("fleet")
def fleet() -> None:
    """The fleet's queue of crawl jobs (PostgreSQL only)."""


@fleet.command("init")
@db_option
def init(database_url) -> None:  # type: ignore[no-untyped-def]
    """Set up the queue in the PostgreSQL archive: the archive's migrations, then procrastinate's
    own schema (once; run again after upgrading procrastinate, see docs/deploy.md)."""
    from crawler.fleet.queue import conninfo, init_schema

    url = resolve_url(database_url)
    conninfo(url)  # PostgreSQL or one clear message
    open_archive(url)
    applied = init_schema(url)
    click.echo("fleet queue set up" if applied else "fleet queue already set up")


@fleet.command("status")
@db_option
@format_option()
def status(database_url, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """Crawl jobs by status (todo, doing, succeeded, failed)."""
    from crawler.fleet.queue import counts

    emit([{"status": k, "jobs": v} for k, v in sorted(counts(resolve_url(database_url)).items())], fmt)


COMMANDS = [worker, fleet]
