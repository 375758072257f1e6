"""What a check of the index reports: one finding per check, and the counting every check does.

Its own module so that the generic checks (`check.py`) and each backend's own (`sqlite_fts.check`,
`pg_fts.check`) share them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True)
class Finding:
    """One check's outcome, as a row of the command's listing."""

    check: str
    ok: bool
    detail: str


def count(conn: Connection, sql: str) -> int:
    """The number one fixed SQL statement counts (the checks are counts over whole tables)."""
    return int(conn.exec_driver_sql(sql).scalar() or 0)
