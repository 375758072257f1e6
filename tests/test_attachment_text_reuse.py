"""A file the archive already holds is not read again: a refetch marks it `text_stored` and the store
writes the text stored with the same bytes (crawler/pipelines/attachments.py, archive/store.py)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from archive.attachment_text import read
from archive.db import Archive
from archive.models import Attachment, CrawlRun, Document, Version
from archive.records import FetchedAttachment
from archive.store import VersionStore
from replica.files import attachment_bytes, attachment_number
from tests.conftest import FAST, run_xxgk
from tests.search_data import T0, detail, store_page

KEY = "reuse-key"
NAME = "1.低保审批表.pdf"
URL = "https://smzj.anshun.gov.cn/zwgk/a1.html"
FILE_URL = "https://smzj.anshun.gov.cn/zwgk/a1/form.pdf"


def _file(**changes: object) -> FetchedAttachment:
    fetched = FetchedAttachment(
        url=FILE_URL,
        name=NAME,
        http_status=200,
        content_type="application/pdf",
        body=attachment_bytes(KEY, "pdf", NAME),
    )
    return dataclasses.replace(fetched, **changes)


def _texts(archive: Archive) -> list[tuple[int, str | None, str | None]]:
    with archive.session() as s:
        return [
            tuple(row)
            for row in s.execute(
                select(Version.number, Attachment.text, Attachment.text_note)
                .join(Version, Version.id == Attachment.version_id)
                .order_by(Version.number)
            )
        ]


def test_a_new_version_takes_the_stored_text_of_a_file_known_by_hash(database_url: str) -> None:
    archive = Archive(database_url)
    store = VersionStore(archive)
    first = detail(title="关于公开低保审批表格的通知", body="请到附件下载。", publish_date="2024-02-01")
    store_page(store, URL, first, T0, attachments=[read(_file())])
    (stored,) = _texts(archive)
    assert stored[1] and attachment_number(KEY) in stored[1]

    # The body changed, the file did not: the crawl did not read it again (`text_stored`).
    edited = detail(title="关于公开低保审批表格的通知", body="请到附件下载表格。", publish_date="2024-02-01")
    outcome = store_page(store, URL, edited, T0 + timedelta(days=1), attachments=[_file(text_stored=True)])
    assert outcome.kind == "new_version" and outcome.version_number == 2
    # A second document with the same bytes takes the text of any row holding them.
    other = detail(title="低保审批表格", body="附件为审批表格。", publish_date="2024-02-02")
    store_page(store, URL.replace("a1", "a2"), other, T0, attachments=[_file(text_stored=True)])
    texts = _texts(archive)
    assert [t[1:] for t in texts] == [stored[1:]] * 3
    archive.close()


def test_a_full_refetch_reads_no_attachment_again(tmp_path, replica) -> None:
    """Real Scrapy over loopback: a second full crawl without conditional requests fetches every page
    and file again, reads none of the files (their hashes are known), and an edited page's new version
    still carries its files' text."""
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"

    def crawl() -> dict:
        out = run_xxgk("crawl", "anshun_mzj", "--database-url", database_url, "--replica-url", replica.url,
                       "--format", "json", *FAST, "-s", "XXGK_CONDITIONAL=False")  # fmt: skip
        assert out.returncode == 0, out.stderr[-3000:]
        archive = Archive(database_url)
        with archive.session() as s:
            stats = s.scalars(select(CrawlRun.stats).order_by(CrawlRun.id.desc()).limit(1)).one()
        archive.close()
        return stats

    first = crawl()
    assert first.get("xxgk/attachment_fetched", 0) > 0
    assert first.get("xxgk/attachment_text_reused", 0) == 0
    archive = Archive(database_url)
    with archive.session() as s:
        read_files = s.scalar(
            select(Attachment.id)
            .where(
                Attachment.sha256.is_not(None),
                Attachment.text.is_not(None) | Attachment.text_note.is_not(None),
            )
            .limit(1)
        )
        assert read_files is not None
        # Forget the latest version of one document with files: the refetch stores a new one, whose
        # files must be written with their stored text although the crawl did not read them.
        doc_id, version_id = s.execute(
            select(Document.id, Version.id)
            .join(Version, Version.document_id == Document.id)
            .join(Attachment, Attachment.version_id == Version.id)
            .where(Attachment.text.is_not(None))
            .limit(1)
        ).one()
        s.execute(Version.__table__.update().where(Version.id == version_id).values(fingerprint="0" * 64))
        before = s.execute(
            select(Attachment.sha256, Attachment.text, Attachment.text_note)
            .where(Attachment.version_id == version_id)
            .order_by(Attachment.id)
        ).all()
    archive.close()

    second = crawl()
    fetched_ok = second.get("xxgk/attachment_fetched", 0) - second.get("xxgk/attachment_error", 0)
    assert second.get("xxgk/attachment_text_reused", 0) == fetched_ok > 0
    assert second.get("xxgk/new_version", 0) == 1
    archive = Archive(database_url)
    with archive.session() as s:
        newest = s.scalars(
            select(Version.id).where(Version.document_id == doc_id).order_by(Version.number.desc()).limit(1)
        ).one()
        assert newest != version_id
        after = s.execute(
            select(Attachment.sha256, Attachment.text, Attachment.text_note)
            .where(Attachment.version_id == newest)
            .order_by(Attachment.id)
        ).all()
    archive.close()
    assert after == before and any(text for _, text, _ in after)
