"""One queued crawl in its own process: `python -m crawler.fleet.child PARENT_PID SITE MODE SLOT [NAME=VALUE…]`.

A crawl needs a process of its own (Twisted's reactor cannot restart), and a worker killed with
SIGKILL must leave no crawl running behind it: the first thing this process does is ask the kernel to
SIGKILL it when its parent (the worker) dies (`PR_SET_PDEATHSIG`, Linux), then checks the worker did
not die in between. Exit codes: 0 finished (3: finished, degraded health), 1 not finished, 75 the
site was locked by another crawl (try later).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
EXIT_LOCKED = 75  # EX_TEMPFAIL


def die_with_parent(parent: int) -> None:
    """SIGKILL this process when its parent dies; exit now if it already has."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the worker died before the prctl: nobody is waiting for this crawl
        os._exit(1)


def main(argv: list[str]) -> int:
    parent, site, mode, slot, *pairs = argv
    die_with_parent(int(parent))
    overrides = dict(pair.split("=", 1) for pair in pairs)
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
