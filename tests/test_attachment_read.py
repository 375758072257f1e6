"""Every attachment read (issue 25, part 1): scans by OCR, legacy Office by antiword/xlrd/catdoc, ZIP
members, off the crawl's path; bad files give a reason and stall nothing.

The OCR'd pages are shared by the module (a page takes about a second); the legacy Office files are
written by LibreOffice once and cached (replica/attachment_forms.py)."""

from __future__ import annotations

import io
import time
import unicodedata
import zipfile
from pathlib import Path
from random import Random

import pytest
from sqlalchemy import select

import replica as replica_pkg
from archive import attachment_queue
from archive.attachment_readers import Limits
from archive.attachment_text import extract, read
from archive.db import Archive
from archive.models import Attachment
from archive.records import FetchedAttachment
from archive.search.engine import search
from archive.store import VersionStore
from replica import attachment_forms as forms
from replica.files import attachment_number
from replica.process import LOOPBACK_CRAWL_ARGS, start_replica
from tests.conftest import run_xxgk, xxgk
from tests.search_data import T0, detail, store_page


def sample_blocks(rng: Random, year: int) -> list[str | list[list[str]]]:
    """A one-page report outline with a small ruled table: the words and numbers a scanned or Word
    attachment carries (the full annual reports, `replica.annual_reports`, fill several pages)."""
    made, kept = rng.randrange(2, 20), rng.randrange(5, 60)
    return [
        "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。全文包括总体情况、主动公开政府信息"
        "情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要"
        f"报告的事项。本报告所列数据统计期限为{year}年1月1日至{year}年12月31日。",
        "一、总体情况",
        f"{year}年，安顺市民政局认真贯彻落实《条例》和上级关于政务公开工作的部署要求，坚持以公开为常态、不公开为例外，"
        f"全年通过门户网站主动公开政府信息{rng.randrange(80, 600)}条。",
        "二、主动公开政府信息情况",
        [
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            ["规章", "0", "0", "0"],
            ["行政规范性文件", str(made), str(rng.randrange(0, 4)), str(kept)],
        ],
        "三、收到和处理政府信息公开申请情况",
        f"本年度共收到政府信息公开申请{rng.randrange(0, 12)}件，均已按期办结。",
        "四、政府信息公开行政复议、行政诉讼情况",
        "本年度未发生政府信息公开行政复议和行政诉讼案件。",
        "五、存在的主要问题及改进情况",
        "信息公开的及时性和解读回应的针对性仍需加强。下一步，将进一步完善信息发布审核机制，提升政务公开质量。",
        "六、其他需要报告的事项",
        "本年度未收取信息处理费。",
        "安顺市民政局",
        f"{year + 1}年1月20日",
    ]


BLOCKS = sample_blocks(Random(3), 2023)


def char_accuracy(got: str, truth: str) -> float:
    """1 − the edit distance between the two texts over the truth's length, whitespace folded away and
    width variants unified (NFKC: Tesseract reads "（" as "(", which the search normaliser folds too)."""
    a, b = (unicodedata.normalize("NFKC", forms.fold(t)) for t in (got, truth))
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return 1 - previous[-1] / max(len(b), 1)


@pytest.fixture(scope="module")
def scans() -> dict[str, object]:
    """The report as a scanned PDF and a PNG scan, each read once (OCR: about a second a page)."""
    out = {}
    for form in ("pdf_scan", "png_scan"):
        data = forms.render(form, BLOCKS, "report:2023")
        out[form] = (data, extract(data, f"report.{forms.EXTENSIONS[form]}"))
    return out


@pytest.mark.parametrize("form", ["pdf_scan", "png_scan"])
def test_scans_are_read_by_ocr_with_97_percent_of_characters_right(scans, form: str) -> None:
    data, found = scans[form]
    assert data == forms.render(form, BLOCKS, "report:2023")  # deterministic per key
    assert found.method.startswith("tesseract ") and "chi_sim" in found.method
    assert found.note is None
    assert char_accuracy(found.text, forms.source_text(BLOCKS)) >= 0.97
    assert extract(data, "report.pdf", slow=False).deferred  # never read in the crawl's path


@pytest.mark.parametrize("form", ["doc", "wps", "xls", "et", "rtf"])
def test_legacy_office_text_equals_the_source(form: str) -> None:
    data = forms.render(form, BLOCKS, "report:2023")
    found = extract(data, f"report.{forms.EXTENSIONS[form]}")
    assert found.note is None, found.note
    assert forms.fold(found.text) == forms.fold(forms.source_text(BLOCKS)), found.method
    assert found.method.split()[0] in {"antiword", "xlrd", "catdoc"}
    assert extract(data, "x", slow=False).deferred


def test_a_text_layer_is_used_as_it_is_and_zip_members_are_read() -> None:
    from replica.files import attachment_bytes

    pdf = extract(attachment_bytes("k", "pdf", "表.pdf"), "表.pdf")
    assert pdf.method.startswith("pdfium ") and "text layer" in pdf.method and not pdf.deferred
    doc = forms.render("doc", BLOCKS, "report:2023")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("年报.doc", doc)
        z.writestr("说明.txt", "附件说明：本压缩包含年度报告。")
    found = extract(packed.getvalue(), "附件.zip")
    assert found.method.startswith("ZIP: antiword")
    assert "[年报.doc]" in found.text and "本年度未收取信息处理费" in found.text
    assert "附件说明" in found.text


def _bad_files(tmp_path: Path) -> dict[str, bytes]:
    """An encrypted PDF, a 300-page scan, a corrupt .doc, a ZIP bomb and a PDF that is an HTML page."""
    from PIL import Image
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(forms.render("pdf_scan", ["机密文件"], "enc")))
    writer.encrypt(user_password="secret", algorithm="AES-128")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    page = Image.new("L", (120, 160), 255)
    long_scan = io.BytesIO()
    page.save(long_scan, "PDF", save_all=True, append_images=[page] * 299)
    doc = forms.render("doc", BLOCKS, "report:2023")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("data.txt", b"\0" * (60 * 1024 * 1024))  # 60 MB of zeros in ~60 KB
    return {
        "encrypted.pdf": encrypted.getvalue(),
        "300页扫描件.pdf": long_scan.getvalue(),
        "corrupt.doc": doc[:512] + b"\xff" * 4096 + doc[4608:],  # its FIB and text overwritten
        "bomb.zip": bomb.getvalue(),
        "form.pdf": "<!DOCTYPE html><html><head><title>404</title></head><body>页面不存在</body></html>".encode(),
    }


def test_bad_files_get_a_reason_stall_nothing_and_lose_nothing(tmp_path: Path, scans) -> None:
    """The bad files and a good scan on one page, stored unread as a crawl stores them, then the queue:
    each bad file has its reason, the scan its text, searchable, and the drain keeps to its limits."""
    bad = _bad_files(tmp_path)
    scan = scans["png_scan"][0]
    archive = Archive(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    store = VersionStore(archive)
    files = [
        FetchedAttachment(url=f"https://smzj.anshun.gov.cn/f/{n}", name=name, http_status=200, body=body)
        for n, (name, body) in enumerate([*bad.items(), ("年报扫描件.png", scan)])
    ]
    for f in files:  # as the crawl reads them: the slow ones deferred
        found = extract(f.body, f.name, slow=False)
        if not found.deferred:
            f.text, f.text_note, f.text_method = found.text, found.note, found.method
    page = detail(title="安顺市民政局2023年政府信息公开工作年度报告", body="年度报告见附件。")
    store_page(store, "https://smzj.anshun.gov.cn/zwgk/nb2023.html", page, T0, attachments=files)
    assert attachment_queue.pending(archive.engine) == 4  # all but the HTML page (a reason at once)

    started = time.monotonic()
    done = attachment_queue.drain(archive.engine, workers=2, limits=Limits(max_ocr_pages=3, seconds=20))
    assert time.monotonic() - started < 40 and (done.done, done.ocr) == (4, 1)
    with archive.session() as s:
        rows = {a.name: a for a in s.scalars(select(Attachment))}
    assert "password" in rows["encrypted.pdf"].text_note
    assert "first 3 of 300 pages" in rows["300页扫描件.pdf"].text_note
    assert rows["corrupt.doc"].text is None and rows["corrupt.doc"].text_note.startswith("ole: ")
    assert "ZIP bomb" in rows["bomb.zip"].text_note
    assert "HTML page" in rows["form.pdf"].text_note
    assert rows["年报扫描件.png"].text_method.startswith("tesseract")
    assert attachment_queue.pending(archive.engine) == 0
    with archive.session() as s:
        found = search(s, "未收取信息处理费")
        assert found.total == 1 and found.hits[0]["matched_in"] == "attachment"
    archive.close()


def test_read_fills_the_method_for_a_caller_feeding_the_store() -> None:
    fetched = read(FetchedAttachment(url="u", name="x.rtf", body=forms.render("rtf", ["通知"], "r")))
    assert fetched.text == "通知" and fetched.text_method.startswith("catdoc")


def test_crawl_stores_scans_unread_and_the_text_arrives_after_it(tmp_path: Path) -> None:
    """Real Scrapy over loopback on the site that publishes scans and legacy Office files: the crawl
    defers them, `xxgk crawl` reads them when the crawl has ended (progress on stderr), and a search
    for the 编号 printed only in a scanned PDF finds its document, matched in the attachment."""
    database_url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    documents = replica_pkg.build(seed=1, docs=24).documents("www.zzszq.gov.cn")
    scanned = [a for d in documents for a in d.attachments if a.form == "pdf_scan"]
    assert scanned and {a.form for d in documents for a in d.attachments} >= {"pdf_scan", "doc", "wps"}
    with start_replica(tmp_path / "replica", docs=24, seed=1) as replica:
        out = run_xxgk("crawl", "shizhong_mzj", "--database-url", database_url, "--replica-url", replica.url,
                       "--format", "json", *LOOPBACK_CRAWL_ARGS, "-s", "XXGK_PARSE_PROCESSES=0")  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    progress = [line for line in out.stderr.splitlines() if line.startswith("attachments read:")]
    assert progress and progress[-1].startswith(f"attachments read: {len(scanned) + 2}/{len(scanned) + 2}")
    archive = Archive(database_url)
    with archive.session() as s:
        methods = {a.url: a.text_method for a in s.scalars(select(Attachment))}
        for attachment in scanned:
            assert methods[attachment.url].startswith("tesseract")
            hits = search(s, attachment_number(attachment.key)).hits
            assert [h["matched_in"] for h in hits] == ["attachment"]
    archive.close()
    assert attachment_queue.pending(Archive(database_url).engine) == 0
    shown = xxgk("db", "reindex", "--database-url", database_url)
    assert shown.returncode == 0 and "read the text of 0 attachments" in shown.stdout


def test_the_queue_writes_and_indexes_on_each_database(database_url: str) -> None:
    """A scan stored unread, as the crawl leaves it, read by the queue: its words are searchable
    (matched in the attachment) on SQLite and PostgreSQL, and the drain said where it was."""
    archive = Archive(database_url)
    scan = forms.render("png_scan", ["社会救助申请登记表", "编号 甲乙丙丁戊"], "queue:scan")
    fetched = FetchedAttachment(
        url="https://smzj.anshun.gov.cn/f/s.png", name="登记表.png", http_status=200, body=scan
    )
    assert extract(scan, fetched.name, slow=False).deferred
    page = detail(title="安顺市民政局关于社会救助登记的通知", body="登记表见附件。")
    store_page(
        VersionStore(archive), "https://smzj.anshun.gov.cn/zwgk/s1.html", page, T0, attachments=[fetched]
    )
    with archive.session() as s:
        assert search(s, "社会救助申请登记表").total == 0
    lines: list[str] = []
    attachment_queue.drain(archive.engine, progress=attachment_queue.progress_printer(lines.append))
    assert lines[-1].startswith("attachments read: 1/1 files (1 by OCR")
    with archive.session() as s:
        found = search(s, "社会救助申请登记表")
        assert found.total == 1 and found.hits[0]["matched_in"] == "attachment"
        row = s.scalars(select(Attachment)).one()
        assert row.text_method.startswith("tesseract") and row.text_note is None
    archive.close()


def test_migration_0015_queues_what_the_old_reader_gave_up_on(tmp_path: Path) -> None:
    """An archive at 0014 whose .doc has the old "legacy OLE2" reason: the upgrade records how the
    text it has was read and puts the .doc back in the queue, which reads it."""
    from alembic import command
    from sqlalchemy import update

    from archive.migrate import alembic_config

    archive = Archive(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    doc = forms.render("doc", BLOCKS, "report:2023")
    files = [
        FetchedAttachment(
            url="https://smzj.anshun.gov.cn/f/nb.doc", name="年报.doc", http_status=200, body=doc
        )
    ]
    page = detail(title="安顺市民政局2023年政府信息公开工作年度报告", body="年度报告见附件。")
    store_page(VersionStore(archive), "https://smzj.anshun.gov.cn/zwgk/nb.html", page, T0, attachments=files)
    config = alembic_config(archive.engine)
    command.downgrade(config, "0014")
    with archive.engine.begin() as conn:
        conn.execute(
            update(Attachment.__table__).values(text_note="legacy OLE2 file (.doc/.xls/.ppt): not read")
        )
    command.upgrade(config, "head")
    assert attachment_queue.pending(archive.engine) == 1
    assert xxgk("db", "reindex", "--database-url", str(archive.engine.url)).returncode == 0
    with archive.session() as s:
        assert s.scalars(select(Attachment.text_method)).one().startswith("antiword")
        assert search(s, "未收取信息处理费").hits[0]["matched_in"] == "attachment"
    archive.close()
