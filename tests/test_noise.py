"""Noise mode: every fetch varies (counters, date banners, tokens, CSRF fields, rotated links and ads,
attribute order, whitespace, comment timestamps), and none of it ever makes a version."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import func, select

import replica as replica_pkg
from archive.db import Archive
from archive.models import Document, Event, Version
from replica.core import Replica
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk, xxgk
from tests.test_replica_changes import fetch

HOST = "smzj.anshun.gov.cn"
VOLATILE = {
    "date banner": r"今天是\d{4}年\d{2}月\d{2}日 星期.",
    "visitor counter": r"您是本站第<b>\d+</b>位访客",
    "session token": r"jsessionid=[0-9A-F]{32}",
    "CSRF field": r'name="csrf_token" value="[0-9A-F]{32}"',
    "related links": r'<div class="related-links">.*?</div>',
    "ad": r'<div class="ad-banner">.*?</div>',
    "comment timestamp": r"<!-- page rendered [\d: .-]+ in \d+ms -->",
    "view counter": r'<em id="fwl">\d+</em>',
}


def noisy_replica() -> Replica:
    built = Replica(seed=1, docs=10)
    built.apply({"op": "noise", "on": True, "host": "*"})
    return built


def test_every_fetch_varies_every_volatile_part_deterministically() -> None:
    built = noisy_replica()
    url = built.documents(HOST)[0].url
    first, second = built.handle("GET", url).text, built.handle("GET", url).text
    for what, pattern in VOLATILE.items():
        a = re.search(pattern, first, re.S)
        b = re.search(pattern, second, re.S)
        assert a and b, f"no {what} in the noisy page"
    assert (
        sum(
            re.search(p, first, re.S).group(0) != re.search(p, second, re.S).group(0)
            for p in VOLATILE.values()
        )
        >= 6
    )
    tags = lambda page: set(re.findall(r"<(?:link|script|table|meta|a|div)\s[^>]+>", page))  # noqa: E731
    assert tags(first) != tags(second), "attribute order never varied"
    assert re.sub(r"\s+", "", first) != re.sub(r"\s+", "", second)
    # Same seed, same fetch number → the same noise (the replica stays deterministic).
    assert noisy_replica().handle("GET", url).text == first
    # Attachments are never touched.
    doc = next(d for d in built.documents(HOST) if d.attachments)
    attachment = doc.attachments[0].url
    assert built.handle("GET", attachment).body == built.handle("GET", attachment).body


def test_noise_switched_per_site_from_the_command_line(tmp_path: Path) -> None:
    state = tmp_path / "state"
    url = replica_pkg.build(seed=1, docs=10).documents(HOST)[0].url
    with start_replica(state, docs=10, seed=1) as replica:
        quiet = {fetch(replica.url, url)[1] for _ in range(2)}
        assert len({re.sub(r'id="fwl">\d+', "", p) for p in quiet}) == 1  # only the counter moves
        out = xxgk(
            "replica", "change", "anshun_mzj", "--noise", "on", "--state", str(state), "--format", "json"
        )
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout) == [
            {"op": "noise", "on": True, "host": HOST, "at": json.loads(out.stdout)[0]["at"]}
        ]
        assert "今天是" in fetch(replica.url, url)[1]
        xxgk("replica", "change", "anshun_mzj", "--noise", "off", "--state", str(state))
        assert "今天是" not in fetch(replica.url, url)[1]


def crawl(database_url: str, replica_url: str) -> dict:
    out = run_xxgk("crawl", "anshun_mzj", "--database-url", database_url, "--replica-url", replica_url,
                   "--format", "json", "-s", "XXGK_CONDITIONAL=False", *FAST)  # fmt: skip
    assert out.returncode in (0, 3), out.stderr[-3000:]
    return json.loads(out.stdout)[0]


def test_noise_never_makes_a_version(database_url: str, tmp_path: Path) -> None:
    """Crawled twice with noise on (unconditionally, so every page comes back whole and different):
    no new version. Then real edits and withdrawals under noise are each seen exactly once."""
    docs = 30
    state = tmp_path / "replica"
    with start_replica(state, docs=docs, seed=1, noise=True) as replica:
        first = crawl(database_url, replica.url)
        total = first["new_versions"]
        assert total == docs + 1  # the generated documents and the seed page
        second = crawl(database_url, replica.url)
        assert second["new_versions"] == 0 and second["unchanged"] == total
        out = xxgk("replica", "change", "anshun_mzj", "--edit=3", "--withdraw=1", "--soft404=1",
                   "--state", str(state), "--format", "json")  # fmt: skip
        assert out.returncode == 0, out.stderr
        changed = json.loads(out.stdout)
        third = crawl(database_url, replica.url)
    assert third["new_versions"] == 3 and third["withdrawn"] == 2
    archive = Archive(database_url)
    with archive.session() as s:
        assert s.scalar(select(func.count()).select_from(Version)) == total + 3
        edited = {r["url"] for r in changed if r["op"] == "edit"}
        twice = set(
            s.scalars(
                select(Document.url).join(Version).group_by(Document.url).having(func.count(Version.id) == 2)
            )
        )
        assert twice == edited
        withdrawn = set(s.scalars(select(Document.url).join(Event).where(Event.kind == "withdrawn")))
        assert withdrawn == {r["url"] for r in changed if r["op"] in ("withdraw", "soft404")}
        for version in s.scalars(select(Version)):
            assert (
                "今天是" not in version.body and "相关链接" not in version.body and "留言" not in version.body
            )
    archive.close()
