"""Crawling: list the sites, crawl some or all, and the self-contained demo."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

from cli.clock_option import as_of_option
from cli.output import emit, format_option

if TYPE_CHECKING:  # Scrapy and Twisted are imported by the commands that crawl or list sites, when they run
    from crawler.runner import CrawlResult

# The demo crawls our own replica on loopback, so the courtesy waits meant for real servers are off.
REPLICA_PACE = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 16}
MODES = click.Choice(["full", "incremental"])


def _log_settings(verbose: bool) -> dict[str, str]:
    """Scrapy's start-up chatter hides the progress lines users want; --verbose brings it back.

    Quiet mode keeps Scrapy at WARNING and gives the progress logger its own stderr handler, so a long
    crawl still reports counts every few seconds.
    """
    if verbose:
        return {}
    progress = logging.getLogger("xxgk.progress")
    if not progress.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        progress.addHandler(handler)
        progress.setLevel(logging.INFO)
        progress.propagate = False
    return {"LOG_LEVEL": "WARNING"}


@click.command("sites")
@format_option()
def sites(fmt: str) -> None:
    """The agency sites this installation can crawl."""
    from crawler.runner import site_names, spider_loader

    loader = spider_loader()
    rows = []
    for name in site_names():
        cls = loader.load(name)
        rows.append(
            {
                "site": name,
                "agency": cls.agency,
                "platform": cls.platform,
                "base_url": cls.base_url,
                "hosts": " ".join(cls.hosts),
                # Declared columns, then the patterns of columns found on section pages (per-year ones).
                "columns": len(getattr(cls, "columns", ())),
                "column_paths": " ".join(
                    [*getattr(cls, "columns", ()), *(p for _, p in getattr(cls, "column_sources", ()))]
                ),
            }
        )
    emit(rows, fmt)


def _summary(results: list[CrawlResult], seconds: float) -> list[dict]:
    return [
        {
            "site": r.site,
            "finished": r.finish_reason,
            "pages": r.stats.get("response_received_count", 0),
            "new_versions": r.count("new_version"),
            "unchanged": r.count("unchanged"),
            "withdrawn": r.count("withdrawn"),
            "errors": r.count("error"),
            "attachments": r.stats.get("xxgk/attachment_fetched", 0),
            # Requests that went through the real browser (a JavaScript challenge); the rest were plain HTTP.
            "browser_requests": r.stats.get("xxgk/browser_requests", 0),
            "health": r.stats.get("xxgk/health", "-"),
            "seconds": round(seconds, 1),
        }
        for r in results
    ]


def parse_setting(pair: str) -> tuple[str, str]:
    name, sep, value = pair.partition("=")
    if not sep or not name.isidentifier():
        raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--set")
    return name, value


def settings_option(help: str):  # type: ignore[no-untyped-def]
    """`-s/--set NAME=VALUE`, repeatable: crawl settings for `crawl`, `worker` and `serve`."""
    return click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help=help)


@click.command("crawl")
@click.argument("site_names_arg", metavar="SITE...", nargs=-1)
@click.option("--all", "all_sites", is_flag=True, help="Crawl every site.")
@click.option("--mode", type=MODES, default="full", show_default=True)
@click.option("--database-url", envvar="XXGK_DATABASE_URL")
@click.option(
    "--replica-url", envvar="XXGK_REPLICA_URL", help="Crawl a running replica instead of the live sites."
)
@settings_option("Override a Scrapy setting (repeatable).")
@click.option(
    "--scheduled-for", hidden=True, help="Set by the scheduler: the slot this run fills (ISO time)."
)
@click.option(
    "--nights",
    "nights_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Simulated nights to crawl in turn in this process: a JSON list of "
    '{"as_of": MOMENT, "sites": [SITE, ...], "mode": "incremental"|"full"}.',
)
@click.option(
    "--column",
    "column_urls",
    multiple=True,
    metavar="URL",
    help="Crawl this column (list page URL) with no declaration: its pagination and list are "
    "discovered as `xxgk discover` finds them (repeatable).",
)
@click.option(
    "--site", "column_site", help="With --column: the site to crawl the columns as (default: the host)."
)
@click.option(
    "--queue",
    "queued",
    is_flag=True,
    help="Queue one crawl job per site for the fleet's workers (`xxgk worker`, PostgreSQL) instead of "
    "crawling here.",
)
@click.option("--verbose", is_flag=True, help="Show Scrapy's own log.")
@as_of_option
@format_option()
def crawl(
    site_names_arg,
    all_sites,
    column_urls,
    column_site,
    mode,
    database_url,
    replica_url,
    settings,
    scheduled_for,
    nights_file,
    queued,
    verbose,
    fmt,
) -> None:  # type: ignore[no-untyped-def]
    """Crawl SITE(s) into the archive, printing progress and a summary.

    On simulated time (`--as-of`, XXGK_CLOCK) the crawl happens "on" that moment; `--nights FILE` crawls
    a series of simulated nights one after the other (a season replayed, e.g. to test the audit)."""
    from crawler.runner import run_crawl, site_names

    overrides = {**_log_settings(verbose), **dict(parse_setting(pair) for pair in settings)}
    if nights_file is not None:
        if site_names_arg or all_sites:
            raise click.UsageError("--nights names each night's sites; give no SITE or --all with it")
        _crawl_nights(nights_file, {**overrides, "XXGK_DATABASE_URL": database_url,
                                    "XXGK_REPLICA_URL": replica_url}, fmt)  # fmt: skip
        return
    if column_urls:
        if site_names_arg or all_sites:
            raise click.UsageError(
                "--column crawls the columns as one site (--site NAME); give no SITE or --all"
            )
        _crawl_columns(list(column_urls), column_site, mode, {**overrides, "XXGK_DATABASE_URL": database_url,
                       "XXGK_REPLICA_URL": replica_url, "XXGK_SCHEDULED_FOR": scheduled_for}, fmt)  # fmt: skip
        return
    if column_site:
        raise click.UsageError("--site names the site of --column URLs; name declared sites as SITE")
    chosen = site_names() if all_sites else list(site_names_arg)
    if queued:
        _queue(chosen, mode, database_url, scheduled_for, settings, fmt)
        return
    if not chosen:
        raise click.UsageError("name at least one site, or --all (`xxgk sites` lists them)")
    started = time.monotonic()
    results = run_crawl(
        chosen,
        mode=mode,
        overrides={
            **overrides,
            "XXGK_DATABASE_URL": database_url,
            "XXGK_REPLICA_URL": replica_url,
            "XXGK_SCHEDULED_FOR": scheduled_for,
        },
    )
    _report(results, time.monotonic() - started, fmt, {**overrides, "XXGK_DATABASE_URL": database_url})


def _queue(sites: list[str], mode: str, database_url, scheduled_for, settings, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """Queue the crawls for the fleet's workers: known sites only, one job per site and mode."""
    from archive.db import database_url as resolve_url
    from crawler.fleet.queue import enqueue
    from crawler.runner import site_names

    if not sites:
        raise click.UsageError("name at least one site, or --all (`xxgk sites` lists them)")
    if settings:
        raise click.UsageError("-s settings of queued crawls are the worker's: `xxgk worker -s NAME=VALUE`")
    unknown = sorted(set(sites) - set(site_names()))
    if unknown:
        raise click.BadParameter(
            f"unknown site {', '.join(unknown)}; `xxgk sites` lists them", param_hint="SITE"
        )
    queued = enqueue(resolve_url(database_url), sites, mode, scheduled_for or "")
    emit([{"site": q.site, "mode": q.mode, "job": q.job_id if q.job_id is not None else "already queued"}
          for q in queued], fmt)  # fmt: skip


def _crawl_columns(urls: list[str], site: str | None, mode: str, overrides: dict, fmt: str) -> None:
    from crawler.runner import run_columns

    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise click.BadParameter(f"not an http(s) URL: {url!r}", param_hint="--column")
    started = time.monotonic()
    try:
        results = run_columns(urls, site=site, mode=mode, overrides=overrides)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--column") from None
    _report(results, time.monotonic() - started, fmt, overrides)


def _report(results: list, seconds: float, fmt: str, overrides: dict) -> None:
    """The summary table, then the attachments the crawl left to the queue read (`overrides`: the
    crawl's settings, its database among them); exit 1 when a crawl did not finish, 3 when one
    finished degraded."""
    emit(_summary(results, seconds), fmt)
    read_attachments_after(overrides)
    if any(r.finish_reason != "finished" for r in results):
        raise SystemExit(1)
    unhealthy = [r for r in results if str(r.stats.get("xxgk/health", "ok")).startswith("degraded")]
    for r in unhealthy:
        click.echo(f"{r.site}: {r.stats['xxgk/health']}", err=True)
    if unhealthy:
        raise SystemExit(3)


def _prerender_attachments(docs: int, seed: int) -> None:
    """The replica's .doc/.xls/.rtf files written by LibreOffice before the crawl asks for them (once
    per machine: they are cached), one run per format instead of a second per file mid-crawl."""
    import replica as replica_pkg
    from replica.files import prerender_forms

    started = time.monotonic()
    made = prerender_forms(replica_pkg.build(seed=seed, docs=docs).documents())
    if made:
        click.echo(
            f"replica: wrote {made} legacy Office attachments in {time.monotonic() - started:.1f}s", err=True
        )


def read_attachments_after(overrides: dict) -> None:
    """The attachment queue drained once the crawls have ended (XXGK_SLOW_ATTACHMENTS="after"): scans
    OCR'd, legacy Office files converted, each text searchable as it is written; progress on stderr."""
    from archive import attachment_queue
    from archive.attachment_readers import Limits
    from archive.db import Archive
    from crawler.runner import project_settings

    settings = project_settings(overrides)
    if settings.get("XXGK_SLOW_ATTACHMENTS") != "after":
        return
    archive = Archive(settings.get("XXGK_DATABASE_URL"))
    try:
        if not attachment_queue.pending(archive.engine):
            return
        limits = Limits(
            max_bytes=settings.getint("XXGK_ATTACHMENT_MAXSIZE"),
            max_ocr_pages=settings.getint("XXGK_ATTACHMENT_OCR_PAGES"),
            seconds=settings.getfloat("XXGK_ATTACHMENT_READ_SECONDS"),
        )
        echo = attachment_queue.progress_printer(lambda line: click.echo(line, err=True))
        workers = settings.getint("XXGK_ATTACHMENT_READ_WORKERS") or None
        attachment_queue.drain(archive.engine, workers=workers, limits=limits, progress=echo)
    finally:
        archive.close()


def _crawl_nights(path: Path, overrides: dict, fmt: str) -> None:
    from crawler.runner import Night, run_nights

    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        nights = [Night(str(r["as_of"]), tuple(r["sites"]), str(r.get("mode", "incremental"))) for r in rows]
    except (ValueError, KeyError, TypeError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--nights") from None
    started = time.monotonic()
    results = run_nights(nights, overrides=overrides)
    seconds = time.monotonic() - started
    read_attachments_after(overrides)  # they hold XXGK_DATABASE_URL
    summary = [{"night": night.as_of, "mode": night.mode, **row}
               for night, tonight in zip(nights, results, strict=True) for row in _summary(tonight, 0)]  # fmt: skip
    for row in summary:
        row.pop("seconds")
    emit(summary, fmt)
    click.echo(f"{len(nights)} nights in {seconds:.1f}s", err=True)
    if len(results) != len(nights) or any(r.finish_reason != "finished" for t in results for r in t):
        raise SystemExit(1)


@click.command("demo")
@click.option(
    "--docs",
    type=click.IntRange(1),
    default=300,
    show_default=True,
    help="Generated documents in the replica.",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--state", type=click.Path(path_type=Path), default=Path("data/replica"), show_default=True)
@click.option("--database-url", envvar="XXGK_DATABASE_URL")
@click.option("--verbose", is_flag=True)
def demo(docs: int, seed: int, state: Path, database_url, verbose: bool) -> None:  # type: ignore[no-untyped-def]
    """Start the replica, crawl every site into the archive, print what was stored, stop the replica."""
    from archive import queries
    from archive.audit.verdicts import audit as audit_verdicts
    from cli.archive_commands import open_archive
    from crawler.runner import run_crawl, site_names
    from replica.process import start_replica

    quiet = _log_settings(verbose)
    _prerender_attachments(docs, seed)
    with start_replica(state, docs=docs, seed=seed) as replica:
        click.echo(f"replica: {replica.url} ({docs} generated documents, seed {seed})", err=True)
        os.environ["XXGK_REPLICA_URL"] = replica.url
        started = time.monotonic()
        results = run_crawl(
            site_names(), overrides={**quiet, **REPLICA_PACE, "XXGK_DATABASE_URL": database_url}
        )
        seconds = time.monotonic() - started
    emit(_summary(results, seconds), "table")
    read_attachments_after({**quiet, "XXGK_DATABASE_URL": database_url})  # scans OCR'd, .doc/.xls read
    archive = open_archive(database_url)
    with archive.session() as s:
        totals = queries.totals(s)
        newest = queries.newest(s, limit=5)
    click.echo(
        f"\narchive {archive.engine.url.render_as_string(hide_password=True)}: {totals['documents']} documents, "
        f"{totals['versions']} versions, {totals['attachments']} attachments, {totals['captures']} captures; "
        f"crawl took {seconds:.1f}s"
    )
    click.echo("\nnewest documents:")
    emit(newest, "table", ["id", "site", "publish_date", "title"])
    with archive.session() as s:
        verdicts = [v.row() for v in audit_verdicts(s, site_names())]
    click.echo("\nannual reports (xxgk audit):")
    emit(
        verdicts,
        "table",
        [
            "site",
            "kind",
            "year",
            "verdict",
            "days_late",
            "days_overdue",
            "due",
            "claimed_publish_date",
            "note",
        ],
    )
    click.echo("\nnext: xxgk search 养老 · xxgk show 1 · xxgk history 1 · xxgk audit --year 2023")


COMMANDS = [sites, crawl, demo]
