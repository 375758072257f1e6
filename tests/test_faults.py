"""Faults injected into a real crawl over loopback: each is retried or skipped, recorded on the run with
its reason, never stored as a version, and the crawl completes (docs/faults.md has the table); on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import select

import replica as replica_pkg
from archive.db import Archive
from archive.models import Capture, CrawlRun, Document, Event, Version
from replica.process import start_replica
from tests.conftest import run_xxgk, xxgk

HOST = "smzj.anshun.gov.cn"
DOCS = 24
SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 2,  # short, so the timeout and slow faults cost seconds
    "RETRY_TIMES": 2,
    "XXGK_RETRY_AFTER_MAX": 5,
    "DOWNLOAD_MAXSIZE": 1024 * 1024,
}
# (extra `replica change` arguments, kind): one document each, all in force at once.
FAULTS = [
    (["--fault", "500", "--retry-after", "1"], "500"),
    (["--fault", "503", "--retry-after", "3600"], "503-long"),
    (["--fault", "502", "--retry-after", "2", "--fault-times", "1"], "502-once"),
    (["--fault", "timeout"], "timeout"),
    (["--fault", "slow", "--fault-seconds", "0.6"], "slow"),
    (["--fault", "slow", "--fault-seconds", "8"], "slow-beyond-timeout"),
    (["--fault", "truncated"], "truncated"),
    (["--fault", "redirect-loop"], "redirect-loop"),
    (["--fault", "offsite"], "offsite"),
    (["--fault", "oversized", "--fault-bytes", "3000000"], "oversized"),
    (["--fault", "charset"], "charset"),
    (["--fault", "malformed"], "malformed"),
]
# What the crawler must make of each: the capture outcome and the ledger's kind (None: no failure).
EXPECTED = {
    "500": ("error", "http_500"),
    "503-long": ("error", "http_503"),
    "502-once": ("ok", None),
    "timeout": ("error", "timeout"),
    "slow": ("ok", None),
    "slow-beyond-timeout": ("error", "timeout"),
    "truncated": ("error", "truncated"),
    "redirect-loop": ("error", "redirect_loop"),
    "offsite": ("error", "offsite_redirect"),
    "oversized": ("error", "oversized"),
    "charset": ("ok", None),
    "malformed": ("ok", None),
}


def crawl(database_url: str, replica_url: str, **extra: object) -> tuple[dict, float]:
    started = time.monotonic()
    sets = [arg for name, value in {**SETTINGS, **extra}.items() for arg in ("-s", f"{name}={value}")]
    out = run_xxgk(
        "crawl", "anshun_mzj", "--database-url", database_url, "--replica-url", replica_url,
        "--format", "json", *sets,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)[0], time.monotonic() - started


def inject(state: Path) -> dict[str, str]:
    """Fault one document per kind; returns URL → kind."""
    targets: dict[str, str] = {}
    for seed, (args, kind) in enumerate(FAULTS):
        out = xxgk("replica", "change", "anshun_mzj", *args, "--seed", str(seed), "--state", str(state),
                   "--format", "json")  # fmt: skip
        assert out.returncode == 0, out.stderr
        (record,) = json.loads(out.stdout)
        assert record["op"] == "fault" and record["url"] not in targets
        targets[record["url"]] = kind
    return targets


def last_run(s) -> CrawlRun:  # type: ignore[no-untyped-def]
    return s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()


def test_every_fault_is_survived_recorded_and_never_a_version(tmp_path: Path, database_url: str) -> None:
    state = tmp_path / "replica"
    truth = {d.url: d for d in replica_pkg.build(seed=1, docs=DOCS).documents(HOST)}
    with start_replica(state, docs=DOCS, seed=1) as replica:
        targets = inject(state)
        failing = {u for u, k in targets.items() if EXPECTED[k][0] == "error"}

        # Night 1, faults in force on a fresh archive.
        summary, seconds = crawl(database_url, replica.url)
        assert summary["finished"] == "finished"
        assert seconds < 90, "a fault must not stall the crawl (Retry-After 3600 is not waited for)"
        archive = Archive(database_url)
        with archive.session() as s:
            stored = set(s.scalars(select(Document.url)))
            assert stored == set(truth) - failing, "failed fetches must not become documents"
            assert not any("mirror" in u for u in s.scalars(select(Capture.url).select_from(Capture))), (
                "off-site page stored"
            )
            run = last_run(s)
            ledger = {f["url"]: f for f in run.stats["xxgk/failures"]}
            for url, kind in targets.items():
                outcome, failure = EXPECTED[kind]
                captures = s.scalars(
                    select(Capture).where(Capture.url == url, Capture.run_id == run.id)
                ).all()
                assert captures, f"{kind}: the failed fetch must still be a capture"
                if outcome == "error":
                    assert [c.outcome for c in captures] == ["error"], kind
                    assert captures[0].note and captures[0].note.startswith(failure), (kind, captures[0].note)
                    assert ledger[url]["kind"] == failure, kind
                    assert run.stats[f"xxgk/failure/{failure}"] >= 1
                else:
                    assert [c.outcome for c in captures] == ["new_version"], kind
                    assert url not in ledger, kind
                    version = s.scalars(select(Version).join(Document).where(Document.url == url)).one()
                    assert version.title == truth[url].title, f"{kind}: content read wrong"
            assert "Retry-After 3600s" in next(
                f["reason"] for f in ledger.values() if f["kind"] == "http_503"
            )
            assert run.stats.get("xxgk/retry_after_waited", 0) >= 2  # the 500's and the 502's
        archive.close()

        # Night 2, faults healed: every document arrives, the faulty-but-readable ones unchanged.
        assert xxgk("replica", "change", "anshun_mzj", "--heal", "--state", str(state)).returncode == 0
        summary, _ = crawl(database_url, replica.url)
        assert summary["errors"] == 0 and summary["new_versions"] == len(failing)
        # Night 3, the same faults again over a full archive: nothing new, nothing withdrawn.
        again = inject(state)
        attachment = next(a.url for u, d in truth.items() if u not in again for a in d.attachments)
        out = xxgk("replica", "change", "anshun_mzj", "--fault", "503", "--fault-url", attachment,
                   "--state", str(state))  # fmt: skip
        assert out.returncode == 0, out.stderr
        crawl(database_url, replica.url, XXGK_CONDITIONAL=False)  # whole pages, so attachments are fetched
    with archive.session() as s:
        assert set(s.scalars(select(Document.url))) == set(truth)
        versions = s.scalars(select(Version.document_id)).all()
        assert len(versions) == len(truth) == len(set(versions)), "a fault made a version"
        assert not s.scalars(select(Event).where(Event.kind == "withdrawn")).all(), (
            "a fault read as withdrawal"
        )
        assert set(s.scalars(select(Document.status))) == {"active"}
        run = last_run(s)
        assert {f["url"] for f in run.stats["xxgk/failures"]} == {
            u for u, k in again.items() if EXPECTED[k][0] == "error"
        } | {attachment}
        assert run.stats.get("xxgk/new_version", 0) == 0  # the failed attachment kept its known hash
    archive.close()


def test_faults_on_a_list_page_and_an_attachment_are_recorded_and_heal_without_a_version(
    tmp_path: Path, database_url: str
) -> None:
    state = tmp_path / "replica"
    build = replica_pkg.build(seed=1, docs=DOCS)
    column = build.catalogs[HOST].documents[0].column
    list_url = f"http://{HOST}{column}"
    listed_elsewhere = {d.url for d in build.documents(HOST) if d.column != column}
    owner = next(d for d in build.documents(HOST) if d.attachments and d.url in listed_elsewhere)
    attachment = owner.attachments[0].url
    with start_replica(state, docs=DOCS, seed=1) as replica:
        for url in (list_url, attachment):
            out = xxgk("replica", "change", "anshun_mzj", "--fault", "503", "--fault-url", url,
                       "--state", str(state), "--format", "json")  # fmt: skip
            assert out.returncode == 0, out.stderr
        summary, _ = crawl(database_url, replica.url)
        assert summary["finished"] == "finished"
        # Healed: the column's documents arrive, and the attachment that failed completes its
        # document's version instead of making a new one.
        assert xxgk("replica", "change", "anshun_mzj", "--heal", "--state", str(state)).returncode == 0
        healed, _ = crawl(database_url, replica.url, XXGK_CONDITIONAL=False)
    assert healed["new_versions"] == len(build.documents(HOST)) - len(listed_elsewhere)
    archive = Archive(database_url)
    with archive.session() as s:
        first = s.scalars(select(CrawlRun).order_by(CrawlRun.id).limit(1)).one()
        failed = {f["url"]: f for f in first.stats["xxgk/failures"]}
        assert {u: f["kind"] for u, f in failed.items()} == {list_url: "http_503", attachment: "http_503"}
        assert listed_elsewhere <= set(s.scalars(select(Document.url)))
        (version,) = s.scalars(select(Version).join(Document).where(Document.url == owner.url)).all()
        assert next(a for a in version.attachments if a.url == attachment).sha256 is not None
        first_id = first.id
    archive.close()
    shown = xxgk("failures", str(first_id), "--database-url", database_url, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    rows = {row["url"]: row["reason"] for row in json.loads(shown.stdout)}
    assert rows[list_url] == "HTTP 503 after 3 attempts"  # 1 + RETRY_TIMES=2
    runs = json.loads(xxgk("runs", "--failed", "--database-url", database_url, "--format", "json").stdout)
    assert [r["failed_fetches"] for r in runs] == [2]
