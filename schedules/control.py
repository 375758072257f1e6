"""What the web interface may change, for `xxgk serve --token-file`: pause or resume a scheduled job,
and start a crawl of a site now.

The web room never imports the schedule or the crawler (tests/test_layers.py): `xxgk serve` builds a
`ScheduleControl` and hands it to the app, which only calls these methods, and only for a request
that carries the configured token (web/actions.py).

- Pause and resume edit the schedule's own job store (APScheduler's SQLAlchemyJobStore in the
  archive's database), exactly as `xxgk schedule pause|resume` does; a running `xxgk schedule run`
  picks the change up within `service.WAKE_SECONDS`.
- A crawl starts as the schedule starts one: `service.run_crawl_job`, an `xxgk crawl` process of its
  own (Twisted's reactor belongs to its process; a crashing crawl cannot take the server down), here
  waited for on a thread so the request returns at once. The crawl takes the site's lock in the
  database like any other, so a crawl already running there (from a schedule, a terminal or this
  server) makes the new one stop with the lock's message; this server also refuses a second crawl of
  a site while its own is still running. Each crawl started here is listed (`crawls`) with its state
  and exit code for the agencies page.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from archive.db import Archive
from schedules import service
from schedules.config import MODES
from web.control import Refused

KEEP = 50  # crawls started here that the agencies page lists


class ScheduleControl:
    def __init__(
        self, database_url: str | None, sites: Sequence[str], crawl_args: Sequence[str] = ()
    ) -> None:
        self.archive = Archive(database_url)
        self.database_url = self.archive.engine.url.render_as_string(hide_password=False)
        self.sites, self.crawl_args = tuple(sites), list(crawl_args)
        self.lock = threading.Lock()
        self.started: list[dict[str, Any]] = []
        self.threads: list[threading.Thread] = []

    # -- the schedule ---------------------------------------------------------------------------------
    def _change_job(self, job: str, action: str) -> dict[str, Any]:
        """Pause or resume `job` through APScheduler's own API, on a scheduler that runs nothing: started
        paused, it only reads and writes the job store (resume computes the next slot from the trigger)."""
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.archive.engine, tablename=service.JOB_TABLE)}
        )
        with self.lock:
            scheduler.start(paused=True)
            try:
                changed = getattr(scheduler, f"{action}_job")(job, jobstore="default")
            except JobLookupError:
                raise LookupError(job) from None
            finally:
                scheduler.shutdown(wait=False)
        next_run = changed.next_run_time
        return {
            "job": job,
            "paused": next_run is None,
            "next_run": next_run.isoformat() if next_run else None,
        }

    def pause(self, job: str) -> dict[str, Any]:
        return self._change_job(job, "pause")

    def resume(self, job: str) -> dict[str, Any]:
        return self._change_job(job, "resume")

    # -- crawls ---------------------------------------------------------------------------------------
    def start_crawl(self, site: str, mode: str = "incremental") -> dict[str, Any]:
        """Start `xxgk crawl SITE --mode MODE` in its own process; returns its entry in `crawls`."""
        if site not in self.sites:
            raise LookupError(site)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        with self.lock:
            if any(c["site"] == site and c["state"] == "running" for c in self.started):
                raise Refused(f"a crawl of {site} started here is still running")
            entry = {"id": len(self.started) + 1, "site": site, "mode": mode, "state": "running",
                     "started_at": datetime.now(UTC).isoformat(), "ended_at": None, "exit_code": None}  # fmt: skip
            self.started.append(entry)
            thread = threading.Thread(target=self._run, args=(entry,), name=f"crawl-{site}", daemon=True)
            self.threads.append(thread)
        thread.start()
        return dict(entry)

    def _run(self, entry: dict[str, Any]) -> None:
        try:
            code = service.run_crawl_job(entry["site"], entry["mode"], self.database_url, self.crawl_args)
        except Exception:  # the process could not even start: say so on the page, keep serving
            code = -1
        with self.lock:
            entry.update(state="finished" if code == 0 else "failed", exit_code=code,
                         ended_at=datetime.now(UTC).isoformat())  # fmt: skip

    def crawls(self, site: str | None = None) -> list[dict[str, Any]]:
        """The crawls started here, newest first (of `site` only, when given)."""
        with self.lock:
            found = [dict(c) for c in reversed(self.started) if site is None or c["site"] == site]
        return found[:KEEP]

    def close(self, timeout: float = 60) -> None:
        """The server is stopping: the crawls it started stop as the schedule's do (SIGINT, Scrapy's
        graceful stop: the run ends `interrupted` and the next one resumes it)."""
        with self.lock:
            running = {c["site"] for c in self.started if c["state"] == "running"}
        with service._running_lock:
            for site, process in service._running.items():
                if site in running:
                    process.send_signal(signal.SIGINT)
        for thread in self.threads:
            thread.join(timeout)
        self.archive.close()
