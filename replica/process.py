"""Run the replica in a child process (the demo, tests and benchmarks), since a crawl owns its reactor.

with start_replica(tmp_path, docs=60, seed=1) as replica:
    ...  # XXGK_REPLICA_URL=replica.url
"""

from __future__ import annotations

import atexit
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Protocol

ROOT = Path(__file__).resolve().parent.parent
READY = "replica serving "
# `xxgk crawl` arguments for crawling a replica on loopback (tests, benchmarks): the courtesy waits meant
# for real servers are off, so a crawl measures the crawler, not the politeness.
LOOPBACK_CRAWL_ARGS = (
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
)


class ReplicaChild(Protocol):
    """What `start_replica` needs of the server's process: `subprocess.Popen`'s own calls."""

    stdout: IO[str] | None
    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...
    def send_signal(self, sig: int) -> None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def kill(self) -> None: ...


def spawn_replica(args: list[str], env: dict[str, str], stderr_path: Path) -> ReplicaChild:
    """`python -m replica ARGS` in a new interpreter, its stdout a pipe and its stderr written to
    `stderr_path` (the default launcher)."""
    with open(stderr_path, "w", encoding="utf-8") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "replica", *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        )


Launcher = Callable[[list[str], dict[str, str], Path], ReplicaChild]
_launcher: Launcher = spawn_replica


def launch_with(launcher: Launcher) -> None:
    """Who starts replica servers from now on in this process. A new interpreter costs a replica ~0.9 s
    of CPU for its imports; the test suite, which starts dozens, forks them from its fork server with
    the replica's modules imported (tests/forked_cli.py). The child runs the same `python -m replica`
    command line either way."""
    global _launcher
    _launcher = launcher


class ReplicaStartError(RuntimeError):
    """The child died or never said it was listening; the message carries its stderr."""


class ReplicaProcess:
    """A running `python -m replica serve`; `.url` is `http://127.0.0.1:P`, `.stop()` ends it."""

    def __init__(
        self, process: ReplicaChild, url: str, banner: str, stderr_path: Path, state_dir: Path
    ) -> None:
        self.process = process
        self.state_dir = state_dir
        self.url = url
        self.banner = banner
        self.port = int(url.rsplit(":", 1)[1])
        self._stderr_path = stderr_path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stderr(self) -> str:
        try:
            return self._stderr_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self._stderr_path.unlink(missing_ok=True)
        atexit.unregister(self.stop)

    def __enter__(self) -> ReplicaProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def start_replica(
    state_dir: Path,
    docs: int = 300,
    seed: int = 1,
    port: int = 0,
    host: str = "127.0.0.1",
    timeout: float = 60,
    noise: bool = False,
    as_of: str | None = None,
    fleet: int = 0,
    sites_dir: Path | None = None,
    request_log: Path | None = None,
) -> ReplicaProcess:
    """Spawn the replica server and wait until it listens (port 0: any free port)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    args = [
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--state",
        str(state_dir),
        "--docs",
        str(docs),
        "--seed",
        str(seed),
        *(["--noise"] if noise else []),
        *(["--as-of", as_of] if as_of else []),
        *(["--fleet", str(fleet)] if fleet else []),
        *(["--sites-dir", str(sites_dir)] if sites_dir else []),
        *(["--request-log", str(request_log)] if request_log else []),
    ]
    handle, name = tempfile.mkstemp(prefix="replica-", suffix=".stderr")
    os.close(handle)
    stderr_path = Path(name)
    process = _launcher(args, env, stderr_path)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process, lines), daemon=True).start()
    try:
        banner = _wait_for_banner(lines, timeout)
    except ReplicaStartError as error:
        if process.poll() is None:
            process.kill()
        process.wait()
        detail = stderr_path.read_text(encoding="utf-8", errors="replace").strip()
        stderr_path.unlink(missing_ok=True)
        raise ReplicaStartError(
            f"{error} (exit code {process.returncode}); stderr:\n{detail[-4000:]}"
        ) from None
    url = banner.rsplit(" at ", 1)[1].strip()
    running = ReplicaProcess(process, url, banner, stderr_path, Path(state_dir))
    atexit.register(running.stop)
    return running


def _pump(process: ReplicaChild, lines: queue.Queue[str | None]) -> None:
    """Read the child's stdout to the end (so it never blocks on a full pipe)."""
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line)
    lines.put(None)


def _wait_for_banner(lines: queue.Queue[str | None], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ReplicaStartError(f"the replica did not start listening within {timeout:.0f}s")
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            continue
        if line is None:
            raise ReplicaStartError("the replica exited before listening")
        if line.startswith(READY):
            return line.strip()


def wget_warc(
    replica_url: str, warc_base: Path, level: int, *urls: str, timeout: float | None = None
) -> Path:
    """GNU Wget crawling `urls` through the replica (its proxy: the sites' real URLs) `level` links deep
    into `warc_base`.warc.gz, as a user of another tool would (tests and bench of `xxgk import`).
    Raises FileNotFoundError when wget is not installed."""
    import shutil
    import subprocess

    wget = shutil.which("wget")
    if wget is None:
        raise FileNotFoundError("wget is missing (`make test` installs it: Makefile TEST_DEBS)")
    subprocess.run(
        [wget, "--quiet", "--recursive", f"--level={level}", "-e", "robots=off", "-e", "use_proxy=yes",
         "-e", f"http_proxy={replica_url}", f"--warc-file={warc_base}", "--no-warc-keep-log",
         f"--directory-prefix={warc_base.parent / 'files'}", *urls],
        check=False,  # wget exits 8 when a linked page answered an error (a withdrawn page): expected
        timeout=timeout,
    )  # fmt: skip
    return warc_base.with_name(warc_base.name + ".warc.gz")
