"""What a call to a parse worker costs the crawl process: ProcessPoolExecutor against our pipes.

    PYTHONPATH=. python bench/worker_calls.py [--calls 3000] [--rounds 3]

The crawl process is the crawl's bottleneck (docs/benchmarks.md), and it calls a worker once per page
and once per attachment. Each call here sends a 30 KB page and gets a small result back, 16 in flight
as a crawl has them; printed: the CPU milliseconds a call costs the calling process and the worker.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import sys
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.worker_process import WorkerProcess

BODY = os.urandom(30_000)


def parse_like(body: bytes, url: str) -> dict[str, Any]:
    """A stand-in for the parser: bytes in, a small record out."""
    return {"url": url, "body": body[:10_000].decode("latin-1"), "fields": {"title": "x" * 50}}


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


async def _drive(call: Callable[..., Awaitable[Any]], calls: int) -> None:
    in_flight = asyncio.Semaphore(16)

    async def one(i: int) -> None:
        async with in_flight:
            await call(parse_like, BODY, f"http://example/{i}")

    await asyncio.gather(*(one(i) for i in range(calls)))


async def executor(calls: int) -> tuple[float, float]:
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))

    def call(fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        return asyncio.wrap_future(pool.submit(fn, *args))

    await call(parse_like, b"", "warm")
    parent, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    await _drive(call, calls)
    pool.shutdown()
    return _cpu(resource.RUSAGE_SELF) - parent, _cpu(resource.RUSAGE_CHILDREN) - children


async def pipes(calls: int) -> tuple[float, float]:
    worker = WorkerProcess(None)
    await worker.call(parse_like, b"", "warm")
    parent, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    await _drive(worker.call, calls)
    worker.stop()
    return _cpu(resource.RUSAGE_SELF) - parent, _cpu(resource.RUSAGE_CHILDREN) - children


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for _ in range(args.rounds):
        for name, how in (("ProcessPoolExecutor", executor), ("pipes (crawler.worker_process)", pipes)):
            parent, worker = asyncio.run(how(args.calls))
            # The worker's figure includes its start-up: it is counted once the process has been joined.
            print(
                f"{name:>31}: caller {1000 * parent / args.calls:.3f} ms a call, "
                f"worker {1000 * worker / args.calls:.3f} ms a call (with its start)"
            )


if __name__ == "__main__":
    main()
