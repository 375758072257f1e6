"""A large archive of realistic 民政 documents, written straight into the tables (no crawl).

Titles and bodies come from the replica's generators (`replica.content`), for five agencies; a share
of documents is published in traditional characters (as 连州's chrome is) or with full-width digits,
some have an attachment (half of them a PDF whose text was read), some a second version, so every
search feature has something to find.
Core bulk inserts, because the ORM's unit of work would make 100,000 documents take many minutes.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections import deque
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from random import Random

from opencc import OpenCC
from sqlalchemy import MetaData, Table, insert, inspect, text

from archive.db import Archive
from archive.models import Attachment, Blob, CompressedText, Document, DocumentUrl, Event, Version
from archive.text import normalize_text
from replica import content
from replica.content import Agency
from replica.files import attachment_text

AGENCIES: dict[str, tuple[Agency, str, str]] = {
    "anshun_mzj": (
        Agency("安顺市民政局", "安顺市", ("西秀区", "平坝区", "普定县"), ("安市民发", "安市民通")),
        "https://smzj.anshun.gov.cn/zwgk/t{ymd}_{n}.html",
        "009460193/{year}-{n:05d}",
    ),
    "jinzhong_mzj": (
        Agency("晋中市民政局", "晋中市", ("榆次区", "太谷区", "介休市"), ("市民发", "市民函")),
        "https://mzj.sxjz.gov.cn/zwgk/content_{n}",
        "jz-mzj-{year}-{n:05d}",
    ),
    "ankang_mzj": (
        Agency("安康市民政局", "安康市", ("汉滨区", "汉阴县", "石泉县"), ("安民发", "安民函")),
        "https://mzj.ankang.gov.cn/Content-{n}.html",
        "ak-{year}-{n:06d}",
    ),
    "shizhong_mzj": (
        Agency("市中区民政局", "市中区", ("中心街街道", "光明路街道", "西王庄镇"), ("市中民发",)),
        "https://www.zzszq.gov.cn/zw/t{ymd}_{n}.html",
        "11370402MB{year}{n:05d}",
    ),
    "lianzhou_mzj": (
        Agency("连州市民政局", "连州市", ("连州镇", "星子镇", "保安镇"), ("连民",)),
        "https://www.lianzhou.gov.cn/lzszdlyxxgkzl/mzxx/content/post_{n}.html",
        "007187263/{year}-{n:05d}",
    ),
}
PROFILES = tuple(content.TITLES) + tuple(content.SUBJECTS)
VALIDITY = ("有效", "有效", "有效", "失效", "废止")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
BATCH = 2000


def _document(rng: Random, n: int, to_traditional: OpenCC) -> tuple[str, dict, list[str], str | None]:
    site = rng.choice(tuple(AGENCIES))
    agency, url_pattern, index_pattern = AGENCIES[site]
    profile = rng.choice(PROFILES)
    published = date(2015, 1, 1) + timedelta(days=rng.randrange(11 * 365))
    signed = published - timedelta(days=rng.randrange(0, 10))
    title, subject = content.title(profile, agency, rng, published)
    paragraphs = content.body(profile, agency, rng, subject=subject, year=published.year, signed=signed)
    body = "\n\n".join(paragraphs)
    style = rng.random()
    if style < 0.05 or (site == "lianzhou_mzj" and style < 0.3):
        title, body = to_traditional.convert(title), to_traditional.convert(body)
    elif style < 0.10:
        body = body.translate(FULL_WIDTH)
    fields = {
        "title": title,
        "index_no": index_pattern.format(year=published.year, n=n),
        "issuer": agency.name,
        "source": agency.name,
        "written_date": signed.isoformat(),
        "publish_date": published.isoformat(),
        "doc_number": content.doc_number(agency, rng, published.year) if profile != "news" else None,
        "topic": content.topic(profile),
        "validity": rng.choice(VALIDITY) if profile in ("policy", "notice", "service") else None,
    }
    url = url_pattern.format(ymd=published.strftime("%Y%m%d"), n=n, year=published.year)
    attachment = f"{subject}申请审批表.xls" if rng.random() < 0.2 else None
    return site, {"url": url, "fields": fields, "body": body}, paragraphs, attachment


def _attachment(n: int, version_id: int, url: str, name: str, raw: str) -> dict:
    """Every other attachment a PDF with its text already read (the replica's words: title, a form
    sentence, a 编号 only that file has), the others a legacy .xls with the reason it has none. Chosen
    by document number, not drawn, so the documents are the same as without attachment text."""
    if n % 2:
        return {"version_id": version_id, "url": url + ".xls", "name": name, "http_status": 200, "sha256": raw,
                "text": None, "text_note": "legacy OLE2 file (.doc/.xls/.ppt): not read"}  # fmt: skip
    name = name.removesuffix(".xls") + ".pdf"
    return {"version_id": version_id, "url": url + ".pdf", "name": name, "http_status": 200, "sha256": raw,
            "text": attachment_text(f"bench:{n}", name), "text_note": None}  # fmt: skip


def _chunk(task: tuple[int, int, int, bool, bool, bool]) -> dict[str, list[dict]]:
    """Documents `start` ≤ n < `stop`, as rows for the tables (a version's "id" is its place in this
    chunk's list, an attachment's "version_id" the place of its version: the writer numbers them). Its
    own random generator per chunk, so chunks can be made in any process in any order and give the
    same archive; the first chunk's is `Random(seed)`, so small corpora (one chunk: the tests') are
    what they always were. `compress`: version texts zstd-compressed here, as SQLite's column stores
    them (`CompressedText`), off the writer's process."""
    seed, start, stop, has_text, has_search_text, compress = task
    rng = Random(seed) if start == 1 else Random(f"{seed}:{start}")
    to_traditional = _opencc()
    raw = hashlib.sha256(b"bench").hexdigest()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    pack = CompressedText._compressor.get().compress if compress else None
    documents, urls, events, versions, attachments = [], [], [], [], []
    for n in range(start, stop):
        site, doc, _, attachment = _document(rng, n, to_traditional)
        documents.append({"id": n, "site": site, "url": doc["url"], "index_no": doc["fields"]["index_no"],
                          "title": doc["fields"]["title"], "status": "withdrawn" if rng.random() < 0.02
                          else "active", "first_seen_at": at, "last_seen_at": at})  # fmt: skip
        urls.append({"document_id": n, "url": doc["url"], "first_seen_at": at})
        events.append({"document_id": n, "kind": "created", "at": at})
        edits = [doc["body"]]
        if rng.random() < 0.1:
            edits.append(doc["body"] + "\n\n（本文件于发布后修订：补充高龄津贴发放标准。）")
        for number, body in enumerate(edits, start=1):
            seen = at + timedelta(days=30 * (number - 1) + rng.randrange(30))
            searchable = normalize_text(body)  # as crawled
            versions.append({
                "id": len(versions), "document_id": n, "number": number,
                "fingerprint": hashlib.sha256(body.encode()).hexdigest(), "first_seen_at": seen,
                "last_seen_at": seen, "raw_sha256": raw, "fields": doc["fields"],
                "body": pack(body.encode()) if pack else body,
                **({"search_text": pack(searchable.encode()) if pack else searchable} if has_search_text else {}),
                "tables": [], "url_date": None,
                **{k: doc["fields"][k] for k in ("title", "index_no", "issuer", "source", "doc_number",
                                                 "topic", "publish_date", "written_date")},
            })  # fmt: skip
            if attachment:
                made = _attachment(n, len(versions) - 1, doc["url"], attachment, raw)
                if not has_text:  # an archive before 0006 (the migration tests): no text columns yet
                    made = {k: v for k, v in made.items() if k not in ("text", "text_note")}
                attachments.append(made)
    return {"documents": documents, "urls": urls, "events": events, "versions": versions,
            "attachments": attachments}  # fmt: skip


_OPENCC: list[OpenCC] = []


def _opencc() -> OpenCC:
    if not _OPENCC:
        _OPENCC.append(OpenCC("s2t"))
    return _OPENCC[0]


def _chunks(tasks: list[tuple], workers: int) -> Iterator[dict[str, list[dict]]]:
    """The chunks in order, made here or by `workers` spawned processes (a bounded window of them in
    flight: the writer is the slower side, and a million documents must not wait in memory)."""
    if workers <= 1:
        yield from map(_chunk, tasks)
        return
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pending: deque = deque()
        for task in tasks:
            pending.append(pool.apply_async(_chunk, (task,)))
            if len(pending) > 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def generate(archive: Archive, docs: int, seed: int = 8, workers: int = 1) -> int:
    """Write `docs` documents (about a tenth with a second, edited version); returns versions written.
    `workers` > 1: the documents are made in that many processes (`_chunk`), written here in order."""
    raw = hashlib.sha256(b"bench").hexdigest()
    with archive.session() as s:
        # An archive still at a revision before 0005 (tests build one at 0002) has hex-keyed blobs with a
        # codec: write to its own layout, read from the database, rather than today's models.
        old = "codec" in {c["name"] for c in inspect(s.connection()).get_columns("blobs")}
        if old:
            s.execute(text("INSERT INTO blobs (sha256, size, codec, data) VALUES (:s, 0, 'zstd', :d)"),
                      {"s": raw, "d": b""})  # fmt: skip
        else:
            s.execute(insert(Blob), [{"sha256": raw, "size": 0, "data": b""}])
        layout = {
            name: Table(name, MetaData(), autoload_with=s.connection())
            for name in ("versions", "attachments")
        }
    version_table = layout["versions"] if old else Version
    attachment_table = layout["attachments"] if old else Attachment
    # An archive before 0006 (the migration tests) has no attachment text columns yet.
    has_text = "text" in layout["attachments"].c
    # … and one before 0003 no normalised text with its versions.
    has_search_text = "search_text" in layout["versions"].c
    compress = archive.engine.dialect.name == "sqlite" and not old
    tasks = [
        (seed, start, min(start + BATCH, docs + 1), has_text, has_search_text, compress)
        for start in range(1, docs + 1, BATCH)
    ]
    versions_written = 0
    for chunk in _chunks(tasks, workers):
        versions = chunk["versions"]
        for version in versions:
            version["id"] += versions_written + 1
        for made in chunk["attachments"]:
            made["version_id"] += versions_written + 1
        versions_written += len(versions)
        with archive.session() as s:
            s.execute(insert(Document), chunk["documents"])
            s.execute(insert(DocumentUrl), chunk["urls"])
            s.execute(insert(Event), chunk["events"])
            s.execute(insert(version_table), versions)
            if chunk["attachments"]:
                s.execute(insert(attachment_table), chunk["attachments"])
    return versions_written
