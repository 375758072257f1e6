"""Crawl health against the site's history, and the nightly coverage ledger."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import update

from archive.db import Archive
from archive.models import CrawlRun
from archive.store import VersionStore
from tests.conftest import FAST, run_xxgk, xxgk

USUAL = {"response_received_count": 100, "xxgk/new_version": 2, "xxgk/unchanged": 58}


def finished_run(store: VersionStore, stats: dict, mode: str = "full", started: datetime | None = None):  # type: ignore[no-untyped-def]
    run_id = store.start_run("anshun_mzj", mode)
    verdict = store.finish_run(run_id, "finished", stats)
    if started is not None:
        with store.archive.session() as s:
            s.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(started_at=started))
    return verdict


def test_runs_are_judged_against_the_sites_history(database_url: str) -> None:
    store = VersionStore(Archive(database_url))
    first = finished_run(store, USUAL)
    assert first.ok and first.summary() == "ok (little history)" and first.compared_with == 0
    for _ in range(3):
        finished_run(store, USUAL)
    assert finished_run(store, {**USUAL, "response_received_count": 90}).ok
    thin = finished_run(store, {"response_received_count": 12, "xxgk/unchanged": 5})
    assert not thin.ok
    assert thin.summary() == "degraded: 12 pages against a usual 100; 5 documents against a usual 60"
    failing = finished_run(store, {**USUAL, "xxgk/error": 30})
    assert not failing.ok and "error rate 30%" in failing.summary()
    assert finished_run(store, USUAL, mode="incremental").compared_with == 0  # modes are judged apart
    store.archive.close()


def test_crawl_exits_non_zero_when_a_finished_run_looks_broken(tmp_path, replica) -> None:
    url = f"sqlite:///{tmp_path}/a.sqlite3"
    store = VersionStore(Archive(url))
    for _ in range(3):  # the site used to show thousands of pages
        finished_run(store, {"response_received_count": 5000, "xxgk/new_version": 3000})
    store.archive.close()
    out = run_xxgk("crawl", "anshun_mzj", "--database-url", url, "--replica-url", replica.url, *FAST)
    assert out.returncode == 3, out.stderr[-2000:]
    assert "anshun_mzj: degraded: " in out.stderr and "against a usual 5000" in out.stderr
    listed = json.loads(xxgk("runs", "--format", "json", "--database-url", url).stdout)
    assert listed[0]["status"] == "finished"


def test_coverage_shows_gaps_and_partial_nights(database_url: str) -> None:
    store = VersionStore(Archive(database_url))
    seen_all = {**USUAL, "xxgk/columns_declared": 2, "xxgk/column_pages//a/": 3, "xxgk/column_pages//b/": 1}
    seen_one = {**USUAL, "xxgk/columns_declared": 2, "xxgk/column_pages//a/": 3}
    # 1 Mar 01:30 CST (= 28 Feb 17:30 UTC) counts for the night of 1 March, China time.
    finished_run(store, seen_all, started=datetime(2024, 2, 29, 17, 30, tzinfo=UTC))
    finished_run(store, seen_one, started=datetime(2024, 3, 1, 17, 30, tzinfo=UTC))
    interrupted = store.start_run("anshun_mzj", "incremental")
    store.finish_run(interrupted, "interrupted", {})
    with store.archive.session() as s:
        started = datetime(2024, 3, 3, 17, 30, tzinfo=UTC)
        s.execute(update(CrawlRun).where(CrawlRun.id == interrupted).values(started_at=started))
    store.archive.close()

    out = xxgk(
        "coverage", "anshun_mzj", "--since", "2024-03-01", "--until", "2024-03-04", "--format", "json",
        "--database-url", database_url,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    nights = {
        row["night"]: (row["state"], row["runs"], row["columns_seen"]) for row in json.loads(out.stdout)
    }
    assert nights == {
        "2024-03-01": ("covered", 1, "2/2"),
        "2024-03-02": ("partial", 1, "1/2"),
        "2024-03-03": ("gap", 0, ""),
        "2024-03-04": ("gap", 1, ""),  # a run that did not finish covers nothing
    }
