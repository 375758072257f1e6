"""Issue 6's test that matters: ten nights on all five sites with noise on every fetch. After each
night's crawl the archive's versions and events equal what the replica's change log implies, nothing
missed and nothing invented, on SQLite and PostgreSQL.

The nights run on simulated time, in turn, in one `xxgk crawl --nights FILE` process (what a nightly
service does; a process a night cost a minute more a backend). Each night's changes are planted ahead on
the replica's clock, an hour before that night's crawl, so the replica shows every crawl the sites as
they were at its moment. Afterwards the archive is read as of the end of each night: versions first
seen, documents first seen and events up to then; the last night is also read as the archive holds it
now, which must agree.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from archive.db import Archive
from archive.models import Document, DocumentUrl, Event, Version
from archive.text import CHINA
from replica.process import start_replica
from tests.conftest import run_xxgk, xxgk
from tests.test_sites_history import FAST, HOSTS, archived, expected

DOCS, SEED = 24, 5
NIGHTS = [
    {},
    {"publish": 1, "edit": 2},
    {"move": 1, "edit": 1},
    {"withdraw": 1, "soft404": 1},
    {"restore": 1, "publish": 1},
    {"edit": 2},
    {"soft404": 1, "move": 1},
    {"restore": 1},
    {"publish": 1, "withdraw": 1},
    {"edit": 1, "restore": 1},
]
# Night n's crawl starts at 02:00 China time on FIRST + n days (after every generated page's date).
FIRST = datetime(2026, 11, 20, 2, 0, tzinfo=CHINA)


def night_moment(night: int) -> datetime:
    return FIRST + timedelta(days=night)


def test_ten_noisy_nights_on_all_sites_match_the_change_log(database_url: str, tmp_path: Path) -> None:
    state = tmp_path / "replica"
    logs: dict[str, list[list[dict]]] = {site: [] for site in HOSTS}  # per site, per night: the log by then
    with start_replica(state, docs=DOCS, seed=SEED, noise=True, as_of=night_moment(0).isoformat()) as replica:
        for night, counts in enumerate(NIGHTS):
            if counts:  # planted ahead: dated an hour before the night's crawl
                planted_at = (night_moment(night) - timedelta(hours=1)).isoformat()
                clock = xxgk("replica", "clock", planted_at, "--state", str(state), settle=False)
                assert clock.returncode == 0, clock.stderr
            for site in HOSTS:
                tonight: list[dict] = []
                if counts:
                    args = [f"--{op}={n}" for op, n in counts.items()]
                    out = xxgk("replica", "change", site, *args, f"--seed={night}", "--state", str(state),
                               "--format", "json", settle=False)  # fmt: skip
                    assert out.returncode == 0, out.stderr
                    tonight = json.loads(out.stdout)
                logs[site].append([*(logs[site][-1] if logs[site] else []), *tonight])
        plan = [{"as_of": night_moment(n).isoformat(), "sites": sorted(HOSTS), "mode": "full"}
                for n in range(len(NIGHTS))]  # fmt: skip
        (tmp_path / "nights.json").write_text(json.dumps(plan), encoding="utf-8")
        out = run_xxgk(
            "crawl", "--nights", str(tmp_path / "nights.json"), "--database-url", database_url,
            "--replica-url", replica.url, *FAST, "--format", "json", timeout=1500,
        )  # fmt: skip
        assert out.returncode in (0, 3), out.stderr[-2000:]  # 3: a health warning is not a failure
        assert len(json.loads(out.stdout)) == len(NIGHTS) * len(HOSTS)
    for night in range(len(NIGHTS)):
        end = night_moment(night) + timedelta(hours=12)  # the night's crawl is long over, the next not begun
        for site in HOSTS:
            got = archived_as_of(database_url, site, end)
            want = expected(site, logs[site][night], docs=DOCS, seed=SEED)
            assert got == want, f"night {night}, {site}\n{_diff(got, want)}"
    for site in HOSTS:  # the archive as it is now says what it said as of the last night
        assert archived(database_url, site) == archived_as_of(database_url, site, end), site


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


def _diff(got: tuple, want: tuple) -> str:
    """Only what differs, so a failure names the pages."""
    lines = []
    for name, g, w in zip(("versions", "status", "events"), got, want, strict=True):
        for key in sorted(set(g) | set(w), key=str):
            if g.get(key) != w.get(key):
                lines.append(f"{name} {key}: archive {g.get(key)} replica {w.get(key)}")
    return "\n".join(lines)
