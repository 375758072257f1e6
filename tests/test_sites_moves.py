"""`xxgk replica change --move`: a document moves to a new URL in another column keeping its 索引号; the
archive keeps one document with both URLs and a `moved` event, and invents no withdrawal or version.
Tested on two platforms (the move is the catalog base's, so every platform has it)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

import replica as replica_pkg
from archive.db import Archive
from archive.models import Attachment, CrawlRun, Document, DocumentUrl, Event, Version
from replica.files import attachment_number
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk, xxgk


def crawl(site: str, database_url: str, replica_url: str, *extra: str) -> None:
    out = run_xxgk("crawl", site, "--database-url", database_url, "--replica-url", replica_url, *FAST, *extra)
    assert out.returncode == 0, out.stderr[-3000:]


@pytest.mark.parametrize("site", ["ankang_mzj", "shizhong_mzj"])
def test_a_moved_document_is_one_document_with_both_urls(site, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    state = tmp_path / "replica"
    with start_replica(state, docs=30, seed=3) as replica:
        crawl(site, database_url, replica.url)
        out = xxgk("replica", "change", site, "--move=2", "--state", str(state), "--format", "json")
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


def test_a_move_on_the_night_a_missing_attachment_arrives_is_no_new_version(tmp_path, database_url):
    """Night 1 every attachment of 安顺 fails (its versions have gaps). Night 2 the faults are healed
    and every document that can move does, its files along with its directory: each moved document's version is
    completed (gaps filled, text read) by files at URLs it never saw, and no version is made."""
    site, host = "anshun_mzj", "smzj.anshun.gov.cn"
    state = tmp_path / "replica"
    documents = replica_pkg.build(seed=3, docs=30).documents(host)
    files = {a.url: d.url for d in documents for a in d.attachments}
    keys = {a.url: a.key for d in documents for a in d.attachments}
    with start_replica(state, docs=30, seed=3) as replica:
        urls = [arg for url in files for arg in ("--fault-url", url)]
        out = xxgk("replica", "change", site, "--fault", "503", "--retry-after", "0", *urls,
                   "--state", str(state))  # fmt: skip
        assert out.returncode == 0, out.stderr
        crawl(site, database_url, replica.url, "-s", "RETRY_TIMES=0")
        out = xxgk("replica", "change", site, "--heal", "--move=30", "--state", str(state),
                   "--format", "json")  # fmt: skip
        assert out.returncode == 0, out.stderr
        moves = [m for m in json.loads(out.stdout) if m["op"] == "move"]
        crawl(site, database_url, replica.url, "-s", "XXGK_CONDITIONAL=False")  # pages whole: files fetched
    moved_with_files = {m["new_url"] for m in moves if m["url"] in files.values()}
    assert moved_with_files, "the test needs a moved document with attachments"
    archive = Archive(database_url)
    with archive.session() as s:
        runs = list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        assert len(runs[0].stats["xxgk/failures"]) == len(files)
        assert runs[1].stats.get("xxgk/new_version", 0) == 0 and not runs[1].stats["xxgk/failures"]
        for url in moved_with_files:
            (version,) = s.scalars(select(Version).join(Document).where(Document.url == url)).all()
            assert version.attachments and all(a.sha256 and not a.error for a in version.attachments)
            for a in version.attachments:  # the rows keep the URLs the version first saw
                assert a.url in files and (a.text_note or attachment_number(keys[a.url]) in a.text)
        assert s.scalar(select(func.count()).select_from(Attachment).where(Attachment.sha256.is_(None))) == 0
    archive.close()
