"""The archive on both databases: migrations and content-addressed blobs."""

from __future__ import annotations

from sqlalchemy import select

from archive import blobs
from archive.db import Archive
from archive.migrate import current_revision, head_revision
from archive.models import Blob
from tests.pages import BODY, page_html


def test_migrations_reach_head_and_rerun_is_noop(database_url: str) -> None:
    archive = Archive(database_url)
    assert current_revision(archive.engine) == head_revision(archive.engine)
    Archive(database_url)  # second open: nothing to do, no error
    archive.close()


def test_blob_delta_roundtrip_and_dedup(database_url: str) -> None:
    archive = Archive(database_url)
    first, second = page_html(BODY, 1), page_html(BODY, 2)
    with archive.session() as s:
        a = blobs.put(s, first)
        b = blobs.put(s, second, like=a)
        assert blobs.put(s, first) == a  # content-addressed: stored once
    with archive.session() as s:
        assert blobs.get(s, a) == first and blobs.get(s, b) == second
        delta = s.get(Blob, b)
        assert delta.codec == "zstd-delta" and len(delta.data) < len(first) // 10
        assert s.scalar(select(Blob).where(Blob.sha256 == a).with_only_columns(Blob.codec)) == "zstd"
