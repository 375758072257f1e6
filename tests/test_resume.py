"""A crawl killed with SIGKILL loses nothing it stored, leaves nothing half-written, and the rerun resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

import replica as replica_pkg
from archive.db import Archive
from archive.models import Attachment, Capture, CrawlRun, Document, Version
from tests.conftest import ROOT, run_xxgk

HOST = "smzj.anshun.gov.cn"
# Slow enough (one request at a time, 40 ms apart) that the test can kill it part-way, and committed in
# groups of at most 8 (the default is 32): a store stalled under load then commits at most 8 of the
# site's 60 documents at once, never the rest of the site between two of the test's checks.
SLOW = (
    "-s",
    "DOWNLOAD_DELAY=0.04",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    "-s",
    "XXGK_STORE_GROUP=8",
)


def crawl_args(database_url: str, replica_url: str) -> list[str]:
    return ["crawl", "anshun_mzj", "--database-url", database_url, "--replica-url", replica_url, *SLOW]


def stored_documents(database_url: str) -> int:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with Session(engine) as s:
            return (
                s.scalar(select(func.count()).select_from(Capture).where(Capture.outcome == "new_version"))
                or 0
            )
    except Exception:  # the crawl has not created the tables yet
        return 0
    finally:
        engine.dispose()


def kill_after(database_url: str, replica_url: str, documents: int) -> None:
    """Start a crawl, SIGKILL its whole process group once `documents` are stored."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", *crawl_args(database_url, replica_url)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its parser worker dies with it, as on a power cut
    )
    deadline = time.monotonic() + 120
    try:
        while stored_documents(database_url) < documents:
            assert proc.poll() is None, "the crawl finished before the test could kill it"
            assert time.monotonic() < deadline, "the crawl stored nothing in two minutes"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def assert_consistent(s: Session, attachments_by_url: dict[str, int]) -> None:
    """No half-written document: each has its first version, its capture and its attachments."""
    documents = s.scalar(select(func.count()).select_from(Document))
    assert s.scalar(select(func.count(func.distinct(Version.document_id)))) == documents
    assert s.scalar(select(func.count()).select_from(Version)) == documents  # nothing recorded twice
    new_captures = s.scalar(select(func.count()).select_from(Capture).where(Capture.outcome == "new_version"))
    assert new_captures == documents
    for version in s.scalars(select(Version)):
        attachments = select(func.count()).select_from(Attachment).where(Attachment.version_id == version.id)
        assert s.scalar(attachments) == attachments_by_url[version.document.url]


@pytest.fixture(scope="module")
def expected() -> list:
    return replica_pkg.build(seed=1, docs=60).documents(HOST)


def test_killed_twice_then_resumed(database_url: str, replica, expected) -> None:
    attachments = {d.url: len(d.attachments) for d in expected}
    kill_after(database_url, replica.url, 8)
    archive = Archive(database_url)
    with archive.session() as s:
        assert_consistent(s, attachments)
        after_first = s.scalar(select(func.count()).select_from(Document))
        assert 8 <= after_first < len(expected)

    kill_after(database_url, replica.url, after_first + 15)
    with archive.session() as s:
        assert_consistent(s, attachments)
        kept = set(s.scalars(select(Capture.url).where(Capture.outcome == "new_version")))
        assert len(kept) >= after_first + 15

    done = run_xxgk(*crawl_args(database_url, replica.url), "--format", "json")
    assert done.returncode == 0, done.stderr[-2000:]
    with archive.session() as s:
        assert_consistent(s, attachments)
        assert set(s.scalars(select(Document.url))) == {d.url for d in expected}
        runs = list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        assert [r.status for r in runs] == ["interrupted", "interrupted", "finished"]
        last = runs[-1].stats
        assert last["xxgk/resumed_from"] == f"{runs[1].id},{runs[0].id}"
        assert last["xxgk/resume_skipped"] == len(kept)  # nothing stored before a kill is fetched again
        assert last.get("xxgk/unchanged", 0) == 0
        assert last["xxgk/new_version"] == len(expected) - len(kept)
    archive.close()
