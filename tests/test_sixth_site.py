"""A site is a declaration: a made-up sixth agency on the 安康 platform, declared here and nowhere in the
project, is served by the replica and crawled like the others (README "Add a site")."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import select

from archive.db import Archive
from archive.models import Document, Version
from replica.process import start_replica
from tests.conftest import ROOT, run_xxgk

DECLARATION = '''
"""汉阴县民政局: a county bureau on the 安康 site group (made up for the test)."""
from datetime import datetime

from replica.catalog import Column, ReportColumn
from replica.content import Agency
from replica.platforms.ankang import AnkangSite
from spiders.platforms.ankang import AnkangSpider

SITE = AnkangSite(
    host="mzj.hanyin.gov.cn",
    scheme="https",
    agency=Agency(name="汉阴县民政局", city="汉阴县", counties=("城关镇", "涧池镇", "蒲溪镇"), doc_prefixes=("汉民发",)),
    site_name="汉阴县民政局",
    site_code="6109210001",
    icp="陕ICP备00000000号",
    police_record="陕公网安备 61092102000001号",
    address="汉阴县城关镇",
    phone="0915-5210000",
    nav=(("首页", "/"),),
    columns=(
        Column("/Node-101.html", "工作动态", "news", 3, metadata_table=False),
        Column("/Node-102.html", "通知公告", "notice", 2),
        Column("/Node-103.html", "年度报告", "plan", 0),
    ),
    report_columns=(
        ReportColumn("annual_report", "/Node-103.html", "年度报告"),
        ReportColumn("rule_of_law_report", "/Node-103.html", "年度报告"),
    ),
    index_format="/{year}-{seq:05d}",
    page_size=10,
    id_base=900_000,
)


class HanyinMzjSpider(AnkangSpider):
    name = "hanyin_mzj"
    agency = "汉阴县民政局"
    base_url = "https://mzj.hanyin.gov.cn"
    hosts = ("mzj.hanyin.gov.cn",)
    columns = ("/Node-101.html", "/Node-102.html", "/Node-103.html")
'''
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")


def test_a_declaration_only_site_is_served_and_crawled(tmp_path: Path, monkeypatch):
    (tmp_path / "xxgk_hanyin.py").write_text(DECLARATION, encoding="utf-8")
    path = os.pathsep.join([str(ROOT), str(tmp_path)])
    env = {"PYTHONPATH": path, "XXGK_REPLICA_SITES": "xxgk_hanyin", "XXGK_SPIDER_MODULES": "xxgk_hanyin"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # the replica's process inherits them
    monkeypatch.syspath_prepend(str(tmp_path))  # and this one builds the expected documents
    listed = run_xxgk("sites", "--format", "json", env=env)
    assert listed.returncode == 0, listed.stderr
    row = next(r for r in json.loads(listed.stdout) if r["site"] == "hanyin_mzj")
    assert row["platform"] == "ankang" and row["hosts"] == "mzj.hanyin.gov.cn" and row["columns"] == 3

    import replica

    built = replica.build(seed=2, docs=30)
    expected = {d.url for d in built.documents("mzj.hanyin.gov.cn")}
    assert len(expected) == 30
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with start_replica(tmp_path / "state", docs=30, seed=2) as server:
        out = run_xxgk(
            "crawl", "hanyin_mzj", "--database-url", database_url, "--replica-url", server.url,
            "--format", "json", *FAST, env=env,
        )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout)[0]["new_versions"] == 30
    archive = Archive(database_url)
    with archive.session() as s:
        assert set(s.scalars(select(Document.url))) == expected
        reports = [t for t in s.scalars(select(Version.title)) if "年度报告" in t]
    archive.close()
    published = [r for r in built.report_plan("mzj.hanyin.gov.cn") if r.status != "missing"]
    assert reports and len(reports) == min(len(published), 10)
