"""The long-running schedule service: APScheduler with its jobs persisted in the archive database.

Why the settings are what they are (APScheduler's defaults lose runs silently):
- `coalesce=True`: a service that was down over several slots runs the crawl once, not once per slot;
- `misfire_grace_time` in hours (default 12): a slot missed by a restart still runs when the service
  comes back; APScheduler's default of one second would drop it;
- `max_instances=1` per job, and a site lock in the database (`archive.locks`) so that no two crawls of
  one site overlap, whichever job or service process starts them;
- jobs live in the archive's own database (SQLAlchemyJobStore), so the missed slot is known after a
  restart. APScheduler 3 does not support one job store shared by two running schedulers (each may
  fire a slot); with `queue = true` (the fleet) the service takes a PostgreSQL advisory lock and a
  second one refuses to start (`ScheduleServiceBusy`): scale the fleet with workers, not schedulers.
Each crawl runs as `xxgk crawl` in its own process: Twisted's reactor cannot be restarted in-process,
and a crashing crawl must not take the service down. The slot a run fills is passed to it
(`--scheduled-for`) and recorded on the crawl run, so a late run says so.
"""

from __future__ import annotations

import copy
import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING

from archive.db import Archive
from schedules import notify as notifications
from schedules.config import JobSpec, ScheduleConfig, ScheduleServiceBusy

logger = logging.getLogger("xxgk.schedule")

JOB_TABLE = "xxgk_schedule_jobs"
EXTRA_PREFIX = "extra:"  # jobs added with `xxgk schedule add`, kept across config changes
WAKE_SECONDS = 300  # wake at least this often, so pause/resume from another process takes effect

_running: dict[str, subprocess.Popen[bytes]] = {}
_running_lock = threading.Lock()


def run_crawl_job(
    site: str,
    mode: str,
    database_url: str,
    crawl_args: Sequence[str] = (),
    spec: str = "",
    scheduled_for: str = "",
    notify: dict[str, Any] | None = None,
    queue: bool = False,
) -> int:
    """The job: one `xxgk crawl` process for one site. Returns its exit code (logged by the service).
    With `notify` (the schedule's [notify]), what the run changed is sent afterwards; a notifier's
    failure is logged and never changes the job's outcome. With `queue`, the run is queued for the
    fleet's workers instead (one job per site and mode waits at a time: a slot coalesces with a job
    still waiting from the last)."""
    if queue:
        from crawler.fleet.queue import enqueue

        queued = enqueue(database_url, [site], mode, scheduled_for)[0]
        logger.info("queued %s crawl of %s (slot %s): %s", mode, site, scheduled_for or "now",
                    f"job {queued.job_id}" if queued.job_id is not None else "a job was already waiting")  # fmt: skip
        return 0
    notifier = notifications.from_kwargs(notify)
    earlier = None
    if notifier is not None:
        try:
            earlier = notifications.before(database_url, site)
        except Exception:
            logger.exception("could not read the archive before the %s crawl of %s", mode, site)
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "crawl",
        site,
        "--mode",
        mode,
        "--database-url",
        database_url,
    ]
    if scheduled_for:
        command += ["--scheduled-for", scheduled_for]
    command += list(crawl_args)
    logger.info("starting %s crawl of %s (slot %s)", mode, site, scheduled_for or "now")
    process = subprocess.Popen(command)
    with _running_lock:
        _running[site] = process
    try:
        code = process.wait()
    finally:
        with _running_lock:
            _running.pop(site, None)
    logger.info("%s crawl of %s ended with exit code %d", mode, site, code)
    if notifier is not None and earlier is not None:
        notifications.after_run(notifier, database_url, site, mode, code, earlier)
    return code


class SlotExecutor(ThreadPoolExecutor):
    """Hands each run the slot it fills: with coalescing, the latest missed slot."""

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        slotted = copy.copy(job)  # pickling-based copy: carry over the two attributes it leaves out
        slotted._scheduler, slotted._jobstore_alias = job._scheduler, job._jobstore_alias
        slotted.kwargs = {**job.kwargs, "scheduled_for": run_times[-1].isoformat()}
        super()._do_submit_job(slotted, run_times)


class GuardedScheduler(BackgroundScheduler):
    """APScheduler 3 makes one more pass over due jobs while shutting down (also from paused); that
    pass cannot submit them any more but still advances their next run time, silently consuming a
    missed slot. Only a running scheduler processes jobs here."""

    def _process_jobs(self) -> float | None:
        if self.state != STATE_RUNNING:
            return None
        return super()._process_jobs()


class ScheduleService:
    def __init__(
        self, config: ScheduleConfig, database_url: str | None, crawl_args: Sequence[str] = ()
    ) -> None:
        self.config = config
        self.archive = Archive(database_url)
        self.database_url = self.archive.engine.url.render_as_string(hide_password=False)
        self.crawl_args = list(crawl_args)
        self.scheduler = GuardedScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=self.archive.engine, tablename=JOB_TABLE),
                "memory": MemoryJobStore(),
            },
            executors={"default": SlotExecutor(max_workers=4)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(config.misfire_grace_hours * 3600),
            },
            timezone=config.timezone,
        )

    # -- the job store -------------------------------------------------------------------------------
    def open(self) -> None:
        """Load the stored jobs without running anything, and bring them in line with the config."""
        self.scheduler.start(paused=True)
        self.sync()

    def sync(self) -> None:
        """Config jobs whose spec is unchanged keep their stored state (next slot, missed slot, pause);
        changed ones are replaced; jobs gone from the config are removed. `extra:` jobs stay."""
        wanted = {spec.id: spec for spec in self.config.jobs}
        for job in self.scheduler.get_jobs(jobstore="default"):
            if not job.id.startswith(EXTRA_PREFIX) and job.id not in wanted:
                job.remove()
        for spec in wanted.values():
            stored = self.scheduler.get_job(spec.id, jobstore="default")
            kwargs = self._kwargs(spec)
            if stored is None or stored.kwargs.get("spec") != spec.spec:
                self._add(spec, kwargs)  # new or re-timed: its next slot counts from now
            elif stored.kwargs != kwargs:
                stored.modify(kwargs=kwargs)  # same slots, other arguments: keep a missed slot pending

    def _kwargs(self, spec: JobSpec) -> dict[str, Any]:
        kwargs = {
            "site": spec.site,
            "mode": spec.mode,
            "database_url": self.database_url,
            "crawl_args": self.crawl_args,
            "spec": spec.spec,
        }
        if self.config.queue:
            kwargs["queue"] = True
        if self.config.notify is not None:  # stored as a plain dict: the job store pickles kwargs
            kwargs["notify"] = asdict(self.config.notify) | {"urls": list(self.config.notify.urls)}
        return kwargs

    def _add(self, spec: JobSpec, kwargs: dict[str, Any]) -> Job:
        return self.scheduler.add_job(
            run_crawl_job,
            spec.trigger,
            id=spec.id,
            name=spec.description,
            kwargs=kwargs,
            jobstore="default",
            replace_existing=True,
        )

    def add_extra(self, spec: JobSpec) -> Job:
        return self._add(spec, self._kwargs(spec))

    def jobs(self) -> list[dict[str, Any]]:
        rows = []
        for job in sorted(self.scheduler.get_jobs(jobstore="default"), key=lambda j: j.id):
            rows.append(
                {
                    "job": job.id,
                    "site": job.kwargs.get("site"),
                    "mode": job.kwargs.get("mode"),
                    "next_run": job.next_run_time.isoformat() if job.next_run_time else None,
                    "paused": job.next_run_time is None,
                    "schedule": job.name,
                }
            )
        return rows

    # -- running -------------------------------------------------------------------------------------
    def run(self) -> None:
        """Start firing jobs (missed slots within the grace time run once, now)."""
        if self.config.queue:
            self._hold_service_lock()
        self.scheduler.add_job(lambda: None, "interval", seconds=WAKE_SECONDS, id="wake", jobstore="memory")
        self.scheduler.resume()

    def _hold_service_lock(self) -> None:
        """The one running scheduler of this archive's schedule, held for the process's life on a
        connection of its own (a crashed service's lock goes with its connection)."""
        if self.archive.engine.dialect.name != "postgresql":
            return
        from sqlalchemy import text

        self._lock_connection = self.archive.engine.connect()
        held = self._lock_connection.execute(
            text("SELECT pg_try_advisory_lock(hashtext(:name))"), {"name": JOB_TABLE}
        ).scalar_one()
        self._lock_connection.commit()
        if not held:
            self._lock_connection.close()
            raise ScheduleServiceBusy(
                "another `xxgk schedule run` is running this archive's schedule; run one scheduler "
                "and as many `xxgk worker`s as you like"
            )

    def stop(self) -> None:
        """Let running crawls finish their current documents (SIGINT is Scrapy's graceful stop), then
        stop the scheduler; the runs end `interrupted` and the next one resumes them."""
        with _running_lock:
            for process in _running.values():
                process.send_signal(signal.SIGINT)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self._release_service_lock()
        self.archive.close()

    def close(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self._release_service_lock()
        self.archive.close()

    def _release_service_lock(self) -> None:
        connection = getattr(self, "_lock_connection", None)
        if connection is not None:
            connection.close()  # the session ends, and with it the advisory lock
            self._lock_connection = None
