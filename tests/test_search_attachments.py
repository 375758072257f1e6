"""Attachment text (issue 8, item 1): read from the stored files, kept in the archive, indexed with the
version, so a search finds a document by words that are only in its attachment, and says so."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, update

import replica as replica_pkg
from archive.attachment_text import extract, extract_searchable, kind, read
from archive.db import Archive
from archive.migrate import alembic_config
from archive.models import Attachment, Document, Version
from archive.records import FetchedAttachment
from archive.search import index
from archive.search.engine import search
from archive.search.filters import Filters
from archive.search.tokens import normalize
from archive.store import VersionStore
from replica.files import SENTENCES, attachment_bytes, attachment_number
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk, xxgk
from tests.search_data import T0, detail, store_page

PDF_TITLE = "1.城乡低保对象申请审批表.pdf"
KEY = "test:att0"


def _docx(paragraphs: list[str]) -> bytes:
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    return _zip({"word/document.xml": f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>'})


def _xlsx(cells: list[str]) -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings = "".join(f"<si><t>{c}</t></si>" for c in cells)
    return _zip(
        {
            "xl/sharedStrings.xml": f'<sst xmlns="{ns}">{strings}</sst>',
            "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{ns}"><sheetData><row><c t="inlineStr">'
            "<is><t>合计人数</t></is></c></row></sheetData></worksheet>",
        }
    )


def _zip(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        for name, xml in parts.items():
            z.writestr(name, xml)
    return out.getvalue()


def test_formats_read_and_reasons_recorded() -> None:
    pdf = extract(attachment_bytes(KEY, "pdf", PDF_TITLE), PDF_TITLE, "application/pdf")
    assert pdf.note is None and pdf.text is not None
    assert PDF_TITLE in pdf.text and attachment_number(KEY) in pdf.text
    assert any(sentence in pdf.text for sentence in SENTENCES)

    docx = extract(_docx(["关于临时救助的实施细则", "第一条 为规范临时救助"]), "细则.docx")
    assert docx.text is not None and "临时救助的实施细则" in docx.text and "第一条" in docx.text
    xlsx = extract(_xlsx(["乡镇名称", "特困供养人数"]), "统计表.xlsx")
    assert xlsx.text is not None and "特困供养人数" in xlsx.text and "合计人数" in xlsx.text
    assert (kind(_docx(["x"])), kind(_xlsx(["x"]))) == ("docx", "xlsx")

    ole = extract(attachment_bytes(KEY, "doc", "2.工作方案.doc"), "2.工作方案.doc", "application/msword")
    assert ole.text is None and ole.note is not None and "OLE2" in ole.note
    broken = extract(b"%PDF-1.4\n this is no pdf", "x.pdf")
    assert broken.text is None and broken.note  # a reason, never an exception
    assert extract(b"", "x.pdf").note == "no bytes"


def _store_with_attachment(archive: Archive) -> None:
    store = VersionStore(archive)
    parsed = detail(
        title="安顺市民政局关于公开低保审批表格的通知",
        body="现将城乡低保申请表格公开，请到附件下载。",
        publish_date="2024-02-01",
        validity="有效",
    )
    files = [  # read as the crawl's attachment pipeline reads them (the store only writes the text)
        FetchedAttachment(
            url="https://smzj.anshun.gov.cn/zwgk/a1/form.pdf",
            name=PDF_TITLE,
            http_status=200,
            content_type="application/pdf",
            body=attachment_bytes(KEY, "pdf", PDF_TITLE),
        ),
        FetchedAttachment(
            url="https://smzj.anshun.gov.cn/zwgk/a1/plan.doc",
            name="2.工作方案.doc",
            http_status=200,
            content_type="application/msword",
            body=attachment_bytes(KEY + "doc", "doc", "2.工作方案.doc"),
        ),
    ]
    files = [read(f) for f in files]
    store_page(store, "https://smzj.anshun.gov.cn/zwgk/a1.html", parsed, T0, attachments=files)
    store_page(
        store,
        "https://smzj.anshun.gov.cn/zwgk/a2.html",
        detail(title="安顺市民政局2024年工作要点", body="做好低保工作。", publish_date="2024-01-05"),
        T0,
    )


def _only_in_attachment(archive: Archive, query: str) -> dict:
    with archive.session() as s:
        result = search(s, query)
    assert result.total == 1, (query, result)
    hit = result.hits[0]
    assert hit["url"].endswith("/a1.html")
    assert hit["matched_in"] == "attachment"
    assert hit["snippet"].startswith(f"[附件 {PDF_TITLE}]") and "«" in hit["snippet"]
    return hit


def test_store_reads_attachments_and_search_finds_their_words(database_url: str) -> None:
    archive = Archive(database_url)
    _store_with_attachment(archive)
    with archive.session() as s:
        rows = {a.name: a for a in s.scalars(select(Attachment))}
    assert attachment_number(KEY) in (rows[PDF_TITLE].text or "")
    assert rows["2.工作方案.doc"].text is None and "OLE2" in (rows["2.工作方案.doc"].text_note or "")
    _only_in_attachment(archive, attachment_number(KEY))
    with archive.session() as s:  # a body hit still shows the body
        body_hit = search(s, "低保 附件下载").hits[0]
    assert body_hit["matched_in"] == "body" and "«附件下载»" in body_hit["snippet"]
    archive.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_text_folded_where_it_was_read_is_not_folded_again_by_the_store(database_url, monkeypatch) -> None:
    """The crawl's worker reads an attachment with `extract_searchable`, which also makes the text's
    search form; the store indexes that form instead of folding the text again, and search finds the
    document by the attachment's words as before."""
    body = attachment_bytes(KEY, "pdf", PDF_TITLE)
    found = extract_searchable(body, PDF_TITLE, "application/pdf", slow=False)
    assert found.text and attachment_number(KEY) in found.text
    assert found.search_form == normalize(found.text)
    folded: list[str] = []
    fold_once = index.normalize
    monkeypatch.setattr(index, "normalize", lambda text: folded.append(text) or fold_once(text))
    archive = Archive(database_url)
    attachment = FetchedAttachment(
        url="https://smzj.anshun.gov.cn/zwgk/a1/form.pdf",
        name=PDF_TITLE,
        http_status=200,
        content_type="application/pdf",
        body=body,
        text=found.text,
        text_note=found.note,
        text_method=found.method,
        text_search_form=found.search_form,
    )
    parsed = detail(
        title="安顺市民政局关于公开低保审批表格的通知", body="现将表格公开。", publish_date="2024-02-01"
    )
    store_page(
        VersionStore(archive), "https://smzj.anshun.gov.cn/zwgk/a1.html", parsed, T0, attachments=[attachment]
    )
    assert PDF_TITLE in folded and found.text not in folded  # the name folded by the store, the text not
    _only_in_attachment(archive, attachment_number(KEY))
    archive.close()


def test_migration_and_reindex_read_attachments_stored_before(database_url: str) -> None:
    archive = Archive(database_url)
    _store_with_attachment(archive)
    config = alembic_config(archive.engine)
    command.downgrade(config, "0004")  # an archive from before attachment text …
    command.upgrade(config, "head")  # … is read and indexed by the migration
    _only_in_attachment(archive, attachment_number(KEY))

    with archive.engine.begin() as conn:  # text lost: `xxgk db reindex` reads it again
        conn.execute(update(Attachment).values(text=None, text_note=None))
    result = xxgk("db", "reindex", "--database-url", database_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "read the text of 2 attachments" in result.stdout
    _only_in_attachment(archive, attachment_number(KEY))
    archive.close()


@pytest.mark.parametrize("processes", ["1", "0"])
def test_crawl_then_search_finds_a_document_by_its_attachment(tmp_path, replica, processes: str) -> None:
    """Real Scrapy over loopback: a word printed only in a replica PDF finds its document. The crawl
    reads the text in its parse worker (1), or in its own thread when told to (0)."""
    sqlite_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    host = "smzj.anshun.gov.cn"
    crawled = run_xxgk(
        "crawl",
        "anshun_mzj",
        "--database-url",
        sqlite_url,
        "--replica-url",
        replica.url,
        "--format",
        "json",
        *FAST,
        "-s",
        f"XXGK_PARSE_PROCESSES={processes}",
    )
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    documents = replica_pkg.build(seed=1, docs=60).documents(host)
    pdfs = [(d, a) for d in documents for a in d.attachments if a.path.endswith(".pdf")]
    assert pdfs, "the replica should give some documents PDF attachments"
    doc, attachment = pdfs[0]
    number = attachment_number(attachment.key)
    assert number not in doc.title  # and the body is generated from other words

    found = xxgk("search", number, "--database-url", sqlite_url, "--format", "json")
    assert found.returncode == 0, found.stderr[-2000:]
    out = json.loads(found.stdout)
    assert out["total"] == 1
    hit = out["hits"][0]
    archive = Archive(sqlite_url)
    with archive.session() as s:
        assert s.scalar(select(Document.url).where(Document.id == hit["id"])) == doc.url
    archive.close()
    assert hit["snippet"].startswith("[附件 ") and f"«{number}»" in hit["snippet"]


def test_an_attachment_that_arrives_a_night_late_is_searchable_that_night(
    tmp_path: Path, database_url: str
) -> None:
    """Real Scrapy over loopback: a PDF fails (503) on the night its document is first stored; the next
    night it downloads and completes that version (no new one), and a search for the 编号 printed only
    in the PDF finds the document right after that night, without `xxgk db reindex`."""
    state, host = tmp_path / "replica", "smzj.anshun.gov.cn"
    documents = replica_pkg.build(seed=1, docs=24).documents(host)
    doc, attachment = next((d, a) for d in documents for a in d.attachments if a.path.endswith(".pdf"))
    number = attachment_number(attachment.key)
    archive = Archive(database_url)

    def crawl(replica_url: str, *settings: str) -> None:
        out = run_xxgk("crawl", "anshun_mzj", "--database-url", database_url, "--replica-url", replica_url,
                       "--format", "json", *FAST, *settings)  # fmt: skip
        assert out.returncode == 0, out.stderr[-3000:]

    def found() -> tuple[int, list[str | None]]:
        with archive.session() as s:
            result = search(s, number)
            return result.total, [hit["matched_in"] for hit in result.hits]

    with start_replica(state, docs=24, seed=1) as replica:
        faulted = xxgk("replica", "change", "anshun_mzj", "--fault", "503", "--fault-url", attachment.url,
                       "--state", str(state), "--format", "json")  # fmt: skip
        assert faulted.returncode == 0, faulted.stderr
        crawl(replica.url)
        with archive.session() as s:
            row = s.scalars(select(Attachment).where(Attachment.url == attachment.url)).one()
            assert row.sha256 is None and row.text is None
        assert found() == (0, [])

        assert xxgk("replica", "change", "anshun_mzj", "--heal", "--state", str(state)).returncode == 0
        crawl(replica.url, "-s", "XXGK_CONDITIONAL=False")  # whole pages, so the attachment is fetched
    with archive.session() as s:
        (version,) = s.scalars(select(Version).join(Document).where(Document.url == doc.url)).all()
        row = next(a for a in version.attachments if a.url == attachment.url)
        assert row.sha256 is not None and number in (row.text or "")
    assert found() == (1, ["attachment"])
    archive.close()


@pytest.mark.parametrize("ext", ["pdf", "doc", "xls"])
def test_replica_files_stay_deterministic(ext: str) -> None:
    assert attachment_bytes(KEY, ext, "表") == attachment_bytes(KEY, ext, "表")
    assert attachment_bytes(KEY, ext, "表") != attachment_bytes(KEY + "x", ext, "表")


def test_attachment_that_fills_a_gap_is_searchable_at_once_and_leaves_history_exact(
    database_url: str,
) -> None:
    """A PDF that failed on the first night and arrives on the next completes the version (no new one)
    and is indexed at once; when the document is edited later, the superseded version leaves the
    latest index with exactly the tokens it was re-indexed with: searches of latest versions and of
    history then count what a substring scan of the stored versions counts."""
    archive = Archive(database_url)
    store = VersionStore(archive)
    url = "https://smzj.anshun.gov.cn/zwgk/a1.html"
    pdf = "https://smzj.anshun.gov.cn/zwgk/a1/form.pdf"
    parsed = detail(title="安顺市民政局关于公开低保审批表格的通知", body="现将城乡低保申请表格公开。")
    lost = FetchedAttachment(url=pdf, name=PDF_TITLE, error="TimeoutError")
    arrived = read(  # as the crawl's attachments pipeline reads it
        FetchedAttachment(
            url=pdf,
            name=PDF_TITLE,
            http_status=200,
            content_type="application/pdf",
            body=attachment_bytes(KEY, "pdf", PDF_TITLE),
        )
    )
    number = attachment_number(KEY)
    assert store_page(store, url, parsed, T0, attachments=[lost]).kind == "new_version"
    with archive.session() as s:
        assert search(s, number).total == 0
    assert store_page(store, url, parsed, T0 + timedelta(days=1), attachments=[arrived]).kind == "unchanged"
    _only_in_attachment(archive, number)

    edited = detail(title=parsed.fields.title, body="现将城乡低保申请表格公开，请到附件下载。")
    assert store_page(store, url, edited, T0 + timedelta(days=2), attachments=[arrived]).kind == "new_version"
    with archive.session() as s:
        assert search(s, number).total == 1  # the new version only
        assert search(s, number, Filters(all_versions=True)).total == 2  # and the completed first one
        assert search(s, "请到附件").total == 1
        old_end = search(s, "表格公开。", Filters(all_versions=True))  # only the first body ends so
        assert (old_end.total, old_end.hits[0]["version"]) == (1, 1)
        assert search(s, "表格公开。").total == 0
        assert search(s, "申请表格公开", Filters(all_versions=True)).total == 2
    archive.close()


def test_an_index_built_with_another_normaliser_is_left_alone_until_reindexed(database_url: str) -> None:
    """Deleting a contentless FTS5 row needs the tokens it was indexed with, recomputed from the
    version: exact only under the same normaliser. Under another (an OpenCC upgrade), the store leaves
    the index as built, a search says what to do in one line, and `xxgk db reindex` makes it whole."""
    from archive.search.schema import SearchState
    from archive.search.state import StaleIndexError, normaliser

    archive = Archive(database_url)
    _store_with_attachment(archive)
    with archive.session() as s:
        assert s.get(SearchState, "normaliser").value == normaliser()
        s.get(SearchState, "normaliser").value = "normalize 0; opencc 0.0"  # built by an older one
    store = VersionStore(archive)
    later = detail(
        title="安顺市民政局关于临时救助的通知", body="做好临时救助工作。", publish_date="2024-03-01"
    )
    assert store_page(store, "https://smzj.anshun.gov.cn/zwgk/a3.html", later, T0).kind == "new_version"
    with archive.session() as s, pytest.raises(StaleIndexError, match="xxgk db reindex"):
        search(s, "临时救助")
    shown = xxgk("search", "临时救助", "--database-url", database_url)
    assert shown.returncode != 0 and "Traceback" not in shown.stderr
    assert "run `xxgk db reindex`" in shown.stderr.strip().splitlines()[-1]
    assert xxgk("db", "reindex", "--database-url", database_url).returncode == 0
    with archive.session() as s:
        assert search(s, "临时救助").total == 1 and search(s, "低保").total == 2
        assert s.get(SearchState, "normaliser").value == normaliser()
    archive.close()
