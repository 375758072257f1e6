"""A crawl run's record: opened when a crawl starts, closed with its stats and health when it ends.

Apart from the version store because a run is about the crawl (when, which mode, how it ended, how it
compares with the site's usual runs), not about any document.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from archive import clock, health
from archive.db import Archive
from archive.health import Health
from archive.models import CrawlRun


def start(
    archive: Archive,
    site: str,
    mode: str,
    scheduled_for: datetime | None = None,
    *,
    exclusive: bool = True,
) -> int:
    """Open a run's record; a run of the site still marked running was cut off and says so now.

    `exclusive=False` for runs that may overlap (WARC imports: no site lock, several at once)."""
    with archive.session() as s:
        # A run still marked running for this site was cut off (crash, kill): say so.
        if exclusive:
            s.execute(
                update(CrawlRun)
                .where(CrawlRun.site == site, CrawlRun.status == "running")
                .values(status="interrupted")
            )
        run = CrawlRun(
            site=site,
            mode=mode,
            started_at=clock.now(),
            status="running",
            stats={},
            # Stored times are UTC: SQLite keeps no offset, so an aware local time would shift.
            scheduled_for=scheduled_for.astimezone(UTC) if scheduled_for else None,
        )
        s.add(run)
        s.flush()
        return run.id


def finish(
    archive: Archive, run_id: int, status: str, stats: dict[str, Any], *, judge: bool = True
) -> Health | None:
    """Close the run's record; a finished run is also judged against the site's history (unless
    `judge` is False: an import's size says nothing about a site's health)."""
    with archive.session() as s:
        run = s.get(CrawlRun, run_id)
        if run is None:
            return None
        verdict = health.check(s, run, stats) if status == "finished" and judge else None
        summary = {**(run.stats or {}), **stats}
        if verdict is not None:
            summary["xxgk/health"] = verdict.summary()
        run.status, run.finished_at, run.stats = status, clock.now(), summary
        return verdict
