"""`xxgk` in a process of its own, forked from a server that has already imported the crawl's modules.

A crawl owns its process (Twisted's reactor cannot restart), so each of the suite's crawls needs one.
Started as `python -m cli.main`, each paid ~2 s of CPU for its imports before its first request, on two
cores shared by three test workers. Forked from a fork server that imported them once (the same
modules the fleet's worker preloads: `crawler.preload`), a crawl starts in a fraction of that. What runs
in the child is the real command line: `cli.main` parses the arguments, the environment and working
directory are the test's, stdout and stderr are captured from the process's own file descriptors, and
the exit code is the process's. Nothing in the child is shared with the test: it is a separate process
as before, only born with its imports done.

A module that read the environment at import time would see the fork server's environment, not the
test's; none does (`crawler.preload` lists what is imported, and every setting is read when used).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from crawler.preload import CRAWL_MODULES

_context: multiprocessing.context.BaseContext | None = None


def _fork_server() -> multiprocessing.context.BaseContext:
    global _context
    if _context is None:
        from cli.main import COMMAND_MODULES

        _context = multiprocessing.get_context("forkserver")
        # Every command's module too: `xxgk` imports a command's module when it runs (cli/main.py), and
        # a forked command should be born with it imported, as a crawl is with the crawl's modules.
        _context.set_forkserver_preload([*CRAWL_MODULES, "cli.main", *sorted(set(COMMAND_MODULES.values()))])
    return _context


def _command_line(args: list[str], env: dict[str, str], cwd: str, out: str, err: str) -> None:
    """The child: become the process `python -m cli.main ARGS` would have been, then run it."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    for fd, path in ((1, out), (2, err)):
        target = os.open(path, os.O_WRONLY | os.O_TRUNC)
        os.dup2(target, fd)
        os.close(target)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 (the process's own stream)
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False, errors="backslashreplace")  # noqa: SIM115
    sys.argv = ["xxgk", *args]
    from cli.main import main

    main.main(args=args, prog_name="xxgk")  # exits: multiprocessing makes SystemExit the exit code


def run(args: list[str], env: dict[str, str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run `xxgk ARGS` in a forked process; the answer has the fields `subprocess.run` gives."""
    with tempfile.TemporaryDirectory(prefix="xxgk-run-") as tmp:
        out, err = Path(tmp, "stdout"), Path(tmp, "stderr")
        out.touch()
        err.touch()
        process = _fork_server().Process(target=_command_line, args=(args, env, str(cwd), str(out), str(err)))
        process.start()
        process.join(timeout)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired(["xxgk", *args], timeout, out.read_bytes(), err.read_bytes())
        stdout = out.read_text(encoding="utf-8", errors="replace")
        stderr = err.read_text(encoding="utf-8", errors="replace")
    return subprocess.CompletedProcess(["xxgk", *args], process.exitcode, stdout, stderr)


def stop() -> None:
    """Stop the fork server and wait for it, so its crawls' CPU is counted where the suite's is."""
    server = multiprocessing.forkserver._forkserver  # type: ignore[attr-defined]
    if _context is not None and getattr(server, "_forkserver_pid", None):
        server._stop()
