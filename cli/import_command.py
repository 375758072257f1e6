"""`xxgk import FILE…`: other tools' WARC and WACZ files into the archive (crawler/warc_import/)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.archive_commands import db_option, open_archive
from cli.output import emit_record

if TYPE_CHECKING:
    from crawler.warc_import.summary import Summary


class _Progress:
    """One line on stderr per file and at most one a second while a long file is read."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, summary: Summary, source: str, done: bool) -> None:
        now = time.monotonic()
        if now - self.last < 1.0 and not done:
            return
        self.last = now
        mb = summary.bytes_read / 1e6
        rate = mb / max(now - self.started, 1e-6)
        click.echo(
            f"import: {source}: {summary.records_read} records, {mb:.1f} MB ({rate:.1f} MB/s), "
            f"{summary.captures_new} captures new, {summary.versions_new} versions new",
            err=True,
        )


def _read_attachments(archive) -> None:  # type: ignore[no-untyped-def]
    """The imported scans and legacy Office files read after the import, as after a crawl."""
    from archive import attachment_queue

    if attachment_queue.pending(archive.engine):
        show = attachment_queue.progress_printer(lambda line: click.echo(line, err=True))
        attachment_queue.drain(archive.engine, progress=show)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--site", help="Take every record as this site's (default: by URL host; see `xxgk sites`).")
@click.option(
    "--parse-processes",
    type=click.IntRange(0),
    help="Worker processes that parse pages while the import stores (default: the crawl's "
    "XXGK_PARSE_PROCESSES, 1; 0 parses in this process).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@db_option
def import_(
    files: tuple[Path, ...], site: str | None, parse_processes: int | None, fmt: str, database_url: str | None
) -> None:
    """Import WARC (.warc, .warc.gz) and WACZ files written by other tools (wget, Heritrix,
    Browsertrix, ArchiveWeb.page, pywb): every HTTP response becomes a capture, and a declared
    site's document pages become documents and versions, as a crawl would make them. Importing a
    file twice adds nothing. Exits 1 when a file is damaged (what precedes the damage is imported)."""
    from crawler.runner import project_settings
    from crawler.warc_import.importer import Importer

    if parse_processes is None:
        parse_processes = project_settings().getint("XXGK_PARSE_PROCESSES")
    archive = open_archive(database_url)
    summary = Importer(archive, site=site, progress=_Progress(), processes=parse_processes).run(files)
    report = summary.as_dict()
    if fmt == "table":  # the unresolved revisits one by one are for --format json
        report["revisits_unresolved"] = len(summary.revisits_unresolved)
    emit_record(report, fmt)
    _read_attachments(archive)
    for damage in summary.damaged:
        click.echo(
            f"error: {damage['file']}: damaged at byte {damage['offset']}: {damage['reason']}", err=True
        )
    if summary.revisits_unresolved:
        click.echo(
            f"warning: {len(summary.revisits_unresolved)} revisit(s) whose original is not in the archive "
            "were kept as error captures (see `revisits_unresolved` in --format json)",
            err=True,
        )
    if summary.damaged:
        sys.exit(1)


COMMANDS = [import_]
