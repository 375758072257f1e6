"""Redirects a crawl meets on document URLs: a deleted document sent to the home page (302) is a
withdrawal recorded at the document's URL, and a meta refresh to a mirror host is refused like an
off-site 3xx (nothing of the mirror enters the archive). Real HTTP over loopback, both databases."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from archive.db import Archive
from archive.models import Capture, CrawlRun, Document, Event
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk, xxgk

SITE, HOST, DOCS = "anshun_mzj", "smzj.anshun.gov.cn", 12


def crawl(database_url: str, replica_url: str) -> dict:
    out = run_xxgk("crawl", SITE, "--database-url", database_url, "--replica-url", replica_url,
                   "--format", "json", *FAST)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)[0]


def change(state: Path, *args: str) -> dict:
    out = xxgk("replica", "change", SITE, *args, "--state", str(state), "--format", "json")
    assert out.returncode == 0, out.stderr
    (record,) = json.loads(out.stdout)
    return record


def test_redirect_to_home_is_a_withdrawal_and_an_offsite_refresh_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    state = tmp_path / "replica"
    with start_replica(state, docs=DOCS, seed=3) as replica:
        first = crawl(database_url, replica.url)
        assert first["errors"] == 0
        gone = change(state, "--redirect-home", "1", "--seed", "1")
        assert (gone["op"], gone["status"]) == ("withdraw", 302)
        refreshed = change(state, "--fault", "offsite-refresh", "--seed", "2")
        assert refreshed["url"] != gone["url"]
        crawl(database_url, replica.url)
        archive = Archive(database_url)
        with archive.session() as s:
            run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()
            by_url = {d.url: d for d in s.scalars(select(Document))}
            assert all(u.startswith(f"http://{HOST}/") for u in by_url)
            assert f"http://{HOST}/" not in by_url, "the home page must not become a document"
            # The redirected document: withdrawn, with the redirect as the evidence, captured at its URL.
            doc = by_url[gone["url"]]
            (event,) = s.scalars(select(Event).where(Event.document_id == doc.id, Event.kind == "withdrawn"))
            assert doc.status == "withdrawn" and event.detail == f"redirected to the home page http://{HOST}/"
            outcomes = s.scalars(
                select(Capture.outcome).where(Capture.url == gone["url"], Capture.run_id == run.id)
            )
            assert list(outcomes) == ["withdrawn"]
            # The refresh to a mirror: refused with its reason, the document untouched.
            kept = by_url[refreshed["url"]]
            assert kept.status == "active"
            (capture,) = s.scalars(
                select(Capture).where(Capture.url == refreshed["url"], Capture.run_id == run.id)
            )
            assert capture.outcome == "error" and capture.note is not None
            assert capture.note.startswith(
                "offsite_redirect: meta refresh to another host www.zfxxgk-mirror.cn"
            )
            assert not any("mirror" in u for u in s.scalars(select(Capture.url).select_from(Capture)))
            assert {f["kind"] for f in run.stats["xxgk/failures"]} == {"offsite_redirect"}
        archive.close()

        # The document comes back: restored, and no version was invented on the way.
        assert change(state, "--restore", "1")["url"] == gone["url"]
        assert xxgk("replica", "change", SITE, "--heal", "--state", str(state)).returncode == 0
        last = crawl(database_url, replica.url)
        assert last["new_versions"] == 0 and last["errors"] == 0
    archive = Archive(database_url)
    with archive.session() as s:
        doc = s.scalars(select(Document).where(Document.url == gone["url"])).one()
        kinds = list(s.scalars(select(Event.kind).where(Event.document_id == doc.id).order_by(Event.id)))
        assert doc.status == "active" and kinds[-2:] == ["withdrawn", "restored"]
    archive.close()
