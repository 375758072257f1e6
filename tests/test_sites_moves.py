"""`xxgk replica change --move`: a document moves to a new URL in another column keeping its 索引号; the
archive keeps one document with both URLs and a `moved` event, and invents no withdrawal or version.
Tested on two platforms (the move is the catalog base's, so every platform has it)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from archive.db import Archive
from archive.models import Document, DocumentUrl, Event, Version
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk


def crawl(site: str, database_url: str, replica_url: str) -> None:
    out = run_xxgk("crawl", site, "--database-url", database_url, "--replica-url", replica_url, *FAST)
    assert out.returncode == 0, out.stderr[-3000:]


@pytest.mark.parametrize("site", ["ankang_mzj", "shizhong_mzj"])
def test_a_moved_document_is_one_document_with_both_urls(site, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    state = tmp_path / "replica"
    with start_replica(state, docs=30, seed=3) as replica:
        crawl(site, database_url, replica.url)
        out = run_xxgk("replica", "change", site, "--move=2", "--state", str(state), "--format", "json")
        assert out.returncode == 0, out.stderr
        moves = json.loads(out.stdout)
        assert [m["op"] for m in moves] == ["move", "move"]
        assert all(m["new_url"] != m["url"] and m["index_no"] for m in moves)
        crawl(site, database_url, replica.url)
    archive = Archive(database_url)
    with archive.session() as s:
        before = s.scalar(select(func.count()).select_from(Document).where(Document.site == site))
        for move in moves:
            doc = s.scalars(select(Document).where(Document.url == move["new_url"])).one()
            assert doc.index_no == move["index_no"] and doc.status == "active"
            urls = set(s.scalars(select(DocumentUrl.url).where(DocumentUrl.document_id == doc.id)))
            assert urls == {move["url"], move["new_url"]}
            kinds = list(s.scalars(select(Event.kind).where(Event.document_id == doc.id).order_by(Event.id)))
            assert kinds == ["created", "moved"]
            versions = list(
                s.scalars(select(Version).where(Version.document_id == doc.id).order_by(Version.number))
            )
            # Content is unchanged; only a page that names its column (安康's 公开目录) shows a new value.
            changed = {k for k, v in versions[-1].fields.items() if versions[0].fields.get(k) != v}
            assert changed <= {"topic"} and len(versions) == 1 + bool(changed)
            assert versions[-1].body == versions[0].body
        assert not s.scalar(select(func.count()).select_from(Event).where(Event.kind == "withdrawn"))
        # No document was created for the new URLs: the count is the replica's, as before the move.
        assert before == 31
    archive.close()
