"""The version store's decisions on both databases: new version, unchanged, withdrawn, restored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from archive.db import Archive
from archive.models import Capture, Document, Event, Version
from archive.records import FetchedAttachment, FetchedPage
from archive.store import VersionStore
from crawler.extraction import parse_page
from crawler.pipelines.extract import page_content
from tests.pages import BODY, URL, page_html


def fetched(html: bytes, at: datetime, status: int = 200, attachments=None) -> FetchedPage:
    return FetchedPage(
        site="anshun_mzj",
        url=URL,
        fetched_at=at,
        http_status=status,
        headers={},
        body=html,
        content=page_content(parse_page(html, URL)),
        attachments=attachments or [],
    )


def test_unchanged_page_adds_capture_not_version(database_url: str) -> None:
    store = VersionStore(Archive(database_url))
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    assert store.record(fetched(page_html(BODY, 100), t0)).kind == "new_version"
    # Only the view counter moved: same version, one more capture, last-seen advances.
    assert store.record(fetched(page_html(BODY, 101), t0 + timedelta(days=1))).kind == "unchanged"
    edited = BODY.replace("安全生产责任制", "安全生产主体责任")
    outcome = store.record(fetched(page_html(edited, 102), t0 + timedelta(days=2)))
    assert (outcome.kind, outcome.version_number) == ("new_version", 2)
    with store.archive.session() as s:
        doc = s.scalars(select(Document)).one()
        versions = s.scalars(select(Version).order_by(Version.number)).all()
        assert [v.number for v in versions] == [1, 2]
        assert versions[0].last_seen_at.replace(tzinfo=UTC) == t0 + timedelta(days=1)
        assert (
            versions[0].publish_date == "2023-01-05T10:30" and versions[0].index_no == "000000000/2023-00001"
        )
        assert s.query(Capture).count() == 3
        assert doc.status == "active"


def test_gone_page_is_withdrawn_then_restored(database_url: str) -> None:
    store = VersionStore(Archive(database_url))
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    store.record(fetched(page_html(BODY, 1), t0))
    gone = FetchedPage(
        site="anshun_mzj",
        url=URL,
        fetched_at=t0 + timedelta(days=1),
        http_status=404,
        headers={},
        body=b"<html><body>404 Not Found</body></html>",
        content=None,
    )
    assert store.record(gone).kind == "withdrawn"
    assert store.record(fetched(page_html(BODY, 2), t0 + timedelta(days=2))).kind == "unchanged"
    with store.archive.session() as s:
        assert [e.kind for e in s.scalars(select(Event).order_by(Event.id))] == [
            "created",
            "withdrawn",
            "restored",
        ]
        assert s.query(Version).count() == 1


def test_server_error_changes_nothing(database_url: str) -> None:
    store = VersionStore(Archive(database_url))
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    store.record(fetched(page_html(BODY, 1), t0))
    failed = FetchedPage(
        site="anshun_mzj",
        url=URL,
        fetched_at=t0,
        http_status=503,
        headers={},
        body=b"",
        error="HttpError: 503",
    )
    assert store.record(failed).kind == "error"
    with store.archive.session() as s:
        assert s.scalars(select(Document)).one().status == "active"


def test_page_the_parser_failed_on_keeps_its_raw_bytes_and_changes_nothing(database_url: str) -> None:
    store = VersionStore(Archive(database_url))
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    store.record(fetched(page_html(BODY, 1), t0))
    unreadable = FetchedPage(
        site="anshun_mzj",
        url=URL,
        fetched_at=t0 + timedelta(days=1),
        http_status=200,
        headers={},
        body=b"<html>\xff\xfe broken",
        error="parse failed: ValueError: boom",
    )
    assert store.record(unreadable).kind == "error"
    with store.archive.session() as s:
        assert s.scalar(select(func.count()).select_from(Version)) == 1
        capture = s.scalars(select(Capture).order_by(Capture.id.desc())).first()
        assert capture.outcome == "error" and capture.note.startswith("parse failed")
        assert capture.body == b"<html>\xff\xfe broken"


def test_attachment_change_is_a_new_version_but_a_failed_fetch_is_not(database_url: str) -> None:
    store = VersionStore(Archive(database_url))
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    att = "http://smzj.anshun.gov.cn/zwgk/zfxxgk/xxgkml/jhzj/202301/P020230105000000000001.pdf"
    html = page_html(BODY, 1)
    ok = [FetchedAttachment(url=att, name="附件", http_status=200, body=b"%PDF-1.4 one")]
    assert store.record(fetched(html, t0, attachments=ok)).kind == "new_version"
    lost = [FetchedAttachment(url=att, name="附件", error="TimeoutError")]
    assert store.record(fetched(html, t0 + timedelta(hours=1), attachments=lost)).kind == "unchanged"
    changed = [FetchedAttachment(url=att, name="附件", http_status=200, body=b"%PDF-1.4 two")]
    assert store.record(fetched(html, t0 + timedelta(hours=2), attachments=changed)).kind == "new_version"


def test_a_group_is_stored_as_each_alone_and_a_failure_costs_no_other(database_url: str) -> None:
    """`record_many` (the crawl writes the documents that waited for a commit in one transaction):
    the same outcomes and rows as one transaction each, a later document of the group compressed
    against the site's first capture as it would be once that is committed, and a page that fails
    costs only itself."""
    store = VersionStore(Archive(database_url))
    t0 = datetime(2024, 1, 1, tzinfo=UTC)

    def page(n: int, at: datetime) -> FetchedPage:  # a document of its own: its URL and its 索引号
        html = page_html(BODY, 7).replace(b"2023-00001", f"2023-{n:05d}".encode())
        return replace(fetched(html, at), url=URL.replace("_100.html", f"_{n}.html"))

    broken = page(2, t0)
    broken.headers = None  # type: ignore[assignment]  # its capture cannot be written
    results = store.record_many([page(1, t0), broken, page(3, t0)])
    assert isinstance(results[1], Exception)
    assert [r.kind for r in (results[0], results[2])] == ["new_version", "new_version"]  # type: ignore[union-attr]
    again = store.record_many([page(1, t0 + timedelta(days=1)), page(3, t0 + timedelta(days=1))])
    assert [r.kind for r in again] == ["unchanged", "unchanged"]  # type: ignore[union-attr]
    with store.archive.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 2
        captures = s.scalars(select(Capture).order_by(Capture.id)).all()
        assert len(captures) == 4
        assert captures[1].raw_base_id == captures[0].id  # the site's first capture, still uncommitted
