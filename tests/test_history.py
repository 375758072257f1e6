"""A scripted history, night by night: after each night's crawl the archive's versions and events equal
the replica's own change log exactly. Nothing missed, nothing invented. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sqlalchemy import select

import replica as replica_pkg
from archive.db import Archive
from archive.models import Document, Event, Version
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk, xxgk

HOST = "smzj.anshun.gov.cn"
NIGHTS = [  # (changes made during the day, the night's crawl mode)
    ({}, "full"),
    ({"publish": 3, "edit": 4}, "full"),
    ({"publish": 2}, "incremental"),
    ({"withdraw": 2, "soft404": 1, "edit": 2}, "full"),
    ({"restore": 2, "publish": 1}, "full"),
]


def change(state: Path, counts: dict[str, int]) -> None:
    args = [f"--{op}={n}" for op, n in counts.items()]
    out = xxgk("replica", "change", "anshun_mzj", *args, "--state", str(state))
    assert out.returncode == 0, out.stderr


def expected_from_log(state: Path, docs: int) -> tuple[dict[str, int], dict[str, str], Counter]:
    """URL → versions, URL → status, and (URL, event) counts, as the change log implies them."""
    versions = {d.url: 1 for d in replica_pkg.build(seed=1, docs=docs).documents(HOST)}
    status = dict.fromkeys(versions, "active")
    events: Counter = Counter()
    log = json.loads(xxgk("replica", "log", "--state", str(state), "--format", "json").stdout)
    for record in log:
        url = record["url"]
        if record["op"] == "publish":
            versions[url], status[url] = 1, "active"
        elif record["op"] == "edit":
            versions[url] += 1
        elif record["op"] in ("withdraw", "soft404"):
            status[url] = "withdrawn"
            events[(url, "withdrawn")] += 1
        elif record["op"] == "restore":
            status[url] = "active"
            events[(url, "restored")] += 1
    return versions, status, events


def archived(database_url: str) -> tuple[dict[str, int], dict[str, str], Counter]:
    archive = Archive(database_url)
    with archive.session() as s:
        versions = Counter(s.scalars(select(Document.url).join(Version, Version.document_id == Document.id)))
        status = {url: state for url, state in s.execute(select(Document.url, Document.status))}
        events = Counter(
            (url, kind)
            for url, kind in s.execute(
                select(Document.url, Event.kind).join(Event, Event.document_id == Document.id)
            )
            if kind != "created"
        )
    archive.close()
    return dict(versions), status, events


def test_changes_over_five_nights_match_the_change_log(database_url: str, tmp_path: Path) -> None:
    docs = 40
    state = tmp_path / "replica"
    with start_replica(state, docs=docs, seed=1) as replica:
        for night, (counts, mode) in enumerate(NIGHTS):
            if counts:
                change(state, counts)
            out = run_xxgk(
                "crawl", "anshun_mzj", "--mode", mode, "--database-url", database_url, "--replica-url", replica.url,
                "--format", "json", "-s", f"XXGK_NIGHT={night}", *FAST,
            )  # fmt: skip
            assert out.returncode in (0, 3), out.stderr[-2000:]  # 3: a health warning is not a failure here
            want_versions, want_status, want_events = expected_from_log(state, docs)
            got_versions, got_status, got_events = archived(database_url)
            differ = {
                u: (got_versions.get(u), n) for u, n in want_versions.items() if got_versions.get(u) != n
            }
            assert got_versions == want_versions, (
                f"night {night}: versions differ (url: (got, want)) {differ}\n{out.stdout[-1500:]}\n"
                f"{out.stderr[-3000:]}"
            )
            assert got_status == want_status, f"night {night}: statuses differ"
            assert got_events == want_events, f"night {night}: events differ"
