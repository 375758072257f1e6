"""Site locks in the archive database: one crawl per site at a time, whoever starts it.

A row per locked site. Taking a lock is an INSERT (the primary key makes two takers collide) or, when
the row has expired (or its holder is a dead process on this machine), a conditional UPDATE that only one taker can win; both are single statements, so
the database settles every race. Holders extend the lock while they run (`refresh`).
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from archive.db import Archive
from archive.models import SiteLock

TTL = timedelta(minutes=5)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class SiteLocked(RuntimeError):
    pass


def _dead_here(holder: str) -> bool:
    """A holder on this machine whose process is gone (killed, crashed): no need to wait for expiry."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def _now() -> datetime:
    return datetime.now(UTC)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def acquire(archive: Archive, site: str, holder: str, ttl: timedelta = TTL) -> None:
    """Take the lock for `site` or raise SiteLocked naming who holds it."""
    now = _now()
    try:
        with archive.session() as s:
            s.add(SiteLock(site=site, holder=holder, acquired_at=now, expires_at=now + ttl))
        return
    except IntegrityError:
        pass
    with archive.session() as s:
        lock = s.get(SiteLock, site)
        expired = lock is not None and (
            _naive_utc(lock.expires_at) < _naive_utc(now) or _dead_here(lock.holder)
        )
        if lock is not None and expired:
            taken = s.execute(
                update(SiteLock)
                .where(
                    SiteLock.site == site,
                    SiteLock.holder == lock.holder,
                    SiteLock.expires_at == lock.expires_at,
                )
                .values(holder=holder, acquired_at=now, expires_at=now + ttl)
            )
            if taken.rowcount == 1:
                return
        current = s.scalars(select(SiteLock).where(SiteLock.site == site)).first()
    if current is None:  # released between our two statements: try once more from the start
        return acquire(archive, site, holder, ttl)
    raise SiteLocked(
        f"{site} is being crawled by {current.holder} (since {current.acquired_at:%Y-%m-%d %H:%M} UTC); "
        "not starting a second crawl"
    )


def refresh(archive: Archive, sites: list[str], holder: str, ttl: timedelta = TTL) -> None:
    with archive.session() as s:
        s.execute(
            update(SiteLock)
            .where(SiteLock.site.in_(sites), SiteLock.holder == holder)
            .values(expires_at=_now() + ttl)
        )


def release(archive: Archive, sites: list[str], holder: str) -> None:
    with archive.session() as s:
        s.execute(delete(SiteLock).where(SiteLock.site.in_(sites), SiteLock.holder == holder))
