"""The fleet's per-host budget covers browser sites too: real workers, PostgreSQL and Debian's Chromium.

One small module run: a replica fleet of 20 agencies, whose platform host www.fleet-sxjz0.gov.cn carries
four of them. One of them sits behind the replica's 412 JavaScript challenge (its directory only) and
is declared `browser = true`, so its crawl passes it in Chromium and fetches the rest with the browser
handler's plain HTTP; two others are plain sites. Its challenge is the kind whose cookie the server
sets on the script's answer, so the browser must go on to the site after the challenge page (a
challenge whose script sets the cookie needs no request of the browser at all: test_lianzhou_crawl.py). A worker crawls the three at once (three processes).
A script the challenged pages load answers 503 with `Retry-After` once: only the browser asks for it.
The replica's request log must show no second above the host's budget and a pause of the host, for
every worker, after the browser got that 503.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from crawler.browser_settings import DEFAULT_BROWSER
from crawler.middlewares.host_budget import JITTER
from replica.fleet import expected_documents, fleet_sites
from replica.process import ROOT, start_replica
from tests.pgserver import PostgresServer
from tests.test_fleet import budgeted, pause_window, queue_counts

# A group of its own: its three tests share one crawl (one xdist worker), beside the kill test's.
pytestmark = pytest.mark.xdist_group("fleet_browser")

FLEET = 20
HOST = "www.fleet-sxjz0.gov.cn"
BROWSER_SITES = ["fleet_0007"]  # behind the challenge, `browser = true`
PLAIN_SITES = ["fleet_0001", "fleet_0013"]
BUDGET = 20  # requests per second per host, across every crawl
RETRY_AFTER = 4
BUDGETED = budgeted(BUDGET)
# Chromium's own calls to its vendor's services (not requests of a page, so never routed); refused by
# the browser's PAC script before they reach the replica, and not what the crawl sends to a site anyway.
BROWSER_SERVICES = ("google.com", "googleapis.com")
SCRIPT = "/template/default/js/jquery.min.js"  # in every page's <head>: the browser fetches it, crawls never


@dataclass
class BrowserFleet:
    url: str
    log: list[tuple[float, str, str]]  # (time, host, path) of every request the replica got
    browser_sites: list[str]
    plain_sites: list[str]
    worker_log: str


@pytest.fixture(scope="module")
def browser_fleet(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer
) -> Iterator[BrowserFleet]:
    """The crawl, once for the module. The setup (replica changes, the queue) runs in-process: only the
    worker and its crawls need processes of their own."""
    from click.testing import CliRunner

    from archive.db import Archive
    from cli.main import main
    from crawler.fleet.queue import enqueue, init_schema

    if not os.access(DEFAULT_BROWSER, os.X_OK):
        pytest.fail(f"Chromium is not installed at {DEFAULT_BROWSER}: install it with `make sysdeps`.")
    root = tmp_path_factory.mktemp("fleet_browser")
    log, sites_dir, state = root / "requests.log", root / "sites", root / "replica"
    members = {s.name: s for s in fleet_sites(FLEET) if s.host == HOST}
    browser, plain = [members[n] for n in BROWSER_SITES], [members[n] for n in PLAIN_SITES]
    url = postgres.create_database(f"fleet_browser_{os.getpid()}")
    Archive(url).close()  # the archive's migrations, once, before any crawl (as `xxgk fleet init`)
    init_schema(url)
    with start_replica(state, docs=0, seed=1, fleet=FLEET, sites_dir=sites_dir, request_log=log) as replica:
        for site in browser:  # behind the challenge, and declared so, as an operator would
            change(CliRunner(), main, state, "--challenge", site.prefix, "--challenge-clearance", "server")
            declaration = sites_dir / f"{site.name}.toml"
            declaration.write_text(declaration.read_text() + "browser = true\n")
        change(CliRunner(), main, state, "--fault", "503", "--fault-url", f"http://{HOST}{SCRIPT}",
               "--retry-after", str(RETRY_AFTER), "--fault-times", "1")  # fmt: skip
        refused = CliRunner().invoke(
            main, ["replica", "change", HOST, "--state", str(state), "--challenge", "a1"]
        )
        assert refused.exit_code == 2 and "a path prefix starts with /" in refused.output, refused.output
        enqueue(url, [s.name for s in [*browser, *plain]], "full")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "XXGK_DATABASE_URL": url,
               "XXGK_REPLICA_URL": replica.url, "XXGK_SITES_DIRS": str(sites_dir)}  # fmt: skip
        command = [
            sys.executable,
            "-m",
            "cli.main",
            "worker",
            "--until-empty",
            "--concurrency",
            "3",
            *BUDGETED,
        ]
        worker = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            output = worker.communicate(timeout=180)[0].decode()
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    requests = []
    for line in log.read_text().splitlines():
        stamp, host, path = line.split(" ", 2)
        requests.append((float(stamp), host, path))
    yield BrowserFleet(url, requests, BROWSER_SITES, PLAIN_SITES, output)


def change(runner: Any, main: Any, state: Path, *args: str) -> None:
    """`xxgk replica change HOST …`, in-process (no crawl: no process of its own needed)."""
    result = runner.invoke(main, ["replica", "change", HOST, "--state", str(state), *args])
    assert result.exit_code == 0, result.output


def test_browser_and_plain_sites_on_one_host_are_crawled_whole(browser_fleet: BrowserFleet) -> None:
    expected = expected_documents(FLEET)
    engine = create_engine(browser_fleet.url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT site, url FROM documents")).all()
        runs = {site: stats for site, stats in conn.execute(text("SELECT site, stats FROM crawl_runs")).all()}
    engine.dispose()
    assert queue_counts(browser_fleet.url) == {"succeeded": 3}, browser_fleet.worker_log[-3000:]
    for site in browser_fleet.browser_sites + browser_fleet.plain_sites:
        assert {u for s, u in stored if s == site} == expected[site], site
    for site in browser_fleet.browser_sites:  # the challenge was passed in Chromium, in budget slots
        assert runs[site]["xxgk/browser_requests"] >= 1
        assert runs[site]["xxgk/host_budget_browser_requests"] >= 3, runs[site]
    for site in browser_fleet.plain_sites:
        assert "xxgk/browser_requests" not in runs[site]


def test_no_second_above_the_budget_with_the_browser_in_it(browser_fleet: BrowserFleet) -> None:
    on_host = [r for r in browser_fleet.log if r[1] == HOST]
    assert sum(1 for _, _, path in on_host if path == SCRIPT) >= 1, (
        "the browser never loaded the page's script"
    )
    per_second = Counter(int(stamp) for stamp, _, _ in on_host)
    assert max(per_second.values()) <= BUDGET, per_second.most_common(3)
    everywhere = Counter(
        (host, int(stamp)) for stamp, host, _ in browser_fleet.log if not host.endswith(BROWSER_SERVICES)
    )
    assert max(everywhere.values()) <= BUDGET, everywhere.most_common(3)


def test_the_browser_asks_no_host_but_the_replica_sites(browser_fleet: BrowserFleet) -> None:
    """Chromium's own calls home (sign-in, Google APIs) would on a real network leave the archive's
    crawler for a third party: crawler/browser.py `CHROMIUM_ARGS` stops most of them, and the PAC script
    (crawler/browser_pac.py) refuses the rest on the machine, so none reaches the replica (as a proxy).
    The pages' own third-party scripts (the 党政机关 mark, the 纠错 button, on every page as on the real
    sites) and their images are refused by the download handler (`BrowserDownloadHandler.refused`)."""
    foreign = {host for _, host, _ in browser_fleet.log if not host.endswith(".gov.cn")}
    assert foreign == set(), sorted(foreign)
    images = [p for _, host, p in browser_fleet.log if p.lower().endswith((".png", ".gif", ".jpg", ".ico"))]
    assert images == []


def test_a_retry_after_the_browser_got_pauses_the_host_for_every_worker(browser_fleet: BrowserFleet) -> None:
    on_host = sorted(r for r in browser_fleet.log if r[1] == HOST)
    answered = next(stamp for stamp, _, path in on_host if path == SCRIPT)  # the first: the 503
    began, ends = pause_window(browser_fleet.url, HOST, answered, RETRY_AFTER)
    slot = (1.0 + JITTER) / BUDGET  # a request whose slot was taken before the pause may still arrive
    during = [(round(s - began, 2), p) for s, _, p in on_host if began + slot + 0.3 < s < ends - 0.3]
    assert during == []
    assert [s for s, _, _ in on_host if s >= ends - 0.3], "the host was never asked again"
