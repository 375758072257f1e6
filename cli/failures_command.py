"""`xxgk failures [RUN]`: what a crawl run could not fetch, and why (timeouts, 5xx, redirects, size cap).

The reasons are the failure ledger's (crawler/middlewares/faults.py), kept on the run's record; a
detail page's failure is also its capture's note.
"""

from __future__ import annotations

import click
from sqlalchemy import select

from archive.models import CrawlRun
from cli.archive_commands import open_archive
from cli.output import emit, format_option


@click.command("failures")
@click.argument("run_id", required=False, type=int)
@click.option("--site", help="The latest run of this site (when RUN is not given).")
@format_option()
@click.option(
    "--database-url", envvar="XXGK_DATABASE_URL", help="Archive database (default ./data/xxgk.sqlite3)."
)
def failures(run_id: int | None, site: str | None, fmt: str, database_url: str | None) -> None:
    """Fetches of RUN (default: the latest run) that failed for good: URL, kind and reason."""
    archive = open_archive(database_url)
    with archive.session() as s:
        if run_id is not None:
            run = s.get(CrawlRun, run_id)
        else:
            stmt = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)
            run = s.scalars(stmt.where(CrawlRun.site == site) if site else stmt).first()
        if run is None:
            raise click.ClickException(f"no crawl run {run_id if run_id is not None else 'yet'}")
        rows = [{"run": run.id, "site": run.site, **f} for f in (run.stats or {}).get("xxgk/failures", [])]
    archive.close()
    emit(rows, fmt, ["run", "site", "kind", "url", "reason"])


COMMANDS = [failures]
