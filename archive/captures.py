"""Capture rows: every fetch kept with its complete response, compressed against an earlier capture.

The version store decides what a fetch means; this writes the capture that proves it. A response is
one zstd frame compressed with the record of another capture as its dictionary (`archive/raw.py`): the
document's previous capture of the same status, or for a new document a capture of the same site (the
CMS template is most of a page). The writer remembers that capture per site and every URL's id, but
only once the transaction that wrote them has committed (`Learnt`, `commit`).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Connection, Table, bindparam, insert, select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable

from archive import raw
from archive.models import Capture, Url
from archive.records import FetchedPage

_CAPTURES = Capture.__table__
_URLS = Url.__table__


class Prepared:
    """A Core statement compiled once per dialect and run on the connection's DB-API cursor.

    Why: the version store runs ~15 statements per new document, and SQLAlchemy's per-execution work
    (cache key, `_init_compiled`, parameter construction, result set-up) cost more CPU than SQLite's
    own execution of them (bench/store_replay.py). This keeps what makes the rows what they are, the
    SQL SQLAlchemy compiles for the dialect and every type's bind processor (dates on SQLite, `Digest`,
    `CompressedText`, JSON), and leaves out the rest. It runs on the same DB-API connection, so inside
    the session's transaction; a driver error is raised as SQLAlchemy would raise it (wrapped, the
    connection invalidated on a disconnect), so callers that catch `OperationalError` still do.

    `keys`: for an INSERT, the columns given (compiled as `insert(...).values` would be for a dict
    with those keys); `returning`: the column an INSERT returns (`insert_id`), read with RETURNING on
    PostgreSQL and as the cursor's `lastrowid` on SQLite (what SQLAlchemy itself does there)."""

    def __init__(
        self, stmt: Executable, keys: Sequence[str] | None = None, returning: Column[Any] | None = None
    ) -> None:
        self.stmt = stmt
        self.keys = list(keys) if keys is not None else None
        self.returning = returning
        # Per dialect object (weakly: an engine's dialect goes with it, and an id could be reused by
        # another engine's), with the last one used at hand: a process writes to one archive.
        self._by_dialect: weakref.WeakKeyDictionary[Dialect, _Compiled] = weakref.WeakKeyDictionary()
        self._last: tuple[Dialect, _Compiled] | None = None

    @classmethod
    def insert(cls, table: Table, keys: Sequence[str], returning: str | None = None) -> Prepared:
        return cls(insert(table), keys, table.c[returning] if returning else None)

    def _compiled(self, dialect: Dialect) -> _Compiled:
        last = self._last
        if last is not None and last[0] is dialect:
            return last[1]
        found = self._by_dialect.get(dialect)
        if found is None:
            found = self._by_dialect[dialect] = _Compiled(self, dialect)
        self._last = (dialect, found)
        return found

    def execute(self, conn: Connection, params: dict[str, Any] | None = None) -> Any:
        """Run once; returns the DB-API cursor (rows to fetch, if any)."""
        compiled = self._compiled(conn.dialect)
        args = compiled.args(params or {})
        cursor = conn.connection.cursor()
        try:
            cursor.execute(compiled.sql, args)
        except conn.dialect.loaded_dbapi.Error as error:
            conn._handle_dbapi_exception(error, compiled.sql, args, cursor, None)
        return cursor

    def many(self, conn: Connection, params: Iterable[dict[str, Any]]) -> None:
        """Run once per parameter set, in one `executemany`."""
        compiled = self._compiled(conn.dialect)
        args = [compiled.args(p) for p in params]
        if not args:
            return
        cursor = conn.connection.cursor()
        try:
            if len(args) == 1:  # as SQLAlchemy does: psycopg's executemany costs a pipeline
                cursor.execute(compiled.sql, args[0])
            else:
                cursor.executemany(compiled.sql, args)
        except conn.dialect.loaded_dbapi.Error as error:
            conn._handle_dbapi_exception(error, compiled.sql, args, cursor, None)
        finally:
            cursor.close()

    def first(self, conn: Connection, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        cursor = self.execute(conn, params)
        row = cursor.fetchone()
        cursor.close()
        return self._compiled(conn.dialect).result(row) if row is not None else None

    def all(self, conn: Connection, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        cursor = self.execute(conn, params)
        rows = cursor.fetchall()
        cursor.close()
        result = self._compiled(conn.dialect).result
        return [result(row) for row in rows]

    def scalar(self, conn: Connection, params: dict[str, Any] | None = None) -> Any:
        row = self.first(conn, params)
        return row[0] if row is not None else None

    def insert_id(self, conn: Connection, params: dict[str, Any]) -> int:
        """Run an INSERT and return the `returning` column's value of the row it wrote."""
        cursor = self.execute(conn, params)
        found = cursor.fetchone()[0] if self._compiled(conn.dialect).returns else cursor.lastrowid
        cursor.close()
        return int(found)


class _Compiled:
    """A `Prepared` statement for one dialect: its SQL, how to turn a dict of values into the driver's
    parameters (each through its type's bind processor), and how to read a row back (result
    processors: `Digest`, `CompressedText`, dates)."""

    def __init__(self, prepared: Prepared, dialect: Dialect) -> None:
        stmt = prepared.stmt
        self.returns = prepared.returning is not None and dialect.name != "sqlite"
        if self.returns:
            stmt = stmt.returning(prepared.returning)  # type: ignore[attr-defined]
        compiled = stmt.compile(dialect=dialect, column_keys=prepared.keys)
        self.sql = compiled.string
        self.positional = compiled.positional
        names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
        escaped = compiled.escaped_bind_names or {}
        given = set(prepared.keys or ())
        # (name in the SQL, key in the caller's dict or None, processor, constant) per parameter
        self.params: list[tuple[str, str | None, Any, Any]] = []
        for name in names:
            bind = compiled.binds[name]
            if bind.expanding or bind in compiled.literal_execute_params:
                raise ValueError(
                    f"{name}: an IN list or a literal-rendered value needs SQLAlchemy's execution"
                )
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            key = bind.key if (bind.required or bind.key in given or bind.callable) else None
            constant = None
            if key is None:  # a value the statement carries (a LIMIT)
                constant = bind.effective_value
                if processor is not None:
                    constant = processor(constant)
            self.params.append((escaped.get(name, name), key, processor, constant))
        self.result_processors: list[Any] | None = None
        columns = getattr(compiled, "_result_columns", None) or []
        if columns:
            processors = [c[3].dialect_impl(dialect).result_processor(dialect, None) for c in columns]
            if any(processors):
                self.result_processors = processors

    def args(self, values: dict[str, Any]) -> Any:
        if self.positional:
            return [
                (processor(values[key]) if processor is not None else values[key])
                if key is not None
                else constant
                for _, key, processor, constant in self.params
            ]
        return {
            name: (processor(values[key]) if processor is not None else values[key])
            if key is not None
            else constant
            for name, key, processor, constant in self.params
        }

    def result(self, row: Sequence[Any]) -> tuple[Any, ...]:
        if self.result_processors is None:
            return tuple(row)
        return tuple(p(v) if p is not None else v for p, v in zip(self.result_processors, row, strict=True))


_ROW_STATEMENTS: dict[tuple[str, str, tuple[str, ...]], Prepared] = {}


def _row_statement(kind: str, table: Table, keys: tuple[str, ...]) -> Prepared:
    """The prepared INSERT (returning the id, or not) or UPDATE by id of `table` for these columns."""
    found = _ROW_STATEMENTS.get((kind, table.name, keys))
    if found is None:
        if kind == "update":
            found = Prepared(table.update().where(table.c.id == bindparam("id_")), keys)
        else:
            found = Prepared.insert(table, keys, "id" if kind == "insert_id" else None)
        _ROW_STATEMENTS[(kind, table.name, keys)] = found
    return found


def insert_id(conn: Connection, table: Table, values: dict[str, Any]) -> int:
    """INSERT one row; its id (`insert(table)` executed with `values`, without the per-call cost)."""
    return _row_statement("insert_id", table, tuple(values)).insert_id(conn, values)


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT rows that all have the same keys, in one executemany."""
    if rows:
        _row_statement("insert", table, tuple(rows[0])).many(conn, rows)


def update_row(conn: Connection, table: Table, row_id: int, values: dict[str, Any]) -> None:
    """UPDATE the row with this id (nothing when `values` is empty)."""
    if values:
        _row_statement("update", table, tuple(values)).execute(conn, {**values, "id_": row_id}).close()


@dataclass
class Learnt:
    """What one `record` call learnt, kept by the store only once its transaction committed."""

    urls: dict[str, int] = field(default_factory=dict)
    relative: int | None = None
    capture: int | None = None  # the id of the capture row the transaction wrote


class CaptureWriter:
    def __init__(self) -> None:
        # site → a capture of it already stored: the zstd dictionary for a new document's first capture.
        self._relative: dict[str, int] = {}
        # URL → its id in `urls`, for URLs stored by committed transactions or read by them.
        self._url_ids: dict[str, int] = {}
        # The same as `_relative`, learnt by an earlier document of the transaction still open
        # (`VersionStore.record_many`): later documents of that transaction use it as they would once
        # it is committed; forgotten if the transaction is not.
        self._pending_relative: dict[str, int] = {}

    def learn_pending(self, site: str, done: Learnt) -> None:
        """What a document of a transaction still open learnt, for the transaction's later documents."""
        if done.relative is not None and site not in self._relative:
            self._pending_relative.setdefault(site, done.relative)

    def forget_pending(self) -> None:
        """The transaction is over (committed: `commit` then keeps what it learnt; or rolled back)."""
        self._pending_relative.clear()

    def commit(self, site: str, done: Learnt) -> None:
        """Remember what a committed transaction learnt (a rolled-back row id must never be reused)."""
        self._url_ids.update(done.urls)
        if done.relative is not None:
            self._relative.setdefault(site, done.relative)

    def has_relative(self, site: str) -> bool:
        return site in self._relative or site in self._pending_relative

    def _relative_of(self, site: str) -> int | None:
        return self._relative.get(site, self._pending_relative.get(site))

    def write(
        self,
        conn: Connection,
        page: FetchedPage,
        document_id: int | None,
        version_id: int | None,
        outcome: str,
        done: Learnt,
        new_document: bool = False,
    ) -> int:
        """One capture row holding the complete response, compressed against the document's previous
        capture (a new document's against a capture of the same site: the template is most of a page).
        A fetch that got no response (status 0) keeps no record. `new_document`: the document was
        created by this very fetch, so it has no capture yet and none is looked for."""
        # A redirect to the home page stands for a deleted document's page: of type "other".
        page_type = page.content.page_type if page.content else ("other" if page.redirected_to else None)

        def get(capture_id: int) -> raw.Frame | None:
            found = _FRAME.first(conn, {"id": capture_id})
            return raw.Frame(*found) if found is not None else None

        like = (
            self._latest_kept(conn, document_id, page.http_status)
            if document_id is not None and not new_document
            else None
        )
        relative = self._relative_of(page.site) if like is None else None
        if relative is not None:
            like = get(relative)
        record = (
            raw.message(
                page.http_status,
                page.headers,
                page.body,
                status_line=page.status_line,
                header_lines=page.header_lines,
            )
            if page.http_status
            else None
        )
        frame, base_id = raw.frame(get, record, like)
        done.capture = _INSERT_CAPTURE.insert_id(
            conn,
            {
                "run_id": page.run_id,
                "document_id": document_id,
                "version_id": version_id,
                "url_id": self._url_id(conn, page.url, done),
                "fetched_at": page.fetched_at,
                "http_status": page.http_status,
                "raw": frame,
                "raw_base_id": base_id,
                "outcome": outcome,
                "page_type": page_type,
                "note": page.error,
            },
        )
        return done.capture

    def _latest_kept(self, conn: Connection, document_id: int, status: int | None) -> raw.Frame | None:
        """The document's most recent capture that holds a record, of the same status when there is one
        (a 304 or a 404 is a poor dictionary for the next full page): the base for its next capture."""
        found = _LATEST_KEPT_OF_STATUS.first(conn, {"document_id": document_id, "status": status})
        if found is None:
            found = _LATEST_KEPT.first(conn, {"document_id": document_id})
        return raw.Frame(*found) if found is not None else None

    def _url_id(self, conn: Connection, url: str, done: Learnt) -> int:
        found = self._url_ids.get(url) or _URL_ID.scalar(conn, {"url": url})
        if found is None:
            found = _INSERT_URL.insert_id(conn, {"url": url})
        done.urls[url] = found
        return found


_FRAME = Prepared(
    select(_CAPTURES.c.id, _CAPTURES.c.raw, _CAPTURES.c.raw_base_id).where(_CAPTURES.c.id == bindparam("id"))
)
_KEPT = (
    select(_CAPTURES.c.id, _CAPTURES.c.raw, _CAPTURES.c.raw_base_id)
    .where(
        _CAPTURES.c.document_id == bindparam("document_id"),
        _CAPTURES.c.raw.is_not(None) | _CAPTURES.c.raw_base_id.is_not(None),
    )
    .order_by(_CAPTURES.c.id.desc())
    .limit(1)
)
_LATEST_KEPT = Prepared(_KEPT)
_LATEST_KEPT_OF_STATUS = Prepared(_KEPT.where(_CAPTURES.c.http_status == bindparam("status")))
_URL_ID = Prepared(select(_URLS.c.id).where(_URLS.c.url == bindparam("url")))
_INSERT_URL = Prepared.insert(_URLS, ["url"], "id")
_INSERT_CAPTURE = Prepared.insert(
    _CAPTURES,
    [
        "run_id",
        "document_id",
        "version_id",
        "url_id",
        "fetched_at",
        "http_status",
        "raw",
        "raw_base_id",
        "outcome",
        "page_type",
        "note",
    ],
    "id",
)
