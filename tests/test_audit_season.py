"""Issue 9 item 7: a planted reporting season, crawled night by night on simulated time, gives exactly
the planted verdicts and forensic flags, on SQLite and PostgreSQL.

The replica's change log is the truth (`replica.season`: each page's `at`, the date it `claims`, its
edits); the crawl nights are this test's. Every expectation below is derived from those two and the
audit's documented rules (deadlines from `replica.reports.due_date`, the backdating thresholds of
`archive.audit.forensics`), never typed in. Real crawls: the replica over HTTP on loopback, Scrapy,
the archive. The first night is `xxgk --as-of NIGHT crawl SITES…` on the replica's own clock; the other
nights run in turn in one `xxgk crawl --nights FILE` process (a night's sites together), each request
telling the replica the crawler's moment: ~2 minutes a backend instead of ~7 with a process a night.
"""

from __future__ import annotations

import hashlib
import json
import time as timer
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from archive import queries
from archive.audit import forensics
from archive.clock import CHINA
from archive.db import Archive
from replica.changes import change_log
from replica.process import start_replica
from replica.reports import due_date
from tests.conftest import FAST, run_xxgk, xxgk
from tests.interchange_files import payloads_by_date, read_warc, warc_in_wacz

DOCS, SEED, REPORT_YEAR = 8, 3, 2026
SITES = {
    "anshun_mzj": "smzj.anshun.gov.cn",
    "shizhong_mzj": "www.zzszq.gov.cn",
    "jinzhong_mzj": "mzj.sxjz.gov.cn",
    "ankang_mzj": "mzj.ankang.gov.cn",
    "lianzhou_mzj": "www.lianzhou.gov.cn",
}
KINDS = {"annual_report": "disclosure", "rule_of_law_report": "rule_of_law"}
SEASON = REPORT_YEAR + 1
CRAWL_TIME = time(2, 0)  # each night's crawl starts at 02:00 China time
# The crawl nights. Every site on a few nights of the season; the two sites whose stories need it
# (a report never published: `missing`; a backdated one: its claimed date to its appearance) every
# night from 1 January through the night after the disclosure deadline (31 January). Every other
# night is a gap for the other sites: their unpublished reports can only be `unknown`.
EVERY_SITE = [date(SEASON, m, d) for m, d in ((1, 1), (1, 15), (2, 2), (2, 20), (3, 15), (4, 2), (4, 20))]
DAILY_SITES = ("jinzhong_mzj", "ankang_mzj")
DAILY = [date(SEASON, 1, 1) + timedelta(days=n) for n in range(33)]  # 1 January – 2 February
AUDIT_AT = f"{SEASON}-04-21T09:00+08:00"


def nights() -> list[tuple[date, list[str]]]:
    out = []
    for night in sorted(set(EVERY_SITE) | set(DAILY)):
        out.append((night, list(SITES) if night in EVERY_SITE else list(DAILY_SITES)))
    return out


def crawled(site: str) -> list[datetime]:
    """The moments (China time, naive like the log's) of the site's crawls."""
    return [datetime.combine(n, CRAWL_TIME) for n, sites in nights() if site in sites]


def first_capture(site: str, appears: datetime) -> datetime:
    return next(moment for moment in crawled(site) if moment >= appears)


def claimed_when_captured(log: list[dict[str, Any]], record: dict[str, Any], site: str) -> date:
    """The date the page showed when we first captured it: its claim, or a correction made before."""
    captured = first_capture(site, datetime.fromisoformat(record["at"]))
    claim = record["claims"]
    for edit in log:
        corrects = edit["op"] == "edit" and edit["what"] == "publish_date" and edit["url"] == record["url"]
        if corrects and datetime.fromisoformat(edit["at"]) <= captured:
            claim = edit["value"]
    return datetime.fromisoformat(claim).date()


def expected_verdicts(log: list[dict[str, Any]]) -> dict[tuple[str, str], tuple]:
    """(site, kind) → (verdict, days_late, captured_before_due, claimed date, first-captured night,
    searched until, days overdue)."""
    out = {}
    for site, host in SITES.items():
        for kind, audit_kind in KINDS.items():
            due = due_date(kind, REPORT_YEAR)
            planted = [r for r in log if r["op"] == "report" and r["host"] == host and r["kind"] == kind]
            if planted:
                claims = claimed_when_captured(log, planted[0], site)
                captured = first_capture(site, datetime.fromisoformat(planted[0]["at"])).date()
                late = (claims - due).days
                out[site, audit_kind] = ("late" if late > 0 else "on_time", late if late > 0 else None,
                                         captured <= due, claims.isoformat(), captured.isoformat(), None, None)  # fmt: skip
                continue
            window = {
                date(REPORT_YEAR + 1, 1, 1) + timedelta(days=n)
                for n in range((due - date(SEASON, 1, 1)).days + 2)
            }
            seen = {moment.date() for moment in crawled(site)}
            after = sorted(night for night in seen if night > due)  # complete crawls after the deadline
            if window <= seen:
                out[site, audit_kind] = ("missing", None, None, None, None, None, None)
            elif after:
                overdue = (after[-1] - due).days
                out[site, audit_kind] = ("not_found", None, None, None, None, after[-1].isoformat(), overdue)
            else:
                out[site, audit_kind] = ("unknown", None, None, None, None, None, None)
    return out


def expected_flags(log: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """(site, url, flag) for every planted page, by the forensic rules applied to the log's dates and
    this test's crawl nights."""
    by_host = {host: site for site, host in SITES.items()}
    out = set()
    for record in log:
        site = by_host[record["host"]]
        if record["op"] == "edit" and record["what"] == "publish_date":
            page = next(r for r in log if r.get("urls") and r["url"] == record["url"])
            shown = first_capture(site, datetime.fromisoformat(page["at"]))
            # A date changed after we first captured the page, seen by a later crawl (the last is full).
            if shown < datetime.fromisoformat(record["at"]) <= crawled(site)[-1]:
                out |= {(site, url, "publish_date_changed") for url in page["urls"]}
        if record["op"] not in ("report", "publish") or "claims" not in record:
            continue
        claims = claimed_when_captured(log, record, site)
        captured = first_capture(site, datetime.fromisoformat(record["at"])).date()
        flag = None
        if claims > captured:
            flag = "claimed_after_capture"
        elif (captured - claims).days >= forensics.BACKDATING_DAYS:
            between = [claims + timedelta(days=n) for n in range((captured - claims).days)]
            seen = {moment.date() for moment in crawled(site)}
            if sum(night in seen for night in between) / len(between) >= forensics.COVERED_SHARE:
                flag = "possible_backdating"
        if flag:
            out |= {(site, url, flag) for url in record["urls"]}
    return out


def _urls(log: list[dict[str, Any]], url: str) -> list[str]:
    """All pages of the planted document at `url` (a gkmlpt post is also published as an NFCMS page)."""
    return next(r["urls"] for r in log if r.get("url") == url and "urls" in r)


def xxgk_json(*args: str) -> Any:
    out = xxgk("--as-of", AUDIT_AT, *args, "--format", "json")
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def test_planted_season_gives_exactly_the_planted_verdicts(database_url: str, tmp_path: Path) -> None:
    state = tmp_path / "replica"
    started = timer.monotonic()
    with start_replica(state, docs=DOCS, seed=SEED, as_of=f"{SEASON}-01-01T00:00+08:00") as replica:
        planted = xxgk(
            "replica", "season", f"--year={REPORT_YEAR}", "--state", str(state), "--format", "json"
        )
        assert planted.returncode == 0, planted.stderr
        crawl = (
            "--database-url",
            database_url,
            "--replica-url",
            replica.url,
            *FAST,
            "-s",
            "XXGK_PARSE_PROCESSES=0",
        )
        season = nights()
        # The first night in a process of its own, on the replica's own clock (`xxgk replica clock`)...
        first, sites = season[0]
        moment = datetime.combine(first, CRAWL_TIME, tzinfo=CHINA).isoformat()
        assert xxgk("replica", "clock", moment, "--state", str(state)).returncode == 0
        out = run_xxgk("--as-of", moment, "crawl", *sites, "--mode", "full", *crawl, timeout=600)
        assert out.returncode in (0, 3), out.stderr[-2000:]  # 3: a health warning is not a failure
        # ... then every other night in turn in one process (what a nightly service does over a season);
        # each request tells the replica the crawler's moment. The last night walks every page again,
        # so the edits made after publication are seen.
        plan = [{"as_of": datetime.combine(night, CRAWL_TIME, tzinfo=CHINA).isoformat(), "sites": sites,
                 "mode": "full" if night == season[-1][0] else "incremental"} for night, sites in season[1:]]  # fmt: skip
        (tmp_path / "nights.json").write_text(json.dumps(plan), encoding="utf-8")
        out = run_xxgk(
            "crawl", "--nights", str(tmp_path / "nights.json"), *crawl, "--format", "json", timeout=900
        )
        assert out.returncode == 0, out.stderr[-2000:]
        assert len(json.loads(out.stdout)) == sum(len(sites) for _, sites in season[1:])
    crawl_seconds = timer.monotonic() - started
    log = change_log(state)
    assert json.loads(planted.stdout) == [r for r in log if "story" in r]

    verdicts = xxgk_json("audit", f"--year={REPORT_YEAR}", "--database-url", database_url)
    got = {}
    for v in verdicts:
        ev = v["evidence"] or {}
        captured = ev.get("first_captured_at")
        night = datetime.fromisoformat(captured).astimezone(CHINA).date().isoformat() if captured else None
        claimed = (ev.get("claimed_publish_date") or "")[:10] or None
        got[v["site"], v["kind"]] = (v["verdict"], v["days_late"], v["captured_before_due"], claimed, night,
                                     v["searched_until"], v["days_overdue"])  # fmt: skip
    want = expected_verdicts(log)
    assert got == want
    # Every site was crawled in full after both deadlines, so no absence is `unknown` any more.
    assert {row[0] for row in want.values()} == {"on_time", "late", "missing", "not_found"}
    for v in verdicts:  # the evidence is the planted page (or its twin), and nothing else
        if v["evidence"]:
            host = SITES[v["site"]]
            kind = next(k for k, a in KINDS.items() if a == v["kind"])
            record = next(r for r in log if r["op"] == "report" and r["host"] == host and r["kind"] == kind)
            assert v["evidence"]["url"] in record["urls"]

    flags = {
        (f["site"], f["url"], f["flag"]) for f in xxgk_json("audit", "dates", "--database-url", database_url)
    }
    assert flags == expected_flags(log)
    assert {flag for _, _, flag in flags} == {
        "possible_backdating",
        "claimed_after_capture",
        "publish_date_changed",
    }

    # Edited after publication: each edit is a new version of the page.
    archive = Archive(database_url)
    with archive.session() as s:
        for record in [r for r in log if r["op"] == "edit"]:
            for url in _urls(log, record["url"]):
                doc = queries.find_document(s, url)
                assert len(queries.history(s, doc)) == 2, (url, queries.history(s, doc))
    archive.close()

    # Evidence for a late and a backdated finding: the WARC's records are the manifest's captures.
    late = next(s for (s, k), row in want.items() if k == "disclosure" and row[0] == "late")
    backdated = next(site for site, _, flag in flags if flag == "possible_backdating")
    for site in (late, backdated):
        out_dir = tmp_path / f"evidence-{site}"
        done = xxgk("--as-of", AUDIT_AT, "audit", "evidence", f"{site}:disclosure:{REPORT_YEAR}",
                    "--out", str(out_dir), "--database-url", database_url)  # fmt: skip
        assert done.returncode == 0, done.stderr
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["verdict"]["verdict"] == want[site, "disclosure"][0]
        # Every capture is in the WACZ's WARC at its time: the first as a response holding the page as
        # first captured, refetches as revisits naming a response with the same bytes, 304s as
        # revisits naming the page they confirmed.
        held = payloads_by_date(read_warc(warc_in_wacz(out_dir / "evidence.wacz", tmp_path)))
        first, *later = manifest["captures"]
        assert held[first["warc_date"]][0] == "response"
        assert hashlib.sha256(held[first["warc_date"]][1]).hexdigest() == first["body_sha256"]
        assert (
            first["body_sha256"] == manifest["verdict"]["evidence"]["raw_sha256"]
        )  # the page as first captured
        for capture in later:
            kind, payload = held[capture["warc_date"]]
            if capture["http_status"] != 304:
                assert hashlib.sha256(payload).hexdigest() == capture["body_sha256"]
            else:
                assert kind == "revisit" and payload  # the confirmed page, replayable at the 304's time
        assert len(manifest["captures"]) >= 2  # then seen again
    print(f"season crawled in {crawl_seconds:.0f}s; whole test {timer.monotonic() - started:.0f}s")
