"""The fleet's kill scenario, our queue beside scrapy-redis, for the record (issue 21).

    .venv/bin/python bench/fleet_compare.py [--sites 24] [--budget 4] [--workers 3] [--kills 3]

One replica fleet (`--sites` agencies, several to a platform host) with a request log. Each engine
crawls all of it with `--workers` worker processes started together; when 1/(kills+1), 2/(kills+1), …
of the fleet's detail pages have been asked for, one worker (in turn) is SIGKILLed and started again,
as an operator (or systemd) would. Then: pages lost (a document of the replica that is not in the
result), pages duplicated (stored more than once), the busiest second of any host, sites/hour.

- **xxgk**: `xxgk worker --until-empty` on a PostgreSQL archive (procrastinate queue, per-host budget
  `--budget` across the fleet). Stored = the archive's documents; duplicated = versions beyond one.
- **scrapy-redis 0.9.1** (on Scrapy 2.14, in a venv of its own: its pins are not ours): a minimal
  `RedisSpider` seeded with every site's column pages, that follows list pages and detail pages by
  the same URL patterns as our platform spiders, so it fetches the same pages (minus attachments);
  each detail page is an item pushed to Redis (`RedisPipeline`). `SCHEDULER_PERSIST = True` (its
  default False lets the first worker to close wipe the shared queue), closed after 5 s idle.
  Politeness is per process: `DOWNLOAD_DELAY` = 1/budget and one request at a time per host, in each
  worker (so N workers may ask a host N times the budget); `scrapy-redis-polite` sets each worker's
  delay to N/budget instead, the fleet's budget by hand. Stored = the distinct items; duplicated =
  items beyond one per page.

Needs Debian's redis-server (not a dependency of the project: `apt-get install redis-server`); the
venv is made on first use under .venv/ (a minute or two).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from replica.fleet import expected_documents, fleet_sites  # noqa: E402
from replica.process import start_replica  # noqa: E402
from tests.pgserver import PostgresServer  # noqa: E402

PINS = ("scrapy-redis==0.9.1", "scrapy==2.14.2", "redis==8.2.0")
VENV = ROOT / ".venv" / ("scrapy-redis-" + "-".join(p.replace("==", "") for p in PINS))
# Our platform spiders' detail URL patterns (spiders/platforms/*.py `detail_url_pattern`).
DETAIL = {"trs_wcm": r"/t\d{8}_\d+\.s?html?$", "sxjz": r"/content_\d+$", "ankang": r"/Content-\d+\.html$"}
SPIDER = textwrap.dedent('''
    """A minimal scrapy-redis spider over the replica fleet (bench/fleet_compare.py)."""
    import json
    import re

    import scrapy
    from scrapy_redis.spiders import RedisSpider

    SKIP = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip", ".wps", ".jpg", ".png")


    class FleetSpider(RedisSpider):
        name = "fleet"
        redis_key = "fleet:start_urls"

        def make_request_from_data(self, data):
            seed = json.loads(data)
            return scrapy.Request(seed["url"], meta={"column": seed["column"], "detail": seed["detail"]})

        def parse(self, response):
            detail, column = re.compile(response.meta["detail"]), response.meta["column"]
            if detail.search(response.url):
                yield {"url": response.url}
                return
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href).split("#")[0]
                if detail.search(url) or (url.startswith(column) and not url.lower().endswith(SKIP)):
                    yield scrapy.Request(url, meta={"column": column, "detail": response.meta["detail"]})
''')


def tools_venv() -> Path:
    """scrapy-redis's own environment (made once): its Scrapy and redis pins are not the project's."""
    bin_dir = VENV / "bin"
    if not (VENV / ".ready").exists():
        print(f"making {VENV} for {', '.join(PINS)} (once)…", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run(
            [str(bin_dir / "pip"), "install", "-q", "--disable-pip-version-check", *PINS], check=True
        )
        (VENV / ".ready").write_text("\n".join(PINS) + "\n")
    return bin_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RequestLog:
    """The replica's request log from an offset on: progress (detail pages asked for) and the busiest
    second of any host."""

    def __init__(self, path: Path, details: set[str]) -> None:
        self.path, self.details = path, details
        self.offset = path.stat().st_size if path.exists() else 0

    def rows(self) -> list[tuple[float, str, str]]:
        with open(self.path, encoding="utf-8") as log:
            log.seek(self.offset)
            out = []
            for line in log.read().splitlines():
                stamp, host, path = line.split(" ", 2)
                out.append((float(stamp), host, path))
        return out

    def asked(self) -> int:
        return len({f"http://{host}{path}" for _, host, path in self.rows()} & self.details)

    def busiest_second(self) -> int:
        counts = Counter((host, int(stamp)) for stamp, host, _ in self.rows())
        return max(counts.values(), default=0)


def kill_scenario(
    workers: int, kills: int, log: RequestLog, start: Callable[[int], subprocess.Popen[bytes]]
) -> tuple[float, int]:
    """Start `workers`; SIGKILL one (in turn) at each of `kills` points of progress and start it again;
    wait for all to exit. Returns (seconds, kills done)."""
    started = time.perf_counter()
    running = [start(n) for n in range(workers)]
    done = 0
    total = len(log.details)
    while any(p.poll() is None for p in running):
        if done < kills and log.asked() >= total * (done + 1) / (kills + 1):
            victim = done % workers
            os.killpg(running[victim].pid, signal.SIGKILL)  # the worker and everything it started
            running[victim].wait()
            print(f"    SIGKILL worker {victim + 1} at {log.asked()}/{total} detail pages", file=sys.stderr)
            running[victim] = start(victim)
            done += 1
        time.sleep(0.2)
    return time.perf_counter() - started, done


def ours(args: argparse.Namespace, server: PostgresServer, env: dict[str, str], log: RequestLog) -> dict:
    url = server.create_database("compare_xxgk")
    env = {**env, "XXGK_DATABASE_URL": url}
    xxgk = [sys.executable, "-m", "cli.main"]
    subprocess.run([*xxgk, "fleet", "init"], env=env, check=True, capture_output=True)
    sites = [s.name for s in fleet_sites(args.sites)]
    subprocess.run([*xxgk, "crawl", *sites, "--queue"], env=env, check=True, capture_output=True)
    crawl = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "XXGK_PARSE_PROCESSES=0",
             "-s", "XXGK_SLOW_ATTACHMENTS=later", "-s", f"XXGK_HOST_BUDGET={args.budget}"]  # fmt: skip

    def start(n: int) -> subprocess.Popen[bytes]:
        command = [*xxgk, "worker", "--until-empty", "--concurrency", "2", *crawl]
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)  # fmt: skip

    seconds, kills = kill_scenario(args.workers, args.kills, log, start)
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT d.url, count(v.id) FROM documents d JOIN versions v ON v.document_id = d.id GROUP BY d.url"
        )).all()  # fmt: skip
    engine.dispose()
    stored = {u for u, _ in rows}
    return {"engine": "xxgk (procrastinate, PostgreSQL)", "seconds": seconds, "kills": kills,
            "lost": len(log.details - stored), "duplicated": sum(n - 1 for _, n in rows),
            "busiest": log.busiest_second()}  # fmt: skip


def scrapy_redis(
    args: argparse.Namespace, env: dict[str, str], replica_url: str, log: RequestLog, polite: bool = False
) -> dict:
    """`polite`: each worker's delay is `workers` / budget, so all of them together never exceed the
    budget on a host (what an operator of scrapy-redis must do by hand, knowing the worker count)."""
    if shutil.which("redis-server") is None:
        raise SystemExit("scrapy-redis needs Debian's redis-server: apt-get install -y redis-server")
    bin_dir = tools_venv()
    work = Path(tempfile.mkdtemp(prefix="bench-scrapy-redis-"))
    (work / "fleet_spider.py").write_text(SPIDER)
    port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        cli = ["redis-cli", "-p", str(port)]
        for _ in range(50):
            if subprocess.run([*cli, "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
                break
            time.sleep(0.1)
        seeds = [
            json.dumps({"url": s.base_url + c.path, "column": s.base_url + c.path.removesuffix(".html"),
                        "detail": DETAIL[s.platform]})
            for s in fleet_sites(args.sites) for c in s.declaration.columns
        ]  # fmt: skip
        subprocess.run([*cli, "rpush", "fleet:start_urls", *seeds], check=True, capture_output=True)
        settings = {
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_PERSIST": "True",
            "ITEM_PIPELINES": json.dumps({"scrapy_redis.pipelines.RedisPipeline": 300}),
            "REDIS_URL": f"redis://127.0.0.1:{port}",
            "MAX_IDLE_TIME_BEFORE_CLOSE": "5",
            "DOWNLOAD_DELAY": str((args.workers if polite else 1) / args.budget),
            "RANDOMIZE_DOWNLOAD_DELAY": "False",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
            "AUTOTHROTTLE_ENABLED": "False",
            "ROBOTSTXT_OBEY": "False",
            "TELNETCONSOLE_ENABLED": "False",
            "LOG_LEVEL": "WARNING",
        }
        options = [part for name, value in settings.items() for part in ("-s", f"{name}={value}")]
        # Through the replica as an HTTP proxy (Scrapy's HttpProxyMiddleware reads the environment).
        spider_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
        spider_env |= {"http_proxy": replica_url, "no_proxy": ""}

        def start(n: int) -> subprocess.Popen[bytes]:
            command = [str(bin_dir / "scrapy"), "runspider", "fleet_spider.py", *options]
            with open(work / f"w{n}.log", "ab") as errors:
                return subprocess.Popen(command, cwd=work, env=spider_env, stdout=subprocess.DEVNULL,
                                        stderr=errors, start_new_session=True)  # fmt: skip

        seconds, kills = kill_scenario(args.workers, args.kills, log, start)
        items = subprocess.run([*cli, "lrange", "fleet:items", "0", "-1"], capture_output=True, text=True,
                               check=True).stdout.split("\n")  # fmt: skip
        urls = Counter(json.loads(line)["url"] for line in items if line.strip())
        left = subprocess.run(
            [*cli, "zcard", "fleet:requests"], capture_output=True, text=True
        ).stdout.strip()
    finally:
        redis.terminate()
        redis.wait()
    name = "scrapy-redis, delay workers/budget" if polite else "scrapy-redis 0.9.1 (Redis)"
    return {"engine": name, "seconds": seconds, "kills": kills,
            "lost": len(log.details - set(urls)), "duplicated": sum(n - 1 for n in urls.values()),
            "busiest": log.busiest_second(), "left_in_queue": left}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=24)
    parser.add_argument("--budget", type=float, default=4.0, help="requests/s per host")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--engines", default="xxgk,scrapy-redis,scrapy-redis-polite")
    args = parser.parse_args()
    expected = expected_documents(args.sites)
    details = set().union(*expected.values())
    server = PostgresServer().start()
    state = Path(tempfile.mkdtemp(prefix="bench-fleet-compare-"))
    results = []
    try:
        with start_replica(state / "replica", docs=0, fleet=args.sites, sites_dir=state / "sites",
                           request_log=state / "requests.log") as replica:  # fmt: skip
            env = {**os.environ, "PYTHONPATH": str(ROOT), "XXGK_REPLICA_URL": replica.url,
                   "XXGK_SITES_DIRS": str(state / "sites")}  # fmt: skip
            for engine in args.engines.split(","):
                print(f"  {engine}…", file=sys.stderr, flush=True)
                log = RequestLog(state / "requests.log", details)
                if engine == "xxgk":
                    results.append(ours(args, server, env, log))
                elif engine in ("scrapy-redis", "scrapy-redis-polite"):
                    results.append(scrapy_redis(args, env, replica.url, log, engine.endswith("polite")))
                else:
                    raise SystemExit(f"unknown engine {engine!r}: xxgk, scrapy-redis or scrapy-redis-polite")
    finally:
        server.stop()
    load = os.getloadavg()
    print(f"{args.sites} sites ({len(details)} documents), {args.workers} workers, {args.kills} SIGKILLs "
          f"(each worker restarted), budget {args.budget:g} req/s per host; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")  # fmt: skip
    print(f"{'engine':<34} {'seconds':>8} {'sites/hour':>10} {'kills':>5} {'lost':>5} {'duplicated':>10} "
          f"{'busiest host-second':>19}")  # fmt: skip
    for r in results:
        print(f"{r['engine']:<34} {r['seconds']:>8.1f} {args.sites / r['seconds'] * 3600:>10.0f} "
              f"{r['kills']:>5} {r['lost']:>5} {r['duplicated']:>10} {r['busiest']:>19}"
              + (f"  (left in its queue: {r['left_in_queue']})" if "left_in_queue" in r else ""))  # fmt: skip


if __name__ == "__main__":
    main()
