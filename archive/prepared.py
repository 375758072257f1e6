"""Core statements compiled once per dialect and run on the DB-API cursor: the store's write path.

Why: the store runs a dozen statements for every document of every crawl, and SQLAlchemy's per-call
work (cache key, compiled-cache lookup, execution context, result wrapping) was most of the store's
Python time beyond the database itself. `Prepared` keeps what decides the rows (the SQL SQLAlchemy
compiles for the dialect, every type's bind and result processing) and drops the rest; errors are
wrapped as SQLAlchemy wraps them, so callers still catch `OperationalError` or `IntegrityError`. It
leans on two SQLAlchemy internals (`Connection._handle_dbapi_exception`, `compiled._result_columns`);
tests/test_store_prepared.py holds it to SQLAlchemy's own results on both databases.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable


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
