"""End to end: real Scrapy over loopback through the replica into SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

import replica as replica_pkg
from archive.db import Archive
from archive.models import Attachment, Capture, CrawlRun, Document, Version
from archive.search.engine import search
from tests.conftest import FAST, WITH_PARSE_WORKER, run_xxgk, xxgk

HOST = "smzj.anshun.gov.cn"
# Politeness off for the tests' loopback replica (the defaults stay polite for real sites).
SEED_URL = "http://smzj.anshun.gov.cn/zwgk/zfxxgk/xxgkml/jhzj/202201/t20220109_72272508.html"


def crawl(database_url: str, replica_url: str, *settings: str) -> list[dict]:
    result = run_xxgk(
        "crawl",
        "anshun_mzj",
        "--database-url",
        database_url,
        "--replica-url",
        replica_url,
        "--format",
        "json",
        *FAST,
        *WITH_PARSE_WORKER,  # the default: pages parsed in a worker process
        *settings,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def expected() -> list:
    return replica_pkg.build(seed=1, docs=60).documents(HOST)


def test_crawl_stores_every_document_once_and_recrawl_adds_only_captures(database_url, replica, expected):
    first = crawl(database_url, replica.url)
    assert first[0]["site"] == "anshun_mzj" and first[0]["finished"] == "finished"
    assert first[0]["new_versions"] == len(expected)

    archive = Archive(database_url)
    if database_url.startswith("sqlite"):  # what the crawl stored is searchable in the side index at once
        with archive.session() as s:
            found = search(s, "深入推进民政法治建设实施方案")
            assert found.engine == "tantivy" and SEED_URL in {h["url"] for h in found.hits}
    with archive.session() as s:
        urls = set(s.scalars(select(Document.url)))
        assert urls == {d.url for d in expected}
        assert all(u.startswith("http://smzj.anshun.gov.cn/") for u in urls)
        # The replica's address never reaches the archive.
        assert not s.scalar(select(func.count()).select_from(Capture).where(Capture.url.like("%127.0.0.1%")))
        with_attachments = [d for d in expected if d.attachments]
        assert with_attachments, "the replica should give some documents attachments"
        stored = s.scalar(select(func.count()).select_from(Attachment).where(Attachment.sha256.is_not(None)))
        assert stored == sum(len(d.attachments) for d in expected)

        seed = s.scalars(select(Version).join(Document).where(Document.url == SEED_URL)).one()
        assert seed.publish_date == "2021-12-28T18:55"  # the page's claim, not the URL's t20220109
        assert seed.url_date == "2022-01-09"
        assert (
            seed.title
            == "安顺市民政局关于印发《安顺市民政局深入推进民政法治建设实施方案(2021-2025年)》的通知"
        )
        assert seed.body.rstrip().endswith("并同步抄送市民政局。")
        for chrome in ("分享到", "字体", "打印", "关闭", "浏览次数"):
            assert chrome not in seed.body

    second = crawl(database_url, replica.url)
    assert second[0]["new_versions"] == 0 and second[0]["unchanged"] == len(expected)
    with archive.session() as s:
        assert s.scalar(select(func.count()).select_from(Version)) == len(expected)
        assert s.scalar(
            select(func.count()).select_from(Capture).where(Capture.outcome == "unchanged")
        ) == len(expected)
        assert [r.status for r in s.scalars(select(CrawlRun).order_by(CrawlRun.id))] == [
            "finished",
            "finished",
        ]
    archive.close()

    # The CLI reads what the crawl stored.
    shown = xxgk("show", SEED_URL, "--format", "json", "--database-url", database_url)
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["publish_date"] == "2021-12-28T18:55" and record["version"] == 1
    found = xxgk("search", "民政法治", "--format", "jsonl", "--database-url", database_url)
    assert SEED_URL in {json.loads(line)["url"] for line in found.stdout.splitlines()}
    history = xxgk("history", SEED_URL, "--format", "json", "--database-url", database_url)
    assert [row["version"] for row in json.loads(history.stdout)] == [1]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_crawl_with_the_store_in_a_thread_archives_the_same(database_url, replica, expected):
    """`XXGK_STORE_PROCESS=False`: the store's transactions in a thread of the crawl process (the
    default, a process of its own, is what every other crawl test runs)."""
    first = crawl(database_url, replica.url, "-s", "XXGK_STORE_PROCESS=False")
    assert first[0]["finished"] == "finished" and first[0]["new_versions"] == len(expected)
    second = crawl(database_url, replica.url, "-s", "XXGK_STORE_PROCESS=False")
    assert second[0]["new_versions"] == 0 and second[0]["unchanged"] == len(expected)
    archive = Archive(database_url)
    with archive.session() as s:
        assert set(s.scalars(select(Document.url))) == {d.url for d in expected}
        stored = s.scalar(select(func.count()).select_from(Attachment).where(Attachment.sha256.is_not(None)))
        assert stored == sum(len(d.attachments) for d in expected)
    archive.close()
