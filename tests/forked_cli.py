"""`xxgk` in a process of its own, forked from a server that has already imported the crawl's modules.

A crawl owns its process (Twisted's reactor cannot restart), so each of the suite's crawls needs one.
Started as `python -m cli.main`, each paid ~2 s of CPU for its imports before its first request, on two
cores shared by three test workers. Forked from a fork server that imported them once (the same
modules the fleet's worker preloads: `crawler.preload`), a crawl starts in a fraction of that. What runs
in the child is the real command line: `cli.main` parses the arguments, the environment and working
directory are the test's, stdout and stderr are captured from the process's own file descriptors, and
the exit code is the process's. Nothing in the child is shared with the test: it is a separate process
as before, only born with its imports done.

The suite's replica servers are forked from the same server (`fork_replica`, installed by conftest.py
with `replica.process.launch_with`): each ran `python -m replica serve` in a new interpreter before.

A module that read the environment at import time would see the fork server's environment, not the
test's; none does (`crawler.preload` lists what is imported, and every setting is read when used).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import subprocess
import sys
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO

from crawler.preload import CRAWL_MODULES

# What `python -m replica serve` and `xxgk serve` import before they listen (the replica's reactor is
# installed in the child).
SERVER_MODULES = (
    "replica.__main__",
    "replica.server",
    "replica.noise",
    "replica.fleet",
    "web.server",
    "web.app",
)
_context: multiprocessing.context.BaseContext | None = None


def _fork_server() -> multiprocessing.context.BaseContext:
    global _context
    if _context is None:
        from cli.main import COMMAND_MODULES

        _context = multiprocessing.get_context("forkserver")
        # Every command's module too: `xxgk` imports a command's module when it runs (cli/main.py), and
        # a forked command should be born with it imported, as a crawl is with the crawl's modules.
        # And the servers forked from it: replicas (`fork_replica`) and `xxgk serve` (`start`).
        modules = [*CRAWL_MODULES, "cli.main", *sorted(set(COMMAND_MODULES.values())), *SERVER_MODULES]
        _context.set_forkserver_preload(modules)
    return _context


def _become(env: dict[str, str], cwd: str, out: int | str, err: str) -> None:
    """In the child: the test's environment and directory, stdout on `out` (a descriptor or a file)
    and stderr on the file `err`, as a process started with them would have."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    for fd, where in ((1, out), (2, err)):
        target = where if isinstance(where, int) else os.open(where, os.O_WRONLY | os.O_TRUNC)
        os.dup2(target, fd)
        os.close(target)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 (the process's own stream)
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False, errors="backslashreplace")  # noqa: SIM115


def _command_line(args: list[str], env: dict[str, str], cwd: str, out: str, err: str) -> None:
    """The child: become the process `python -m cli.main ARGS` would have been, then run it."""
    _become(env, cwd, out, err)
    sys.argv = ["xxgk", *args]
    from cli.main import main

    main.main(args=args, prog_name="xxgk")  # exits: multiprocessing makes SystemExit the exit code


class ForkedProcess:
    """A process forked from the fork server, with the calls the suite makes of a `subprocess.Popen`:
    its stdout when it is a pipe, poll, signals, wait and kill."""

    def __init__(
        self, process: multiprocessing.process.BaseProcess, command: list[str], stdout: IO[str] | None = None
    ) -> None:
        self.process = process
        self.args = command
        self.stdout = stdout
        self.pid: int = process.pid  # type: ignore[assignment]

    @property
    def returncode(self) -> int | None:
        return self.process.exitcode

    def poll(self) -> int | None:
        return self.process.exitcode

    def send_signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.process.kill()

    def wait(self, timeout: float | None = None) -> int:
        self.process.join(timeout)
        if self.process.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self.process.exitcode


def start(args: list[str], env: dict[str, str], cwd: Path, out: Path, err: Path) -> ForkedProcess:
    """Start `xxgk ARGS` in a forked process writing its stdout and stderr to these files, and return
    at once (a server the test talks to: `xxgk serve`)."""
    process = _fork_server().Process(target=_command_line, args=(args, env, str(cwd), str(out), str(err)))
    process.start()
    return ForkedProcess(process, ["xxgk", *args])


def run(args: list[str], env: dict[str, str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run `xxgk ARGS` in a forked process; the answer has the fields `subprocess.run` gives."""
    with tempfile.TemporaryDirectory(prefix="xxgk-run-") as tmp:
        out, err = Path(tmp, "stdout"), Path(tmp, "stderr")
        out.touch()
        err.touch()
        process = start(args, env, cwd, out, err)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise subprocess.TimeoutExpired(
                process.args, timeout, out.read_bytes(), err.read_bytes()
            ) from None
        stdout = out.read_text(encoding="utf-8", errors="replace")
        stderr = err.read_text(encoding="utf-8", errors="replace")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)  # type: ignore[arg-type]


def fork_replica(args: list[str], env: dict[str, str], stderr_path: Path) -> ForkedProcess:
    """`python -m replica ARGS` forked with the replica's modules imported: a new interpreter spent
    ~0.9 s of CPU importing them, in each of the suite's dozens of replicas (`replica.process.launch_with`).
    Its stdout is a pipe, as `spawn_replica`'s is; multiprocessing hands the write end to the fork server."""
    reader, writer = multiprocessing.Pipe(duplex=False)
    process = _fork_server().Process(
        target=_replica_command_line, args=(args, env, os.getcwd(), writer, str(stderr_path))
    )
    process.start()
    writer.close()  # the child holds the write end now: the pipe ends when it exits
    stdout = open(os.dup(reader.fileno()), encoding="utf-8")  # noqa: SIM115 (closed by its reader)
    reader.close()
    return ForkedProcess(process, ["python", "-m", "replica", *args], stdout)


def _replica_command_line(args: list[str], env: dict[str, str], cwd: str, out: Connection, err: str) -> None:
    """The child: become the process `python -m replica ARGS` would have been, then run it."""
    _become(env, cwd, os.dup(out.fileno()), err)
    out.close()
    sys.argv = ["replica", *args]
    from replica.__main__ import main

    sys.exit(main(args))


def stop() -> None:
    """Stop the fork server and wait for it, so its crawls' CPU is counted where the suite's is."""
    server = multiprocessing.forkserver._forkserver  # type: ignore[attr-defined]
    if _context is not None and getattr(server, "_forkserver_pid", None):
        server._stop()
