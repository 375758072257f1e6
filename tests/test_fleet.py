"""The fleet: queued site crawls taken by `xxgk worker` processes, into one PostgreSQL archive.

One heavy run, shared by the module (it runs once): 3 workers crawl a replica fleet of 100 agencies
while the test SIGKILLs a worker at three moments (during a slow fetch, during parsing, while the
archive's writes are held by a table lock), restarts each killed worker once, and restarts PostgreSQL
mid-fleet. The tests then read the outcome: every document with exactly its one version, every run
finished or resumed, the queue empty, no crawl left behind by a killed worker, the per-host budget
kept in the replica's request log, and a `Retry-After: 10` pausing its host for every worker.
A second, small module run covers the race (two crawls of one site started at the same instant).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from bench.crawl import descendants
from crawler.middlewares.host_budget import JITTER
from replica.fleet import expected_documents, fleet_sites
from replica.process import ROOT, ReplicaProcess, start_replica
from tests.conftest import run_xxgk
from tests.pgserver import PostgresServer

pytestmark = pytest.mark.xdist_group("fleet")

FLEET = 100
BUDGET = 10  # requests per second per host, across every worker
RETRY_AFTER = 10
PAUSED_WITHIN = 5.0  # seconds from a host's 503 to the fleet's pause of it, on a loaded machine


def budgeted(budget: float) -> tuple[str, ...]:
    """Crawl settings for a fleet's tests: no pacing of Scrapy's own, only the fleet's budget per host."""
    return (
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "XXGK_PARSE_PROCESSES=0",
        "-s", "XXGK_SLOW_ATTACHMENTS=later", "-s", f"XXGK_HOST_BUDGET={budget}",
    )  # fmt: skip


CRAWL = budgeted(BUDGET)


@dataclass
class FleetRun:
    server: PostgresServer
    url: str
    replica: ReplicaProcess
    log: Path
    env: dict[str, str]
    killed: dict[str, list[int]] = field(default_factory=dict)  # moment → the crawl pids it left
    killed_at: float = 0.0  # when the worker crawling the slow page's site was killed (time.time())
    slow_url: str = ""
    paused: tuple[str, str] = ("", "")  # (host, path) answered 503 with Retry-After
    seconds: float = 0.0
    worker_logs: list[Path] = field(default_factory=list)


def xxgk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    ran = run_xxgk(*args, env=env, timeout=120)
    assert ran.returncode == 0, ran.stderr
    return ran


def start_worker(env: dict[str, str], name: str, logs: Path) -> subprocess.Popen[bytes]:
    log = logs / f"{name}.log"
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", "worker", "--name", name, "--concurrency", "2", *CRAWL],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def job_holder(url: str, workers: dict[str, subprocess.Popen[bytes]], site: str | None = None) -> str | None:
    """The name of a live worker running a crawl (of `site`, if given): the crawl's site lock names
    its process (archive/locks.py), which is one of that worker's descendants."""
    query = "SELECT holder FROM site_locks" + (" WHERE site = %s" if site else "")
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        pids = {int(row[0].rpartition(":")[2]) for row in conn.execute(query, (site,) if site else ())}
    for name, process in workers.items():
        if process.poll() is None and pids & set(descendants(process.pid)):
            return name
    return None


def a_job_holder(url: str, workers: dict[str, subprocess.Popen[bytes]], what: str) -> str:
    """The first worker seen running a crawl within 90 s (the one `job_holder` names at that moment)."""
    seen: list[str] = []

    def held() -> bool:
        name = job_holder(url, workers)
        if name is not None:
            seen.append(name)
        return name is not None

    wait_for(held, 90, what)
    return seen[-1]


def wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def queue_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        return dict(
            conn.execute("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1").fetchall()
        )


def pause_window(url: str, host: str, answered: float, seconds: float) -> tuple[float, float]:
    """When the fleet's pause of `host` began and ends (the database's clock, the machine's), checked
    to be the pause its one 503 asked for: set after that answer and soon after. The test then asks
    that no request arrive in the window, rather than in one counted from the replica's answer: the
    time a crawl takes to read the 503 and write the pause is the machine's load, not politeness."""
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        row = conn.execute(
            "SELECT extract(epoch FROM paused_until) FROM host_budget WHERE host = %s", (host,)
        ).fetchone()
    until = row[0] if row else None
    assert until is not None, f"{host} was never paused"
    began = float(until) - seconds
    assert answered <= began < answered + PAUSED_WITHIN, (began - answered, "after the 503")
    return began, float(until)


def kill(
    run: FleetRun, workers: dict[str, subprocess.Popen[bytes]], name: str, moment: str, logs: Path
) -> None:
    """SIGKILL worker `name`, note the crawls it had, start it again once (as an operator would)."""
    below = descendants(workers[name].pid)
    workers[name].send_signal(signal.SIGKILL)
    workers[name].wait()
    run.killed[moment] = below
    workers[f"{name}b"] = start_worker(run.env, f"{name}b", logs)


@pytest.fixture(scope="module")
def fleet_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FleetRun]:
    root = tmp_path_factory.mktemp("fleet")
    server = PostgresServer().start()
    url = server.create_database("fleet")
    log, sites_dir = root / "requests.log", root / "sites"
    replica = start_replica(
        root / "replica", docs=0, seed=1, fleet=FLEET, sites_dir=sites_dir, request_log=log
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XXGK_DATABASE_URL": url, "XXGK_REPLICA_URL": replica.url,
           "XXGK_SITES_DIRS": str(sites_dir)}  # fmt: skip
    run = FleetRun(server, url, replica, log, env)
    workers: dict[str, subprocess.Popen[bytes]] = {}
    try:
        sites = fleet_sites(FLEET)
        expected = expected_documents(FLEET)
        # A slow page (dripped over 6 s) on the first site: a worker is surely mid-fetch there.
        first = sites[0]
        run.slow_url = sorted(expected[first.name])[0]
        xxgk(env, "replica", "change", first.host, "--state", str(root / "replica"), "--fault", "slow",
             "--fault-url", run.slow_url, "--fault-seconds", "6", "--fault-times", "1")  # fmt: skip
        # A 503 with Retry-After on a page of a platform host several agencies share.
        shared = next(s for s in sites if s.prefix)
        paused_url = sorted(expected[shared.name])[0]
        run.paused = (shared.host, paused_url.split(shared.host, 1)[1])
        xxgk(env, "replica", "change", shared.host, "--state", str(root / "replica"), "--fault", "503",
             "--fault-url", paused_url, "--retry-after", str(RETRY_AFTER), "--fault-times", "1")  # fmt: skip
        xxgk(env, "fleet", "init")
        xxgk(env, "crawl", *(s.name for s in sites), "--queue")
        started = time.monotonic()
        for name in ("w1", "w2", "w3"):
            workers[name] = start_worker(env, name, root)

        # 1. during a fetch: the slow page has been asked for and is still dripping.
        slow_path = run.slow_url.split(first.host, 1)[1]
        wait_for(lambda: log.exists() and slow_path in log.read_text(), 90, "the slow fetch")
        time.sleep(1)
        holder = job_holder(url, workers, first.name)
        assert holder is not None, "no worker holds the site of the slow page"
        run.killed_at = time.time()
        kill(run, workers, holder, "fetch", root)

        # 2. during parsing: right after a burst of detail pages reached a crawl (it parses them now).
        time.sleep(1.5)
        # The fleet's first crawls start together and end together: between two jobs (a crawl process
        # starting, seconds under a loaded suite) no worker holds a site. Wait for one that does.
        holder = a_job_holder(url, workers, "a worker holding a crawl")
        kill(run, workers, holder, "parse", root)

        # 3. during the archive write: the captures table is locked, every crawl's store waits on it.
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            conn.execute("LOCK TABLE captures IN EXCLUSIVE MODE")
            time.sleep(2)
            # Two of the three workers may be the restarts of steps 1 and 2, still starting, and the
            # others between two jobs: wait for a crawl, which the locked table then holds at its write.
            holder = a_job_holder(url, workers, "a crawl held by the locked captures")
            kill(run, workers, holder, "write", root)
            conn.rollback()

        # 4. PostgreSQL restarts mid-fleet: the workers wait and go on.
        time.sleep(2)
        server.restart()

        def done() -> bool:
            try:
                counts = queue_counts(url)
            except psycopg.OperationalError:
                return False
            return counts.get("todo", 0) == 0 and counts.get("doing", 0) == 0

        wait_for(done, 400, "the queue to empty")
        run.seconds = time.monotonic() - started
        run.worker_logs = sorted(root.glob("w*.log"))
        yield run
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        replica.stop()
        server.stop()


def _archive(run: FleetRun):  # type: ignore[no-untyped-def]
    return create_engine(run.url)


def test_every_document_once_with_its_one_version(fleet_run: FleetRun) -> None:
    expected = expected_documents(FLEET)
    engine = _archive(fleet_run)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT d.site, d.url, count(v.id) FROM documents d LEFT JOIN versions v ON v.document_id = d.id "
            "WHERE d.site LIKE 'fleet_%' GROUP BY d.id, d.site, d.url"
        )).all()  # fmt: skip
    engine.dispose()
    stored: dict[str, set[str]] = {}
    for site, url, versions in rows:
        assert versions == 1, f"{url}: {versions} versions"
        stored.setdefault(site, set()).add(url)
    assert len(rows) == sum(len(urls) for urls in stored.values())  # no URL twice
    missing = {
        s: sorted(urls - stored.get(s, set()))[:3]
        for s, urls in expected.items()
        if urls - stored.get(s, set())
    }
    extra = {s: sorted(urls - expected[s])[:3] for s, urls in stored.items() if urls - expected[s]}
    assert missing == {} and extra == {}
    assert sum(map(len, expected.values())) == len(rows) > 1500


def test_every_run_finished_or_resumed_and_the_queue_is_empty(fleet_run: FleetRun) -> None:
    engine = _archive(fleet_run)
    with engine.connect() as conn:
        runs = conn.execute(text(
            "SELECT id, site, status, stats FROM crawl_runs WHERE site LIKE 'fleet_%' ORDER BY id"
        )).all()  # fmt: skip
    engine.dispose()
    by_site: dict[str, list] = {}
    for run in runs:
        by_site.setdefault(run.site, []).append(run)
    assert len(by_site) == FLEET
    resumed = {
        int(r) for run in runs for r in str((run.stats or {}).get("xxgk/resumed_from", "")).split(",") if r
    }
    for site, site_runs in by_site.items():
        assert site_runs[-1].status == "finished", (site, [(r.id, r.status) for r in site_runs])
        for run in site_runs[:-1]:  # a job taken again after its crawl finished crawls once more: fine
            assert run.status == "finished" or (run.status == "interrupted" and run.id in resumed), (
                site, run.id, run.status)  # fmt: skip
    assert any(run.status == "interrupted" for run in runs), (
        "no kill cut a crawl off: the test proved nothing"
    )
    assert queue_counts(fleet_run.url) == {"succeeded": FLEET}


def test_a_killed_worker_leaves_no_crawl_running(fleet_run: FleetRun) -> None:
    assert set(fleet_run.killed) == {"fetch", "parse", "write"}
    for moment, pids in fleet_run.killed.items():
        assert pids, f"the worker killed during the {moment} had no crawl running"
        assert not [pid for pid in pids if alive(pid)], moment


def test_a_dead_workers_job_is_taken_again_within_seconds(fleet_run: FleetRun) -> None:
    """procrastinate's heartbeats (every 2 s) and our stalled-job sweep (8 s without one): the job of
    the worker killed mid-fetch is started again by another worker well within a crawl's length."""
    site = fleet_sites(FLEET)[0].name
    with psycopg.connect(fleet_run.url.replace("+psycopg", ""), autocommit=True) as conn:
        restarted = conn.execute(
            "SELECT min(extract(epoch FROM e.at)) FROM procrastinate_events e JOIN procrastinate_jobs j "
            "ON j.id = e.job_id WHERE j.args->>'site' = %s AND e.type = 'started' AND e.at > to_timestamp(%s)",
            (site, fleet_run.killed_at),
        ).fetchone()[0]
    assert restarted is not None
    delay = float(restarted) - fleet_run.killed_at
    print(f"redelivered after {delay:.1f}s")
    assert delay < 20


def _requests(run: FleetRun) -> list[tuple[float, str, str]]:
    out = []
    for line in run.log.read_text().splitlines():
        stamp, host, path = line.split(" ", 2)
        out.append((float(stamp), host, path))
    return out


def test_no_host_gets_more_than_its_budget_in_any_second(fleet_run: FleetRun) -> None:
    requests = [r for r in _requests(fleet_run) if ".fleet" in r[1] or "fleet-" in r[1]]
    per_second = Counter((host, int(stamp)) for stamp, host, _ in requests)
    busiest = per_second.most_common(3)
    assert busiest[0][1] <= BUDGET, busiest
    shared = Counter(host for _, host, _ in requests if host.startswith("www.fleet-"))
    assert shared and max(shared.values()) > 4 * 30, "the platform hosts did not carry several sites"


def test_retry_after_pauses_the_host_for_every_worker(fleet_run: FleetRun) -> None:
    host, path = fleet_run.paused
    requests = sorted(r for r in _requests(fleet_run) if r[1] == host)
    answered = next(stamp for stamp, _, p in requests if p == path)  # the first fetch: the 503
    began, ends = pause_window(fleet_run.url, host, answered, RETRY_AFTER)
    # A request whose slot was taken before the pause may still arrive one slot later.
    during = [
        (round(s - began, 2), p)
        for s, _, p in requests
        if began + (1.0 + JITTER) / BUDGET + 0.3 < s < ends - 0.3
    ]
    assert during == []
    after = [s for s, _, p in requests if s >= ends - 0.3]
    assert after, "the host was never asked again"


def test_two_workers_given_one_site_at_once_crawl_it_once(fleet_run: FleetRun, tmp_path: Path) -> None:
    """Two jobs of one site (its full and its incremental crawl) and two workers starting at the same
    instant: the queue's site lock runs them one after the other, never side by side; and two
    `xxgk crawl` of that site started at once outside the queue: the archive's site lock lets one
    crawl and refuses the other in one line, with no unique-constraint error anywhere."""
    url = fleet_run.server.create_database("race")
    env = {**fleet_run.env, "XXGK_DATABASE_URL": url}
    site = fleet_sites(FLEET)[2]
    xxgk(env, "fleet", "init")
    xxgk(env, "crawl", site.name, "--queue")
    xxgk(env, "crawl", site.name, "--queue", "--mode", "incremental")
    workers = [subprocess.Popen([sys.executable, "-m", "cli.main", "worker", "--until-empty", *CRAWL], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]  # fmt: skip
    logs = [w.communicate(timeout=120)[0].decode() for w in workers]
    crawls = [subprocess.Popen([sys.executable, "-m", "cli.main", "crawl", site.name, *CRAWL], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]  # fmt: skip
    outcomes = [(c.wait(120), c.stderr.read() if c.stderr else "") for c in crawls]
    assert sorted(code for code, _ in outcomes) == [0, 1], outcomes
    refused = next(err for code, err in outcomes if code == 1)
    assert "is being crawled by" in refused and "Traceback" not in refused
    assert not any("UniqueViolation" in text or "IntegrityError" in text for text in [*logs, refused])
    assert queue_counts(url) == {"succeeded": 2}
    engine = create_engine(url)
    with engine.connect() as conn:
        runs = conn.execute(text("SELECT started_at, finished_at, status FROM crawl_runs ORDER BY id")).all()
        versions = conn.execute(text(
            "SELECT d.url, count(v.id) FROM documents d JOIN versions v ON v.document_id = d.id GROUP BY d.url"
        )).all()  # fmt: skip
    engine.dispose()
    assert [r.status for r in runs] == ["finished"] * 3
    assert runs[0].finished_at <= runs[1].started_at, "the two queued crawls of one site overlapped"
    assert {u for u, _ in versions} == expected_documents(FLEET)[site.name]
    assert all(n == 1 for _, n in versions)


def test_the_queue_needs_postgresql(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli.main import main

    sqlite = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    for args in (["fleet", "init"], ["crawl", "anshun_mzj", "--queue"], ["worker"]):
        result = CliRunner().invoke(main, [*args, "--database-url", sqlite])
        assert result.exit_code == 1, (args, result.output)
        assert "the fleet queue lives in PostgreSQL" in result.output and "Traceback" not in result.output


def test_the_scheduler_queues_its_slots_and_runs_alone(postgres: PostgresServer) -> None:
    """`queue = true`: a slot becomes a job (a slot queued while the last still waits coalesces with
    it), and a second service on the same schedule refuses to start (APScheduler 3 job stores must not
    be shared by two running schedulers)."""
    from crawler.fleet.queue import init_schema
    from schedules.config import ScheduleConfigError, ScheduleServiceBusy, parse
    from schedules.service import ScheduleService, run_crawl_job

    url = postgres.create_database(f"fleet_schedule_{os.getpid()}")
    init_schema(url)
    site = fleet_sites(FLEET)[3].name
    slot = "2026-12-01T01:30:00+08:00"
    assert run_crawl_job(site, "incremental", url, scheduled_for=slot, queue=True) == 0
    assert run_crawl_job(site, "incremental", url, scheduled_for=slot, queue=True) == 0
    assert queue_counts(url) == {"todo": 1}
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        args = conn.execute("SELECT args FROM procrastinate_jobs").fetchone()[0]
    assert args == {"site": site, "mode": "incremental", "scheduled_for": slot}

    config = parse("queue = true\n[defaults]\nincremental = '30 1 * * *'\n", "fleet.toml", [site])
    first, second = ScheduleService(config, url), ScheduleService(config, url)
    try:
        first.open()
        first.run()
        second.open()
        with pytest.raises(ScheduleServiceBusy, match="another `xxgk schedule run`"):
            second.run()
    finally:
        first.close()
        second.close()
    for toml, message in (
        ("queue = 'yes'\n", "queue: true or false"),
        (
            "queue = true\n[notify]\nurls = ['json://127.0.0.1:9/x']\n",
            "[notify] needs the crawls run by the service",
        ),
    ):
        with pytest.raises(ScheduleConfigError, match=re.escape(message)):
            parse(toml, "fleet.toml", [site])
