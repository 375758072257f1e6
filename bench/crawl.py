"""Crawl throughput of the full pipeline against two baselines, over the same replica, in one run.

    python bench/crawl.py [--docs 5000] [--repeat 1] [--profile] [--site anshun_mzj]

Variants (each in its own process, since a Twisted reactor runs once per process):
  fetch-only  our spider's navigation with no pipelines: the ceiling set by HTTP and Scrapy
  naive       the spider a user writes first (bench/naive_spider.py): fetch + trafilatura.extract, stores nothing
  full        the real thing: navigation, parse, attachments, versioned store into a fresh SQLite file;
              the parser and the attachment text reader run in one worker process
              (XXGK_PARSE_PROCESSES=1, the default)
  full-inline the same with both in the reactor's thread (XXGK_PARSE_PROCESSES=0), one core
Politeness is switched off for all three alike (delay 0, AutoThrottle off, 16 concurrent per host) so
the figures measure the software, not the courtesy waits. Prints documents/s and ratios.

`--site` picks the spider (default anshun_mzj). For a site behind a JavaScript challenge (lianzhou_mzj)
the naive variant is left out (a plain spider cannot pass the challenge), and each variant also reports
pages/s, the requests that went through the browser and the browser's share of the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FAST = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "WARNING",
    "XXGK_PROGRESS_INTERVAL": 0,
}


def run_variant(variant: str, replica_url: str, database_url: str, profile: str | None, site: str) -> dict:
    """Runs in a child process: one crawl, returns its figures as JSON on stdout."""
    from scrapy.crawler import CrawlerProcess

    from crawler.runner import project_settings, spider_loader

    overrides = {**FAST, "XXGK_REPLICA_URL": replica_url, "XXGK_DATABASE_URL": database_url}
    if not variant.startswith("full"):
        overrides["ITEM_PIPELINES"] = {}
    if variant == "full-inline":
        overrides["XXGK_PARSE_PROCESSES"] = 0
    settings = project_settings(overrides)  # command-line priority: beats the spider's politeness
    settings.set("LOG_INSTALL_ROOT_HANDLER", False)
    process = CrawlerProcess(settings)
    spider = spider_loader(settings).load(site)
    if variant == "naive":
        from bench.naive_spider import NaiveSpider

        crawler = process.create_crawler(NaiveSpider)
        process.crawl(crawler, base_url=spider.base_url, columns=list(spider.columns))
    else:
        crawler = process.create_crawler(spider)
        process.crawl(crawler)
    started = time.perf_counter()
    if profile:
        import cProfile

        cProfile.runctx("process.start()", globals(), {"process": process}, profile)
    else:
        process.start()
    seconds = time.perf_counter() - started
    stats = crawler.stats.get_stats()
    return {
        "variant": variant,
        "seconds": seconds,
        "responses": stats.get("response_received_count", 0),
        "documents": stats.get("item_scraped_count", 0),
        "stored_versions": stats.get("xxgk/new_version", 0) + stats.get("xxgk/unchanged", 0),
        "attachments": stats.get("xxgk/attachment_fetched", 0),
        "browser_requests": stats.get("xxgk/browser_requests", 0),
        "browser_seconds": stats.get("xxgk/browser_seconds", 0.0),
    }


def child(variant: str, replica_url: str, profile: str | None, site: str = "anshun_mzj") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            variant,
            "--replica-url",
            replica_url,
            "--database-url",
            f"sqlite:///{tmp}/bench.sqlite3",
            "--site",
            site,
        ]
        if profile:
            cmd += ["--profile-out", profile]
        out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        if out.returncode != 0:
            raise SystemExit(f"{variant} failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="Rounds; the best of each variant is reported.")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="Also profile full-inline (all work in one process); print top costs.",
    )
    parser.add_argument("--site", default="anshun_mzj", help="The spider to measure.")
    parser.add_argument("--child")
    parser.add_argument("--replica-url")
    parser.add_argument("--database-url")
    parser.add_argument("--profile-out")
    args = parser.parse_args()
    if args.child:
        print(
            json.dumps(
                run_variant(args.child, args.replica_url, args.database_url, args.profile_out, args.site)
            )
        )
        return

    from crawler.runner import spider_loader
    from replica.process import start_replica

    browser = getattr(spider_loader().load(args.site), "browser", False)
    variants = (
        ("fetch-only", "full", "full-inline") if browser else ("fetch-only", "naive", "full", "full-inline")
    )
    results: dict[str, list[dict]] = {v: [] for v in variants}
    with (
        tempfile.TemporaryDirectory() as state,
        start_replica(Path(state), docs=args.docs, seed=args.seed) as rep,
    ):
        print(f"replica {rep.url}: {args.docs} generated documents", file=sys.stderr)
        for round_no in range(args.repeat):
            for variant in results:
                r = child(variant, rep.url, None, args.site)
                results[variant].append(r)
                print(
                    f"round {round_no + 1} {variant:>11}: {r['documents']} documents, {r['responses']} responses "
                    f"in {r['seconds']:.1f}s = {r['documents'] / r['seconds']:.1f} documents/s",
                    file=sys.stderr,
                )
        profile_path = None
        if args.profile:
            profile_path = Path(state) / "full.prof"
            child("full-inline", rep.url, str(profile_path), args.site)
            import pstats

            stats = pstats.Stats(str(profile_path))
            print("\nfull-inline, where the time goes (cumulative, this project's code):")
            stats.sort_stats("cumulative").print_stats(r"/(crawler|archive|spiders)/", 12)
            print("full-inline, top own-time functions:")
            stats.sort_stats("tottime").print_stats(10)

    best = {v: max(rs, key=lambda r: r["documents"] / r["seconds"]) for v, rs in results.items()}
    rate = {v: r["documents"] / r["seconds"] for v, r in best.items()}
    baseline = "naive" if "naive" in rate else "fetch-only"
    print(f"\nbench/crawl: {args.site}, {args.docs} replica documents, best of {args.repeat}")
    print(
        f"{'variant':>11} {'documents':>9} {'responses':>9} {'seconds':>8} {'docs/s':>8} {'pages/s':>8} "
        f"{'browser':>7} {'browser%':>8} {'vs ' + baseline:>13} {'vs fetch':>9}"
    )
    for v, r in best.items():
        share = 100 * r["browser_seconds"] / r["seconds"]
        print(
            f"{v:>11} {r['documents']:>9} {r['responses']:>9} {r['seconds']:>8.1f} {rate[v]:>8.1f} "
            f"{r['responses'] / r['seconds']:>8.1f} {r['browser_requests']:>7} {share:>7.1f}% "
            f"{rate[v] / rate[baseline]:>12.2f}x {rate[v] / rate['fetch-only']:>8.2f}x"
        )


if __name__ == "__main__":
    main()
