"""One crawl per site at a time, settled by the database, on both databases."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest

from archive import locks
from archive.db import Archive
from tests.conftest import run_xxgk


def test_second_holder_is_refused_until_release_or_expiry(database_url: str) -> None:
    archive = Archive(database_url)
    locks.acquire(archive, "anshun_mzj", "host-a:1")
    with pytest.raises(locks.SiteLocked, match="being crawled by host-a:1"):
        locks.acquire(archive, "anshun_mzj", "host-b:2")
    locks.acquire(archive, "other_site", "host-b:2")  # locks are per site
    locks.release(archive, ["anshun_mzj"], "host-b:2")  # not b's to release
    with pytest.raises(locks.SiteLocked):
        locks.acquire(archive, "anshun_mzj", "host-b:2")
    locks.release(archive, ["anshun_mzj"], "host-a:1")
    locks.acquire(archive, "anshun_mzj", "host-b:2")

    # A holder that died stops refreshing; once expired, the lock can be taken over.
    locks.acquire(archive, "dead_site", "host-c:3", ttl=timedelta(seconds=-1))
    locks.acquire(archive, "dead_site", "host-d:4")
    with pytest.raises(locks.SiteLocked, match="host-d:4"):
        locks.acquire(archive, "dead_site", "host-e:5")
    archive.close()


def test_crawl_refuses_a_locked_site(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/a.sqlite3"
    archive = Archive(url)
    locks.acquire(archive, "anshun_mzj", "nightly-box:4242")
    out = run_xxgk("crawl", "anshun_mzj", "--database-url", url, "--replica-url", "http://127.0.0.1:9")
    assert out.returncode == 1
    assert "anshun_mzj is being crawled by nightly-box:4242" in out.stderr and "Traceback" not in out.stderr
    archive.close()


def test_lock_of_a_dead_process_on_this_machine_is_taken_over_at_once(tmp_path) -> None:
    archive = Archive(f"sqlite:///{tmp_path}/a.sqlite3")
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    locks.acquire(archive, "anshun_mzj", f"{socket.gethostname()}:{gone.stdout.strip()}")  # it never released
    locks.acquire(archive, "anshun_mzj", locks.holder_name())
    archive.close()
