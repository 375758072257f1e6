"""The 市中区, 晋中 and 安康 sites crawled over loopback: seeds at their real URLs with their real fields,
every list page and document, the report columns, the GB2312-declared GBK site, host discipline."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy import select

import replica as replica_pkg
from archive.db import Archive
from archive.models import Attachment, Capture, CrawlRun, Document, Version
from replica.process import ReplicaProcess, start_replica
from tests.conftest import FAST, crawl_night, run_xxgk, xxgk

# One crawl shared by the module's tests: under pytest-xdist they run on one worker, so it is made once.
pytestmark = pytest.mark.xdist_group("sites")

DOCS, SEED = 60, 1
SITES = {
    "shizhong_mzj": "www.zzszq.gov.cn",
    "jinzhong_mzj": "mzj.sxjz.gov.cn",
    "ankang_mzj": "mzj.ankang.gov.cn",
}
SEEDS = {
    "jinzhong_mzj": {
        "url": "http://mzj.sxjz.gov.cn/xxgk/fdzdgknr/jhzj1/content_160318",
        "title": "晋中市民政局2021年法治政府建设情况报告",
        "index_no": "jz-mzj-2022-00068",
        "publish_date": "2022-03-07",
        "written_date": "2022-01-10",  # under the signature: the page has no 成文日期 cell
        "topic": "计划总结",
        "starts": "2021年,市民政局在市委、市政府的正确领导",
        "ends": "2022年1月10日",
    },
    "ankang_mzj": {
        "url": "https://mzj.ankang.gov.cn/Content-2229277.html",
        "title": "安康市民政局2020年度法治政府建设工作情况报告",
        "index_no": "/2021-00023",
        "publish_date": "2021-03-19T16:40",
        "written_date": "2021-03-18",
        "validity": "有效",
        "starts": "2020年以来,我局在市委、市政府的正确领导",
        "ends": "提高政务公开的社会效益。",
    },
    "shizhong_mzj": {
        "url": "http://www.zzszq.gov.cn/zw/bmxxgk/qmzj/fzzfjs/202203/t20220318_1693410.html",
        "title": "市中区民政局2021年度法治政府建设情况报告",
        "index_no": "11370402004517230X/2022-00031",
        "publish_date": "2022-03-18T10:12",
        "starts": "2021年，区民政局坚持以习近平新时代中国特色社会主义思想为指导",
        "ends": "提升民政法律法规政策宣传效果。",
    },
}
CHROME = ("打印", "字体", "浏览次数", "用户登录", "分享到", "关闭窗口")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplicaProcess]:
    with start_replica(tmp_path_factory.mktemp("sites-replica"), docs=DOCS, seed=SEED) as running:
        yield running


@pytest.fixture(scope="module")
def built() -> replica_pkg.Replica:
    return replica_pkg.build(seed=SEED, docs=DOCS)


def crawl(database_url: str, replica_url: str, *sites: str) -> dict[str, dict]:
    out = run_xxgk(
        "crawl",
        *sites,
        "--database-url",
        database_url,
        "--replica-url",
        replica_url,
        "--format",
        "json",
        *FAST,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return {row["site"]: row for row in json.loads(out.stdout)}


@pytest.fixture(scope="module")
def archived(server: ReplicaProcess, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, dict]]:
    """The three sites crawled once, together, into one SQLite archive."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sites-db') / 'archive.sqlite3'}"
    return url, crawl(url, server.url, *SITES)


def run_stats(database_url: str, site: str) -> dict:
    archive = Archive(database_url)
    with archive.session() as s:
        stats = s.scalars(
            select(CrawlRun.stats).where(CrawlRun.site == site).order_by(CrawlRun.id.desc())
        ).first()
    archive.close()
    return stats or {}


def fetch(server: ReplicaProcess, url: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.url}))
    with opener.open(url.replace("https://", "http://"), timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.mark.parametrize("site", SITES)
def test_every_document_archived_once_at_its_real_url(site, archived, built):
    database_url, summary = archived
    expected = {d.url for d in built.documents(SITES[site])}
    assert summary[site]["finished"] == "finished" and summary[site]["new_versions"] == len(expected)
    archive = Archive(database_url)
    with archive.session() as s:
        assert set(s.scalars(select(Document.url).where(Document.site == site))) == expected
    archive.close()


@pytest.mark.parametrize("site", SITES)
def test_seed_document_has_its_real_fields(site, archived):
    database_url, _ = archived
    want = SEEDS[site]
    archive = Archive(database_url)
    with archive.session() as s:
        version = s.scalars(select(Version).join(Document).where(Document.url == want["url"])).one()
    archive.close()
    for name in ("title", "index_no", "publish_date", "topic", "written_date", "validity"):
        if name in want:
            assert version.fields[name] == want[name], name
    assert version.body.startswith(want["starts"]) and version.body.rstrip().endswith(want["ends"])
    assert not any(chrome in version.body for chrome in CHROME)


@pytest.mark.parametrize("site", SITES)
def test_every_list_page_of_every_column_was_walked(site, archived, built):
    database_url, _ = archived
    catalog = built.catalogs[SITES[site]]
    stats = run_stats(database_url, site)
    walked = {
        k.removeprefix("xxgk/column_pages/"): v
        for k, v in stats.items()
        if k.startswith("xxgk/column_pages/")
    }
    pages = {c.path: catalog.list_chunk(c.path, 0)[1] for c in catalog.columns}
    assert walked == pages
    assert max(pages.values()) >= 2, "some column should paginate"


@pytest.mark.parametrize("site", SITES)
def test_report_columns_hold_the_planned_reports_and_nothing_else(site, archived, built):
    database_url, _ = archived
    plan = built.report_plan(SITES[site])
    assert {r.status for r in plan} >= {"on_time", "missing"} and len({r.year for r in plan}) >= 5
    archive = Archive(database_url)
    with archive.session() as s:
        titles = {
            v.title: v.publish_date
            for v in s.scalars(select(Version).join(Document).where(Document.site == site))
            if "年度报告" in (v.title or "") or "情况报告" in (v.title or "")
        }
    archive.close()
    agency = built.catalogs[SITES[site]].site.agency.name
    for report in plan:
        title = report.title(agency)
        if report.status == "missing":
            assert title not in titles
        elif title in titles:  # generated report (the seeded slot carries the real page's title)
            assert titles[title][:10] == f"{report.publish:%Y-%m-%d}"
    published = [r for r in plan if r.status != "missing"]
    assert len(titles) == len(published)


def test_per_year_report_columns_found_from_the_section_page(archived, built):
    database_url, _ = archived
    stats = run_stats(database_url, "shizhong_mzj")
    years = {r.year for r in built.report_plan("www.zzszq.gov.cn") if r.kind == "annual_report"}
    for year in years:
        assert stats[f"xxgk/column_pages//zw/gknb/{year}nbxknb/{year}bmzjxxgknb/"] == 1


@pytest.mark.parametrize("site", SITES)
def test_links_to_other_hosts_are_never_followed_or_stored(site, archived, server, built):
    database_url, _ = archived
    host = SITES[site]
    catalog = built.catalogs[host]
    foreign = [url for _, url in catalog.site.foreign_links]
    assert foreign
    # The pages do show them: in a list and in bodies.
    first = catalog.columns[0].path
    listed = fetch(server, f"{catalog.site.scheme}://{host}{first}")[2]
    assert any(url.encode() in listed for url in foreign)
    archive = Archive(database_url)
    with archive.session() as s:
        stored = [
            *s.scalars(select(Document.url).where(Document.site == site)),
            *s.scalars(select(Capture.url).join(CrawlRun).where(CrawlRun.site == site)),
            *s.scalars(select(Attachment.url).join(Version).join(Document).where(Document.site == site)),
        ]
    archive.close()
    assert stored and all(re.match(rf"https?://{re.escape(host)}/", url) for url in stored)
    stats = run_stats(database_url, site)
    assert (
        stats.get("xxgk/offsite_links_skipped", 0) >= 1
        and stats.get("xxgk/offsite_attachment_skipped", 0) >= 1
    )


def test_gbk_site_declares_gb2312_only_in_meta_and_is_read_as_gb18030(server, built, database_url):
    """晋中 serves GB18030 bytes with names outside GB2312; stored exactly, on SQLite and PostgreSQL."""
    seed_url = SEEDS["jinzhong_mzj"]["url"]
    status, headers, body = fetch(server, seed_url)
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert b'charset=gb2312"' in body[:400]
    catalog = built.catalogs["mzj.sxjz.gov.cn"]
    rare = [d for d in catalog.documents if re.search("[镕堃喆]", catalog.body_text(d))]
    assert rare
    raw = fetch(server, rare[0].url)[2]
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gb2312")
    crawl(database_url, server.url, "jinzhong_mzj")
    archive = Archive(database_url)
    with archive.session() as s:
        for doc in rare:
            body = s.scalars(select(Version.body).join(Document).where(Document.url == doc.url)).one()
            name = re.search("联系人：(..)", catalog.body_text(doc)).group(1)
            assert f"联系人：{name}" in body and "\ufffd" not in body
        seed = s.scalars(select(Version).join(Document).where(Document.url == seed_url)).one()
        assert seed.title == SEEDS["jinzhong_mzj"]["title"] and "赵成武" in seed.body
    archive.close()


def test_sites_command_lists_platform_host_and_columns():
    out = xxgk("sites", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = {row["site"]: row for row in json.loads(out.stdout)}
    assert (
        rows["shizhong_mzj"]["platform"] == "trs_wcm" and rows["shizhong_mzj"]["hosts"] == "www.zzszq.gov.cn"
    )
    assert rows["jinzhong_mzj"]["platform"] == "sxjz" and rows["ankang_mzj"]["platform"] == "ankang"
    assert rows["ankang_mzj"]["columns"] == 10 and "/Node-5962.html" in rows["ankang_mzj"]["column_paths"]


def test_audit_of_each_site_matches_its_report_plan(archived, built):
    """The replica says which reports are on time, late or missing; the audit of one crawl agrees (a
    report never published is `not_found` after a single crawl, overdue by the days from its deadline
    to the crawl: not `missing`, as no night before its deadline was crawled)."""
    database_url, _ = archived
    today = crawl_night(database_url)
    truth = {}
    kinds = {"annual_report": "disclosure", "rule_of_law_report": "rule_of_law"}
    for site, host in SITES.items():
        for planned in built.report_plan(host):
            verdict = {"on_time": "on_time", "late": "late", "missing": "not_found"}[planned.status]
            overdue = (today - planned.due).days if planned.status == "missing" else None
            truth[(site, kinds[planned.kind], planned.year)] = (verdict, planned.days_late, overdue)
    years = sorted({year for _, _, year in truth})
    out = xxgk("audit", "--database-url", database_url, "--format", "json", *[f"--year={y}" for y in years])
    assert out.returncode == 0, out.stderr
    got = {
        (v["site"], v["kind"], v["year"]): (v["verdict"], v["days_late"], v["days_overdue"])
        for v in json.loads(out.stdout)
        if v["site"] in SITES
    }
    assert got == truth


def signed(body: str) -> str | None:
    """The date under the signature, where the page has no 成文日期 cell (DESIGN §4 keeps it as written)."""
    match = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", body.splitlines()[-1].strip()) if body else None
    return f"{int(match[1]):04d}-{int(match[2]):02d}-{int(match[3]):02d}" if match else None


def signer(body: str) -> str | None:
    """The organ signing above the date, where the page has no 发布机构 (the parser takes it from there)."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    return lines[-2] if len(lines) >= 2 and signed(body) and lines[-2].endswith("局") else None


@pytest.mark.parametrize("site", SITES)
def test_every_documents_fields_are_what_its_page_shows(site, archived, built):
    """The replica's records are the truth: the parser recovers each field on every page of the site."""
    database_url, _ = archived
    archive = Archive(database_url)
    wrong = []
    with archive.session() as s:
        stored = {
            url: fields
            for url, fields in s.execute(
                select(Document.url, Version.fields).join(Version).where(Document.site == site)
            )
        }
    archive.close()
    for doc in built.documents(SITES[site]):
        f = stored[doc.url]
        want = {
            "title": doc.title,
            "index_no": doc.index_no or None,
            # An empty 发布机构 cell stays empty; a page without the cell is signed by its organ.
            "issuer": (doc.issuer or None) if doc.issuer is not None else signer(built.body_text(doc)),
            "doc_number": doc.doc_number or None,
            "publish_date": f"{doc.publish:%Y-%m-%d}",
            "validity": doc.validity,
            "topic": doc.topic,
            "written_date": doc.written_date.isoformat()
            if doc.written_date
            else signed(built.body_text(doc)),
        }
        got = {**f, "publish_date": (f["publish_date"] or "")[:10]}
        wrong += [(doc.url, k, v, got[k]) for k, v in want.items() if got[k] != v]
    assert not wrong, wrong[:5]
