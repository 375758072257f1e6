"""The parse workers (crawler/worker_process.py, crawler/workers.py): real spawned processes, real pipes.

The crawl hands them every page and every attachment, so what matters is that an answer always comes
back to the call that asked, whatever the worker did: a result, the worker's exception, or the news
that the worker died, after which the pool carries on with a new one.
"""

from __future__ import annotations

import asyncio
import operator
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from crawler.warm_up import warm_up
from crawler.worker_process import WorkerDied, WorkerProcess
from crawler.workers import ParseWorkers
from tests.conftest import run_python_json

T = TypeVar("T")


class _Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("cannot travel")
        self.handle = lambda: None  # a lambda does not pickle


def raise_unpicklable() -> None:
    raise _Unpicklable()


def echo_size(body: bytes, *, times: int = 1) -> int:
    return len(body) * times


class _LightPool(ParseWorkers):
    """The crawl's pool without its warm-up (importing the parser costs seconds a worker)."""

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self.workers = [w for w in self.workers if w.alive]
        if not self.workers:
            self.workers.append(WorkerProcess(None))
        return await self.workers[0].call(fn, *args, **kwargs)


def run(coro_fn: Callable[[ParseWorkers], Awaitable[T]], pool: ParseWorkers | None = None) -> T:
    """Run `coro_fn(pool)` with a fresh pool of one worker, stopped afterwards."""
    pool = pool or _LightPool(1)

    async def main() -> T:
        try:
            return await coro_fn(pool)
        finally:
            pool.shutdown()

    return asyncio.run(main())


def test_answers_reach_their_callers_with_large_bodies_in_flight_together() -> None:
    big = os.urandom(5 * 1024 * 1024)  # far more than a pipe holds: the event loop must not block

    async def calls(pool: ParseWorkers) -> list[int]:
        return list(
            await asyncio.gather(
                *(pool.run(echo_size, big if i % 7 == 0 else b"x" * i, times=2) for i in range(60))
            )
        )

    assert run(calls) == [2 * (len(big) if i % 7 == 0 else i) for i in range(60)]


def test_a_workers_pipes_hold_many_pages_between_the_event_loops_turns() -> None:
    """Linux's default pipe holds 64 KB, two pages: the worker then starved while the reactor was busy."""
    import fcntl
    from pathlib import Path

    from crawler.worker_process import PIPE_BYTES

    expected = min(PIPE_BYTES, int(Path("/proc/sys/fs/pipe-max-size").read_text()))

    async def sizes(pool: ParseWorkers) -> list[int]:
        assert await pool.run(echo_size, b"page") == 4
        worker = pool.workers[0]
        assert worker._calls_pipe is not None and worker._answers_pipe is not None
        return [
            fcntl.fcntl(p.fileno(), fcntl.F_GETPIPE_SZ) for p in (worker._calls_pipe, worker._answers_pipe)
        ]

    assert run(sizes) == [expected, expected]
    assert expected > 64 * 1024


def test_a_worker_freezes_what_it_started_with() -> None:
    """The collector's full passes never walk the modules a worker was born with."""
    import gc

    async def frozen(pool: ParseWorkers) -> int:
        return await pool.run(gc.get_freeze_count)

    assert run(frozen) > 1000


def test_the_workers_exception_reaches_the_caller() -> None:
    async def calls(pool: ParseWorkers) -> tuple[str, str, int]:
        with pytest.raises(ZeroDivisionError):
            await pool.run(operator.truediv, 1, 0)
        with pytest.raises(RuntimeError) as unpicklable:
            await pool.run(raise_unpicklable)
        assert "cannot travel" in str(unpicklable.value)
        worker_pid = await pool.run(os.getpid)
        return type(unpicklable.value).__name__, str(unpicklable.value), worker_pid

    name, _, worker_pid = run(calls)
    assert name == "RuntimeError" and worker_pid != os.getpid()


def test_a_worker_that_dies_fails_its_calls_and_the_next_call_gets_a_new_worker() -> None:
    async def calls(pool: ParseWorkers) -> tuple[int, int]:
        first_pid = await pool.run(os.getpid)
        held = asyncio.ensure_future(pool.run(time.sleep, 30))
        await asyncio.sleep(0.5)
        pool.workers[0].process.kill()  # type: ignore[union-attr]
        started = time.monotonic()
        with pytest.raises(WorkerDied, match="exit code -9"):
            await held
        assert time.monotonic() - started < 10
        return first_pid, await pool.run(os.getpid)

    first_pid, second_pid = run(calls, ParseWorkers(1))  # the crawl's own pool, warm-up and all
    assert first_pid != second_pid


def test_no_processes_means_inline() -> None:
    pool = ParseWorkers(0)
    assert asyncio.run(pool.run(os.getpid)) == os.getpid()
    assert pool.workers == []


def test_opening_the_pool_starts_its_worker_before_the_first_call() -> None:
    async def calls(pool: ParseWorkers) -> tuple[int | None, int]:
        pool.open()  # as the pipelines' open_spider does, inside the running event loop
        for _ in range(300):
            process = pool.workers[0].process if pool.workers else None
            if process is not None and process.is_alive():
                break
            await asyncio.sleep(0.1)
        return process.pid if process is not None else None, await pool.run(os.getpid)

    started_pid, answering_pid = run(calls, ParseWorkers(1))
    assert started_pid is not None and started_pid == answering_pid


def test_a_warmed_worker_holds_the_parser_and_not_scrapy() -> None:
    """A spawned worker imports the module of its initializer: kept apart from the pool's module, the
    warm-up brings the parser and the PDF reader and not Scrapy or Twisted (~1 s a worker)."""

    async def packages(pool: ParseWorkers) -> list[str]:
        pool.workers = [WorkerProcess(warm_up)]
        return await pool.workers[0].call(
            eval, "sorted({m.split('.')[0] for m in __import__('sys').modules})"
        )

    loaded = set(run(packages))
    assert {"lxml", "trafilatura", "pypdfium2", "crawler"} <= loaded
    assert loaded & {"scrapy", "twisted"} == set()


_FORKED_AHEAD = """
import asyncio, json, time
from crawler import workers  # imported here: a forked worker has it, a spawned one does not
from crawler.worker_process import WorkerProcess, fork_ahead

forked = fork_ahead(2, None)

async def main():
    pool = [WorkerProcess(None) for _ in range(3)]  # two take the forked workers, the third spawns
    born_with = [await w.call(eval, "'crawler.workers' in __import__('sys').modules") for w in pool]
    pids = [await w.call(eval, "__import__('os').getpid()") for w in pool]
    started = time.monotonic()
    for w in pool:
        w.stop()
    print(json.dumps({"forked": forked, "born_with": born_with, "pids": pids,
                      "stop_seconds": time.monotonic() - started}))

asyncio.run(main())
"""


def test_workers_forked_ahead_are_taken_first_and_end_with_their_input() -> None:
    """A crawl process forks its first workers before its threads and event loop exist
    (`fork_ahead`): each is born with what the process imported, instead of a spawned interpreter
    importing the parser (about a second of CPU). A worker past those is spawned. Every one must see
    its end of input when its pipe is closed: a forked child holding a copy of its own pipe's write
    end (or a sibling's) never would, and the crawl's shutdown waited 30 s for it, then killed it."""
    outcome = run_python_json(_FORKED_AHEAD)
    assert outcome["forked"] == 2
    assert outcome["born_with"] == [True, True, False]
    assert len(set(outcome["pids"])) == 3
    assert outcome["stop_seconds"] < 10
