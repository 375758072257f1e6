"""Multi-night histories of the replica's sites, shared by the scenario tests: changes planted ahead on
the replica's clock, the nights crawled in turn in one process, and the archive compared with the change
log night by night.

`expected` is the truth the change log implies; `archived` reads what the archive holds now and
`archived_as_of` what it held at a moment (for nights crawled in one process, read afterwards).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select

import replica as replica_pkg
from archive.db import Archive
from archive.models import Document, DocumentUrl, Event, Version
from archive.text import CHINA
from tests.conftest import FAST, run_xxgk, xxgk
from tests.test_sites import SITES

HOSTS = {**SITES, "anshun_mzj": "smzj.anshun.gov.cn", "lianzhou_mzj": "www.lianzhou.gov.cn"}


def expected(
    site: str, log: list[dict], docs: int, seed: int
) -> tuple[dict[str, int], dict[str, str], Counter]:
    """Document (by its first URL) → versions, status, and (document, event) counts, from the log.

    The log is replayed on a fresh replica so that a change reaching several pages (连州 publishes one
    post at two URLs, its gkmlpt page and its NFCMS twin) is expected on every page it reaches."""
    host = HOSTS[site]
    built = replica_pkg.build(seed=seed, docs=docs)
    catalog = built.catalogs[host]
    versions = {d.url: 1 for d in built.documents(host)}
    status = dict.fromkeys(versions, "active")
    events: Counter = Counter()
    first = {url: url for url in versions}  # current URL → first URL
    for record in log:
        before = {d.url for d in catalog.documents}
        target = catalog.by_path.get(record.get("path", ""))
        pages = [d.url for d in catalog.documents if target is not None and d.doc_id == target.doc_id]
        built.apply(record)
        after = {d.url for d in catalog.documents}
        if record["op"] == "publish":
            for url in after - before:
                versions[url], status[url], first[url] = 1, "active", url
        elif record["op"] == "restore":
            for url in after - before:
                status[first[url]] = "active"
                events[(first[url], "restored")] += 1
        elif record["op"] == "edit":
            for url in pages:
                versions[first[url]] += 1
        elif record["op"] in ("withdraw", "soft404"):
            for url in pages:
                status[first[url]] = "withdrawn"
                events[(first[url], "withdrawn")] += 1
        elif record["op"] == "move":
            doc = first[record["url"]]
            first[record["new_url"]] = doc
            events[(doc, "moved")] += 1
            moved = catalog.by_path[urlsplit(record["new_url"]).path]
            # 安康's 公开目录 cell names the column and 连州's 所属主题 is the new column's: the page's
            # content changed, so the move is also a version. Files that moved with the document (same
            # bytes at a new URL) change nothing.
            assert target is not None
            if site == "ankang_mzj" or moved.topic != target.topic:
                versions[doc] += 1
            for url in pages:  # a twin page without the 索引号 cannot follow the move: it is gone
                if url != record["url"]:
                    status[first[url]] = "withdrawn"
                    events[(first[url], "withdrawn")] += 1
    return versions, status, events


def archived(database_url: str, site: str) -> tuple[dict[str, int], dict[str, str], Counter]:
    archive = Archive(database_url)
    with archive.session() as s:
        first = {}
        for doc_id, url in s.execute(
            select(DocumentUrl.document_id, DocumentUrl.url).order_by(DocumentUrl.id)
        ):
            first.setdefault(doc_id, url)
        docs = s.execute(select(Document.id, Document.status).where(Document.site == site)).all()
        ours = {i for i, _ in docs}  # the archive may hold other sites too
        versions = Counter(first[i] for i in s.scalars(select(Version.document_id)) if i in ours)
        status = {first[i]: state for i, state in docs}
        events = Counter(
            (first[i], kind)
            for i, kind in s.execute(select(Event.document_id, Event.kind))
            if kind != "created" and i in ours
        )
    archive.close()
    return dict(versions), status, events


# Simulated nights: night n's crawl starts at 02:00 China time on FIRST + n days (after every generated
# page's date). Its changes are planted ahead on the replica's clock, an hour before, and the nights
# run in turn in one `xxgk crawl --nights` process (a process a night costs its start-up every night).
FIRST = datetime(2026, 11, 20, 2, 0, tzinfo=CHINA)


def night_moment(night: int) -> datetime:
    return FIRST + timedelta(days=night)


def night_end(night: int) -> datetime:
    """A moment after night `night`'s crawl and before the next one's."""
    return night_moment(night) + timedelta(hours=12)


def plant_nights(state: Path, sites: list[str], nights: list[dict[str, int]]) -> dict[str, list[list[dict]]]:
    """Record each night's changes ahead, dated an hour before that night's crawl; per site, per night,
    the change log by then (the truth `expected` reads)."""
    logs: dict[str, list[list[dict]]] = {site: [] for site in sites}
    for night, counts in enumerate(nights):
        if counts:
            planted_at = (night_moment(night) - timedelta(hours=1)).isoformat()
            clock = xxgk("replica", "clock", planted_at, "--state", str(state), settle=False)
            assert clock.returncode == 0, clock.stderr
        for site in sites:
            tonight: list[dict] = []
            if counts:
                args = [f"--{op.replace('_', '-')}={n}" for op, n in counts.items()]
                out = xxgk("replica", "change", site, *args, f"--seed={night}", "--state", str(state),
                           "--format", "json", settle=False)  # fmt: skip
                assert out.returncode == 0, out.stderr
                tonight = json.loads(out.stdout)
            logs[site].append([*(logs[site][-1] if logs[site] else []), *tonight])
    return logs


def crawl_nights(
    database_url: str, replica_url: str, sites: list[str], count: int, tmp: Path, *settings: str
) -> None:
    """`count` nights of full crawls of `sites`, in turn, in one crawl process (`settings`: more `-s`)."""
    plan = [
        {"as_of": night_moment(n).isoformat(), "sites": sorted(sites), "mode": "full"} for n in range(count)
    ]
    (tmp / "nights.json").write_text(json.dumps(plan), encoding="utf-8")
    out = run_xxgk(
        "crawl", "--nights", str(tmp / "nights.json"), "--database-url", database_url,
        "--replica-url", replica_url, *FAST, *settings, "--format", "json", timeout=1500,
    )  # fmt: skip
    assert out.returncode in (0, 3), out.stderr[-2000:]  # 3: a health warning is not a failure
    assert len(json.loads(out.stdout)) == count * len(sites)


def archived_as_of(database_url: str, site: str, moment: datetime) -> tuple[dict, dict, Counter]:
    """What `archived` would have read at `moment`: the documents, versions and events first seen by
    then, and each document's status from its last withdrawal or restoration by then."""
    archive = Archive(database_url)
    with archive.session() as s:
        first: dict[int, str] = {}
        for doc_id, url in s.execute(
            select(DocumentUrl.document_id, DocumentUrl.url).order_by(DocumentUrl.id)
        ):
            first.setdefault(doc_id, url)
        ours = set(
            s.scalars(select(Document.id).where(Document.site == site, Document.first_seen_at <= moment))
        )
        versions = Counter(
            first[i] for i in s.scalars(select(Version.document_id).where(Version.first_seen_at <= moment))
            if i in ours
        )  # fmt: skip
        status = dict.fromkeys((first[i] for i in ours), "active")
        events: Counter = Counter()
        for i, kind in s.execute(
            select(Event.document_id, Event.kind).where(Event.at <= moment).order_by(Event.at, Event.id)
        ):
            if i not in ours or kind == "created":
                continue
            events[(first[i], kind)] += 1
            if kind in ("withdrawn", "restored"):
                status[first[i]] = "withdrawn" if kind == "withdrawn" else "active"
    archive.close()
    return dict(versions), status, events
