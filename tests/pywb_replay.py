"""pywb for the tests: its own virtual environment, collections, and a real `wayback` server.

pywb pins versions this project does not use (gevent, an older jinja2 …), so it is never a dependency
of the project: the tests install it into a virtual environment of its own, once, under the
checkout's `.venv/` (ignored by git) and keyed by the versions, so later sessions reuse it. The same
environment holds py-wacz (`wacz validate`) and cdxj-indexer, the indexers our own files are checked
against. Installing needs the package registry; everything after that is on 127.0.0.1.
"""

from __future__ import annotations

import email.utils
import fcntl
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.interchange.records import sha1_digest

ROOT = Path(__file__).resolve().parent.parent
PINS = ("pywb==2.10.0", "wacz==0.6.0", "cdxj-indexer==1.5.0")
IN_FLIGHT = 4  # replay requests sent to wayback at once
VENV = ROOT / ".venv" / ("interchange-" + "-".join(p.replace("==", "") for p in PINS))


def tools_venv() -> tuple[Path, float]:
    """The environment's bin directory (made if missing, under a lock for parallel workers) and the
    seconds spent making it (0 when it was there)."""
    bin_dir = VENV / "bin"
    ready = VENV / ".ready"
    if ready.exists():
        return bin_dir, 0.0
    VENV.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(VENV.parent / f".{VENV.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            # No pip of its own (ensurepip costs ~5 CPU-s): the project's pip installs into it. No
            # bytecode compiled ahead: pywb's dependencies are large and the tests import a part of
            # them (which Python then compiles once). 36 CPU-s became 8 on this machine.
            subprocess.run([sys.executable, "-m", "venv", "--clear", "--without-pip", str(VENV)], check=True)
            subprocess.run(
                [sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install", "-q",
                 "--disable-pip-version-check", "--no-compile", *PINS],
                check=True,
                capture_output=True,
                timeout=900,
            )  # fmt: skip
            ready.write_text("\n".join(PINS) + "\n")
    return bin_dir, time.monotonic() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_collection(bin_dir: Path, root: Path, name: str, *files: Path, unpack_wacz: bool = False) -> None:
    """`wb-manager init NAME` and `wb-manager add [--unpack-wacz] NAME FILES` in `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for args in (
        ["init", name],
        ["add", *(["--unpack-wacz"] if unpack_wacz else []), name, *map(str, files)],
    ):
        done = subprocess.run(
            [str(bin_dir / "wb-manager"), *args], cwd=root, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-2000:]


@contextmanager
def wayback(bin_dir: Path, root: Path) -> Iterator[str]:
    """A `wayback` server over the collections in `root` on a free loopback port; yields its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    log = (root / "wayback.log").open("wb")
    process = subprocess.Popen(
        [str(bin_dir / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
        cwd=root,
        stdout=log,
        stderr=log,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((root / "wayback.log").read_text()[-2000:]) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def replay_targets(records: list[Any]) -> list[tuple[str, str, int, str]]:
    """(url, WARC-Date, status, payload digest) a replay must give for every response, resource and
    revisit of an export (`tests.interchange_files.read_warc`): a revisit replays its original's
    payload, with its own status unless it is a 304's (whose replay is the page it confirmed)."""
    by_id = {r.id: r for r in records}
    wanted = []
    for record in records:
        if record.type in ("response", "resource"):
            wanted.append(
                (record.uri, record.date, int(record.status or 200), record.warc["WARC-Payload-Digest"])
            )
        elif record.type == "revisit":
            target = by_id[record.warc["WARC-Refers-To"]]
            status = int(record.status) if record.status else int(target.status or 200)
            wanted.append((record.uri, record.date, status, target.warc["WARC-Payload-Digest"]))
    return wanted


def assert_replays(
    base: str, collection: str, wanted: list[tuple[str, str, int, str]]
) -> dict[str, set[str]]:
    """Fetch every target from `wayback` at `base` (`/<coll>/<timestamp>id_/<url>`): the status, the
    `Memento-Datetime` of that capture, and a body whose SHA-1 is the payload digest. Returns each URL's
    digests replayed.

    A few requests are kept in flight (wayback serves them on gevent): one at a time, each waited for
    the server's and then the client's turn on a loaded machine's CPU, which made the ten nights'
    replay mostly waiting (128 s of wall for 43 CPU-s)."""
    urls = [
        f"{base}/{collection}/{_moment(date):%Y%m%d%H%M%S}id_/{url}" for url, date, _status, _digest in wanted
    ]
    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        answers = list(pool.map(_get, urls))
    replayed: dict[str, set[str]] = {}
    for (url, date, status, digest), (got_status, headers, body) in zip(wanted, answers, strict=True):
        where = f"{collection} {url} {date}"
        assert got_status == status, where
        assert headers.get("Memento-Datetime") == email.utils.format_datetime(_moment(date), usegmt=True), (
            where
        )
        assert sha1_digest(body) == digest, where
        replayed.setdefault(url, set()).add(digest)
    return replayed


def _moment(date: str) -> datetime:
    return datetime.strptime(date[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
