"""A throwaway PostgreSQL server for the tests, started from the installed binaries.

PostgreSQL refuses to run as root, so when the tests run as root the cluster directory is handed to
the `postgres` system user and the server runs as that user. The server listens on 127.0.0.1 only,
on a free port, with trust authentication, and is deleted at the end of the session.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self, settings: dict[str, str] | None = None) -> None:
        """`settings`: server parameters beyond the test defaults (`shared_buffers` for a benchmark)."""
        bindir = _bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL binaries not found: run `make test` (it installs them)")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="xxgk-pg-"))
        self.datadir = self.root / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        self.settings = settings or {}
        self._migrated: str | None = None  # the template database of `create_archive`, once made

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")

    def start(self) -> PostgresServer:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-A",
            "trust",
            "-U",
            "xxgk",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    @property
    def pid(self) -> int:
        """The postmaster's process id (its backends are its children: bench/crawl.process_tree)."""
        return int((self.datadir / "postmaster.pid").read_text().split()[0])

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://xxgk@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str, template: str | None = None) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=xxgk dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def create_archive(self, name: str) -> str:
        """A database holding an empty archive at the head revision: a copy of one migrated once per
        server (`CREATE DATABASE … TEMPLATE`, ~0.1 s of CPU where running the migrations took ~0.4)."""
        if self._migrated is None:
            from archive.db import Archive

            template = "xxgk_migrated_template"
            Archive(self.create_database(template)).close()  # closed: a template must have no session
            self._migrated = template
        return self.create_database(name, template=self._migrated)

    def restart(self) -> None:
        """Stop (fast: clients are cut off) and start again on the same port and options, as an
        administrator's restart does (the fleet's tests: workers must wait and go on)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "-t", "60",
                  "-l", str(self.root / "log"), "restart")  # fmt: skip

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        finally:
            time.sleep(0.1)
            shutil.rmtree(self.root, ignore_errors=True)
