"""What a short `xxgk` process costs before its work: CPU of a small crawl and of `xxgk --help`.

    python bench/startup.py [--runs 5] [--docs 24] [--compare OTHER_CHECKOUT]

Every crawl of the suite, of a nightly schedule and of the fleet is a process of its own, and every
parse worker is spawned: their imports are paid again each time. This runs, over one replica, a crawl
of one small site (with one parse worker, the default, and with none) and `xxgk --help`, each in a
fresh process, and reports CPU seconds (user + system, the process and the workers it waited for).
The baseline, measured in the same run, is a process importing only Scrapy and Twisted's reactor: the
ratio says how many such imports a crawl costs, whatever the machine's speed. With `--compare`, the
same commands run from another checkout, interleaved with this one's (the machine's speed drifts).
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from replica.process import LOOPBACK_CRAWL_ARGS, start_replica  # noqa: E402

SITE = "anshun_mzj"


def cpu_of(command: list[str], checkout: Path, cwd: Path) -> float:
    """CPU seconds of `command` run from `checkout` (its processes that were waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])}… failed in {checkout}:\n{done.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def commands(replica_url: str) -> dict[str, list[str]]:
    """The commands measured; a crawl's `DATABASE` is replaced by a fresh archive at head."""
    crawl = [sys.executable, "-m", "cli.main", "crawl", SITE, "--database-url", "DATABASE",
             "--replica-url", replica_url, "--format", "json", *LOOPBACK_CRAWL_ARGS]  # fmt: skip
    return {
        "baseline: import scrapy + reactor": [
            sys.executable,
            "-c",
            "import scrapy, twisted.internet.reactor",
        ],
        "xxgk --help": [sys.executable, "-m", "cli.main", "--help"],
        "crawl, one parse worker": crawl,
        "crawl, no parse worker": [*crawl, "-s", "XXGK_PARSE_PROCESSES=0"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--docs", type=int, default=24)
    parser.add_argument("--compare", type=Path, help="another checkout, run interleaved with this one")
    args = parser.parse_args()
    checkouts = {"this": ROOT, **({"other": args.compare.resolve()} if args.compare else {})}
    results: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        with start_replica(tmp / "replica", docs=args.docs, seed=5) as replica:
            fresh = itertools.count()
            for run in range(args.runs):
                for tag, checkout in checkouts.items():
                    for what, command in commands(replica.url).items():
                        if "DATABASE" in command:  # a crawl into a fresh archive, migrated beforehand
                            url = f"sqlite:///{tmp / f'{next(fresh)}.sqlite3'}"
                            command = [url if part == "DATABASE" else part for part in command]
                            upgrade = [
                                sys.executable,
                                "-m",
                                "cli.main",
                                "db",
                                "upgrade",
                                "--database-url",
                                url,
                            ]
                            cpu_of(upgrade, checkout, tmp)
                        results.setdefault((tag, what), []).append(cpu_of(command, checkout, tmp))
                print(f"run {run + 1}/{args.runs} done", file=sys.stderr, flush=True)
    print(f"CPU seconds, median of {args.runs} (min-max); x = multiples of the baseline of the same checkout")
    for tag in checkouts:
        base = statistics.median(results[(tag, "baseline: import scrapy + reactor")])
        print(f"\n{tag}: {checkouts[tag]}")
        for (t, what), values in results.items():
            if t != tag:
                continue
            median = statistics.median(values)
            print(
                f"  {what:38} {median:6.2f} s  ({min(values):.2f}-{max(values):.2f})  {median / base:5.1f}x"
            )


if __name__ == "__main__":
    main()
