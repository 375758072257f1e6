"""`xxgk worker`: take crawl jobs from the fleet's queue and run each as a crawl in a child process.

A worker is procrastinate's worker (concurrency N: N crawls at once) plus two things of ours: each job
runs `crawler.fleet.child` in a process that dies with the worker (PR_SET_PDEATHSIG), and a loop that
puts back the jobs of workers that stopped beating (`queue.requeue_stalled`), so a SIGKILLed worker's
crawl is taken by another within seconds and resumes from the archive's captures. SIGINT/SIGTERM stop
taking jobs; running crawls get SIGINT (Scrapy's graceful stop: the run ends `interrupted`) when
procrastinate cancels them at the end of the grace period.

The database going away (a restart) is waited out: procrastinate's pool reconnects, a crawl that
failed on it exits non-zero and its job is retried (queue.RETRY), and this loop retries the whole
worker after a pause when the queue itself cannot be reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
import os
import signal
import sys
from dataclasses import dataclass, field
from typing import Any

import procrastinate
from procrastinate import exceptions as pexc

from crawler.fleet import child, queue
from crawler.fleet.child import EXIT_LOCKED
from crawler.preload import CRAWL_MODULES

logger = logging.getLogger("xxgk.fleet")
GRACE = 30.0  # seconds a cancelled crawl gets to store its in-flight documents after SIGINT


class CrawlFailed(Exception):
    """The crawl process did not finish its run; the job is retried (the next run resumes it)."""


@dataclass(frozen=True)
class WorkerConfig:
    database_url: str
    concurrency: int = 2
    overrides: dict[str, str] = field(default_factory=dict)  # crawl settings for every child
    name: str | None = None


def fork_server() -> multiprocessing.context.BaseContext:
    """multiprocessing's fork server with the crawl's modules preloaded. Why not a fresh interpreter
    per crawl: the imports would cost more CPU than a small site's crawl. Why not fork the worker: it
    runs threads (the queue's connection pool) and an event loop, which a fork must not inherit. The
    fork server is a clean single-threaded process; it exits when the worker dies."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*_main_module(), *CRAWL_MODULES])
    return context


def _main_module() -> list[str]:
    """The module this process runs as (`python -m cli.main worker`): multiprocessing runs it again
    in each forked child, as `__mp_main__`, and that costs little only if its imports (click, the
    command table) are already done in the fork server."""
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    return [spec.name] if spec is not None and spec.name != "__main__" else []


def _start_fork_server() -> None:
    fork_server()
    multiprocessing.forkserver.ensure_running()


async def _exited(process: Any) -> int:
    loop = asyncio.get_running_loop()
    ended = loop.create_future()
    loop.add_reader(process.sentinel, lambda: ended.done() or ended.set_result(None))
    try:
        await ended
    finally:
        loop.remove_reader(process.sentinel)
    process.join()
    return int(process.exitcode)


async def run_child(config: WorkerConfig, site: str, mode: str, slot: str) -> int:
    """Run one crawl in a child process and wait for it; cancelled → SIGINT, then SIGKILL after GRACE."""
    overrides = {**config.overrides, "XXGK_DATABASE_URL": config.database_url}
    process = fork_server().Process(
        target=child.main, args=(site, mode, slot, overrides), name=f"crawl {site}"
    )
    await asyncio.to_thread(process.start)  # the first start launches the fork server: off the loop
    try:
        return await _exited(process)
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGINT)
        try:
            await asyncio.wait_for(asyncio.shield(_exited(process)), GRACE)
        except TimeoutError:
            process.kill()
        raise


def crawl_task(config: WorkerConfig) -> Any:
    async def crawl_site(
        context: procrastinate.JobContext, site: str, mode: str, scheduled_for: str = ""
    ) -> int:
        job = context.job
        logger.info("job %s: %s crawl of %s (attempt %d)", job.id, mode, site, job.attempts + 1)
        code = await run_child(config, site, mode, scheduled_for)
        if code == EXIT_LOCKED:
            raise CrawlFailed(f"{site} is being crawled outside the queue; trying again later")
        if code not in (0, 3):
            raise CrawlFailed(f"the {mode} crawl of {site} ended with exit code {code}")
        return code

    return crawl_site


async def _requeue_loop(app: procrastinate.App) -> None:
    while True:
        try:
            await queue.requeue_stalled(app)
        except pexc.ConnectorException as error:  # the database is restarting: try again shortly
            logger.warning("could not look for stalled jobs: %s", error)
        except Exception:  # never let the sweep die quietly: a dead worker's jobs would wait for ever
            logger.exception("looking for stalled jobs failed; trying again")
        await asyncio.sleep(queue.STALL_CHECK)


async def _until_empty(app: procrastinate.App, work: asyncio.Task[None]) -> None:
    """Stop the worker once no job is waiting or running anywhere (twice in a row, a second apart).
    Not procrastinate's `wait=False`, which stops at the first fetch that finds nothing: a job
    waiting behind its site's lock, or one a dead worker still holds, is not nothing."""
    empty = 0
    while not work.done():
        await asyncio.sleep(1.0)
        try:
            row = await app.connector.execute_query_one_async(
                "SELECT count(*) AS n FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"  # type: ignore[arg-type]
            )
        except pexc.ConnectorException:
            empty = 0
            continue
        empty = empty + 1 if row["n"] == 0 else 0
        if empty >= 2:
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
            return


async def run_worker_async(config: WorkerConfig, *, wait: bool = True) -> None:
    """Work until stopped (SIGINT/SIGTERM); `wait=False`: until the queue is empty (tests, benches)."""
    app = queue.make_app(config.database_url, crawl_task(config))
    await asyncio.to_thread(_start_fork_server)
    while True:
        try:
            async with app.open_async():
                requeue = asyncio.create_task(_requeue_loop(app))
                work = asyncio.create_task(app.run_worker_async(
                    queues=[queue.QUEUE],
                    concurrency=config.concurrency,
                    name=config.name,
                    update_heartbeat_interval=queue.HEARTBEAT,
                    stalled_worker_timeout=queue.STALLED,
                    shutdown_graceful_timeout=GRACE,
                    delete_jobs="never",
                ))  # fmt: skip
                try:
                    if not wait:
                        await _until_empty(app, work)
                    if not work.cancelled():
                        await work
                finally:
                    requeue.cancel()
            return
        except (pexc.ConnectorException, OSError) as error:
            logger.warning("fleet queue unreachable (%s); trying again in 2s", error)
            await asyncio.sleep(2)


def run_worker(config: WorkerConfig, *, wait: bool = True) -> None:
    asyncio.run(run_worker_async(config, wait=wait))
