"""Verdicts and date forensics: against the replica's own reports, and against planted histories."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

import replica as replica_pkg
from archive.audit import forensics, rules
from archive.audit.freshness import freshness, site_verdict
from archive.audit.reports import recognise
from archive.audit.verdicts import audit
from archive.db import Archive
from archive.models import CrawlRun
from archive.records import FetchedPage
from archive.store import VersionStore
from crawler.extraction import parse_page
from crawler.pipelines.extract import page_content
from replica.reports import report_plan
from tests.conftest import FAST, crawl_night, run_xxgk, xxgk
from tests.interchange_files import payloads_by_date, read_warc, warc_in_wacz
from tests.pages import BODY, page_html

HOST = "smzj.anshun.gov.cn"
FULL_NIGHT = {
    "response_received_count": 90,
    "xxgk/unchanged": 60,
    "xxgk/columns_declared": 1,
    "xxgk/column_pages//a/": 2,
}


def test_verdicts_match_the_replicas_reports(tmp_path, replica) -> None:
    url = f"sqlite:///{tmp_path}/a.sqlite3"
    out = run_xxgk("crawl", "anshun_mzj", "--database-url", url, "--replica-url", replica.url, *FAST)
    assert out.returncode == 0, out.stderr[-2000:]
    table = rules.load()
    today = crawl_night(url)
    for doc in replica_pkg.build(seed=1, docs=60).documents(HOST):
        match = recognise(doc.title)
        if doc.kind in ("annual_report", "rule_of_law_report"):
            assert match is not None, doc.title  # every planted report is recognised
        else:
            assert match is None, doc.title  # and nothing else is taken for one
    # The replica's plan is the truth. One crawl today covers none of the past windows, so a report
    # the site never published cannot be `missing`; but that complete crawl, after every deadline,
    # did not find it: `not_found`, overdue by at least the days from its deadline to today.
    kinds = {"annual_report": "disclosure", "rule_of_law_report": "rule_of_law"}
    truth = {}
    for planned in report_plan(HOST, seed=1):
        kind = kinds[planned.kind]
        assert table.rule_for(kind, planned.year).due_date(planned.year) == planned.due
        verdict = {"on_time": "on_time", "late": "late", "missing": "not_found"}[planned.status]
        overdue = (today - planned.due).days if planned.status == "missing" else None
        truth[(kind, planned.year)] = (verdict, planned.days_late, overdue)
    years = sorted({year for _, year in truth})
    listed = xxgk(
        "audit",
        "--site",
        "anshun_mzj",
        "--database-url",
        url,
        "--format",
        "json",
        *[f"--year={y}" for y in years],
    )
    assert listed.returncode == 0, listed.stderr
    rows = [v for v in json.loads(listed.stdout) if v["site"] == "anshun_mzj"]  # other sites are audited too
    got = {(v["kind"], v["year"]): (v["verdict"], v["days_late"], v["days_overdue"]) for v in rows}
    assert {k: v for k, v in got.items() if k in truth} == truth
    assert "not_found" in {verdict for verdict, _, _ in truth.values()}
    assert {v["searched_until"] for v in rows if v["verdict"] == "not_found"} == {today.isoformat()}
    evidence = next(v["evidence"] for v in rows if v["evidence"])
    assert evidence["url"].startswith("http://smzj.anshun.gov.cn/") and len(evidence["raw_sha256"]) == 64


def store_page(store: VersionStore, url: str, title: str, publish: str, at: datetime) -> None:
    html = page_html(BODY, 1, title=title).replace(b"2023-01-05 10:30", publish.encode())
    page = FetchedPage(site="anshun_mzj", url=url, fetched_at=at, http_status=200, headers={}, body=html,
                       content=page_content(parse_page(html, url)))  # fmt: skip
    store.record(page)


def crawled_every_night(store: VersionStore, first: date, last: date) -> None:
    night = first
    while night <= last:
        run = store.start_run("anshun_mzj", "full")
        store.finish_run(run, "finished", FULL_NIGHT)
        started = datetime.combine(night, datetime.min.time(), tzinfo=UTC) + timedelta(
            hours=18
        )  # 02:00 CST next day
        started -= timedelta(days=1)
        with store.archive.session() as s:
            s.execute(update(CrawlRun).where(CrawlRun.id == run).values(started_at=started))
        night += timedelta(days=1)


def test_planted_history_late_missing_unknown_and_backdating(database_url: str) -> None:
    store = VersionStore(Archive(database_url))
    base = "http://smzj.anshun.gov.cn/zwgk/zfxxgk/xxgkml/ndbg/"
    # Crawled every night of 2024 up to 10 April, then nothing.
    crawled_every_night(store, date(2024, 1, 1), date(2024, 4, 10))
    # The 2023 disclosure report: page claims 5 February, seen that night: 5 days late.
    store_page(store, base + "202402/t20240205_1.html", "安顺市民政局2023年政府信息公开工作年度报告",
               "2024-02-05 09:00", datetime(2024, 2, 5, 18, 0, tzinfo=UTC))  # fmt: skip
    # A notice claiming 2 January but first seen on 20 March, though we crawled every night: backdated?
    store_page(store, base + "202401/t20240102_2.html", "安顺市民政局关于开展养老机构检查的通知",
               "2024-01-02 10:00", datetime(2024, 3, 20, 18, 0, tzinfo=UTC))  # fmt: skip
    # A page claiming a time after we captured it.
    store_page(store, base + "202403/t20240301_3.html", "安顺市民政局关于做好春季防火工作的通知",
               "2024-03-02 10:00", datetime(2024, 3, 1, 18, 0, tzinfo=UTC))  # fmt: skip

    # ... which later corrects its date: a second version with another publish date.
    store_page(store, base + "202403/t20240301_3.html", "安顺市民政局关于做好春季防火工作的通知",
               "2024-03-01 08:00", datetime(2024, 3, 5, 18, 0, tzinfo=UTC))  # fmt: skip

    with store.archive.session() as s:
        verdicts = {
            (v.kind, v.year): v for v in audit(s, ["anshun_mzj"], [2023, 2024], today=date(2025, 5, 1))
        }
        late = verdicts[("disclosure", 2023)]
        assert (late.verdict, late.days_late, late.captured_before_due) == ("late", 5, False)
        assert late.evidence is not None and late.evidence.claimed_publish_date == "2024-02-05T09:00"
        assert "第四十九条" in (late.rule or "")
        # No 2023 rule-of-law report, and every night to 31 March was crawled: missing.
        assert verdicts[("rule_of_law", 2023)].verdict == "missing"
        # 2024's reports fell due in 2025, when nothing was crawled: unknown, not missing.
        assert verdicts[("disclosure", 2024)].verdict == "unknown"
        assert "not fully crawled" in verdicts[("disclosure", 2024)].note

        flags = {(f.url.rsplit("_", 1)[1], f.flag) for f in forensics.findings(s, "anshun_mzj")}
        assert flags == {
            ("2.html", "possible_backdating"),
            ("3.html", "claimed_after_capture"),
            ("3.html", "publish_date_changed"),
        }

    # One complete crawl on 10 March 2025, after the disclosure deadline (31 January), before the
    # rule-of-law one (31 March): the 2024 disclosure report was not found, 38 days overdue by then.
    crawled_every_night(store, date(2025, 3, 10), date(2025, 3, 10))
    with store.archive.session() as s:
        verdicts = {(v.kind, v.year): v for v in audit(s, ["anshun_mzj"], [2024], today=date(2025, 5, 1))}
        found = verdicts[("disclosure", 2024)]
        assert (found.verdict, found.searched_until, found.days_overdue) == ("not_found", "2025-03-10", 38)
        assert "overdue by at least 38 days" in found.note and found.evidence is None
        assert verdicts[("rule_of_law", 2024)].verdict == "unknown"
    store.archive.close()


def test_evidence_bundle_holds_the_captures_as_wacz(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/a.sqlite3"
    store = VersionStore(Archive(url))
    page = "http://smzj.anshun.gov.cn/zwgk/zfxxgk/xxgkml/ndbg/202401/t20240120_9.html"
    store_page(store, page, "安顺市民政局2023年政府信息公开工作年度报告", "2024-01-20 09:00",
               datetime(2024, 1, 20, 18, 0, tzinfo=UTC))  # fmt: skip
    store_page(store, page, "安顺市民政局2023年政府信息公开工作年度报告", "2024-01-20 09:00",
               datetime(2024, 1, 21, 18, 0, tzinfo=UTC))  # fmt: skip
    store.archive.close()
    out = xxgk(
        "audit",
        "evidence",
        "anshun_mzj:disclosure:2023",
        "--out",
        str(tmp_path / "ev"),
        "--database-url",
        url,
    )
    assert out.returncode == 0, out.stderr
    manifest = json.loads((tmp_path / "ev" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["verdict"]["verdict"] == "on_time" and manifest["verdict"]["evidence"]["url"] == page
    assert [c["outcome"] for c in manifest["captures"]] == ["new_version", "unchanged"]
    # The WACZ's WARC: the first capture as a response, the refetch (same bytes) as a revisit naming it.
    records = read_warc(warc_in_wacz(tmp_path / "ev" / "evidence.wacz", tmp_path))
    held = payloads_by_date(records)
    assert [held[c["warc_date"]][0] for c in manifest["captures"]] == ["response", "revisit"]
    assert [hashlib.sha256(held[c["warc_date"]][1]).hexdigest() for c in manifest["captures"]] == [
        c["body_sha256"] for c in manifest["captures"]
    ]  # bytes as archived
    assert {r.uri for r in records if r.type in ("response", "revisit")} == {page}
    assert "proves publication by the deadline" in (tmp_path / "ev" / "summary.txt").read_text(
        encoding="utf-8"
    )
    bad = xxgk("audit", "evidence", "anshun_mzj:annual", "--out", str(tmp_path / "x"), "--database-url", url)
    assert bad.returncode == 1 and "SITE:KIND:YEAR" in bad.stderr and "Traceback" not in bad.stderr


def test_column_freshness_by_the_inspection_thresholds(tmp_path) -> None:
    store = VersionStore(Archive(f"sqlite:///{tmp_path}/a.sqlite3"))
    site = "http://smzj.anshun.gov.cn"
    store_page(store, f"{site}/gzdt/bmdt/202403/t20240301_1.html", "市民政局召开养老服务工作会议", "2024-03-01 09:00",
               datetime(2024, 3, 1, 12, tzinfo=UTC))  # fmt: skip
    store_page(store, f"{site}/zwgk/zcfg/flfg/202402/t20240201_2.html", "安顺市民政局关于印发养老服务实施办法的通知",
               "2024-02-01 09:00", datetime(2024, 2, 1, 12, tzinfo=UTC))  # fmt: skip
    kinds = {
        "/gzdt/bmdt/": "news",
        "/zwgk/zcfg/flfg/": "policy",
        "/gzdt/tzgg/": "notices",
        "/wsbs/cjwt/": "other",
    }
    with store.archive.session() as s:
        rows = {
            r["column"]: (r["state"], r["days_since"])
            for r in freshness(s, "anshun_mzj", kinds, date(2024, 3, 20))
        }
    assert rows == {
        "/gzdt/bmdt/": ("stale", 19),  # 动态 older than two weeks
        "/zwgk/zcfg/flfg/": ("fresh", 48),  # 政策 within six months
        "/gzdt/tzgg/": ("empty", None),
        "/wsbs/cjwt/": ("empty", None),
    }
    assert site_verdict([{"state": "stale"}] * 6).startswith("fails: 6 stale")
    assert site_verdict([{"state": "stale"}] * 5).startswith("passes")
    store.archive.close()
