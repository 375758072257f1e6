"""`xxgk reports`: the annual reports' numbers, one row per agency-year (or per version)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.archive_commands import db_option, open_archive
from cli.output import emit

SHOWN = ["site", "year", "version", "source", "generation", "sections", "cells_read", "cells_null",
         "t3_1_total", "t3_3_7_total", "t4_review_total", "fee_yuan"]  # fmt: skip


@click.command("reports")
@click.option(
    "--year", "years", type=click.IntRange(2000, 2100), multiple=True, help="Report year (repeatable)."
)
@click.option("--site", help="Only this site.")
@click.option("--all-versions", is_flag=True, help="Every version, not only each agency-year's latest.")
@click.option(
    "--format", "fmt", type=click.Choice(("table", "json", "jsonl", "csv", "parquet")), default="table",
    show_default=True, help="Output format (parquet needs --out).",
)  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path), help="Write to this file instead of standard output.")
@db_option
def reports(years: tuple[int, ...], site: str | None, all_versions: bool, fmt: str, out: Path | None,
            database_url) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    """The 政府信息公开工作年度报告 as data: every number of tables 2, 3 and 4 and the 信息处理费.

    One row per site and report year (its latest version), every number a typed column
    (t2_*, t3_<row>_<column>, t4_<group>_<column>, fee_yuan); an unreadable cell is null and `nulls`
    says why. Read from each version's page and attachments, cached per version."""
    from archive.reports.data import dataset
    from archive.reports.export import columns, write

    if site is not None:
        from cli.audit_commands import _sites

        _sites(site)  # an unknown site is an error, not an empty answer
    if fmt == "parquet" and out is None:
        raise click.UsageError("--format parquet writes a file: give --out FILE")
    if fmt == "table" and out is not None:
        raise click.UsageError("--out takes csv, jsonl or parquet")
    archive = open_archive(database_url)
    with archive.session() as s:
        rows = dataset(s, [site] if site else None, list(years) or None, all_versions)
    if out is not None:
        count = write(rows, fmt, out)
        click.echo(f"{count} reports → {out}", err=True)
    elif fmt == "table":
        emit(rows, fmt, SHOWN)
    else:
        emit(rows, fmt, columns() if fmt == "csv" else None)
    sys.stdout.flush()


COMMANDS = [reports]
