"""Is the search index whole? What `xxgk db check` reports.

The index is derived data, kept beside the versions in the same transactions, so in normal use it
cannot drift. What can still happen is outside our code: a restore of one table, a hand-made
`DELETE`, an index dropped by an operator or an extension experiment, a library upgrade that
changes the normaliser. Each of these fails quietly (documents missing from results, or, without
PostgreSQL's GIN index, every search tens of times slower), so this module looks for them and says
what to run: every fix is `xxgk db reindex`, which recomputes the index from the versions.
"""

from __future__ import annotations

from sqlalchemy import Connection

from archive.search.findings import Finding, count
from archive.search.state import normaliser, recorded_normaliser


def _normaliser(conn: Connection) -> Finding:
    recorded = recorded_normaliser(conn)
    if recorded is None or recorded == normaliser():
        return Finding("normaliser", True, f"built with the running normaliser ({normaliser()})")
    return Finding("normaliser", False, f"built with {recorded}; now {normaliser()}")


def _coverage(conn: Connection) -> Finding:
    missing = count(
        conn,
        "SELECT count(*) FROM versions v "
        "WHERE NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.version_id = v.id)",
    )
    orphans = count(
        conn,
        "SELECT count(*) FROM search_docs d "
        "WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.id = d.version_id)",
    )
    versions = count(conn, "SELECT count(*) FROM versions")
    if missing or orphans:
        return Finding(
            "versions",
            False,
            f"{missing} of {versions} versions have no search row; {orphans} search rows have no version",
        )
    return Finding("versions", True, f"each of {versions} versions has its search row")


def _latest(conn: Connection) -> Finding:
    # A document's latest version is its highest number, as `index.rebuild` computes it.
    wrong = count(
        conn,
        "SELECT count(*) FROM search_docs d JOIN "
        "(SELECT document_id, max(number) AS n FROM versions GROUP BY document_id) m "
        "ON m.document_id = d.document_id WHERE d.is_latest <> (d.number = m.n)",
    )
    if wrong:
        return Finding("latest", False, f"{wrong} search rows say latest where the versions disagree")
    return Finding("latest", True, "latest flags agree with the versions")


def _facet_keys(conn: Connection) -> Finding:
    """Every row has its facet key, and no key stands for two combinations of facet values (the facet
    counts group by it: `facet_keys`). Rows are grouped by key, then by combination within it."""
    missing = count(conn, "SELECT count(*) FROM search_docs WHERE facet_key IS NULL")
    shared = count(
        conn,
        "SELECT count(*) FROM (SELECT facet_key FROM (SELECT DISTINCT facet_key, site, topic, issuer, "
        "substr(publish_date, 1, 4), validity, kind FROM search_docs WHERE facet_key IS NOT NULL) c "
        "GROUP BY facet_key HAVING count(*) > 1) k",
    )
    if missing or shared:
        return Finding(
            "facet keys",
            False,
            f"{missing} rows without a facet key; {shared} keys shared by two combinations",
        )
    return Finding("facet keys", True, "one facet key per combination of facet values")


def check(conn: Connection) -> list[Finding]:
    """Every check, the backend's own last (`sqlite_fts.check`, `pg_fts.check`)."""
    from archive.search import side
    from archive.search.index import backend

    return [
        _normaliser(conn),
        _coverage(conn),
        _latest(conn),
        _facet_keys(conn),
        *backend(conn).check(conn),
        *(Finding(*found) for found in side.check(conn)),
    ]
