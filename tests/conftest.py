"""Shared fixtures: a running replica, real databases (SQLite file, PostgreSQL server), the CLI.

Two ways to run `xxgk`: `xxgk(...)` runs the command line in this process (click's CliRunner: the same
`cli.main:main`, its real arguments, exit code, stdout and stderr), for every command that does not
crawl; `run_xxgk(...)` runs it in a process of its own, for crawls (a crawl owns its process's Twisted
reactor, which cannot be restarted) and for what needs a process: signals, locks held across processes,
services, and end-to-end tests of the real entry point.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path
from typing import Any

import pytest

from replica.process import LOOPBACK_CRAWL_ARGS

ROOT = Path(__file__).resolve().parent.parent
_db_counter = itertools.count()

# The modules with the longest tests (a minute or more each: multi-night crawls, the browser), longest
# first. `make test` runs the suite on pytest-xdist workers, handing out tests in collection order
# (`--dist loadgroup --no-loadscope-reorder`): started first, these run side by side on the workers
# while the short tests fill the gaps, instead of one of them starting last on a worker of its own.
LONGEST_FIRST = (
    "test_fleet.py",  # the fleet: 3 workers, 100 sites, three kills and a database restart
    "test_fleet_browser.py",  # a browser site and plain sites sharing one host's fleet budget
    "test_ten_nights.py",
    "test_audit_season.py",
    "test_web.py",
    "test_sites_history.py",
    "test_interchange_export.py",
    "test_lianzhou_crawl.py",
    "test_faults.py",
    "test_history.py",
    "test_resume.py",
    "test_noise.py",
)


def _uses_a_module_build(item: pytest.Item) -> bool:
    """Whether the test reads what a module fixture builds on disk (a crawl, an archive, a replica's
    state: it asks for `tmp_path_factory`). Module fixtures that only compute (the expected documents)
    are cheap to repeat, and grouping their tests would run long ones one after the other."""
    info = getattr(item, "_fixtureinfo", None)  # pytest's record of the fixtures a test requests
    if info is None:
        return False
    return any(
        defs and defs[-1].scope == "module" and "tmp_path_factory" in defs[-1].argnames
        for defs in info.name2fixturedefs.values()
    )


@pytest.hookimpl(tryfirst=True)  # before xdist's, which reads the groups into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
    # A module fixture is built once per xdist worker that runs one of its tests: two workers sharing
    # a module's tests would each crawl its history (measured: test_column_crawl's, 73 s and 67 s in
    # one run). The tests that read a module's fixtures go to one worker, as one group, unless the
    # module names a group of its own.
    for item in items:
        if item.get_closest_marker("xdist_group") is None and _uses_a_module_build(item):
            item.add_marker(pytest.mark.xdist_group(f"module:{item.path.stem}"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """With `XXGK_TEST_CPU=FILE`, append each test's CPU seconds and wall seconds to FILE as JSON lines.
    The CPU is its xdist worker's process tree (/proc): the worker, the servers its fixtures run (the
    replica, PostgreSQL and its backends, pywb), the crawls forked from the tests' fork server, and what
    each of them waited for. Wall time says which tests are long; CPU says which ones make a 2-core
    suite slow for the others. A process that leaves the tree unreaped (a server stopped by its own
    tool, a killed worker's orphans) takes its CPU with it: the test whose teardown stopped it shows a
    negative figure, and its module's sum is the CPU that stayed in the tree."""
    out = os.environ.get("XXGK_TEST_CPU")
    if not out:
        yield
        return
    from bench.crawl import cpu_seconds, process_tree

    def cpu() -> float:
        return cpu_seconds(process_tree(os.getpid()))

    cpu0, wall0 = cpu(), time.monotonic()
    yield
    record = {
        "test": item.nodeid,
        "worker": os.environ.get("PYTEST_XDIST_WORKER", ""),
        "cpu": round(cpu() - cpu0, 2),
        "wall": round(time.monotonic() - wall0, 2),
    }
    with open(out, "a", encoding="utf-8") as log:
        log.write(json.dumps(record) + "\n")


@pytest.fixture(scope="session")
def replica(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The replica with a few dozen documents, shared by tests that only read it."""
    from replica.process import start_replica

    with start_replica(tmp_path_factory.mktemp("replica"), docs=60, seed=1) as running:
        yield running


@pytest.fixture(scope="session")
def postgres() -> Iterator:
    from tests.pgserver import PostgresServer

    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def unmigrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind, not yet migrated: for the tests of the migrations themselves."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    server = request.getfixturevalue("postgres")
    return server.create_database(f"xxgk_test_{os.getpid()}_{next(_db_counter)}")


@pytest.fixture(scope="session")
def migrated_sqlite_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite archive at the head revision, made once per test process (migrations have tests
    of their own: test_archive.py, test_cli.py); `database_url` hands out copies of it."""
    from archive.db import Archive

    path = tmp_path_factory.mktemp("migrated") / "archive.sqlite3"
    Archive(f"sqlite:///{path}").close()
    assert not path.with_name(path.name + "-wal").exists()  # all of it is in the one file
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty archive of each kind, at the head revision: a copy of one migrated once (the
    migrations took ~0.2 s of CPU for SQLite and ~0.4 s for PostgreSQL in every test that used one)."""
    if request.param == "sqlite":
        path = tmp_path / "archive.sqlite3"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite_archive"), path)
        return f"sqlite:///{path}"
    server = request.getfixturevalue("postgres")
    return server.create_archive(f"xxgk_test_{os.getpid()}_{next(_db_counter)}")


# The crawl settings for the replica on loopback, with pages parsed in the crawl's own process: a parse
# worker process costs ~2 s of CPU to start, in every crawl process of the suite. The tests of the
# default path (a worker: the main crawl test, the ten nights, the killed-and-resumed crawl, the
# attachments read by the worker) add WITH_PARSE_WORKER or set it themselves.
# Scans and legacy Office files (one replica site publishes them) are left unread after these crawls:
# OCR takes a second a page, and only the attachment tests (tests/test_attachment_read.py) read them.
FAST = (*LOOPBACK_CRAWL_ARGS, "-s", "XXGK_PARSE_PROCESSES=0", "-s", "XXGK_SLOW_ATTACHMENTS=later")
WITH_PARSE_WORKER = ("-s", "XXGK_PARSE_PROCESSES=1")  # the default, after FAST (the last -s wins)


def run_xxgk(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
    fresh: bool = False,
) -> subprocess.CompletedProcess[str]:
    """The real command line, in its own process (a crawl owns its process's reactor), forked with the
    crawl's imports done (tests/forked_cli.py); `fresh=True` starts a new interpreter
    (`python -m cli.main`), for the tests of the entry point itself."""
    from tests import forked_cli

    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    if fresh:
        return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True,
                              env=full_env, cwd=cwd or ROOT, timeout=timeout)  # fmt: skip
    return forked_cli.run(list(args), full_env, cwd or ROOT, timeout)


def run_python_json(script: str, timeout: float = 120) -> Any:
    """Run `script` in a fresh interpreter with the project on its path; the JSON its last line of output
    prints. For what needs a process of its own: forking workers ahead needs one thread and no event
    loop, which the test process cannot promise."""
    ran = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout.strip().splitlines()[-1])


def pytest_sessionstart(session: pytest.Session) -> None:
    """The suite's replicas are forked with the replica's modules imported (tests/forked_cli.py)."""
    from replica.process import launch_with
    from tests import forked_cli

    launch_with(forked_cli.fork_replica)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests import forked_cli

    forked_cli.stop()


# `xxgk replica` commands that write a replica's state file. A running replica looks at that file at most
# every `LiveReplica.check_every` seconds; a process of its own took longer than that to start, so the
# in-process runner waits as long after them, and the next request sees the change as it always did.
REPLICA_WRITES = {"change", "reset", "clock", "season"}


def _replica_check_interval() -> float:
    import inspect

    from replica.state import LiveReplica

    return float(inspect.signature(LiveReplica).parameters["check_every"].default) + 0.05


@dataclass
class Ran:
    """What `xxgk(...)` returns: the fields of `subprocess.CompletedProcess` the tests read."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def xxgk(
    *args: str,
    env: dict[str, str] | None = None,
    input: str | None = None,
    cwd: Path | None = None,
    settle: bool = True,
) -> Ran:
    """The real command line (`cli.main:main`) in this process, for every command that does not crawl.

    As a process of its own would, it leaves nothing behind: the environment (`--as-of` sets
    XXGK_CLOCK), the simulated clock's anchors and the working directory are restored afterwards. An
    exception that would have ended the process is printed to `stderr` as the interpreter prints it
    (so `"Traceback" not in result.stderr` still means what it says). `settle=False` skips the wait
    after a replica write, for a test whose next step starts a crawl process (which takes longer to
    start than the replica takes to notice)."""
    from click.testing import CliRunner

    from archive import clock
    from cli.main import main

    saved_env, saved_anchors, saved_cwd = dict(os.environ), dict(clock._anchors), os.getcwd()
    try:
        os.chdir(cwd or ROOT)
        result = CliRunner().invoke(main, list(args), env=env, input=input, prog_name="xxgk")
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        clock._anchors.clear()
        clock._anchors.update(saved_anchors)
    if settle and args[:1] == ("replica",) and set(args) & REPLICA_WRITES:
        time.sleep(_replica_check_interval())
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return Ran(list(args), result.exit_code, result.stdout, stderr)


def crawl_night(database_url: str) -> date:
    """The night (China time) the archive's first crawl started."""
    from sqlalchemy import func, select

    from archive.db import Archive
    from archive.models import CrawlRun
    from archive.text import CHINA

    archive = Archive(database_url)
    with archive.session() as s:
        started = s.scalar(select(func.min(CrawlRun.started_at)))
    archive.close()
    assert started is not None
    return (started if started.tzinfo else started.replace(tzinfo=UTC)).astimezone(CHINA).date()
