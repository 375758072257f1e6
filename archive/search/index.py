"""Keeping the search index beside the versions: one row per version, written with the version.

`add` is called by the version store inside the transaction that stores a new version, so the index is
never behind what a crawl stored (and a crash loses neither). `rebuild` recomputes everything from the
versions table, in batches by id, for the migration that introduces the index, after a change to the
normalisation, or from `xxgk db reindex`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, inspect, null, select, true, update
from sqlalchemy.orm import Session

from archive import attachment_text as attachment_reader
from archive import blobs
from archive.models import Attachment, Document, Version
from archive.prepared import Prepared
from archive.search import pg_fts, sqlite_fts
from archive.search.facet_keys import facet_key
from archive.search.keys import date_part, number_key
from archive.search.kinds import kind_of
from archive.search.schema import SearchChange, SearchDoc
from archive.search.state import is_current, record_generation, record_normaliser
from archive.search.tokens import compact, normalize

BATCH = 1000


def backend(conn: Connection) -> ModuleType:
    """The full-text module for this connection's database."""
    return pg_fts if conn.dialect.name == "postgresql" else sqlite_fts


# What a search row is computed from: the version's own columns, nothing derived elsewhere.
_VERSION = (
    Version.id,
    Version.document_id,
    Version.number,
    Version.title,
    Version.body,
    Version.search_text,
    Version.doc_number,
    Version.index_no,
    Version.issuer,
    Version.topic,
    Version.publish_date,
    Version.written_date,
    Version.fields,
)


def row_for(
    version: Any,
    site: str,
    is_latest: bool,
    attachment_texts: Iterable[str | None] = (),
    normalized: Callable[[str | None], str] = normalize,
) -> dict[str, Any]:
    """The search_docs row of one version (a `Version` or any row with the same attributes), with the
    normalised title and text the full-text index takes from it.

    The body's searchable form comes from the version's stored `search_text` (the one normaliser's
    output, kept with the version), so the index can always be recomputed from the versions table:
    SQLite's contentless FTS5 tables need exactly the indexed tokens again to delete a row.
    `normalized`: `normalize` itself, or one that remembers its answers (`_Normalized`)."""
    fields = version.fields or {}
    title = normalized(version.title)
    kind = kind_of(title, version.topic, fields.get("genre"), folded=True)
    published = date_part(version.publish_date)
    extra = [normalized(t) for t in attachment_texts if t]
    stored = getattr(version, "search_text", None)
    return {
        "version_id": version.id,
        "document_id": version.document_id,
        "number": version.number,
        "is_latest": is_latest,
        "site": site,
        "issuer": version.issuer,
        "topic": version.topic,
        "validity": fields.get("validity"),
        "kind": kind,
        "facet_key": facet_key(site, version.topic, version.issuer, published, fields.get("validity"), kind),
        "publish_date": published,
        "written_date": date_part(version.written_date),
        "doc_number_key": number_key(version.doc_number),
        "index_no_key": number_key(version.index_no),
        "title": title,
        # 文号, 索引号 and attachment texts follow the body; a separator that normalize() keeps stops a
        # match across two of them.
        "text": "\u241e".join(
            [
                compact(stored) if stored is not None else normalize(version.body),
                *(normalized(v) for v in (version.doc_number, version.index_no) if v),
                *extra,
            ]
        ),
    }


def _attachment_texts(
    conn: Connection, ids: list[int], with_text: bool = True
) -> dict[int, list[str | None]]:
    """Per version, its attachments' names and texts in storage order (what `row_for` indexes)."""
    table = Attachment.__table__
    out: dict[int, list[str | None]] = {}
    for vid, name, extracted in conn.execute(
        select(table.c.version_id, table.c.name, table.c.text if with_text else null().label("text"))
        .where(table.c.version_id.in_(ids))
        .order_by(table.c.id)
    ):
        out.setdefault(vid, []).extend((name, extracted))
    return out


def rows(
    conn: Connection,
    version_ids: list[int],
    is_latest: bool,
    normalized: Callable[[str | None], str] = normalize,
) -> list[dict[str, Any]]:
    """The search rows of these versions, computed from what is stored now: one function for adding,
    superseding and rebuilding, so a row is always deleted with the tokens it was indexed with
    (`normalized`: as for `row_for`)."""
    if not version_ids:
        return []
    found = conn.execute(
        select(*_VERSION, Document.site)
        .join(Document, Document.id == Version.document_id)
        .where(Version.id.in_(version_ids))
        .order_by(Version.id)
    ).all()
    files = _attachment_texts(conn, version_ids)
    return [row_for(v, v.site, is_latest, files.get(v.id, ()), normalized) for v in found]


class _Normalized:
    """`normalize` remembering its answers, for the rows of one document computed together.

    Why: a new version superseding the latest has the old version's row recomputed (to delete its
    tokens) and its own computed beside it, and the two mostly hold the same strings: the title,
    文号, 索引号, the names and texts of the files that did not change; each was folded twice (ftfy,
    NFKC, OpenCC). Correct because `normalize` is a pure function of its argument. Made for one
    `add_new` call and dropped after it, so it holds no more than the two rows' strings.

    `known`: answers made elsewhere by `normalize` itself (an attachment's text folded where it was
    read, `FetchedAttachment.text_search_form`), by the exact string they answer for."""

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known: dict[str, str] = dict(known or {})

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        found = self.known.get(text)
        if found is None:
            found = self.known[text] = normalize(text)
        return found


def log_changes(conn: Connection, version_ids: list[int]) -> None:
    """Record that these versions' search rows changed (`search_changes`, migration 0017), in the
    transaction that changed them: the sequence the tantivy side index catches up from
    (`archive.search.side`), so a version is searchable there as soon as its crawl committed it."""
    if version_ids:
        _LOG_CHANGE.many(conn, [{"version_id": v} for v in version_ids])


def add(s: Session, doc: Document, version: Version) -> None:
    """Index a version just stored with its attachments (it becomes its document's latest). Under
    another normaliser than the index's nothing is touched: the index stays as built until a rebuild
    (searches say so), instead of deleting rows with tokens they were never indexed with."""
    s.flush()
    conn = s.connection()
    if not is_current(conn):
        return
    fts = backend(conn)
    previous = list(
        conn.scalars(
            select(SearchDoc.version_id).where(SearchDoc.document_id == doc.id, SearchDoc.is_latest == true())
        )
    )
    if previous:
        conn.execute(update(SearchDoc).where(SearchDoc.version_id.in_(previous)).values(is_latest=False))
        if fts.SUPERSEDE_READS_ROWS:
            fts.supersede(conn, rows(conn, previous, False))
    fts.write(conn, rows(conn, [version.id], True))
    log_changes(conn, [*previous, version.id])


def add_new(
    conn: Connection,
    document_id: int,
    site: str,
    version: Any,
    attachment_texts: list[str | None],
    superseding: bool = True,
    current: bool | None = None,
    folded: dict[str, str] | None = None,
) -> None:
    """`add` for the version store, which writes with Core: the new version's row is computed from the
    values just written (`version`: any object with the version's attributes; `attachment_texts`: its
    attachments' names and texts in storage order), the same row `rows` would read back. A new
    document (`superseding=False`) has no earlier row to move. `current`: `is_current(conn)` as the
    caller read it in this transaction (the store reads it once per transaction, not per document).
    `folded`: `normalize`'s answers already made for some of these strings (see `_Normalized`)."""
    if not (is_current(conn) if current is None else current):
        return
    fts = backend(conn)
    previous: list[int] = []
    # One memo for the call: the folded strings given, and the old row's strings (mostly the new one's).
    normalized = _Normalized(folded)
    if superseding:
        previous = [row[0] for row in _LATEST_ROWS.all(conn, {"document_id": document_id})]
        if previous:
            conn.execute(update(SearchDoc).where(SearchDoc.version_id.in_(previous)).values(is_latest=False))
            if fts.SUPERSEDE_READS_ROWS:
                fts.supersede(conn, rows(conn, previous, False, normalized))
    fts.write(conn, [row_for(version, site, True, attachment_texts, normalized)])
    log_changes(conn, [*previous, version.id])


_LATEST_ROWS = Prepared(
    select(SearchDoc.version_id).where(
        SearchDoc.document_id == bindparam("document_id"), SearchDoc.is_latest == true()
    )
)
_LOG_CHANGE = Prepared.insert(SearchChange.__table__, ["version_id"])


def refresh_version(conn: Connection, version_id: int, change: Callable[[], None]) -> None:
    """`refresh` on a connection, for a version known by id (the version store writes with Core)."""
    if not is_current(conn):
        change()
        return
    latest = conn.scalar(select(SearchDoc.is_latest).where(SearchDoc.version_id == version_id))
    if latest is None:  # not indexed (yet): nothing to replace, the next rebuild reads the change
        change()
        return
    before = rows(conn, [version_id], bool(latest))
    change()
    backend(conn).replace_text(conn, before, rows(conn, [version_id], bool(latest)))
    log_changes(conn, [version_id])


def refresh(s: Session, version: Version, change: Callable[[], None]) -> None:
    """Apply `change` (which fills in the version's attachments in place) and re-index the version:
    its old tokens are computed before the change, as FTS5 needs them to delete the row."""
    s.flush()
    conn = s.connection()
    if not is_current(conn):
        change()
        return
    latest = conn.scalar(select(SearchDoc.is_latest).where(SearchDoc.version_id == version.id))
    if latest is None:  # not indexed (yet): nothing to replace, the next rebuild reads the change
        change()
        return
    before = rows(conn, [version.id], bool(latest))
    change()
    s.flush()
    backend(conn).replace_text(conn, before, rows(conn, [version.id], bool(latest)))
    log_changes(conn, [version.id])


def rebuild(
    conn: Connection,
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
    attachment_text: bool = True,
    record: bool = True,
    omit: tuple[str, ...] = (),
    on_rows: Callable[[list[dict[str, Any]]], None] | None = None,
) -> int:
    """Recompute the whole index from the versions; returns how many versions were indexed.

    `attachment_text=False` indexes attachment names only: for migration 0004, which runs before the
    attachments have a text column (0006 adds it and rebuilds again). `record=False`: for migrations
    before 0007, which adds the table the normaliser is recorded in. `omit`: search_docs columns a
    downgrade's older layout does not have yet (0014's `kind`, `facet_key` for 0007's downgrade).
    `on_rows`: given each batch of computed rows too (the benchmark builds the side index and its scan
    table in the same pass instead of computing a million rows again)."""
    fts = backend(conn)
    fts.clear(conn, with_state=record)
    if record:
        record_normaliser(conn)
        # A new generation of rows: the side index's sequence numbers mean nothing any more. (Migrations
        # before 0017 rebuild with the table not there yet.)
        if inspect(conn).has_table(SearchChange.__tablename__):
            conn.execute(delete(SearchChange))
        record_generation(conn)
    done = 0
    for computed in all_rows(conn, batch, attachment_text):
        fts.write(conn, [{k: r[k] for k in r if k not in omit} for r in computed] if omit else computed)
        if on_rows:
            on_rows(computed)
        done += len(computed)
        if progress:
            progress(done)
    fts.finish_rebuild(conn, with_state=record)
    return done


def all_rows(
    conn: Connection,
    batch: int = BATCH,
    attachment_text: bool = True,
    start: int = 0,
    stop: int | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Every version's search row (or those with `start` ≤ id < `stop`: a worker's share of a parallel
    rebuild, `archive.search.pool`), computed from the versions in batches in version order (what a
    rebuild writes; the side index's rebuild and the benchmark's side-index-only build too)."""
    latest = (
        select(Version.document_id, func.max(Version.number).label("number"))
        .group_by(Version.document_id)
        .subquery()
    )
    stmt = (
        select(*_VERSION, Document.site, (latest.c.number == Version.number).label("is_latest"))
        .join(Document, Document.id == Version.document_id)
        .join(latest, latest.c.document_id == Version.document_id)
        .order_by(Version.id)
        .limit(batch)
    )
    if stop is not None:
        stmt = stmt.where(Version.id < stop)
    last_id = start - 1
    while found := conn.execute(stmt.where(Version.id > last_id)).all():
        ids = [v.id for v in found]
        files = _attachment_texts(conn, ids, with_text=attachment_text)
        yield [row_for(v, v.site, bool(v.is_latest), files.get(v.id, ())) for v in found]
        last_id = ids[-1]


def extract_attachments(
    conn: Connection, progress: Callable[[int], None] | None = None, batch: int = 200
) -> int:
    """Read the text of every stored attachment that has neither text nor a reason for none yet (an
    archive from before attachment text, or files a new reader can now open); returns how many were
    read. Only the fast readers run (text layers, OOXML): a file that needs OCR or a converter stays
    unread for the attachment queue (`archive.attachment_queue`), because this runs inside a
    migration's transaction too, which must not take an hour of OCR. Explicit columns, not the ORM
    entity, for the same reason."""
    table = Attachment.__table__
    stmt = (
        select(table.c.id, table.c.sha256, table.c.name, table.c.content_type)
        .where(table.c.sha256.is_not(None), table.c.text.is_(None), table.c.text_note.is_(None))
        .order_by(table.c.id)
        .limit(batch)
    )
    done, last_id = 0, 0
    with Session(bind=conn) as s:
        while True:
            rows = s.execute(stmt.where(table.c.id > last_id)).all()
            if not rows:
                break
            for att_id, digest, name, content_type in rows:
                try:
                    data = blobs.get(s, digest)
                except Exception as exc:  # a lost or damaged blob is a reason, not a failed reindex
                    found = attachment_reader.Extracted(
                        None, f"blob unreadable: {type(exc).__name__}: {exc}"[:300]
                    )
                else:
                    found = attachment_reader.extract(data, name, content_type, slow=False)
                if found.deferred:
                    continue
                conn.execute(
                    update(table)
                    .where(table.c.id == att_id)
                    .values(text=found.text, text_note=found.note, text_method=found.method)
                )
                done += 1
            s.expunge_all()
            last_id = rows[-1][0]
            if progress:
                progress(done)
    return done
