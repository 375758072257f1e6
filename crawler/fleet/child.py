"""One queued crawl in its own process, forked by the worker's fork server.

A crawl needs a process of its own (Twisted's reactor cannot restart), and a worker killed with
SIGKILL must leave no crawl running behind it. The crawl's parent is the worker's fork server (which
exits when the worker dies: multiprocessing watches its parent's pipe), and the first thing the
crawl does is ask the kernel to SIGKILL it when that parent dies (`PR_SET_PDEATHSIG`, Linux), then
checks it did not die in between. Exit codes: 0 finished (3: finished, degraded health), 1 not finished, 75 the
site was locked by another crawl (try later).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
EXIT_LOCKED = 75  # EX_TEMPFAIL


def release_fork_server() -> None:
    """Drop the copy of the worker's end of the fork server's lifeline that multiprocessing hands
    every child: while a crawl held it, the fork server could not see its worker die, and the
    crawl would outlive both."""
    from multiprocessing import forkserver

    server = forkserver._forkserver  # type: ignore[attr-defined]
    if getattr(server, "_forkserver_alive_fd", None) is not None:
        os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None


def die_with_parent(parent: int) -> None:
    """SIGKILL this process when its parent dies; exit now if it already has."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the worker died before the prctl: nobody is waiting for this crawl
        os._exit(1)


def run(site: str, mode: str, slot: str, overrides: dict[str, str]) -> int:
    """The crawl, in a process forked by the worker's fork server (crawler/fleet/worker.py)."""
    die_with_parent(os.getppid())
    release_fork_server()
    from archive import locks
    from crawler.runner import run_crawl

    try:
        results = run_crawl([site], mode=mode, overrides={**overrides, "XXGK_SCHEDULED_FOR": slot or None})
    except locks.SiteLocked as locked:
        print(str(locked), file=sys.stderr)
        return EXIT_LOCKED
    result = results[0]
    if result.finish_reason != "finished":
        return 1
    return 3 if str(result.stats.get("xxgk/health", "ok")).startswith("degraded") else 0


def main(site: str, mode: str, slot: str, overrides: dict[str, str]) -> None:
    """multiprocessing's target: the exit code is the process's."""
    sys.exit(run(site, mode, slot, overrides))
