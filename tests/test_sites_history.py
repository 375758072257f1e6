"""Changes on the three sites' platforms are seen exactly: after publications, edits, withdrawals,
soft-404s, moves and restorations, the archive's versions and events equal what the change log implies."""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

import replica as replica_pkg
from archive.db import Archive
from archive.models import Document, DocumentUrl, Event, Version
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk, xxgk
from tests.test_sites import SITES

# One crawl shared by the module's tests: under pytest-xdist they run on one worker, so it is made once.
pytestmark = pytest.mark.xdist_group("sites_history")

HOSTS = {**SITES, "anshun_mzj": "smzj.anshun.gov.cn", "lianzhou_mzj": "www.lianzhou.gov.cn"}
NIGHTS = [
    {},
    {"publish": 2, "edit": 3, "move": 1},
    {"withdraw": 2, "soft404": 1, "redirect_home": 1, "edit": 1},
    {"restore": 2},
]
DOCS, SEED = 30, 2


def expected(
    site: str, log: list[dict], docs: int = DOCS, seed: int = SEED
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


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[tuple, tuple]]]:
    """The three sites' nights, crawled together: one replica, one archive, one crawl of the three a
    night (sites are independent: each has its own host, pages and change log). Per site, per night,
    what the archive held after the night's crawl and what the site's change log implied by then."""
    tmp = tmp_path_factory.mktemp("sites-history")
    database_url = f"sqlite:///{tmp / 'archive.sqlite3'}"
    state = tmp / "replica"
    logs: dict[str, list[dict]] = {site: [] for site in SITES}
    seen: dict[str, list[tuple[tuple, tuple]]] = {site: [] for site in SITES}
    with start_replica(state, docs=DOCS, seed=SEED) as replica:
        for night, counts in enumerate(NIGHTS):
            for site in SITES if counts else ():
                args = [f"--{op.replace('_', '-')}={n}" for op, n in counts.items()]
                out = xxgk(
                    "replica", "change", site, *args, "--state", str(state), "--format", "json", settle=False
                )
                assert out.returncode == 0, out.stderr
                logs[site] += json.loads(out.stdout)
            out = run_xxgk(
                "crawl", *SITES, "--database-url", database_url, "--replica-url", replica.url,
                "-s", f"XXGK_NIGHT={night}", *FAST,
            )  # fmt: skip
            assert out.returncode in (0, 3), out.stderr[-2000:]  # 3: a health warning is not a failure here
            for site in SITES:
                seen[site].append((archived(database_url, site), expected(site, logs[site])))
    return seen


@pytest.mark.parametrize("site", SITES)
def test_nights_of_changes_match_the_change_log(
    site: str, nights: dict[str, list[tuple[tuple, tuple]]]
) -> None:
    for night, (got, want) in enumerate(nights[site]):
        assert got == want, f"night {night}"
