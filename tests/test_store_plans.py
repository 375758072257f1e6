"""The store's lookups of every page are index probes on PostgreSQL, whatever its statistics.

A fresh archive has no planner statistics. With an index on each column alone, PostgreSQL answered
four of these lookups by reading every document of the site, every capture made since the document's
last one, or every attachment: O(n) a page (docs/benchmarks.md, "fourth look"; migrations 0018 and 0019). Each
is explained here on an archive of 2,000 documents of one site that was never analysed, as a first
crawl leaves it, for an old document (a backward walk of the captures would pass 3,980 of them): its
plan must reach the rows through an index and drop none by a filter.
"""

from __future__ import annotations

import itertools
import json
import os
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from archive import captures, store
from archive.db import Archive
from archive.models import Attachment, Blob, Capture, Document, DocumentUrl, Url, Version
from archive.prepared import Prepared, insert_rows

DOCS = 2000
SITE = "site_a"
_COUNTER = itertools.count()


def test_each_lookup_of_a_page_is_an_index_probe(postgres: Any) -> None:
    archive = Archive(postgres.create_database(f"xxgk_plans_{os.getpid()}_{next(_COUNTER)}"))
    at = datetime(2026, 1, 1, tzinfo=UTC)
    with archive.session() as s:
        conn = s.connection()
        insert_rows(conn, Url.__table__, [{"url": _url(i)} for i in range(DOCS)])
        documents = [
            {"site": SITE, "url": _url(i), "index_no": f"000-{i:05d}", "title": f"t{i}", "status": "active",
             "first_seen_at": at, "last_seen_at": at}
            for i in range(DOCS)
        ]  # fmt: skip
        insert_rows(conn, Document.__table__, documents)
        ids = dict(conn.exec_driver_sql("SELECT url, id FROM documents").all())
        url_ids = dict(conn.exec_driver_sql("SELECT url, id FROM urls").all())
        insert_rows(
            conn, DocumentUrl.__table__, [{"document_id": ids[u], "url": u, "first_seen_at": at} for u in ids]
        )
        night = [
            {"document_id": ids[_url(i)], "url_id": url_ids[_url(i)], "fetched_at": at, "http_status": 200,
             "raw": b"raw", "outcome": "unchanged"}
            for i in range(DOCS)
        ]  # fmt: skip
        insert_rows(conn, Capture.__table__, night + night)  # two nights
        insert_rows(
            conn, Blob.__table__, [{"sha256": _digest(i), "size": 1, "data": b"x"} for i in range(DOCS)]
        )
        versions = [
            {"document_id": ids[_url(i)], "number": 1, "fingerprint": "f", "first_seen_at": at, "last_seen_at": at,
             "raw_sha256": _digest(i), "body": "", "fields": {}, "tables": []}
            for i in range(DOCS)
        ]  # fmt: skip
        insert_rows(conn, Version.__table__, versions)
        version_ids = dict(conn.exec_driver_sql("SELECT document_id, id FROM versions").all())
        files = [
            {"version_id": version_ids[ids[_url(i)]], "url": _url(i) + ".pdf", "sha256": _digest(i), "text": "正文"}
            for i in range(DOCS)
        ]  # fmt: skip
        insert_rows(conn, Attachment.__table__, files)
        old = ids[_url(10)]
        lookups: dict[str, tuple[Prepared, dict[str, Any]]] = {
            "document by URL": (store._URL_DOCUMENTS, {"url": _url(10)}),
            "document by id": (store._DOCUMENT_BY_ID, {"id": old}),
            "document by 索引号": (store._BY_INDEX_NO, {"site": SITE, "index_no": "000-00010"}),
            "latest kept capture": (captures._LATEST_KEPT, {"document_id": old}),
            "text of known bytes": (store._TEXT_BY_SHA256, {"sha256": _digest(10)}),
        }
        for name, (statement, params) in lookups.items():
            plan = _explain(conn, statement, params)
            scans = [n for n in _nodes(plan) if n.get("Relation Name")]
            assert scans, (name, plan)
            for node in scans:
                assert node["Node Type"] != "Seq Scan", (name, node)
                assert node.get("Rows Removed by Filter", 0) == 0, (
                    name,
                    node["Node Type"],
                    node.get("Index Name"),
                )
            assert plan["Actual Rows"] >= 1, name
    archive.close()


def _url(i: int) -> str:
    return f"http://a.example/{i}.html"


def _digest(i: int) -> str:
    return f"{i:064x}"


def _explain(conn: Connection, statement: Prepared, params: dict[str, Any]) -> dict[str, Any]:
    compiled = statement.stmt.compile(dialect=conn.dialect)
    sql = f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}"
    bound = {}  # each value as the statement's own run would send it (a Digest as bytes)
    for key, value in compiled.construct_params(params).items():
        process = compiled.binds[key].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        bound[key] = process(value) if process else value
    found = conn.exec_driver_sql(sql, bound).scalar_one()
    return (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]
