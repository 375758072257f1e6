"""raw responses in the capture rows: status line + headers + body as one zstd frame against the
document's previous capture; URLs once in `urls`; 32-byte digests as keys

Revision ID: 0005
Revises: 0004

Existing captures are rewritten: each one's record (status line, the headers it kept as JSON, the body
from its blob) is compressed against the previous capture of the same document (same URL for captures of
no document), exactly as `archive.raw` does for new ones, keeping the capture ids. Blobs keep only the
attachment bodies, keyed by their 32-byte SHA-256; `versions.raw_sha256` becomes a 32-byte digest (no
longer a key: the version's first capture holds the page). The index on captures' URL goes (captures
are found by document or run), and so does the one on fetch time (nothing looks captures up by it).

SQLite cannot drop a column a foreign key uses, nor change a type, so there `versions` and
`attachments` are rebuilt (copy, drop, create, copy back) with foreign keys deferred to the commit,
which checks that every reference holds again. The downgrade rebuilds 0004's layout from the records
(each capture's body a hex-keyed plain blob, headers as JSON, the URL in the row).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import sqlalchemy as sa
import zstandard
from alembic import op

from archive import raw

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BATCH = 500
_CAPTURE_COLUMNS = (
    "id", "run_id", "document_id", "version_id", "url_id", "fetched_at", "http_status", "raw", "raw_base_id",
    "outcome", "page_type", "note",
)  # fmt: skip


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.connection.dbapi_connection.create_function(  # type: ignore[union-attr]
            "xxgk_unhex", 1, lambda h: bytes.fromhex(h) if h is not None else None, deterministic=True
        )
    op.create_table(
        "urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url", name="uq_urls_url"),
    )
    op.create_table(
        "captures_new",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("crawl_runs.id"), nullable=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("versions.id"), nullable=True),
        sa.Column("url_id", sa.Integer(), sa.ForeignKey("urls.id"), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("raw_base_id", sa.Integer(), sa.ForeignKey("captures_new.id"), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("page_type", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    old_blobs = _OldBlobs(conn)
    _move_captures(conn, old_blobs)
    op.drop_table("captures")
    op.rename_table("captures_new", "captures")
    op.create_index("ix_captures_run_id", "captures", ["run_id"])
    op.create_index("ix_captures_document_id", "captures", ["document_id"])

    op.create_table(
        "blobs_new",
        sa.Column("sha256", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    _move_attachment_blobs(conn, old_blobs)
    if sqlite:
        _sqlite_digests(conn)
    else:
        _postgresql_digests(conn)


class _OldBlobs:
    """Reads the old hex-keyed blobs, deltas included (a delta names its base blob)."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.cache: dict[str, bytes] = {}

    def get(self, digest: str) -> bytes:
        if digest in self.cache:
            return self.cache[digest]
        codec, base, data = self.conn.execute(
            sa.text("SELECT codec, base_sha256, data FROM blobs WHERE sha256 = :d"), {"d": digest}
        ).one()
        dictionary = None
        if codec == "zstd-delta" and base:
            dictionary = zstandard.ZstdCompressionDict(
                self.get(base), dict_type=zstandard.DICT_TYPE_RAWCONTENT
            )
        dctx = (
            zstandard.ZstdDecompressor(dict_data=dictionary) if dictionary else zstandard.ZstdDecompressor()
        )
        out = dctx.decompressobj().decompress(bytes(data))
        if len(self.cache) > 256:
            self.cache.clear()
        self.cache[digest] = out
        return out


def _move_captures(conn: sa.Connection, old_blobs: _OldBlobs) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT id, run_id, document_id, version_id, url, fetched_at, http_status, headers, body_sha256,"
            " outcome, page_type, note FROM captures ORDER BY document_id, url, id"
        )
    ).all()
    url_ids: dict[str, int] = {}
    urls = sa.table("urls", sa.column("id", sa.Integer), sa.column("url", sa.String))
    captures = sa.table("captures_new", *(sa.column(name) for name in _CAPTURE_COLUMNS))
    group: Any = None
    kept: dict[int, tuple[int, int | None, bytes, int]] = {}  # id → (depth, base id, record, status)
    batch: list[dict[str, Any]] = []
    for row in rows:
        key = ("doc", row.document_id) if row.document_id is not None else ("url", row.url)
        if key != group:
            group, kept = key, {}
        if row.url not in url_ids:
            url_ids[row.url] = conn.execute(
                urls.insert().values(url=row.url).returning(urls.c.id)
            ).scalar_one()
        headers = row.headers if isinstance(row.headers, dict) else json.loads(row.headers or "{}")
        body = old_blobs.get(row.body_sha256) if row.body_sha256 else b""
        record = raw.message(row.http_status, headers, body) if row.http_status else None
        frame, base_id = _frame(kept, record, row.http_status)
        if record is not None:
            depth = (kept[base_id][0] + (frame is not None)) if base_id is not None else 1
            kept[row.id] = (depth, base_id, record, row.http_status)
        values = row._asdict()
        for gone in ("url", "headers", "body_sha256"):
            values.pop(gone)
        batch.append({**values, "url_id": url_ids[row.url], "raw": frame, "raw_base_id": base_id})
        if len(batch) >= _BATCH:
            conn.execute(captures.insert(), batch)
            batch = []
    if batch:
        conn.execute(captures.insert(), batch)


def _frame(
    kept: dict[int, tuple[int, int | None, bytes, int]], record: bytes | None, status: int
) -> tuple[bytes | None, int | None]:
    """(frame, base id) for a record against the group's latest capture of the same status (else the
    latest), walking down its chain to stay within raw.MAX_DEPTH; as archive.raw.store does."""
    if record is None:
        return None, None
    same = [cid for cid, (_, _, _, st) in kept.items() if st == status]
    like = max(same) if same else (max(kept) if kept else None)
    if like is not None and kept[like][2] == record:
        return None, like
    while like is not None and kept[like][0] >= raw.MAX_DEPTH:
        like = kept[like][1]
    if like is None:
        return raw.pack(record, None), None
    base = kept[like][2]
    return (None if base == record else raw.pack(record, base)), like


def _move_attachment_blobs(conn: sa.Connection, old_blobs: _OldBlobs) -> None:
    digests = conn.execute(
        sa.text("SELECT DISTINCT sha256 FROM attachments WHERE sha256 IS NOT NULL")
    ).scalars()
    blobs = sa.table("blobs_new", sa.column("sha256"), sa.column("size"), sa.column("data"))
    compressor = zstandard.ZstdCompressor(
        level=9, write_checksum=False, write_content_size=False, write_dict_id=False
    )
    for digest in list(digests):
        data = old_blobs.get(digest)
        conn.execute(
            blobs.insert().values(
                sha256=bytes.fromhex(digest), size=len(data), data=compressor.compress(data)
            )
        )


def _sqlite_digests(conn: sa.Connection) -> None:
    """Rebuild versions and attachments with 32-byte digests (foreign keys deferred to the commit)."""
    ddl = _set_aside(conn)
    versions_sql = re.sub(r"raw_sha256 VARCHAR\(64\)", "raw_sha256 BLOB", ddl["versions"][0])
    versions_sql = re.sub(r",\s*FOREIGN KEY\s*\(raw_sha256\) REFERENCES blobs \(sha256\)", "", versions_sql)
    conn.exec_driver_sql(versions_sql)
    columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(versions)")]
    picked = ", ".join("xxgk_unhex(raw_sha256)" if c == "raw_sha256" else c for c in columns)
    conn.exec_driver_sql(f"INSERT INTO versions ({', '.join(columns)}) SELECT {picked} FROM _old_versions")
    conn.exec_driver_sql("DROP TABLE blobs")
    conn.exec_driver_sql("ALTER TABLE blobs_new RENAME TO blobs")
    conn.exec_driver_sql(re.sub(r"sha256 VARCHAR\(64\)", "sha256 BLOB", ddl["attachments"][0]))
    columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(attachments)")]
    picked = ", ".join("xxgk_unhex(sha256)" if c == "sha256" else c for c in columns)
    conn.exec_driver_sql(
        f"INSERT INTO attachments ({', '.join(columns)}) SELECT {picked} FROM _old_attachments"
    )
    _restore_indexes(conn, ddl)


def _postgresql_digests(conn: sa.Connection) -> None:
    inspector = sa.inspect(conn)
    for table, column in (("versions", "raw_sha256"), ("attachments", "sha256")):
        for fk in inspector.get_foreign_keys(table):
            if fk["constrained_columns"] == [column]:
                op.drop_constraint(fk["name"], table, type_="foreignkey")
        op.alter_column(
            table,
            column,
            type_=sa.LargeBinary(),
            existing_type=sa.String(length=64),
            postgresql_using=f"decode({column}, 'hex')",
        )
    op.drop_table("blobs")
    op.rename_table("blobs_new", "blobs")
    op.create_foreign_key("attachments_sha256_fkey", "attachments", "blobs", ["sha256"], ["sha256"])


def downgrade() -> None:
    """Back to 0004's layout: every capture's body a hex-keyed blob (plain zstd frames, stored once),
    its headers as JSON and its URL in the row; nothing is lost (the records hold all of it)."""
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    op.create_table(
        "blobs_old",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("codec", sa.String(length=16), nullable=False),
        sa.Column("base_sha256", sa.String(length=64), sa.ForeignKey("blobs_old.sha256"), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "captures_old",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("crawl_runs.id"), nullable=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("versions.id"), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), sa.ForeignKey("blobs_old.sha256"), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("page_type", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    old_blobs = sa.table(
        "blobs_old", *(sa.column(c) for c in ("sha256", "size", "codec", "base_sha256", "data"))
    )
    stored: set[str] = set()
    compressor = zstandard.ZstdCompressor(level=9)

    def keep(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if digest not in stored:
            stored.add(digest)
            conn.execute(
                old_blobs.insert().values(
                    sha256=digest, size=len(data), codec="zstd", data=compressor.compress(data)
                )
            )
        return digest

    for data in conn.execute(sa.text("SELECT data FROM blobs")).scalars().all():
        keep(raw.unpack(bytes(data), None))
    _restore_captures(conn, keep)
    op.drop_table("captures")
    op.rename_table("captures_old", "captures")
    for name, columns in (
        ("ix_captures_document_id", ["document_id"]),
        ("ix_captures_fetched_at", ["fetched_at"]),
        ("ix_captures_run_id", ["run_id"]),
        ("ix_captures_url_fetched", ["url", "fetched_at"]),
    ):
        op.create_index(name, "captures", columns)
    if sqlite:
        _sqlite_hex_digests(conn)
    else:
        for table, column in (("versions", "raw_sha256"), ("attachments", "sha256")):
            for fk in sa.inspect(conn).get_foreign_keys(table):
                if fk["constrained_columns"] == [column]:
                    op.drop_constraint(fk["name"], table, type_="foreignkey")
            op.alter_column(
                table,
                column,
                type_=sa.String(length=64),
                existing_type=sa.LargeBinary(),
                postgresql_using=f"encode({column}, 'hex')",
            )
        op.drop_table("blobs")
        op.rename_table("blobs_old", "blobs")
        op.create_foreign_key("versions_raw_sha256_fkey", "versions", "blobs", ["raw_sha256"], ["sha256"])
        op.create_foreign_key("attachments_sha256_fkey", "attachments", "blobs", ["sha256"], ["sha256"])
    op.drop_table("urls")


def _restore_captures(conn: sa.Connection, keep: Any) -> None:
    """Each capture's record read back through its base chain, in id order (a base is older)."""
    rows = conn.execute(
        sa.text(
            "SELECT c.id, c.run_id, c.document_id, c.version_id, u.url, c.fetched_at, c.http_status, c.raw,"
            " c.raw_base_id, c.outcome, c.page_type, c.note FROM captures c JOIN urls u ON u.id = c.url_id"
            " ORDER BY c.id"
        )
    ).all()
    base_of = {row.id: row.raw_base_id for row in rows}
    frame_of = {row.id: row.raw for row in rows}
    cache: dict[int, bytes] = {}

    def record(cid: int) -> bytes:
        if cid in cache:
            return cache[cid]
        frame, base = frame_of[cid], base_of[cid]
        if frame is None:  # identical to its base
            data = record(base)  # type: ignore[arg-type]
        else:
            data = raw.unpack(bytes(frame), record(base) if base is not None else None)
        if len(cache) > 2048:
            cache.clear()
        cache[cid] = data
        return data

    captures = sa.table(
        "captures_old",
        *(sa.column(c) for c in ("id", "run_id", "document_id", "version_id", "url", "fetched_at",
                                  "http_status", "headers", "body_sha256", "outcome", "page_type", "note")),
    )  # fmt: skip
    batch: list[dict[str, Any]] = []
    for row in rows:
        headers: dict[str, str] = {}
        digest = None
        if row.raw is not None or row.raw_base_id is not None:
            _, headers, body = raw.split(record(row.id))
            digest = keep(body)
        values = {k: v for k, v in row._asdict().items() if k not in ("raw", "raw_base_id")}
        batch.append({**values, "headers": json.dumps(headers, ensure_ascii=False), "body_sha256": digest})
        if len(batch) >= _BATCH:
            conn.execute(captures.insert(), batch)
            batch = []
    if batch:
        conn.execute(captures.insert(), batch)


def _sqlite_hex_digests(conn: sa.Connection) -> None:
    """Rebuild versions and attachments with hex digests and their foreign keys to blobs."""
    ddl = _set_aside(conn)
    conn.exec_driver_sql("DROP TABLE blobs")
    conn.exec_driver_sql("ALTER TABLE blobs_old RENAME TO blobs")
    versions_sql = re.sub(r"raw_sha256 BLOB", "raw_sha256 VARCHAR(64)", ddl["versions"][0])
    cut = versions_sql.rstrip().rfind(")")
    versions_sql = versions_sql[:cut] + ",\n\tFOREIGN KEY(raw_sha256) REFERENCES blobs (sha256)\n)"
    conn.exec_driver_sql(versions_sql)
    conn.exec_driver_sql(re.sub(r"sha256 BLOB", "sha256 VARCHAR(64)", ddl["attachments"][0]))
    for name, column in (("versions", "raw_sha256"), ("attachments", "sha256")):
        columns = [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({name})")]
        picked = ", ".join(f"CASE WHEN {c} IS NULL THEN NULL ELSE lower(hex({c})) END" if c == column else c
                           for c in columns)  # fmt: skip
        conn.exec_driver_sql(f"INSERT INTO {name} ({', '.join(columns)}) SELECT {picked} FROM _old_{name}")
    _restore_indexes(conn, ddl)


def _set_aside(conn: sa.Connection) -> dict[str, tuple[str, list[str]]]:
    """SQLite cannot change a column's type: copy versions and attachments to temporary tables and drop
    them, returning each one's CREATE TABLE and CREATE INDEX statements for the rebuild."""
    # The deferral lasts until the end of the transaction, so one must be open (a no-op write opens
    # it: Python's sqlite3 begins a transaction before the first write, not before a PRAGMA).
    conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
    conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
    ddl = {
        name: (sql, [i for (i,) in conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (name,)
        )])
        for name, sql in conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN ('versions', 'attachments')"
        )
    }  # fmt: skip
    for name in ("versions", "attachments"):
        conn.exec_driver_sql(f"CREATE TEMP TABLE _old_{name} AS SELECT * FROM {name}")
    conn.exec_driver_sql("DROP TABLE attachments")
    conn.exec_driver_sql("DROP TABLE versions")
    return ddl


def _restore_indexes(conn: sa.Connection, ddl: dict[str, tuple[str, list[str]]]) -> None:
    for name in ("versions", "attachments"):
        for index_sql in ddl[name][1]:
            conn.exec_driver_sql(index_sql)
        conn.exec_driver_sql(f"DROP TABLE _old_{name}")
