"""Issue 19: state changes from the web (pause or resume a schedule, start a crawl) only with the
configured token and only by POST; a started crawl runs in its own process and lands in the archive.

One `xxgk serve --token-file` process over a fresh archive, on SQLite and on PostgreSQL, whose schedule jobs `xxgk schedule list`
stored; its crawls go to the session's replica. What changed is read back through the schedule's own
store (`xxgk schedule list`) and the archive, never from the server's answers alone. The read-only
server (no token) is tests/test_web.py's.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from archive.db import Archive
from archive.models import CrawlRun, Document
from archive.text import CHINA
from tests.conftest import FAST, xxgk
from tests.web_server import Served, get, request, serve

pytestmark = pytest.mark.xdist_group("web")
TOKEN = "s3cret-token-for-tests-0123456789"
JOB = "anshun_mzj:incremental"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, replica
) -> Iterator[Served]:  # type: ignore[no-untyped-def]
    """The server over each database: the schedule's job store and the archive live in it."""
    workdir = tmp_path_factory.mktemp("web-actions")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'archive.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"xxgk_web_actions_{os.getpid()}")
    stored = xxgk("schedule", "list", "--database-url", url, "--format", "json")  # the default jobs
    assert stored.returncode == 0, stored.stderr
    token_file = workdir / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    options = ["--token-file", str(token_file), "--replica-url", replica.url, *FAST]
    with serve(url, datetime.now(CHINA).isoformat(timespec="seconds"), options) as running:
        yield running


def jobs(served: Served) -> dict[str, dict]:
    """The jobs as the schedule's own store has them."""
    out = xxgk("schedule", "list", "--database-url", served.database_url, "--format", "json")
    assert out.returncode == 0, out.stderr
    return {j["job"]: j for j in json.loads(out.stdout)}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_api_needs_the_token_and_post(served: Served) -> None:
    pause = f"{served.base}/api/jobs/{quote(JOB)}/pause"
    for headers in ({}, bearer("wrong-token-wrong-token-wrong"), {"Authorization": TOKEN}):
        refused = request(pause, "POST", headers=headers)
        assert refused.status == 403, refused.text
        assert refused.json()["error"]["zh"] == "令牌缺失或不正确"
    crawl = request(f"{served.base}/api/sites/anshun_mzj/crawls", "POST", headers=bearer("x" * 20))
    assert crawl.status == 403
    for path in (f"/api/jobs/{quote(JOB)}/pause", "/api/sites/anshun_mzj/crawls", "/crawls",
                 f"/jobs/{quote(JOB)}/resume", "/login"):  # fmt: skip
        got = get(served.base + path)
        assert got.status == 405, (path, got.status)
        assert "POST" in got.text and "POST" in got.headers["allow"]
    assert jobs(served)[JOB]["paused"] is False  # nothing above changed the schedule
    assert get(f"{served.base}/api/sites").json()["sites"] == []  # and nothing was crawled


def test_api_pauses_and_resumes_a_job_in_the_schedules_store(served: Served) -> None:
    paused = request(f"{served.base}/api/jobs/{quote(JOB)}/pause", "POST", headers=bearer(TOKEN))
    assert paused.status == 200, paused.text
    assert paused.json() == {"job": JOB, "paused": True, "next_run": None}
    assert jobs(served)[JOB]["paused"] is True and jobs(served)[JOB]["next_run"] is None
    resumed = request(f"{served.base}/api/jobs/{quote(JOB)}/resume", "POST", headers=bearer(TOKEN))
    assert resumed.status == 200 and resumed.json()["paused"] is False
    assert jobs(served)[JOB]["next_run"] == resumed.json()["next_run"] is not None
    unknown = request(f"{served.base}/api/jobs/nosuch:job/pause", "POST", headers=bearer(TOKEN))
    assert unknown.status == 404 and "nosuch:job" in unknown.json()["error"]["en"]


def test_forms_need_a_session_and_its_csrf_token(served: Served) -> None:
    page = get(f"{served.base}/sites").text
    assert 'action="/login"' in page and 'name="csrf"' not in page
    assert "token configured" in page and "read-only" not in page
    wrong = request(f"{served.base}/login", "POST", {"token": "not-the-token-not-the-token"})
    assert wrong.status == 403 and "令牌缺失或不正确" in wrong.text
    login = request(f"{served.base}/login", "POST", {"token": TOKEN})
    assert login.status == 303 and login.headers["location"] == "/sites"
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    session = {"Cookie": cookie.split(";")[0]}
    page = request(f"{served.base}/sites", headers=session).text
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)  # type: ignore[union-attr]
    pause = f"{served.base}/jobs/{quote(JOB)}/pause"
    assert request(pause, "POST", {}, session).status == 403  # no CSRF token
    assert request(pause, "POST", {"csrf": "0" * 64}, session).status == 403  # a wrong one
    assert request(pause, "POST", {"csrf": csrf}).status == 403  # no session
    elsewhere = {**session, "Origin": "http://evil.example"}
    assert request(pause, "POST", {"csrf": csrf}, elsewhere).status == 403  # another origin
    assert jobs(served)[JOB]["paused"] is False
    done = request(pause, "POST", {"csrf": csrf}, {**session, "Origin": served.base})
    assert done.status == 303 and jobs(served)[JOB]["paused"] is True
    assert request(f"{served.base}/jobs/{quote(JOB)}/resume", "POST", {"csrf": csrf}, session).status == 303
    assert jobs(served)[JOB]["paused"] is False
    crawl = request(f"{served.base}/crawls", "POST", {"csrf": csrf, "site": "nosuch_site"}, session)
    assert crawl.status == 404 and "nosuch_site" in crawl.text  # the crawl form reaches the control
    out = request(f"{served.base}/logout", "POST", {"csrf": csrf}, session)
    assert out.status == 303 and 'xxgk_session=""' in out.headers["set-cookie"]


def test_a_crawl_started_by_the_api_runs_in_its_own_process_and_lands(served: Served) -> None:
    started = request(f"{served.base}/api/sites/anshun_mzj/crawls", "POST", headers=bearer(TOKEN))
    assert started.status == 202, started.text
    assert started.json()["state"] == "running" and started.json()["mode"] == "incremental"
    again = request(f"{served.base}/api/sites/anshun_mzj/crawls", "POST", headers=bearer(TOKEN))
    assert again.status == 409 and "still running" in again.json()["error"]["en"]
    unknown = request(f"{served.base}/api/sites/nosuch_site/crawls", "POST", headers=bearer(TOKEN))
    assert unknown.status == 404
    listed = get(f"{served.base}/api/sites").json()["started_here"]  # before the site has a document
    assert [(c["site"], c["state"]) for c in listed] == [("anshun_mzj", "running")]
    deadline = time.monotonic() + 180
    while (data := get(f"{served.base}/api/sites").json())["started_here"][0]["state"] == "running":
        assert time.monotonic() < deadline, "the crawl did not end"
        time.sleep(0.5)
    here = data["started_here"][0]
    assert here["state"] == "finished" and here["exit_code"] == 0, here
    sites = {s["site"]: s for s in data["sites"]}
    archive = Archive(served.database_url)
    with archive.session() as s:
        run = s.scalars(select(CrawlRun).where(CrawlRun.site == "anshun_mzj")).one()
        documents = s.scalar(select(func.count()).select_from(Document).where(Document.site == "anshun_mzj"))
    archive.close()
    assert run.status == "finished" and run.mode == "incremental"
    assert documents and documents == sites["anshun_mzj"]["totals"]["documents"]
    page = get(f"{served.base}/sites").text
    assert "从网页启动的抓取" in page and "已完成" in page


def test_a_weak_token_is_refused_at_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    weak = tmp_path / "token"
    weak.write_text("short\n", encoding="utf-8")
    out = xxgk("serve", "--token-file", str(weak), "--database-url", f"sqlite:///{tmp_path / 'a.sqlite3'}")
    assert out.returncode == 2 and "at least 16 characters" in out.stderr
    spaced = xxgk("serve", "--database-url", f"sqlite:///{tmp_path / 'a.sqlite3'}",
                  env={"XXGK_SERVE_TOKEN": "sixteen chars or more"})  # fmt: skip
    assert spaced.returncode == 2 and "XXGK_SERVE_TOKEN" in spaced.stderr and "whitespace" in spaced.stderr
