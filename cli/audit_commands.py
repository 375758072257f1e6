"""`xxgk audit`: report verdicts with evidence; `xxgk audit dates`: date forensics."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from archive import clock
from archive.audit import forensics
from archive.audit.evidence import write_bundle
from archive.audit.freshness import freshness, last_crawl_date, site_verdict
from archive.audit.verdicts import audit as audit_verdicts
from cli.archive_commands import db_option, open_archive
from cli.output import emit, format_option


def _sites(site: str | None) -> list[str]:
    from crawler.runner import site_names  # Scrapy's spider loader: only for the commands that name sites

    known = site_names()
    if site and site not in known:
        raise click.BadParameter(f"unknown site {site!r}; `xxgk sites` lists them", param_hint="--site")
    return [site] if site else known


@click.group("audit", invoke_without_command=True)
@click.option(
    "--year", "years", type=click.IntRange(2000, 2100), multiple=True, help="Report year (repeatable)."
)
@click.option("--site", help="Only this site.")
@format_option()
@db_option
@click.pass_context
def audit(ctx: click.Context, years: tuple[int, ...], site: str | None, fmt: str, database_url) -> None:  # type: ignore[no-untyped-def]
    """Were the annual reports (政府信息公开工作年度报告, 法治政府建设年度报告) published on time?

    Default: each report kind's latest year whose deadline has passed. Verdicts: on_time, late,
    missing (every night of the window crawled), not_found (gaps in the window, but complete crawls
    after the deadline did not find it: overdue by at least N days), unknown (no complete crawl after
    the deadline), not_due."""
    if ctx.invoked_subcommand is not None:
        return
    sites = _sites(site)
    archive = open_archive(database_url)
    with archive.session() as s:
        verdicts = audit_verdicts(s, sites, list(years) or None)
    if fmt in ("json", "jsonl"):
        emit([asdict(v) for v in verdicts], fmt)
    else:
        columns = ["site", "kind", "year", "verdict", "days_late", "days_overdue", "due", "claimed_publish_date",
                   "first_captured_at", "captured_before_due", "document_id", "note"]  # fmt: skip
        emit([v.row() for v in verdicts], fmt, columns)


@audit.command("dates")
@click.option("--site", help="Only this site.")
@format_option()
@db_option
def dates(site: str | None, fmt: str, database_url) -> None:  # type: ignore[no-untyped-def]
    """Page dates the archive contradicts: claimed after our capture, possible backdating, changed dates."""
    _sites(site)
    archive = open_archive(database_url)
    with archive.session() as s:
        rows = [asdict(f) for f in forensics.findings(s, site)]
    emit(rows, fmt, ["site", "document_id", "flag", "detail", "url"])


@audit.command("freshness")
@click.option("--site", help="Only this site.")
@format_option()
@db_option
def freshness_command(site: str | None, fmt: str, database_url) -> None:  # type: ignore[no-untyped-def]
    """Stale and empty columns by the website inspection's thresholds (动态 2 weeks, 通知公告/政策 6 months)."""
    from crawler.runner import spider_loader

    loader = spider_loader()
    archive = open_archive(database_url)
    rows = []
    with archive.session() as s:
        for name in _sites(site):
            spider = loader.load(name)
            kinds = {
                column: spider.column_kinds.get(column, "other") for column in getattr(spider, "columns", ())
            }
            as_of = last_crawl_date(s, name) or clock.today_in_china()
            site_rows = freshness(s, name, kinds, as_of)
            rows += site_rows
            if fmt == "table":
                click.echo(f"{name} as of {as_of}: {site_verdict(site_rows)}", err=True)
    emit(rows, fmt)


@audit.command("content")
@click.option(
    "--year", "years", type=click.IntRange(2000, 2100), multiple=True, help="Report year (repeatable)."
)
@click.option("--site", help="Only this site.")
@format_option()
@db_option
def content(years: tuple[int, ...], site: str | None, fmt: str, database_url) -> None:  # type: ignore[no-untyped-def]
    """What the annual reports' numbers say is wrong: 一+二 ≠ 三(七)+四, a 总计 that is not its parts'
    sum, sections missing, the 2019 format after 2021, last year's numbers copied, numbers changed
    after the deadline. Each finding names the version, its source's SHA-256 and the cells."""
    from archive.reports.data import finding_row, findings

    _sites(site)  # an unknown site is an error, not an empty answer
    archive = open_archive(database_url)
    with archive.session() as s:
        rows = [finding_row(f) for f in findings(s, [site] if site else None, list(years) or None)]
    shown = ["site", "year", "check", "detail", "document_id", "version", "source", "capture_sha256"]
    emit(rows, fmt, shown if fmt == "table" else None)  # CSV and JSON carry the cells and the URL too


@audit.command("evidence")
@click.argument("finding")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Directory for the bundle.")
@db_option
def evidence(finding: str, out: Path, database_url) -> None:  # type: ignore[no-untyped-def]
    """Write FINDING's evidence (SITE:KIND:YEAR): the captures as WACZ, a manifest, a summary."""
    from crawler.runner import site_names

    archive = open_archive(database_url)
    with archive.session() as s:
        verdict = write_bundle(s, finding, out, site_names())
    click.echo(f"{finding}: {verdict.verdict}; evidence in {out}/ (summary.txt, manifest.json"
               + (", evidence.wacz" if verdict.evidence else "")
               + (", content.json)" if (out / "content.json").exists() else ")"))  # fmt: skip


COMMANDS = [audit]
