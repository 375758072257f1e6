"""连州 end to end: real Scrapy and Debian's Chromium over loopback, through the replica's 412 challenge.

The browser is a requirement, not an option: without /usr/bin/chromium these tests fail and say how to
install it (`make sysdeps`), so a CI machine without it cannot pass by skipping them.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

import replica as replica_pkg
from archive.db import Archive
from archive.models import Capture, CrawlRun, Document, Version
from crawler.browser_settings import DEFAULT_BROWSER
from tests.conftest import FAST, run_xxgk

HOST = "www.lianzhou.gov.cn"
BASE = f"http://{HOST}"
SEED_NFCMS = f"{BASE}/lzszdlyxxgkzl/mzxx/content/post_1971208.html"
SEED_GKMLPT = f"{BASE}/qylzmzj/gkmlpt/content/1/1971/post_1971208.html"
SEED_TITLE = "连州市民政局2024年度法治政府建设情况报告"
OFF_SITE = (
    "f88tv.com",
    "misuertetoday.com",
    "southcoastcommunityfoundation.com",
    "qingyuan.gov.cn",
    "127.0.0.1",
)


@pytest.fixture(scope="module", autouse=True)
def chromium() -> None:
    if not os.access(DEFAULT_BROWSER, os.X_OK):
        pytest.fail(
            f"Chromium is not installed at {DEFAULT_BROWSER}: the 连州 crawl needs a real browser for its "
            "JavaScript challenge. Install it with `make sysdeps` (Debian package chromium)."
        )


@pytest.fixture(scope="module")
def expected() -> list:
    return replica_pkg.build(seed=1, docs=60).documents(HOST)


def crawl(database_url: str, replica_url: str, mode: str = "full") -> dict:
    result = run_xxgk(
        "crawl", "lianzhou_mzj", "--mode", mode, "--database-url", database_url, "--replica-url", replica_url,
        "--format", "json", *FAST,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)[0]


def test_plain_http_without_the_cookie_gets_the_challenge(replica):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": replica.url}))
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(SEED_NFCMS, timeout=10)
    assert refused.value.code == 412
    page = refused.value.read().decode()
    assert "document.cookie" in page and SEED_TITLE not in page


def test_without_a_browser_the_crawl_stops_and_says_how_to_install_one(tmp_path, replica):
    result = run_xxgk(
        "crawl", "lianzhou_mzj", "--database-url", f"sqlite:///{tmp_path / 'a.sqlite3'}",
        "--replica-url", replica.url, "--format", "json", "-s", "XXGK_BROWSER_PATH=/nonexistent/chromium",
    )  # fmt: skip
    assert result.returncode == 1 and json.loads(result.stdout)[0]["finished"] == "browser_missing"
    assert result.stderr.count("there is no Chromium at /nonexistent/chromium") == 1
    assert "make sysdeps" in result.stderr and "Traceback" not in result.stderr


def test_crawl_passes_the_challenge_once_and_archives_every_page(database_url, replica, expected):
    first = crawl(database_url, replica.url)
    assert first["finished"] == "finished" and first["errors"] == 0
    assert first["new_versions"] == len(expected)
    assert 1 <= first["browser_requests"] <= 2  # one clearance for the whole crawl; the rest is plain HTTP

    archive = Archive(database_url)
    with archive.session() as s:
        urls = set(s.scalars(select(Document.url)))
        assert urls == {d.url for d in expected}
        assert {u for u in urls if "/gkmlpt/content/" in u} == {
            d.url for d in expected if "/gkmlpt/" in d.url
        }
        for host in OFF_SITE:  # reposts, mirror copies and the replica's own address never get in
            assert not s.scalar(
                select(func.count()).select_from(Capture).where(Capture.url.like(f"%{host}%"))
            )
        assert not s.scalar(select(func.count()).select_from(Capture).where(Capture.http_status == 412))

        nfcms = s.scalars(select(Version).join(Document).where(Document.url == SEED_NFCMS)).one()
        assert nfcms.title == SEED_TITLE
        assert nfcms.publish_date == "2025-01-08T09:41:15" and nfcms.written_date == "2025-01-07"
        assert nfcms.source == "连州市民政局"
        assert nfcms.body.startswith(
            "根据《连州市人民政府办公室关于印发〈连州市2024年法治政府建设工作要点〉的通知》"
        )
        assert nfcms.body.rstrip().endswith("2025年1月7日")
        for junk in ("分享到", "字體大小", "瀏覽次數", "打印本頁", "(jù)", "根據"):
            assert junk not in nfcms.body
        gk = s.scalars(select(Version).join(Document).where(Document.url == SEED_GKMLPT)).one()
        assert gk.title == SEED_TITLE and gk.index_no == "11441882MB2C4F6L1X/2025-00003"
        assert (
            gk.issuer == "连州市民政局"
            and gk.written_date == "2025-01-07"
            and gk.publish_date == "2025-01-08T09:41:15"
        )
        assert gk.body == nfcms.body
        run = s.scalars(select(CrawlRun)).one()
        stats = run.stats or {}
        # Playwright started once, by the page that needed the browser (not once per scheme at start-up).
        assert stats["xxgk/playwright_drivers"] == 1
        assert (
            stats["xxgk/offsite_links_skipped"] >= 2
        )  # the 清远 repost and the mirror copy in the catalogue
        seen = {k for k in stats if k.startswith("xxgk/column_pages/")}
        assert len(seen) == stats["xxgk/columns_declared"] > 10  # the NFCMS column, the catalogue, every leaf
        catalog = replica_pkg.build(seed=1, docs=60).catalogs[HOST]
        for column in catalog.site.columns:  # every page of every gkmlpt list, and no page past the last
            pages = max(1, -(-len(catalog.column_posts(column.id)) // catalog.site.page_size))
            assert stats[f"xxgk/column_pages//qylzmzj/gkmlpt/{column.id}"] == pages, column.name

    second = crawl(database_url, replica.url)  # a new process: one new clearance, nothing new stored
    assert second["new_versions"] == 0 and second["unchanged"] == len(expected)
    assert second["browser_requests"] <= 2
    # A night's incremental crawl sends its revisit slice all at once: one clearance still serves them all.
    night = crawl(database_url, replica.url, "incremental")
    assert night["new_versions"] == 0 and night["browser_requests"] == 1
    assert night["pages"] < first["pages"] / 2
    archive.close()


def test_an_expired_clearance_is_renewed_in_the_browser(tmp_path, monkeypatch):
    """With a 10-second cookie lifetime the crawl outlives several clearances and still loses nothing.

    (10 s, not less: a solve in Chromium takes seconds on a loaded machine, and a cookie must outlive it.)"""
    from replica.challenge import TTL_ENVIRONMENT
    from replica.process import start_replica

    monkeypatch.setenv(TTL_ENVIRONMENT, "10")
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with start_replica(tmp_path / "replica", docs=12, seed=2) as short:
        result = run_xxgk(
            "crawl", "lianzhou_mzj", "--database-url", database_url, "--replica-url", short.url,
            "--format", "json", "-s", "DOWNLOAD_DELAY=0.25", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "XXGK_CHALLENGE_MAX_SOLVES=100",
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)[0]
    expected = replica_pkg.build(seed=2, docs=12).documents(HOST)
    assert summary["new_versions"] == len(expected) and summary["errors"] == 0
    assert summary["browser_requests"] >= 2
    archive = Archive(database_url)
    with archive.session() as s:
        assert not s.scalar(select(func.count()).select_from(Capture).where(Capture.http_status == 412))
        stats = s.scalars(select(CrawlRun)).one().stats or {}
        assert stats["xxgk/challenges"] > stats["xxgk/browser_requests"]  # waiting requests shared a solve
    archive.close()
