"""Discovery against the truth: every declared column of the replica's sites run through `xxgk discover
--all-pages` instead of its declaration, scored against what the replica lists in that column.

An item is right when its URL, its full title and its date all equal the replica's. Per column:
precision (right / found) and recall (right / listed), list pages walked against the column's real
page count, requests made against the ideal (one per list page plus the one detail page discovery
reads), and requests off the column's host (none may be).

    PYTHONPATH=. .venv/bin/python bench/discover.py [--docs 900] [--seed 1] [--sites anshun_mzj,…]
    PYTHONPATH=. .venv/bin/python bench/discover.py --unseen   # the list styles no rule was written for
    … --peers   # beside it, in the same run: autopager + GerapyAutoExtractor (bench/discover_peers.py),
                # installed into a virtual environment of their own (.venv-peers-discover)

Peers give no dates, so the comparison beside them scores title and URL only (ours: also the date).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.runner import spider_loader  # noqa: E402
from replica.core import build  # noqa: E402
from replica.process import start_replica  # noqa: E402

SITES = (
    "anshun_mzj",
    "shizhong_mzj",
    "jinzhong_mzj",
    "ankang_mzj",
    "lianzhou_mzj",
)  # 连州 (gkmlpt, a script-built list): not yet


def _key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path}"


def columns(site: str, replica: object) -> list[tuple[str, str]]:
    """(column path as the replica keys it, column URL) of a declared site. A gkmlpt catalogue is its
    leaf columns, each `<prefix>gkmlpt/index#<id>` (the page a reader opens)."""
    spider = spider_loader().load(site)
    out = []
    for column in spider.columns:
        base = spider.base_url.rstrip("/")
        if column.endswith("/gkmlpt/"):
            host = urlsplit(spider.base_url).hostname
            leaves = [k for k in replica.catalogs[host].by_column if k.startswith(column)]  # type: ignore[attr-defined]
            out += [(leaf, f"{base}{column}index#{leaf.rsplit('/', 1)[1]}") for leaf in sorted(leaves)]
        else:
            out.append((column, base + column))
    return out


def requests_served(log: Path) -> dict[str, int]:
    """Requests the replica served, by host, from its request log (`time host path` lines): what left
    the crawler, the browser's own requests included, which the spider's count does not see."""
    counts: dict[str, int] = {}
    if log.exists():
        for line in log.read_text().splitlines():
            parts = line.split(" ", 2)
            if len(parts) >= 2:
                counts[parts[1]] = counts.get(parts[1], 0) + 1
    return counts


def unseen_columns() -> list[tuple[str, str, str]]:
    """(site, column path, column URL) of the replica's unseen list styles (replica/sites/unseen/)."""
    from importlib import import_module

    from replica.sites.unseen import MODULES

    os.environ["XXGK_REPLICA_SITES"] = ",".join(MODULES)
    out = []
    for module in MODULES:
        site = import_module(module).SITE
        out += [(site.style, c.path, f"http://{site.host}{c.path}") for c in site.columns]
    return out


PEERS = ("gerapy-auto-extractor==0.2.1", "autopager==0.3")
PEERS_VENV = ROOT / ".venv-peers-discover"


def peers_python() -> Path:
    """The peers' own virtual environment (their scikit-learn and lxml pins are not ours)."""
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS], check=True)
    return python


def run_peers(urls: list[str], proxy: str) -> tuple[list[dict], float]:
    started = time.perf_counter()
    out = subprocess.run(
        [str(peers_python()), str(ROOT / "bench" / "discover_peers.py"), proxy],
        input=json.dumps(urls), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=900)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sites", default=",".join(SITES))
    parser.add_argument(
        "--unseen", action="store_true", help="The unseen list styles instead of the declared sites."
    )
    parser.add_argument("--peers", action="store_true", help="Run autopager + GerapyAutoExtractor beside it.")
    parser.add_argument(
        "--keep-log", type=Path, help="Copy the replica's request log (`time host path` lines) here."
    )
    args = parser.parse_args()
    if args.unseen:
        targets = unseen_columns()
    replica = build(args.seed, args.docs)
    if not args.unseen:
        targets = [
            (site, path, url) for site in args.sites.split(",") for path, url in columns(site, replica)
        ]
    with (
        tempfile.TemporaryDirectory() as tmp,
        start_replica(
            Path(tmp), docs=args.docs, seed=args.seed, request_log=Path(tmp) / "requests.log"
        ) as served,
    ):
        env = {**os.environ, "XXGK_REPLICA_URL": served.url, "PYTHONPATH": str(ROOT)}
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "cli.main", "discover", "--all-pages", *(u for _, _, u in targets)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        served_requests = requests_served(Path(tmp) / "requests.log")
        if args.keep_log:
            shutil.copyfile(Path(tmp) / "requests.log", args.keep_log)
        peers, peer_seconds = run_peers([u for _, _, u in targets], served.url) if args.peers else ([], 0.0)
    found = json.loads(out.stdout) if out.stdout.strip() else []
    found = found if isinstance(found, list) else [found]
    totals = {"right": 0, "found": 0, "listed": 0, "requests": 0, "ideal": 0, "off_host": 0}
    rows = []
    for (site, path, url), result in zip(targets, found, strict=True):
        host = urlsplit(url).hostname
        catalog = replica.catalogs[host]
        truth = {
            _key(d.url): (d.title, d.publish.date().isoformat()) for d in catalog.by_column.get(path, [])
        }
        got = {_key(it["url"]): (it["title"], it["date"]) for it in result["items"]}
        right = sum(1 for k, v in got.items() if truth.get(k) == v)
        pages = len(result["pagination"]["pages"])
        ideal = pages + 1
        off = sum(1 for it in result["items"] if urlsplit(it["url"]).hostname != host)
        rows.append(
            (site, path, len(truth), len(got), right, result["pagination"]["kind"], pages,
             result["pages_walked"], result["requests"], ideal)
        )  # fmt: skip
        for k, v in (("right", right), ("found", len(got)), ("listed", len(truth)),
                     ("requests", result["requests"]), ("ideal", ideal), ("off_host", off)):  # fmt: skip
            totals[k] += v
    print(
        "| site | column | listed | found | right | precision | recall | pagination | pages | walked | requests | ideal |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for site, path, listed, got_n, right, kind, pages, walked, requests, ideal in rows:
        precision = right / got_n if got_n else 1.0
        recall = right / listed if listed else 1.0
        print(f"| {site} | {path} | {listed} | {got_n} | {right} | {precision:.3f} | {recall:.3f} | {kind} | "
              f"{pages} | {walked} | {requests} | {ideal} |")  # fmt: skip
    precision = totals["right"] / max(totals["found"], 1)
    recall = totals["right"] / max(totals["listed"], 1)
    print(
        f"\n{len(rows)} columns: precision {precision:.4f}, recall {recall:.4f}, requests "
        f"{totals['requests']} against {totals['ideal']} ideal ({totals['requests'] / max(totals['ideal'], 1):.3f}×), "
        f"items off the host {totals['off_host']}, {seconds:.1f} s"
    )
    hosts = {urlsplit(url).hostname for _, _, url in targets}
    on_hosts = sum(n for host, n in served_requests.items() if host in hosts)
    print(
        f"requests the replica served: {on_hosts} on the columns' hosts "
        f"({on_hosts / max(totals['ideal'], 1):.3f}× the ideal; the browser's own included), "
        f"off them: {dict(sorted((h, n) for h, n in served_requests.items() if h not in hosts)) or 0}"
    )
    if args.peers:
        print("\n| who | right (title + URL) | found | listed | precision | recall | requests | seconds |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for who, results, secs in (
            ("xxgk discover", found, seconds),
            ("autopager + GerapyAutoExtractor", peers, peer_seconds),
        ):
            right = got_n = listed = requests = 0
            for (_, path, url), result in zip(targets, results, strict=True):
                host = urlsplit(url).hostname
                truth = {_key(d.url): d.title for d in replica.catalogs[host].by_column.get(path, [])}
                got = {_key(it["url"]): it["title"] for it in result["items"]}
                right += sum(1 for k, v in got.items() if truth.get(k) == v)
                got_n, listed, requests = got_n + len(got), listed + len(truth), requests + result["requests"]
            print(f"| {who} | {right} | {got_n} | {listed} | {right / max(got_n, 1):.3f} | {right / max(listed, 1):.3f} | "
                  f"{requests} | {secs:.1f} |")  # fmt: skip
    if out.returncode:
        print(out.stderr[-2000:], file=sys.stderr)


if __name__ == "__main__":
    main()
