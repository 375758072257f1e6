"""The fleet's queue: procrastinate on the archive's own PostgreSQL.

Why procrastinate (docs/architecture.md, "A fleet of workers", and docs/benchmarks.md for what was
measured): the fleet already needs one PostgreSQL archive, so the queue is no second service to run,
back up or restart; jobs survive a restart because the broker is the database; workers send heartbeats
and a job held by a worker that stopped sending them (SIGKILL, a machine lost) is found by
`JobManager.get_stalled_jobs` and put back (`requeue_stalled`). The unit of work is a site crawl (one
site in one mode), never a request.

Two locks keep a site's crawls apart. procrastinate's `queueing_lock` (site and mode) keeps one waiting
job per site and mode, so the scheduler and a hand-typed `xxgk crawl --queue` never pile up the same
run; its `lock` (site) runs one job of a site at a time in the whole fleet. Below them the archive's
site lock (archive/locks.py) still guards against a crawl started outside the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import procrastinate
from procrastinate import exceptions as pexc
from procrastinate.jobs import Status
from sqlalchemy.engine import make_url

logger = logging.getLogger("xxgk.fleet")

QUEUE = "crawls"
TASK = "xxgk.crawl_site"
# A job whose worker sent no heartbeat for this long is another worker's to take (procrastinate's
# worker beats every HEARTBEAT seconds); redelivery of a SIGKILLed worker's job takes at most
# STALLED + STALL_CHECK seconds.
HEARTBEAT = 2.0
STALLED = 8.0
STALL_CHECK = 2.0
# A failed crawl (it crashed, or its site was locked by a crawl outside the queue) is tried again
# after 5, 20, 35 and 50 s: 110 s in all, more than a site lock's lease (`xxgk worker`: 60 s), which
# is the longest a crawl whose machine vanished can keep its site.
RETRY = procrastinate.RetryStrategy(max_attempts=5, wait=5, linear_wait=15)


class FleetConfigError(ValueError):
    """The fleet needs a PostgreSQL archive."""


def conninfo(database_url: str) -> str:
    """libpq's form of the archive's SQLAlchemy URL (postgresql+psycopg://… → postgresql://…)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise FleetConfigError(
            f"the fleet queue lives in PostgreSQL; {url.render_as_string(hide_password=True)} is "
            f"{url.get_backend_name()} (set XXGK_DATABASE_URL=postgresql://…)"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(database_url: str, task: Callable[..., Awaitable[Any]] | None = None) -> procrastinate.App:
    """The procrastinate app over the archive's database; `task` is the crawl (workers register the
    real one, crawler/fleet/worker.py; enqueuers only need its name)."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url)))
    app.task(name=TASK, queue=QUEUE, retry=RETRY, pass_context=True)(task or _not_here)
    return app


async def _not_here(*args: Any, **kwargs: Any) -> None:  # pragma: no cover - only workers run crawls
    raise RuntimeError("crawl jobs run in `xxgk worker`")


async def schema_applied(app: procrastinate.App) -> bool:
    row = await app.connector.execute_query_one_async(
        "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"  # type: ignore[arg-type]
    )
    return bool(row["present"])


def init_schema(database_url: str) -> bool:
    """Apply procrastinate's schema when it is missing (`xxgk fleet init`); True when applied now."""

    async def run() -> bool:
        app = make_app(database_url)
        async with app.open_async():
            if await schema_applied(app):
                return False
            await app.schema_manager.apply_schema_async()
            return True

    return asyncio.run(run())


@dataclass(frozen=True)
class Queued:
    site: str
    mode: str
    job_id: int | None  # None: a job of this site and mode was already waiting


async def enqueue_async(
    app: procrastinate.App, sites: Iterable[str], mode: str, scheduled_for: str = ""
) -> list[Queued]:
    task = app.tasks[TASK]
    if not await schema_applied(app):
        raise FleetConfigError("the fleet queue is not set up in this database: run `xxgk fleet init`")
    out = []
    for site in sites:
        try:
            job_id = await task.configure(lock=f"site:{site}", queueing_lock=f"{site}:{mode}").defer_async(
                site=site, mode=mode, scheduled_for=scheduled_for
            )
        except pexc.AlreadyEnqueued:
            job_id = None
        out.append(Queued(site, mode, job_id))
    return out


def enqueue(database_url: str, sites: Iterable[str], mode: str, scheduled_for: str = "") -> list[Queued]:
    """One crawl job per site (`xxgk crawl SITE… --queue`, the scheduler in fleet mode)."""

    async def run() -> list[Queued]:
        app = make_app(database_url)
        async with app.open_async():
            return await enqueue_async(app, sites, mode, scheduled_for)

    return asyncio.run(run())


async def requeue_stalled(app: procrastinate.App, seconds: float = STALLED) -> list[int]:
    """Put back the jobs of workers that stopped beating (killed, their machine gone): another worker
    takes them, and the crawl resumes from the archive's captures (crawler/middlewares/resume.py).
    Several workers may race on one job: the first wins, the others' retry finds it no longer doing.
    A stalled job whose site and mode have a newer job waiting (the scheduler queued the next slot
    meanwhile: the queueing lock refuses a second waiting job) is ended `aborted`: the waiting job
    runs the crawl and resumes what the dead one stored. Left `doing`, it would hold the site's lock
    and the waiting job would never run."""
    requeued = []
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds):
        try:
            await app.job_manager.retry_job(job)
        except pexc.UniqueViolation:
            with contextlib.suppress(pexc.ConnectorException):
                await app.job_manager.finish_job_by_id_async(
                    int(job.id or 0), Status.ABORTED, delete_job=False
                )
                logger.warning("job %s was held by a worker that stopped; a newer job of %s waits: aborted",
                               job.id, job.task_kwargs)  # fmt: skip
            continue
        except pexc.ConnectorException:
            continue
        logger.warning("job %s (%s) was held by a worker that stopped: queued again", job.id, job.task_kwargs)
        requeued.append(int(job.id or 0))
    return requeued


def counts(database_url: str) -> dict[str, int]:
    """Jobs by status (todo, doing, succeeded, failed, …): `xxgk fleet status`, tests."""

    async def run() -> dict[str, int]:
        app = make_app(database_url)
        async with app.open_async():
            rows = await app.connector.execute_query_all_async(
                "SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs GROUP BY status"  # type: ignore[arg-type]
            )
        return {str(r["status"]): int(r["n"]) for r in rows}

    return asyncio.run(run())
