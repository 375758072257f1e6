"""`xxgk import`: WARCs that other tools wrote become captures, documents and versions.

Real writers only: GNU Wget crawling the replica over HTTP (`--warc-file`), warcio's own writer (the
library pywb and Browsertrix build on) for revisits across URLs and a Heritrix-style 304, and the
sample WARCs that warcio's and pywb's repositories ship (tests/fixtures/warc-samples/README.md).
What was stored is checked against the files as plain warcio reads them, so the import's own reader
is not its own judge: every HTTP response must read back from the archive with the same status
line, header lines and (decoded) payload, at its WARC-Date.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import raw
from archive.db import Archive
from archive.models import Attachment, Capture, CrawlRun, Document, ImportedRecord, Url, Version
from replica.process import wget_warc as wget_through_replica
from tests.conftest import xxgk

SAMPLES = Path(__file__).parent / "fixtures" / "warc-samples"
DETAIL = re.compile(r"/content_\d+$")  # 晋中's (sxjz platform) document pages
JINZHONG = "http://mzj.sxjz.gov.cn/"


# -- reading what was written and what was stored ----------------------------------------------------
def responses(path: Path) -> list[dict[str, Any]]:
    """Every HTTP response of a WARC as plain warcio reads and decodes it (`content_stream`)."""
    out = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh, arc2warc=True):
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            if record.rec_type != "response" or not url.startswith("http") or record.http_headers is None:
                continue
            http = record.http_headers
            out.append(
                {
                    "url": url,
                    "date": record.rec_headers.get_header("WARC-Date"),
                    "status_line": f"{http.protocol} {http.statusline}".rstrip(),
                    "headers": list(http.headers),
                    "body": record.content_stream().read(),
                }
            )
    return out


def stored(database_url: str) -> dict[tuple[str, str], tuple[str, list[tuple[str, str]], bytes]]:
    """(URL, fetch time) → (status line, header lines, body) of every capture that kept a record."""
    archive = Archive(database_url)
    try:
        with archive.session() as s:
            out = {}
            for capture in s.scalars(select(Capture)):
                record = raw.read(s, capture)
                if record is not None:
                    out[(capture.url, _utc(capture.fetched_at))] = raw.split_lines(record)
            return out
    finally:
        archive.close()


def count(database_url: str, model: type) -> int:
    archive = Archive(database_url)
    try:
        with archive.session() as s:
            return s.scalar(select(func.count()).select_from(model))
    finally:
        archive.close()


def _utc(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _warc_date(text: str) -> str:
    from warcio.timeutils import iso_date_to_datetime

    return _utc(iso_date_to_datetime(text))


def assert_byte_exact(database_url: str, *paths: Path) -> int:
    """Every HTTP response of the files reads back from the archive exactly; returns how many."""
    kept = stored(database_url)
    n = 0
    for path in paths:
        for response in responses(path):
            key = (response["url"].strip("<> "), _warc_date(response["date"]))
            assert key in kept, f"{path.name}: no capture of {key}"
            status_line, lines, body = kept[key]
            assert status_line == response["status_line"]
            assert lines == response["headers"]
            assert body == response["body"]
            n += 1
    return n


def import_json(*args: str, database_url: str, workers: bool = False) -> tuple[int, dict[str, Any], str]:
    """`xxgk import … --format json`; pages parsed in this process unless `workers` (a worker
    process costs seconds to start: one test runs the default, a worker, for both databases)."""
    inline = () if workers else ("--parse-processes", "0")
    result = xxgk("import", *args, *inline, "--format", "json", "--database-url", database_url)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


# -- GNU Wget over the replica ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def wget_warc(replica: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """晋中 (served as GB18030 with a gb2312 meta tag only) crawled two levels deep by wget."""
    where = tmp_path_factory.mktemp("wget")
    try:
        return wget_through_replica(replica.url, where / "jinzhong", 2, JINZHONG, timeout=120)
    except FileNotFoundError as missing:
        pytest.fail(str(missing))


def test_a_wget_crawl_imports_as_documents_byte_exact_and_only_once(
    database_url: str, wget_warc: Path
) -> None:
    code, summary, stderr = import_json(str(wget_warc), database_url=database_url, workers=True)
    assert code == 0, stderr
    assert "import:" in stderr  # progress on stderr
    assert summary["software"] == [s for s in summary["software"] if s.startswith("Wget/")] != []
    wire = responses(wget_warc)
    details = {r["url"] for r in wire if DETAIL.search(r["url"]) and r["status_line"].endswith("200 OK")}
    assert len(details) >= 10
    assert summary["captures_new"] == len(wire)
    assert summary["documents_new"] == summary["versions_new"] == len(details)
    assert summary["skipped"]["request (the archive keeps responses)"] == len(wire)
    assert summary["damaged"] == [] and summary["revisits_unresolved"] == []
    assert assert_byte_exact(database_url, wget_warc) == len(wire)

    archive = Archive(database_url)
    try:
        with archive.session() as s:
            docs = s.scalars(select(Document)).all()
            assert {d.url for d in docs} == details
            assert {d.site for d in docs} == {"jinzhong_mzj"}
            # GB18030 bytes declared gb2312 in a meta tag only: read as Chinese, not mojibake.
            pages = {r["url"]: r["body"].decode("gb18030") for r in wire if r["url"] in details}
            for version in s.scalars(select(Version)):
                assert version.title and version.title in pages[version.document.url]
                assert re.search(r"[\u4e00-\u9fff]{4}", version.title)
            assert {v.charset for v in s.scalars(select(Version))} == {"gb18030"}
            # Attachments the same file holds come with their version (hash of the bytes wget got);
            # the others are gaps for the next crawl to fill.
            bodies = {r["url"]: r["body"] for r in wire}
            files = s.scalars(select(Attachment)).all()
            found = [a for a in files if a.sha256 is not None]
            assert len(found) == summary["attachments"] > 0
            assert all(hashlib.sha256(bodies[a.url]).hexdigest() == a.sha256 for a in found)
            assert all(
                a.url not in bodies and a.error == "not in the imported file" for a in files if not a.sha256
            )
            assert all(a.url.startswith(JINZHONG) for a in files)  # other hosts' files: not taken, as a crawl
            run = s.scalars(select(CrawlRun)).one()
            assert (run.site, run.mode, run.status) == ("import", "import", "finished")
    finally:
        archive.close()

    # Again: nothing new, every record recognised.
    code, again, _ = import_json(str(wget_warc), database_url=database_url)
    assert code == 0
    assert again["captures_new"] == 0 and again["versions_new"] == 0
    assert again["already_imported"] == len(wire)
    assert count(database_url, Capture) == len(wire)
    listed = json.loads(xxgk("runs", "--format", "json", "--database-url", database_url).stdout)
    assert [(r["mode"], r["new_versions"]) for r in listed] == [("import", 0), ("import", len(details))]


# -- warcio-written WARCs: revisits across URLs, a Heritrix-style 304, one that resolves nowhere -----
T0 = "2026-03-02T01:00:00Z"


def _at(minutes: int) -> str:
    return f"2026-03-02T01:{minutes:02d}:00Z"


def detail_pages(wget_warc: Path, n: int = 2) -> list[dict[str, Any]]:
    return [
        r for r in responses(wget_warc) if DETAIL.search(r["url"]) and r["status_line"].endswith("200 OK")
    ][:n]


def write_history(
    path: Path, pages: list[dict[str, Any]], *, version: str = "1.1", gzip: bool = True
) -> None:
    """A history of two document pages as warcio writes it: responses, requests, a revisit of the
    first page's payload at a mirror's URL (another host), a same-URL revisit, a Heritrix-style
    `server-not-modified` 304, a revisit whose original is nowhere, metadata and resource records."""
    first, second = pages
    mirror = "http://mirror.example.org/copy/" + first["url"].rsplit("/", 1)[1]
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip, warc_version=version)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "warcio test writer"}))

        def response(page: dict[str, Any], date: str) -> Any:
            http = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html"), ("Content-Length", str(len(page["body"])))],
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                page["url"],
                "response",
                payload=io.BytesIO(page["body"]),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date},
            )
            writer.write_record(record)
            request = writer.create_warc_record(
                page["url"],
                "request",
                payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(
                    "GET / HTTP/1.1", [("Host", "mzj.sxjz.gov.cn")], is_http_request=True
                ),
                warc_headers_dict={"WARC-Date": date},
            )
            writer.write_record(request)
            return record

        original = response(first, _at(0))
        response(second, _at(1))
        digest = original.rec_headers.get_header("WARC-Payload-Digest")

        def revisit(
            url: str,
            date: str,
            payload_digest: str,
            status: str,
            profile: str | None = None,
            refers_to: str = first["url"],
        ) -> None:
            http = StatusAndHeaders(
                status, [("Content-Type", "text/html"), ("X-Seen", date)], protocol="HTTP/1.1"
            )
            record = writer.create_revisit_record(
                url,
                payload_digest,
                refers_to,
                _at(0),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date},
            )
            if profile:
                record.rec_headers.replace_header("WARC-Profile", profile)
            writer.write_record(record)

        revisit(mirror, _at(2), digest, "200 OK")  # cross-URL, cross-host
        revisit(first["url"], _at(3), digest, "200 OK")  # same URL, a later day
        revisit(
            first["url"],
            _at(4),
            digest,
            "304 Not Modified",
            f"http://netpreserve.org/warc/{version}/revisit/server-not-modified",
        )
        revisit(
            "http://mzj.sxjz.gov.cn/xxgk/none/content_1",
            _at(5),
            "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "200 OK",
            refers_to="http://mzj.sxjz.gov.cn/xxgk/none/content_0",
        )
        for kind in ("metadata", "resource"):
            writer.write_record(
                writer.create_warc_record(
                    "urn:test:" + kind,
                    kind,
                    payload=io.BytesIO(b"notes"),
                    warc_content_type="text/plain",
                )
            )


def test_warcio_revisits_across_urls_and_a_heritrix_304_resolve(
    database_url: str, wget_warc: Path, tmp_path: Path
) -> None:
    pages = detail_pages(wget_warc)
    path = tmp_path / "history.warc.gz"
    write_history(path, pages)
    code, summary, stderr = import_json(str(path), database_url=database_url)
    assert code == 0, stderr
    assert summary["revisits_resolved"] == 3
    [lost] = summary["revisits_unresolved"]
    assert (
        lost["url"] == "http://mzj.sxjz.gov.cn/xxgk/none/content_1"
        and "unresolved" not in stderr.split("warning")[0]
    )
    assert "1 revisit(s) whose original is not in the archive" in stderr
    assert summary["skipped"] == {
        "warcinfo (about the file, not a capture)": 1,
        "request (the archive keeps responses)": 2,
        "metadata (no HTTP response)": 1,
        "resource (no HTTP response)": 1,
    }
    assert summary["documents_new"] == summary["versions_new"] == 2
    assert summary["outcomes"] == {"new_version": 2, "not_document": 1, "unchanged": 2, "error": 1}

    kept = stored(database_url)
    first = pages[0]
    mirror = "http://mirror.example.org/copy/" + first["url"].rsplit("/", 1)[1]
    # The revisit at the mirror's URL: its own head, the original's payload.
    status_line, lines, body = kept[(mirror, _warc_date(_at(2)))]
    assert (status_line, body) == ("HTTP/1.1 200 OK", first["body"])
    assert ("X-Seen", _at(2)) in lines
    # The 304 is a 304, as a crawl's answer to a conditional request.
    assert kept[(first["url"], _warc_date(_at(4)))][0] == "HTTP/1.1 304 Not Modified"
    archive = Archive(database_url)
    try:
        with archive.session() as s:
            doc = s.scalars(select(Document).where(Document.url == first["url"])).one()
            assert len(doc.versions) == 1
            assert _utc(doc.last_seen_at) == _warc_date(_at(4))  # the 304 confirmed the version
            outcomes = s.execute(
                select(Capture.outcome, Capture.http_status)
                .where(Capture.document_id == doc.id)
                .order_by(Capture.id)
            ).all()
            assert [tuple(o) for o in outcomes] == [
                ("new_version", 200),
                ("unchanged", 200),
                ("unchanged", 304),
            ]
            assert s.scalars(select(Document.url)).all().count(mirror) == 0  # a mirror is never a document
            states = dict(
                s.execute(select(ImportedRecord.state, func.count()).group_by(ImportedRecord.state)).all()
            )
            assert states == {"stored": 5, "unresolved": 1}
    finally:
        archive.close()

    code, again, _ = import_json(str(path), database_url=database_url)
    assert (code, again["captures_new"], again["already_imported"]) == (0, 0, 6)


def test_warc_1_0_uncompressed_and_a_wacz_import_alike(wget_warc: Path, tmp_path: Path) -> None:
    plain = tmp_path / "history.warc"
    write_history(plain, detail_pages(wget_warc), version="1.0", gzip=False)
    assert plain.read_bytes().startswith(b"WARC/1.0\r\n")
    one = f"sqlite:///{tmp_path / 'one.sqlite3'}"
    code, summary, _ = import_json(str(plain), database_url=one)
    assert code == 0 and summary["revisits_resolved"] == 3 and summary["versions_new"] == 2

    # The same records in a WACZ (WARCs stored under archive/): the same captures; the WARC after it
    # adds nothing (the same record ids).
    wacz = tmp_path / "history.wacz"
    with zipfile.ZipFile(wacz, "w") as z:
        z.write(plain, "archive/data.warc", compress_type=zipfile.ZIP_STORED)
        z.writestr("datapackage.json", "{}")
    two = f"sqlite:///{tmp_path / 'two.sqlite3'}"
    code, from_wacz, _ = import_json(str(wacz), database_url=two)
    assert code == 0
    assert {k: from_wacz[k] for k in ("captures_new", "versions_new", "revisits_resolved")} == {
        k: summary[k] for k in ("captures_new", "versions_new", "revisits_resolved")
    }
    assert stored(one) == stored(two)
    code, again, _ = import_json(str(plain), database_url=two)
    assert (code, again["captures_new"]) == (0, 0)


# -- other tools' own sample files --------------------------------------------------------------------
def test_the_samples_of_warcio_and_pywb_import_without_loss(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'samples.sqlite3'}"
    order = [  # the cross-URL original's file before its revisit's file
        "example-url-agnostic-orig.warc.gz",
        "example-url-agnostic-revisit.warc.gz",
        "example.warc.gz",
        "example-iana.org-chunked.warc",
        "example-wget-1-14.warc.gz",
        "dupes.warc.gz",
        "missing-status-text.warc",
        "example.arc.gz",
    ]
    files = [SAMPLES / name for name in order]
    code, summary, stderr = import_json(*map(str, files), database_url=url)
    assert code == 0, stderr
    # Every response, byte-exact: gzip and chunked payloads decoded as warcio decodes them.
    assert (
        assert_byte_exact(url, *files) == summary["outcomes"]["not_document"] - summary["revisits_resolved"]
    )
    kept = stored(url)
    # The revisit at http://test@example.com/ stands for example.iana.org's page (found by digest).
    agnostic = kept[("http://test@example.com/", _warc_date("2013-07-29T19:51:51Z"))]
    assert agnostic[2].startswith(b"<!doctype html>") and agnostic[0] == "HTTP/1.0 200 OK"
    # warcio's gzip-encoded page and its same-URL revisit: decoded, the revisit keeps its own head.
    gzipped = [
        v for (u, _), v in kept.items() if u == "http://example.com/" and ("Content-Encoding", "gzip") in v[1]
    ]
    assert len(gzipped) == 2 and all(b.startswith(b"<!doctype html>") for _, _, b in gzipped)
    assert kept[("http://iana.org/bads", _warc_date("2014-01-27T17:12:38Z"))][0] == "HTTP/1.0 302"
    # dupes.warc.gz deduplicated against a file not imported: each revisit kept and reported.
    assert {r["file"].rsplit("/", 1)[-1] for r in summary["revisits_unresolved"]} == {"dupes.warc.gz"}
    assert len(summary["revisits_unresolved"]) == 8
    assert summary["skipped"]["resource (no HTTP response)"] == 3  # wget 1.14's manifest, arguments, log
    assert "Wget/1.14 (linux-gnu)" in summary["software"]
    assert summary["documents_new"] == 0  # no declared site's host among them
    # Again, the ARC file too (warcio gives its records a new random ID at every read): nothing new.
    code, again, _ = import_json(*map(str, files), database_url=url)
    assert (code, again["captures_new"], again["already_imported"]) == (0, 0, summary["captures_new"])


# -- damage, unknown hosts, --site --------------------------------------------------------------------
def _offsets(path: Path) -> list[tuple[int, str]]:
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        return [(it.get_record_offset(), r.rec_type) for r in it if r.rec_type]


def test_a_damaged_file_imports_what_precedes_and_says_where(wget_warc: Path, tmp_path: Path) -> None:
    whole = tmp_path / "history.warc.gz"
    write_history(whole, detail_pages(wget_warc))
    data = whole.read_bytes()
    offsets = _offsets(whole)
    fifth = offsets[4][0]  # warcinfo, response, request, response, [request] …

    truncated = tmp_path / "cut.warc.gz"
    truncated.write_bytes(data[: offsets[5][0] + 40])  # the sixth record cut inside its gzip member
    url = f"sqlite:///{tmp_path / 'damaged.sqlite3'}"
    result = xxgk("import", str(truncated), "--parse-processes", "0", "--database-url", url)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"error: {truncated}: damaged at byte {offsets[5][0]}:" in result.stderr
    assert count(url, Capture) == 2  # the two responses before the damage
    listed = json.loads(xxgk("runs", "--format", "json", "--database-url", url).stdout)
    assert listed[0]["status"] == "failed"

    # The repaired file: only what was missing comes in.
    code, summary, _ = import_json(str(whole), database_url=url)
    assert (code, summary["already_imported"], summary["captures_new"]) == (0, 2, 4)

    # A malformed record header: the same, at that record's offset.
    malformed = tmp_path / "malformed.warc"
    plain = tmp_path / "plain.warc"
    write_history(plain, detail_pages(wget_warc), gzip=False)
    raw_bytes = plain.read_bytes()
    at = _offsets(plain)[4][0]
    assert raw_bytes[at : at + 8] == b"WARC/1.1"
    malformed.write_bytes(raw_bytes[:at] + b"WORC/1.1" + raw_bytes[at + 8 :])
    other = f"sqlite:///{tmp_path / 'malformed.sqlite3'}"
    result = xxgk("import", str(malformed), "--parse-processes", "0", "--database-url", other)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{malformed}: damaged at byte {at}:" in result.stderr
    assert count(other, Capture) == 2
    assert fifth > 0


def test_an_unknown_host_is_a_capture_and_site_makes_it_a_document(wget_warc: Path, tmp_path: Path) -> None:
    page = detail_pages(wget_warc, 1)[0]
    url = f"sqlite:///{tmp_path / 'hosts.sqlite3'}"

    def write(path: Path, at: str) -> None:
        with path.open("wb") as fh:
            writer = WARCWriter(fh, gzip=True)
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    "http://copies.example.net/a/content_9",
                    "response",
                    payload=io.BytesIO(page["body"]),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": at},
                )
            )

    write(tmp_path / "mirror.warc.gz", T0)
    code, summary, _ = import_json(str(tmp_path / "mirror.warc.gz"), database_url=url)
    assert code == 0 and summary["outcomes"] == {"not_document": 1} and summary["documents_new"] == 0
    assert count(url, Document) == 0
    assert hashlib.sha256(
        stored(url)[("http://copies.example.net/a/content_9", _warc_date(T0))][2]
    ).digest() == (hashlib.sha256(page["body"]).digest())

    write(tmp_path / "declared.warc.gz", _at(9))
    code, summary, _ = import_json(
        str(tmp_path / "declared.warc.gz"), "--site", "jinzhong_mzj", database_url=url
    )
    assert code == 0 and summary["documents_new"] == 1

    result = xxgk("import", str(tmp_path / "mirror.warc.gz"), "--site", "nowhere", "--database-url", url)
    assert (
        result.returncode != 0
        and "unknown site nowhere" in result.stderr
        and "Traceback" not in result.stderr
    )
    result = xxgk("import", str(tmp_path / "absent.warc"), "--database-url", url)
    assert result.returncode != 0 and "absent.warc" in result.stderr and "Traceback" not in result.stderr
    archive = Archive(url)
    try:
        with archive.session() as s:
            doc = s.scalars(select(Document)).one()
            assert (doc.site, doc.url) == ("jinzhong_mzj", "http://copies.example.net/a/content_9")
            assert s.scalar(select(func.count()).select_from(Url)) == 1
    finally:
        archive.close()


def test_attachments_as_resources_and_a_304_head_in_a_metadata_record(
    wget_warc: Path, tmp_path: Path
) -> None:
    """The forms this project's own export writes (archive/interchange): an attachment as a `resource`
    record (no HTTP exchange), and a `server-not-modified` revisit without an HTTP message whose 304
    head is kept in a `metadata` record naming it."""
    from urllib.parse import urlsplit

    from crawler.extraction import parse_page

    page, link = next(
        (r, a["url"])
        for r in detail_pages(wget_warc, 100)
        for a in parse_page(r["body"], r["url"]).attachments
        if urlsplit(a["url"]).hostname == "mzj.sxjz.gov.cn"
    )
    attachment = b"%PDF-1.4 not really a PDF, but bytes to hash\n"
    path = tmp_path / "own-forms.warc.gz"
    head = b'HTTP/1.1 304 Not Modified\r\nServer: nginx\r\nETag: "abc"\r\n\r\n'
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        response = writer.create_warc_record(
            page["url"],
            "response",
            payload=io.BytesIO(page["body"]),
            http_headers=http,
            warc_headers_dict={"WARC-Date": _at(0)},
        )
        writer.write_record(response)
        writer.write_record(
            writer.create_warc_record(
                link,
                "resource",
                payload=io.BytesIO(attachment),
                warc_content_type="application/pdf",
                warc_headers_dict={"WARC-Date": _at(0)},
            )
        )
        revisit = writer.create_revisit_record(
            page["url"],
            response.rec_headers.get_header("WARC-Payload-Digest"),
            page["url"],
            _at(0),
            warc_headers_dict={"WARC-Date": _at(7)},
        )
        revisit.rec_headers.replace_header(
            "WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
        )
        writer.write_record(revisit)
        writer.write_record(
            writer.create_warc_record(
                "",
                "metadata",
                payload=io.BytesIO(head),
                length=len(head),
                warc_content_type="application/http; msgtype=response",
                warc_headers_dict={
                    "WARC-Date": _at(7),
                    "WARC-Refers-To": revisit.rec_headers.get_header("WARC-Record-ID"),
                },
            )
        )
    url = f"sqlite:///{tmp_path / 'own.sqlite3'}"
    code, summary, stderr = import_json(str(path), database_url=url)
    assert code == 0, stderr
    assert summary["skipped"] == {
        "resource (no HTTP response)": 1,
        "metadata (the HTTP head of a revisit: stored with it)": 1,
    }
    assert (summary["revisits_resolved"], summary["attachments"]) == (1, 1)
    status_line, lines, body = stored(url)[(page["url"], _warc_date(_at(7)))]
    assert (status_line, lines, body) == (
        "HTTP/1.1 304 Not Modified",
        [("Server", "nginx"), ("ETag", '"abc"')],
        b"",
    )
    archive = Archive(url)
    try:
        with archive.session() as s:
            [version] = s.scalars(select(Version)).all()
            files = {a.url: a.sha256 for a in version.attachments}
            assert files[link] == hashlib.sha256(attachment).hexdigest()
            assert all(urlsplit(u).hostname == "mzj.sxjz.gov.cn" for u in files)  # others' files: not taken
            assert _utc(version.last_seen_at) == _warc_date(_at(7))  # the 304 confirmed it
    finally:
        archive.close()


def test_repeated_headers_survive_import_and_export(wget_warc: Path, tmp_path: Path) -> None:
    """A foreign response with two Set-Cookie lines is kept as received and exports with both lines."""
    page = detail_pages(wget_warc, 1)[0]
    url = f"sqlite:///{tmp_path / 'repeats.sqlite3'}"
    headers = [("Content-Type", "text/html"), ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")]
    with (tmp_path / "repeats.warc.gz").open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(
            writer.create_warc_record(
                page["url"].strip("<> "), "response", payload=io.BytesIO(page["body"]),
                http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-Date": T0},
            )
        )  # fmt: skip
    code, summary, _ = import_json(str(tmp_path / "repeats.warc.gz"), database_url=url)
    assert code == 0 and summary["documents_new"] == 1
    out = tmp_path / "out.warc.gz"
    done = xxgk("export", "--format", "warc", "--out", str(out), "--database-url", url)
    assert done.returncode == 0, done.stderr
    with out.open("rb") as fh:
        exported = [r for r in ArchiveIterator(fh) if r.rec_type == "response"]
    assert len(exported) == 1
    cookies = [v for k, v in exported[0].http_headers.headers if k.lower() == "set-cookie"]
    assert cookies == ["a=1; Path=/", "b=2; Path=/"]
