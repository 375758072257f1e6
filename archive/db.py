"""Where the archive lives and how to open it.

One URL decides: `XXGK_DATABASE_URL` when set (PostgreSQL or SQLite), else a SQLite file under
`./data/`. Opening the archive runs pending Alembic migrations, so a user never has to remember
`xxgk db upgrade` (it stays available for operators who want to migrate explicitly).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE_PATH = Path("data") / "xxgk.sqlite3"
# Read from the environment only (crawler/settings.py lists it): the page cache of each SQLite connection.
CACHE_ENV = "XXGK_SQLITE_CACHE_MIB"


class ArchiveConfigError(ValueError):
    """The database URL is unusable; the message says why in one line."""


def database_url(explicit: str | None = None) -> str:
    """Flag over environment over default."""
    url = explicit or os.environ.get("XXGK_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; the bare scheme would ask SQLAlchemy for psycopg2.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise ArchiveConfigError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://…")
    return url


def _cache_mib() -> int:
    """SQLite's page cache per connection, in MiB: 64 unless XXGK_SQLITE_CACHE_MIB says otherwise."""
    value = os.environ.get(CACHE_ENV, "64")
    try:
        mib = int(value)
    except ValueError:
        mib = 0
    if mib <= 0:
        raise ArchiveConfigError(
            f"{CACHE_ENV}={value!r}: give the page cache in MiB, a positive whole number"
        )
    return mib


def _sqlite_pragmas(dbapi_connection, _record, cache_mib: int) -> None:  # type: ignore[no-untyped-def]
    # WAL lets readers (the CLI, the web UI) work while a crawl writes; NORMAL sync keeps commits
    # durable across a process crash (only a power loss can drop the last transactions).
    cur = dbapi_connection.cursor()
    # Before anything is written (a no-op on an existing file): 16 KiB pages hold several versions
    # each; with 4 KiB a version row of ~2 KB took a page to itself (measured: docs/benchmarks.md).
    cur.execute("PRAGMA page_size=16384")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # Searches over 100,000 documents read the index and the narrow search rows again and again:
    # a 64 MiB page cache and memory-mapped reads keep them in memory (SQLite's default cache is 2 MiB).
    # A million documents' indexes outgrow it: XXGK_SQLITE_CACHE_MIB raises it on a machine with the memory.
    cur.execute(f"PRAGMA cache_size=-{1024 * cache_mib}")
    cur.execute("PRAGMA mmap_size=268435456")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        cache_mib = _cache_mib()  # read once, so a bad value fails here and not at some later connection
        event.listen(engine, "connect", lambda conn, record: _sqlite_pragmas(conn, record, cache_mib))
        return engine
    return create_engine(url, pool_pre_ping=True)


class Archive:
    """An open archive: an engine plus a session factory, migrated on first use."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = database_url(url)
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            from archive.migrate import upgrade

            upgrade(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


_SHARED: dict[tuple[int, str], Archive] = {}
_SHARED_LOCK = threading.Lock()


def shared_archive(url: str | None = None) -> Archive:
    """This process's one open archive for `url`, opened (and brought to head) by the first caller.

    For the parts of one job that each need the archive: a crawl's site locks, frontier, resume check
    and store opened one apiece, so every crawl process made four engines, four connections (a
    PostgreSQL backend forked for each) and four migration checks, which a fleet of small crawls paid a
    hundred times over. Those who share it do not close it: the crawl runner, which holds it from the
    first site lock to the last crawl's end, closes its connections then (a closed archive opens new
    ones if used again). Keyed by process id as well: a forked child never uses its parent's pooled
    connections."""
    key = (os.getpid(), database_url(url))
    with _SHARED_LOCK:
        archive = _SHARED.get(key)
        if archive is None:
            archive = _SHARED[key] = Archive(key[1])
        return archive
