"""Incremental and conditional crawling over the replica: cheap when nothing changed, complete when it did."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, func, select, update

import replica as replica_pkg
from archive.db import Archive
from archive.models import Attachment, Capture, CrawlRun, Document, DocumentUrl, Event, Version
from archive.queries import KnownDocument
from archive.search.schema import SearchDoc, SearchText
from crawler.frontier import Frontier
from crawler.runner import spider_loader
from tests.conftest import FAST, run_xxgk, xxgk

HOST = "smzj.anshun.gov.cn"


def crawl(database_url: str, replica_url: str, mode: str, night: int = 0) -> dict:
    out = run_xxgk(
        "crawl", "anshun_mzj", "--mode", mode, "--database-url", database_url, "--replica-url", replica_url,
        "--format", "json", "-s", f"XXGK_NIGHT={night}", "-s", "XXGK_REVISIT_CYCLE=7", *FAST,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    archive = Archive(database_url)
    with archive.session() as s:
        run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        stats = dict(run.stats, run_id=run.id)
    archive.close()
    return stats


def forget(archive: Archive, urls: list[str]) -> None:
    """Remove documents from the archive, as if they had been published after the last crawl."""
    with archive.session() as s:
        ids = list(s.scalars(select(Document.id).where(Document.url.in_(urls))))
        versions = select(Version.id).where(Version.document_id.in_(ids))
        s.execute(delete(Attachment).where(Attachment.version_id.in_(versions)))
        # SQLite keeps no search_text (the index reads the versions); PostgreSQL does.
        for indexed in (SearchDoc, SearchText) if s.get_bind().dialect.name == "postgresql" else (SearchDoc,):
            s.execute(delete(indexed).where(indexed.version_id.in_(versions)))
        s.execute(delete(Capture).where(Capture.document_id.in_(ids)))
        s.execute(delete(Version).where(Version.document_id.in_(ids)))
        for model in (DocumentUrl, Event):
            s.execute(delete(model).where(model.document_id.in_(ids)))
        s.execute(delete(Document).where(Document.id.in_(ids)))


def test_incremental_fetches_only_what_is_new_plus_tonights_slice(database_url: str, replica) -> None:
    expected = replica_pkg.build(seed=1, docs=60).documents(HOST)
    full = crawl(database_url, replica.url, "full")
    assert full["xxgk/new_version"] == len(expected)

    quiet = crawl(database_url, replica.url, "incremental", night=3)
    columns = len(spider_loader().load("anshun_mzj").columns)
    revisits = quiet["xxgk/revisit"]
    assert 0 < revisits < len(expected) / 3  # about a seventh of the documents
    # One list page per column, then only tonight's revisits, each answered 304 by the server.
    assert quiet["response_received_count"] == columns + revisits
    assert quiet["xxgk/incremental_stopped_columns"] == columns
    assert quiet.get("xxgk/new_version", 0) == 0 and quiet["xxgk/unchanged"] == revisits
    assert quiet["downloader/response_status_count/304"] == revisits

    # The two newest documents of the busiest column appear after the last crawl.
    column_of = {d.url: d.url.split("/20")[0] for d in expected}
    busiest = Counter(column_of.values()).most_common(1)[0][0]
    newest = sorted((d for d in expected if column_of[d.url] == busiest), key=lambda d: d.publish)[-2:]
    archive = Archive(database_url)
    forget(archive, [d.url for d in newest])
    # And one stored title no longer matches what the list shows (an edit the list reveals).
    edited = sorted((d for d in expected if d not in newest), key=lambda d: d.publish)[-1]
    with archive.session() as s:
        doc_id = s.scalar(select(Document.id).where(Document.url == edited.url))
        s.execute(update(Version).where(Version.document_id == doc_id).values(title="旧标题"))

    found = crawl(database_url, replica.url, "incremental", night=3)
    assert found["xxgk/new_version"] == 2
    with archive.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == len(expected)
        fetched = set(s.scalars(select(Capture.url).where(Capture.run_id == found["run_id"])))
        assert {d.url for d in newest} <= fetched
        assert edited.url in fetched
    archive.close()


def test_revisit_slices_cover_every_document_once_per_cycle() -> None:
    known = {
        f"http://h/t2024010{i % 9}_{i}.html": KnownDocument("t", "2024-01-01", None, None) for i in range(500)
    }
    slices = [Frontier(known, cycle=7, night=night).revisit_slice() for night in range(7)]
    assert sorted(url for part in slices for url in part) == sorted(known)
    assert all(40 < len(part) < 110 for part in slices)  # roughly even
    assert Frontier(known, cycle=7, night=10).revisit_slice() == slices[3]  # the cycle repeats


def test_list_entries_compared_with_the_archive() -> None:
    url = "http://h/t20240105_1.html"
    frontier = Frontier(
        {url: KnownDocument("安顺市民政局关于做好养老服务工作的通知", "2024-01-05T10:30", None, None)}
    )
    assert not frontier.is_news(url, "安顺市民政局关于做好养老服务工作的通知", "2024-01-05")
    assert not frontier.is_news(url, "安顺市民政局关于做好养老…", "2024.01.05")  # a cut title still matches
    assert frontier.is_news(url, "安顺市民政局关于做好养老服务工作的补充通知", "2024-01-05")
    assert frontier.is_news(url, "安顺市民政局关于做好养老服务工作的通知", "2024-01-06")
    assert frontier.is_news("http://h/t20240105_2.html", "新文件", None)


def test_a_last_modified_close_to_its_response_is_not_sent_as_if_modified_since() -> None:
    """A page published and edited within one second keeps its Last-Modified: asked with it, the
    server would answer 304 and the edit would be lost. A Last-Modified under a minute before the Date
    it came with is therefore not trusted (RFC 9110's rule for a strong one); the next fetch asks
    for the whole page."""
    fresh = KnownDocument("t", None, "Sun, 06 Dec 2026 19:15:41 GMT", None, "Sun, 06 Dec 2026 19:15:41 GMT")
    old = KnownDocument("t", None, "Mon, 16 Mar 2026 06:22:00 GMT", '"e1"', "Sun, 06 Dec 2026 19:15:41 GMT")
    undated = KnownDocument("t", None, "Mon, 16 Mar 2026 06:22:00 GMT", None, None)
    broken = KnownDocument("t", None, "yesterday", None, "Sun, 06 Dec 2026 19:15:41 GMT")
    frontier = Frontier({"http://h/fresh": fresh, "http://h/old": old, "http://h/undated": undated,
                         "http://h/broken": broken})  # fmt: skip
    assert frontier.validators("http://h/fresh") == {}
    assert frontier.validators("http://h/old") == {
        "If-None-Match": '"e1"',
        "If-Modified-Since": "Mon, 16 Mar 2026 06:22:00 GMT",
    }
    assert frontier.validators("http://h/undated") == {"If-Modified-Since": "Mon, 16 Mar 2026 06:22:00 GMT"}
    assert frontier.validators("http://h/broken") == {}


def test_cli_refuses_unknown_mode(tmp_path) -> None:
    out = xxgk("crawl", "anshun_mzj", "--mode", "nightly", "--database-url", f"sqlite:///{tmp_path}/a.db")
    assert out.returncode == 2 and "nightly" in out.stderr  # a usage error, no traceback
    assert "Traceback" not in out.stderr
