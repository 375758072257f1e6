"""The version store links a new URL to the document it holds by 索引号 (DESIGN §4), carefully."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from archive.attachment_text import read
from archive.db import Archive
from archive.models import Document, DocumentUrl, Event, Version
from archive.records import FetchedAttachment, FetchedPage
from archive.store import VersionStore
from crawler.extraction import parse_page
from crawler.pipelines.extract import page_content
from tests.pages import BODY, page_html

OLD = "http://smzj.anshun.gov.cn/zwgk/zfxxgk/xxgkml/jhzj/202301/t20230105_100.html"
NEW = "http://smzj.anshun.gov.cn/zwgk/zfxxgk/xxgkml/mzsw/ylfw/202302/t20230201_200.html"
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def fetched(url: str, at: datetime, status: int = 200, title: str | None = None) -> FetchedPage:
    html = page_html(BODY, 1, **({"title": title} if title else {}))
    return FetchedPage(site="anshun_mzj", url=url, fetched_at=at, http_status=status, headers={}, body=html,
                       content=page_content(parse_page(html, url)) if status == 200 else None)  # fmt: skip


def test_same_index_no_at_a_new_url_is_the_document_moved(database_url):
    store = VersionStore(Archive(database_url))
    assert store.record(fetched(OLD, T0)).kind == "new_version"
    moved = store.record(fetched(NEW, T0 + timedelta(days=1)))
    assert moved.kind == "unchanged"  # same content: no new version
    gone = store.record(fetched(OLD, T0 + timedelta(days=1, hours=1), status=404))
    assert gone.kind == "not_document" and gone.document_id == moved.document_id
    with store.archive.session() as s:
        doc = s.scalars(select(Document)).one()
        assert doc.url == NEW and doc.status == "active"
        assert set(s.scalars(select(DocumentUrl.url))) == {OLD, NEW}
        events = list(s.scalars(select(Event).order_by(Event.id)))
        assert [e.kind for e in events] == ["created", "moved"] and events[1].detail == f"{OLD} → {NEW}"
    store.archive.close()


def test_a_reused_index_no_on_another_document_does_not_merge_them(database_url):
    store = VersionStore(Archive(database_url))
    store.record(fetched(OLD, T0))
    store.record(fetched(NEW, T0 + timedelta(days=1), title="安顺市民政局关于开展殡葬领域专项整治的通知"))
    with store.archive.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 2
        assert not s.scalar(select(func.count()).select_from(Event).where(Event.kind == "moved"))
    store.archive.close()


def test_files_that_moved_with_the_document_are_not_a_new_version(database_url):
    """Same bytes at the new directory's URL: unchanged. Other bytes there: a new version."""
    store = VersionStore(Archive(database_url))

    def with_file(page: FetchedPage, url: str, data: bytes) -> FetchedPage:
        page.attachments = [FetchedAttachment(url=url, name="1.申请表.pdf", http_status=200, body=data)]
        return page

    old_file, new_file = OLD.rsplit("/", 1)[0] + "/P1.pdf", NEW.rsplit("/", 1)[0] + "/P1.pdf"
    assert store.record(with_file(fetched(OLD, T0), old_file, b"%PDF-1.4 one")).kind == "new_version"
    moved = store.record(with_file(fetched(NEW, T0 + timedelta(days=1)), new_file, b"%PDF-1.4 one"))
    assert moved.kind == "unchanged"
    changed = store.record(with_file(fetched(NEW, T0 + timedelta(days=2)), new_file, b"%PDF-1.4 two"))
    assert (changed.kind, changed.version_number) == ("new_version", 2)
    store.archive.close()


def _files(page: FetchedPage, directory: str, files: dict[str, bytes | None]) -> FetchedPage:
    """Attach `name → bytes` (None: the fetch failed) under `directory`, text read as the crawl does."""
    page.attachments = [
        read(FetchedAttachment(url=f"{directory}/{name}", name=name, http_status=200, body=data))
        if data is not None
        else FetchedAttachment(url=f"{directory}/{name}", name=name, error="HTTP 503")
        for name, data in files.items()
    ]
    return page


def test_a_move_and_a_filled_gap_on_the_same_night_are_one_version(database_url):
    """The night a document moves with its directory, a file its version never got arrives (at the
    new URL) and another fails: the version is completed, not repeated; later nights stay unchanged."""
    store = VersionStore(Archive(database_url))
    old_dir, new_dir = OLD.rsplit("/", 1)[0], NEW.rsplit("/", 1)[0]
    form, table = "P1.txt", "P2.txt"
    one, two = "申请表 编号ASZ-0001".encode(), "统计表 编号ASZ-0002".encode()
    first = store.record(_files(fetched(OLD, T0), old_dir, {form: one, table: None}))
    assert first.kind == "new_version"
    night = store.record(_files(fetched(NEW, T0 + timedelta(days=1)), new_dir, {form: None, table: two}))
    assert (night.kind, night.version_number) == ("unchanged", 1)
    with store.archive.session() as s:
        rows = {a.url.rsplit("/", 1)[-1]: a for a in s.scalars(select(Version)).one().attachments}
        assert rows[table].sha256 is not None and rows[table].error is None  # the gap, filled
        assert rows[table].text == two.decode() and rows[form].text == one.decode()
    both = {form: one, table: two}
    again = store.record(_files(fetched(NEW, T0 + timedelta(days=2)), new_dir, both))
    assert (again.kind, again.version_number) == ("unchanged", 1)
    changed = store.record(_files(fetched(NEW, T0 + timedelta(days=3)), new_dir, {**both, table: b"v2"}))
    assert (changed.kind, changed.version_number) == ("new_version", 2)
    store.archive.close()


def test_the_store_writes_the_text_it_is_given_and_reads_none(database_url):
    """Reading is the crawl's job (its parse worker): an unread file is stored without text or note,
    for `xxgk db reindex` to read, and text the caller read is stored as given."""
    store = VersionStore(Archive(database_url))
    unread = FetchedAttachment(url=OLD + ".txt", name="a.txt", http_status=200, body="未读".encode())
    given = FetchedAttachment(url=OLD + ".pdf", name="b.pdf", http_status=200, body=b"%PDF-1.4 x",
                              text="调用方读出的文字", text_note="cut")  # fmt: skip
    page = fetched(OLD, T0)
    page.attachments = [unread, given]
    assert store.record(page).kind == "new_version"
    with store.archive.session() as s:
        rows = {a.name: (a.text, a.text_note) for a in s.scalars(select(Version)).one().attachments}
    assert rows == {"a.txt": (None, None), "b.pdf": ("调用方读出的文字", "cut")}
    store.archive.close()
