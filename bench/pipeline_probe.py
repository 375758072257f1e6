"""Where a full crawl waits: one line a second of the pipeline's queues and each process's CPU.

    PYTHONPATH=. python bench/pipeline_probe.py [--docs 3000] [--variant full|full-store-thread|...]

bench/crawl.py says how fast a variant is; this says why. It runs one crawl of bench/crawl.py's variant
against a fresh replica and prints, every second:
- `dl`: requests in Scrapy's downloader, `sched`: requests waiting in its scheduler;
- `scraper`: responses whose items are still in the item pipelines, and their bytes (Scrapy stops
  downloading while that is above SCRAPER_SLOT_MAX_ACTIVE_SIZE, 5 MB by default);
- `parse`: calls waiting for or in a parse worker; `store`: items waiting for the writer;
- `cpu`: the cores each process used in that second: the crawl process, then its children (parse
  workers, the store's process, the resource tracker), then the replica.
A stage whose queue stays full while its process is below one core is waiting on the others' CPU; a
sum near the machine's cores means the crawl is bound by CPU, not by a queue (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def install_probe(replica_pid: int) -> None:
    """Start the probe when the archive pipeline opens (it holds the writer's queue)."""
    from crawler import workers
    from crawler.pipelines.store import ArchivePipeline

    opened = ArchivePipeline.open_spider
    probes: list[asyncio.Future[None]] = []  # held, so the event loop's weak reference keeps them

    def open_spider(pipeline: ArchivePipeline) -> None:
        opened(pipeline)
        probes.append(asyncio.ensure_future(_probe(pipeline, replica_pid, workers)))

    ArchivePipeline.open_spider = open_spider  # type: ignore[method-assign]


async def _probe(pipeline, replica_pid: int, workers) -> None:  # type: ignore[no-untyped-def]
    crawler, started, last = pipeline.crawler, time.time(), {}

    from bench.crawl import cpu_seconds, descendants  # bench/crawl's own readers of /proc

    def used(pid: int) -> float:
        now = cpu_seconds([pid])
        before = last.get(pid, now if pid == replica_pid else 0.0)
        last[pid] = now
        return now - before

    while True:
        await asyncio.sleep(1.0)
        engine = crawler.engine
        if engine is None or engine.scraper.slot is None:
            continue
        slot = engine.scraper.slot
        scheduler = engine._slot.scheduler if engine._slot else None
        parse = sum(len(w.pending) for pool in workers._BY_SITE.values() for w in pool.workers)
        own = used(os.getpid())
        kids = " ".join(f"{used(k):.2f}" for k in descendants(os.getpid()))
        print(
            f"{time.time() - started:5.1f}s dl {len(engine.downloader.active):3d} "
            f"sched {len(scheduler) if scheduler is not None else 0:5d} "
            f"scraper {len(slot.active):3d} {slot.active_size // 1000:5d} KB parse {parse:3d} "
            f"store {len(pipeline.waiting):3d} items {crawler.stats.get_value('item_scraped_count', 0):5d} "
            f"cpu crawl {own:.2f} children {kids} replica {used(replica_pid):.2f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--variant", default="full", help="a full variant of bench/crawl.py")
    parser.add_argument("--site", default="anshun_mzj")
    args = parser.parse_args()

    from bench.crawl import run_variant
    from replica.process import start_replica

    with (
        tempfile.TemporaryDirectory() as state,
        start_replica(Path(state), docs=args.docs, seed=args.seed) as rep,
    ):
        install_probe(rep.pid)
        result = run_variant(args.variant, rep.url, f"sqlite:///{state}/probe.sqlite3", None, args.site)
    print(
        f"{result['variant']}: {result['documents']} documents in {result['seconds']:.1f}s; CPU s: "
        f"crawl {result['cpu_crawl']:.1f}, workers {result['cpu_workers']:.1f}"
    )


if __name__ == "__main__":  # the parse workers are spawned: they import this module without running it
    main()
