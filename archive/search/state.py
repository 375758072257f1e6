"""Which normaliser the search index was built with, so that it is never patched under another.

A contentless FTS5 row is deleted with tokens recomputed from the version (`index.rows`): exact only
under the normaliser that indexed it. A query's tokens, too, mean what the index's mean only then. So
`rebuild` records the normaliser, the store leaves an index built under another one alone, and a
search over it stops with one line that says to run `xxgk db reindex`.
"""

from __future__ import annotations

import unicodedata
import uuid
from functools import cache
from importlib import metadata

from sqlalchemy import Connection, delete, insert

from archive import text as text_normaliser
from archive.search.schema import SearchState

# Raise when what a version's search row is made of changes (tokens, fields, separators).
ROW_FORMAT = 1


class StaleIndexError(ValueError):
    """The index was built with another normaliser: it must be rebuilt, never patched."""


@cache  # reading package metadata costs ~2 ms, and every search checks
def normaliser() -> str:
    """Everything the index's tokens depend on besides the stored versions: the row format, the
    normaliser's own version and the libraries it calls. Recorded by `rebuild`, checked before every
    change and every search."""
    return (
        f"rows {ROW_FORMAT}; normalize {text_normaliser.VERSION}; opencc {_version('opencc')}; "
        f"ftfy {_version('ftfy')}; unicode {unicodedata.unidata_version}"
    )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def recorded_normaliser(conn: Connection) -> str | None:
    """The normaliser the index was built with (None: never recorded, a new or pre-0007 index)."""
    # Fixed SQL on the driver: read before every search, where SQLAlchemy's compile and cache-key
    # work for a select would cost more than the read itself.
    return conn.exec_driver_sql(
        f"SELECT value FROM {SearchState.__tablename__} WHERE key = 'normaliser'"
    ).scalar()


def record_normaliser(conn: Connection) -> None:
    conn.execute(delete(SearchState).where(SearchState.key == "normaliser"))
    conn.execute(insert(SearchState).values(key="normaliser", value=normaliser()))


def is_current(conn: Connection) -> bool:
    """Whether the index was built with the normaliser running now (a new archive's empty index is)."""
    recorded = recorded_normaliser(conn)
    return recorded is None or recorded == normaliser()


def require_current(conn: Connection) -> None:
    """Stop a search over an index whose tokens no longer mean what the query's tokens mean."""
    recorded = recorded_normaliser(conn)
    if recorded is not None and recorded != normaliser():
        raise StaleIndexError(
            f"the search index was built with another text normaliser ({recorded}; now {normaliser()}): "
            "run `xxgk db reindex` to rebuild it from the stored versions"
        )


def record_generation(conn: Connection) -> None:
    """Name this rebuild of the search rows (a random id in `search_state`): a side index built from
    an earlier generation is not caught up from the change sequence, which a rebuild restarts."""
    conn.execute(delete(SearchState).where(SearchState.key == "generation"))
    conn.execute(insert(SearchState).values(key="generation", value=uuid.uuid4().hex))


def generation(conn: Connection) -> str | None:
    """The current rebuild's id (None: an archive whose rows were never rebuilt since 0017)."""
    return conn.exec_driver_sql(
        f"SELECT value FROM {SearchState.__tablename__} WHERE key = 'generation'"
    ).scalar()
