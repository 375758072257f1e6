"""Incremental crawls on the numbered-list platforms (晋中 sxjz, 安康): one list page per column when
nothing is new, new documents found when published, everything else asked for conditionally."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from archive.db import Archive
from archive.models import CrawlRun, Document
from crawler.runner import spider_loader
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk, xxgk

SPIDERS = {
    "jinzhong_mzj": spider_loader().load("jinzhong_mzj"),
    "ankang_mzj": spider_loader().load("ankang_mzj"),
}


def crawl(site: str, database_url: str, replica_url: str, mode: str) -> dict:
    out = run_xxgk(
        "crawl", site, "--mode", mode, "--database-url", database_url, "--replica-url", replica_url,
        "-s", "XXGK_NIGHT=3", "-s", "XXGK_REVISIT_CYCLE=7", *FAST,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    archive = Archive(database_url)
    with archive.session() as s:
        stats = s.scalars(select(CrawlRun.stats).order_by(CrawlRun.id.desc())).first()
    archive.close()
    return stats


@pytest.mark.parametrize("site", SPIDERS)
def test_incremental_stops_at_the_first_page_and_finds_new_documents(site, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    columns = len(SPIDERS[site].columns)
    with start_replica(tmp_path / "replica", docs=60, seed=1) as replica:
        full = crawl(site, database_url, replica.url, "full")
        assert full["xxgk/new_version"] == 61
        quiet = crawl(site, database_url, replica.url, "incremental")
        revisits = quiet["xxgk/revisit"]
        assert quiet["response_received_count"] == columns + revisits
        assert quiet["xxgk/incremental_stopped_columns"] == columns
        assert quiet["downloader/response_status_count/304"] == revisits
        out = xxgk("replica", "change", site, "--publish=2", "--state", str(tmp_path / "replica"),
                   "--format", "json")  # fmt: skip
        assert out.returncode == 0, out.stderr
        published = {r["url"] for r in json.loads(out.stdout)}
        found = crawl(site, database_url, replica.url, "incremental")
    assert found["xxgk/new_version"] == 2
    archive = Archive(database_url)
    with archive.session() as s:
        assert published <= set(s.scalars(select(Document.url)))
    archive.close()
