"""The fleet's politeness budget per host, shared by every worker through PostgreSQL.

A host's budget is one request every `interval` seconds, whoever sends it. Each request first
reserves the host's next slot in one atomic statement: the row's `next_at` moves to
max(next_at, now) + interval and the caller waits until the slot it got (max(next_at, now)). The row
lock of that one UPDATE orders concurrent reservations, so N workers reserving at the same instant get
N slots `interval` apart, on one machine or many. A pause (`Retry-After`, a burst of 429/503) sets
`paused_until`: no slot is given before it, and a request that got its slot earlier but is still
waiting checks it on waking (`paused_for`) and waits on. The clock is the database's (`clock_timestamp()`), so workers' clocks
need not agree. Table made by migration 0016 (PostgreSQL only).
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

_RESERVE = text(
    """
    INSERT INTO host_budget AS b (host, interval_seconds, next_at)
    VALUES (:host, :interval, clock_timestamp() + make_interval(secs => :interval))
    ON CONFLICT (host) DO UPDATE
       SET interval_seconds = EXCLUDED.interval_seconds,
           next_at = greatest(b.next_at, b.paused_until, clock_timestamp())
                     + make_interval(secs => EXCLUDED.interval_seconds)
    RETURNING greatest(0, extract(epoch FROM b.next_at - clock_timestamp()) - b.interval_seconds)
    """
)
_PAUSE = text(
    """
    INSERT INTO host_budget AS b (host, interval_seconds, next_at, paused_until)
    VALUES (:host, :interval, clock_timestamp(), clock_timestamp() + make_interval(secs => :seconds))
    ON CONFLICT (host) DO UPDATE
       SET paused_until = greatest(b.paused_until, clock_timestamp() + make_interval(secs => :seconds))
    """
)
_PAUSED_FOR = text(
    "SELECT greatest(0, extract(epoch FROM paused_until - clock_timestamp())) FROM host_budget WHERE host = :host"
)


def budget_engine(url: str) -> Engine:
    """The budget's own engine: one connection, never pinged, for statements made one at a time.

    A crawl's reservations ran in the reactor's pool of threads on the archive's engine: as many
    connections as reservations in flight (a new crawl process opened about six, a fork of a
    PostgreSQL backend each, for statements of a fraction of a millisecond), and a ping's round trip
    before every statement. The caller now makes them one at a time on one thread. A statement on a
    connection found dead (the server restarted) fails alone: SQLAlchemy then invalidates the pool and
    the caller's retry (`crawler/middlewares/host_budget.py` waits the database out) connects anew."""
    return create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=False)


def _statement(engine: Engine) -> Connection:
    """A connection whose every statement commits on its own. Each of these is one atomic statement (an
    upsert, a read), so wrapping it in BEGIN … COMMIT only added two round trips. A reservation precedes
    every request of a fleet: autocommit costs it 0.72–0.92× the worker's CPU and 0.62–0.83× the
    server's of the transaction (`bench/host_budget.py`, four runs; docs/benchmarks.md)."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def reserve(engine: Engine, host: str, interval: float) -> float:
    """Take the host's next slot; returns how many seconds to wait for it (0: now)."""
    with _statement(engine) as conn:
        return float(conn.execute(_RESERVE, {"host": host, "interval": float(interval)}).scalar_one())


def paused_for(engine: Engine, host: str) -> float:
    """Seconds left of the host's pause (0: not paused)."""
    with _statement(engine) as conn:
        left = conn.execute(_PAUSED_FOR, {"host": host}).scalar()
    return float(left or 0)


def pause(engine: Engine, host: str, seconds: float, interval: float) -> None:
    """No request to `host` from any worker for `seconds` from now (never shortens a longer pause)."""
    with _statement(engine) as conn:
        conn.execute(_PAUSE, {"host": host, "seconds": float(seconds), "interval": float(interval)})
