"""Keeping the search index beside the versions: one row per version, written with the version.

`add` is called by the version store inside the transaction that stores a new version, so the index is
never behind what a crawl stored (and a crash loses neither). `rebuild` recomputes everything from the
versions table, in batches by id, for the migration that introduces the index, after a change to the
normalisation, or from `xxgk db reindex`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from sqlalchemy import Connection, func, null, select, true, update
from sqlalchemy.orm import Session

from archive import attachment_text as attachment_reader
from archive import blobs
from archive.models import Attachment, Document, Version
from archive.search import pg_fts, sqlite_fts
from archive.search.keys import date_part, number_key
from archive.search.schema import SearchDoc
from archive.search.tokens import normalize

BATCH = 1000


def backend(conn: Connection) -> ModuleType:
    """The full-text module for this connection's database."""
    return pg_fts if conn.dialect.name == "postgresql" else sqlite_fts


def row_for(
    version: Any, site: str, is_latest: bool, attachment_texts: Iterable[str | None] = ()
) -> dict[str, Any]:
    """The search_docs row of one version (a `Version` or any row with the same attributes), with the
    normalised title and text that search_text and the full-text index take from it."""
    fields = version.fields or {}
    extra = [normalize(t) for t in attachment_texts if t]
    return {
        "version_id": version.id,
        "document_id": version.document_id,
        "number": version.number,
        "is_latest": is_latest,
        "site": site,
        "issuer": version.issuer,
        "topic": version.topic,
        "validity": fields.get("validity"),
        "publish_date": date_part(version.publish_date),
        "written_date": date_part(version.written_date),
        "doc_number_key": number_key(version.doc_number),
        "index_no_key": number_key(version.index_no),
        "title": normalize(version.title),
        # 文号, 索引号 and attachment texts follow the body; a separator that normalize() keeps stops a
        # match across two of them.
        "text": "\u241e".join(
            [
                normalize(version.body),
                *(normalize(v) for v in (version.doc_number, version.index_no) if v),
                *extra,
            ]
        ),
    }


def add(s: Session, doc: Document, version: Version, attachment_texts: Iterable[str | None] = ()) -> None:
    """Index a version just stored (it becomes its document's latest)."""
    s.flush()
    conn = s.connection()
    fts = backend(conn)
    previous = list(
        conn.scalars(
            select(SearchDoc.version_id).where(SearchDoc.document_id == doc.id, SearchDoc.is_latest == true())
        )
    )
    if previous:
        conn.execute(update(SearchDoc).where(SearchDoc.version_id.in_(previous)).values(is_latest=False))
        fts.supersede(conn, previous)
    fts.write(conn, [row_for(version, doc.site, True, attachment_texts)])


def reindex(s: Session, version: Version) -> None:
    """Index a stored version again, in the caller's transaction: its attachments' text arrived after
    it was indexed (a file that failed to download on the night of the version, fetched on a later
    one: `VersionStore._fill_attachment_gaps`), so a search finds those words at once rather than
    after the next `xxgk db reindex`. A version that was never indexed is left alone."""
    s.flush()
    conn = s.connection()
    found = conn.execute(
        select(SearchDoc.is_latest, Document.site)
        .join(Document, Document.id == SearchDoc.document_id)
        .where(SearchDoc.version_id == version.id)
    ).first()
    if found is None:
        return
    texts = [
        value
        for name, extracted in conn.execute(
            select(Attachment.name, Attachment.text)
            .where(Attachment.version_id == version.id)
            .order_by(Attachment.id)
        )
        for value in (name, extracted)
    ]
    fts = backend(conn)
    fts.remove(conn, [version.id])
    fts.write(conn, [row_for(version, found.site, bool(found.is_latest), texts)])


def rebuild(
    conn: Connection,
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
    attachment_text: bool = True,
) -> int:
    """Recompute the whole index from the versions; returns how many versions were indexed.

    `attachment_text=False` indexes attachment names only: for migration 0004, which runs before the
    attachments have a text column (0006 adds it and rebuilds again)."""
    fts = backend(conn)
    fts.clear(conn)
    latest = (
        select(Version.document_id, func.max(Version.number).label("number"))
        .group_by(Version.document_id)
        .subquery()
    )
    stmt = (
        select(Version, Document.site, (latest.c.number == Version.number).label("is_latest"))
        .join(Document, Document.id == Version.document_id)
        .join(latest, latest.c.document_id == Version.document_id)
        .order_by(Version.id)
        .limit(batch)
    )
    done, last_id = 0, 0
    with Session(bind=conn) as s:
        while True:
            rows = s.execute(stmt.where(Version.id > last_id)).all()
            if not rows:
                break
            ids = [version.id for version, _, _ in rows]
            names: dict[int, list[str | None]] = {}
            for vid, name, extracted in s.execute(
                select(
                    Attachment.version_id,
                    Attachment.name,
                    Attachment.text if attachment_text else null().label("text"),
                )
                .where(Attachment.version_id.in_(ids))
                .order_by(Attachment.id)
            ):
                names.setdefault(vid, []).extend((name, extracted))
            fts.write(
                conn,
                [row_for(v, site, bool(flag), names.get(v.id, ())) for v, site, flag in rows],
            )
            s.expunge_all()
            done += len(rows)
            last_id = ids[-1]
            if progress:
                progress(done)
    return done


def extract_attachments(
    conn: Connection, progress: Callable[[int], None] | None = None, batch: int = 200
) -> int:
    """Read the text of every stored attachment that has neither text nor a reason for none yet (an
    archive from before attachment text, or files a new reader can now open); returns how many were
    read. Explicit columns, not the ORM entity: this runs inside a migration too."""
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
                    found = attachment_reader.extract(data, name, content_type)
                conn.execute(
                    update(table).where(table.c.id == att_id).values(text=found.text, text_note=found.note)
                )
            s.expunge_all()
            done += len(rows)
            last_id = rows[-1][0]
            if progress:
                progress(done)
    return done
