"""An oversized page is cut at the size cap whether the server declares its length (cancelled before
the body) or streams it without one (cancelled once past the cap): an `error` capture with the reason,
no version, and the crawl completes. Real HTTP over loopback."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from archive.db import Archive
from archive.models import Capture, Document
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk, xxgk

SITE, DOCS, CAP = "anshun_mzj", 12, 1024 * 1024


def fault(state: Path, *args: str) -> str:
    out = xxgk("replica", "change", SITE, "--fault", "oversized", "--fault-bytes", str(4 * CAP), *args,
               "--state", str(state), "--format", "json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    (record,) = json.loads(out.stdout)
    return record["url"]


def test_declared_and_streamed_oversized_pages_are_cut_at_the_cap(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    state = tmp_path / "replica"
    with start_replica(state, docs=DOCS, seed=4) as replica:
        declared = fault(state, "--seed", "1")
        streamed = fault(state, "--seed", "2", "--fault-undeclared")
        out = run_xxgk("crawl", SITE, "--database-url", database_url, "--replica-url", replica.url,
                       "--format", "json", "-s", f"DOWNLOAD_MAXSIZE={CAP}", *FAST)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads(out.stdout)[0]
    assert summary["finished"] == "finished"
    archive = Archive(database_url)
    with archive.session() as s:
        assert not set(s.scalars(select(Document.url))) & {declared, streamed}, "an oversized page was stored"
        for url in (declared, streamed):
            (capture,) = s.scalars(select(Capture).where(Capture.url == url))
            assert capture.outcome == "error", url
            assert capture.note == f"oversized: larger than the {CAP} byte size cap: download cancelled"
    archive.close()
