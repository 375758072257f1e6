"""`xxgk search`, `xxgk export`, `xxgk db reindex` and `xxgk db check`: the researcher's commands,
thin over `archive.search` and `archive.export`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from tabulate import tabulate

from archive import attachment_queue
from archive import export as exporter
from archive.interchange import export as interchange
from archive.models import Document, ReportData
from archive.search import check as index_check
from archive.search import engine, index, side
from archive.search.filters import Filters
from cli.archive_commands import _date, db, db_option, open_archive, parse_moment
from cli.output import emit, format_option


def _date_pair(ctx: click.Context, param: click.Parameter, value: tuple[str, str] | None):  # type: ignore[no-untyped-def]
    if not value:
        return None
    return tuple(_date(ctx, param, v) for v in value)


def filter_options(command: Callable) -> Callable:
    """The filters shared by search and export (DESIGN §7): each narrows, all must hold."""
    options = [
        click.option("--site", help="Only this site (see `xxgk sites`)."),
        click.option("--issuer", help="发布机构 contains this."),
        click.option("--topic", help="所属主题 contains this."),
        click.option("--since", callback=_date, help="Published on or after (YYYY-MM-DD)."),
        click.option("--until", callback=_date, help="Published on or before (YYYY-MM-DD)."),
        click.option("--written-since", callback=_date, help="成文日期 on or after."),
        click.option("--written-until", callback=_date, help="成文日期 on or before."),
        click.option("--doc-number", help="文号, exact; end with * for a prefix. 〔〕 [] () are the same."),
        click.option("--index-no", help="索引号, exact; end with * for a prefix."),
        click.option("--validity", help="有效性, exact (有效, 失效, 废止 …)."),
        click.option(
            "--kind", help="Page kind (体裁): 通知, 公告, 意见, 办法, 年度报告, 政策解读 … (解读 = 政策解读)."
        ),
        click.option(
            "--changed-between",
            nargs=2,
            callback=_date_pair,
            metavar="FROM TO",
            help="A new version (content changed) was captured between these dates (China time).",
        ),
        click.option("--withdrawn", is_flag=True, help="Only documents withdrawn from their site."),
        click.option("--all-versions", is_flag=True, help="Every version, not only each document's latest."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def make_filters(options: dict[str, Any]) -> Filters:
    changed: tuple[date, date] | None = options.pop("changed_between", None)
    return Filters(
        site=options.pop("site"),
        issuer=options.pop("issuer"),
        topic=options.pop("topic"),
        published_from=options.pop("since"),
        published_to=options.pop("until"),
        written_from=options.pop("written_since"),
        written_to=options.pop("written_until"),
        doc_number=options.pop("doc_number"),
        index_no=options.pop("index_no"),
        validity=options.pop("validity"),
        kind=options.pop("kind"),
        changed_from=changed[0] if changed else None,
        changed_to=changed[1] if changed else None,
        withdrawn=options.pop("withdrawn"),
        all_versions=options.pop("all_versions"),
    )


def require_known_site(s: Session, site: str | None) -> None:
    """A site filter naming no site the archive holds or the installation crawls is a typo, which an
    empty result would hide (the researcher concludes the agency published nothing)."""
    if site is None or s.scalar(select(Document.id).where(Document.site == site).limit(1)):
        return
    from crawler.runner import site_names  # Scrapy's spider loader (~1 s): only on this rare path

    if site in site_names():
        return  # a site we crawl but have not yet: empty is the true answer
    held = s.scalars(select(Document.site).distinct().order_by(Document.site)).all()
    raise click.ClickException(
        f"unknown site {site!r}: the archive holds {', '.join(held) or 'no documents yet'} "
        "(`xxgk sites` lists the sites this installation crawls)"
    )


def _capture_moment(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """A day (from its start for --captured-since, to its end for --captured-until) or a moment."""
    if value is None:
        return None
    return parse_moment(value, start_of_day=param.name == "captured_since")


def capture_window_options(command: Callable) -> Callable:
    """The capture-time window of a web-archive export (--since/--until are publication dates)."""
    command = click.option(
        "--captured-until", callback=_capture_moment, help="Captures made on or before this day or moment."
    )(command)
    return click.option(
        "--captured-since", callback=_capture_moment, help="Captures made on or after this day or moment."
    )(command)


HIT_COLUMNS = ["id", "version", "site", "publish_date", "doc_number", "title", "snippet", "status", "url"]


@click.command("search")
@click.argument("query", default="")
@filter_options
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, help="Skip this many hits (paging).")
@click.option(
    "--facets", is_flag=True, help="Count the matches by site, topic, issuer, year, validity and page kind."
)
@format_option()
@db_option
def search(query: str, limit: int, offset: int, facets: bool, fmt: str, database_url, **options) -> None:  # type: ignore[no-untyped-def]
    """Full-text search of titles, bodies and attachments, best matches first.

    QUERY: words that must all occur (养老 低保), "a phrase", -excluded. One- and two-character words
    work; traditional and simplified, full- and half-width forms are the same. Put the options first
    and `--` before a QUERY that starts with -. Without QUERY, the filters alone list documents,
    newest first. With --facets, jsonl and csv list the facet counts."""
    filters = make_filters(options)
    archive = open_archive(database_url)
    with archive.session() as s:
        require_known_site(s, filters.site)
        result = engine.search(s, query, filters, limit=limit, offset=offset, facets=facets)
    for warning in result.warnings:  # the side index could not answer: the database did, exactly
        click.echo(f"warning: {warning}", err=True)
    if fmt == "json":
        click.echo(json.dumps(result.__dict__, ensure_ascii=False, indent=2, default=str))
    elif fmt in ("jsonl", "csv"):
        if facets:
            emit(_facet_rows(result.facets), fmt, ["facet", "value", "count"])
        else:
            emit(result.hits, fmt, [*HIT_COLUMNS, "matched_in", "index_no", "score"])
    else:
        emit(result.hits, fmt, HIT_COLUMNS)
        order = "best first" if result.ranked else "newest first"
        click.echo(
            f"{result.total} matching {'versions' if filters.all_versions else 'documents'} ({order})",
            err=True,
        )
        for name, values in result.facets.items():
            click.echo(f"\n{name}:")
            click.echo(tabulate([[v["value"], v["count"]] for v in values], tablefmt="plain"))


def _facet_rows(facets: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{"facet": name, **value} for name, values in facets.items() for value in values]


@click.command("export")
@click.argument("query", default="")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*exporter.FORMATS, *interchange.FORMATS]),
    required=True,
    help="File format: rows (jsonl, csv, parquet) or the captures as web archive (warc, wacz).",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@filter_options
@capture_window_options
@db_option
def export(query: str, fmt: str, out: Path, database_url, **options) -> None:  # type: ignore[no-untyped-def]
    """Write documents (their latest versions), or every version with --all-versions, to a file.

    Takes the same QUERY and filters as `xxgk search`; streamed, so any size fits in memory. With
    --format warc or wacz the chosen documents' captures are written as a web archive that pywb and
    ReplayWeb.page replay (no QUERY and no filter: every capture), narrowed by --captured-since/-until."""
    window = (options.pop("captured_since"), options.pop("captured_until"))
    filters = make_filters(options)
    archive = open_archive(database_url)
    started = time.perf_counter()
    if fmt in interchange.FORMATS:
        _export_captures(archive, fmt, out, query, filters, window)
        return
    if window != (None, None):
        raise click.UsageError(
            "--captured-since/--captured-until choose captures: use them with warc or wacz"
        )
    with archive.session() as s:
        require_known_site(s, filters.site)
        count = exporter.export(s, fmt, out, query, filters)
    what = "versions" if filters.all_versions else "documents"
    click.echo(f"wrote {count} {what} to {out} in {time.perf_counter() - started:.1f}s", err=True)


def _export_captures(archive, fmt: str, out: Path, query: str, filters: Filters, window: tuple) -> None:  # type: ignore[no-untyped-def]
    from archive.interchange.selection import Selection

    selection = Selection(query, filters, captured_from=window[0], captured_to=window[1])
    started = time.perf_counter()
    with archive.session() as s:
        require_known_site(s, filters.site)
        stats = interchange.export(s, fmt, out, selection, progress=_progress(f"{fmt} export"))
    click.echo(
        f"wrote {stats.captures} captures ({stats.responses} responses, {stats.identical_revisits} identical "
        f"and {stats.not_modified_revisits} not-modified revisits, {stats.resources} attachments, "
        f"{stats.originals_added} originals outside the selection, {stats.not_kept} without a response) "
        f"to {out} in {time.perf_counter() - started:.1f}s",
        err=True,
    )


def _progress(what: str) -> Callable[[int, int, int], None]:
    """A progress line on stderr at most every two seconds (long exports), none for short ones."""
    last = [time.monotonic()]

    def show(done: int, total: int, written: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 2 or (done == total and now - last[0] >= 2):
            last[0] = now
            click.echo(f"{what}: {done}/{total} captures, {written / 1e6:.1f} MB", err=True)

    return show


@db.command("reindex")
@click.option(
    "--reread-attachments",
    is_flag=True,
    help="Read every attachment's text again (after a reader improved), not only those never read.",
)
@db_option
def reindex(reread_attachments: bool, database_url) -> None:  # type: ignore[no-untyped-def]
    """Rebuild the full-text search index from the stored versions and their attachments' text, and
    forget the annual reports' cached numbers (read again when next asked for).

    Attachments whose text was never read (stored before text extraction, or queued by a crawl: scans
    to OCR, legacy Office files to convert) are read first, with progress on stderr."""
    archive = open_archive(database_url)
    started = time.perf_counter()
    if reread_attachments:
        attachment_queue.reread_all(archive.engine)
    waiting = attachment_queue.pending(archive.engine)
    if waiting:
        click.echo(f"{waiting} attachments waiting to be read", err=True)
    show = attachment_queue.progress_printer(lambda line: click.echo(line, err=True))
    read = attachment_queue.drain(archive.engine, progress=show)
    with archive.engine.begin() as conn:
        count = index.rebuild(conn)
        conn.execute(delete(ReportData))  # annual reports are read again, by today's parser, when asked
    with archive.engine.connect() as conn:
        side_path = side.location(conn)
        if side_path is not None:  # the tantivy side index, from the rows just committed
            side.rebuild(conn, side_path)
            click.echo(f"side index rebuilt at {side_path}", err=True)
    click.echo(
        f"read the text of {read.done} attachments ({read.ocr} by OCR, {read.converted} converted); "
        f"indexed {count} versions in {time.perf_counter() - started:.1f}s"
    )


@db.command("check")
@format_option()
@db_option
def db_check(fmt: str, database_url) -> None:  # type: ignore[no-untyped-def]
    """Is the search index whole: a row per version, latest flags, the full-text tables and indexes?

    Exits 1 when a check fails; `xxgk db reindex` repairs every failure it can report."""
    archive = open_archive(database_url)
    started = time.perf_counter()
    with archive.engine.begin() as conn:
        findings = index_check.check(conn)
    emit([{"check": f.check, "ok": f.ok, "detail": f.detail} for f in findings], fmt)
    failed = [f.check for f in findings if not f.ok]
    took = f"{time.perf_counter() - started:.1f}s"
    if failed:
        raise click.ClickException(
            f"{len(failed)} checks failed ({', '.join(failed)}) in {took}: run `xxgk db reindex` "
            "to rebuild the search index from the stored versions"
        )
    click.echo(f"search index whole: {len(findings)} checks passed in {took}", err=True)


COMMANDS = [search, export]
