"""Shared fixtures: a running replica, real databases (SQLite file, PostgreSQL server), the CLI."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from replica.process import LOOPBACK_CRAWL_ARGS

ROOT = Path(__file__).resolve().parent.parent
_db_counter = itertools.count()


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
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty archive database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    server = request.getfixturevalue("postgres")
    return server.create_database(f"xxgk_test_{os.getpid()}_{next(_db_counter)}")


FAST = LOOPBACK_CRAWL_ARGS  # the crawl settings for the replica on loopback


def run_xxgk(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The real command line, in its own process (a crawl owns its process's reactor)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=timeout,
    )
