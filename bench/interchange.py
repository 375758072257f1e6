"""WARC/WACZ export speed against a plain warcio write loop over the same records, in the same run,
and the WACZ's size against the WARC.gz of the same captures.

    PYTHONPATH=. .venv/bin/python bench/interchange.py [--archive PATH] [--docs 150] [--repeat 3]

The archive: `--archive PATH` if it exists; otherwise the replica (`--docs` per site, all five sites)
crawled into PATH (a temporary file without it) over three nights in a row: a full crawl, a full
recrawl with conditional requests (304s: server-not-modified revisits), and one without them
(unchanged pages in full: identical-payload revisits). Realistic proportions of the three kinds.

Measured, best of `--repeat`:
- ours: `WarcExporter` over every capture (reads each capture from the archive, undoes its delta
  compression, decides response / revisit, writes with warcio, gzip per record);
- baseline: the records of our own WARC, read back once into memory, written again by a plain loop of
  warcio's `create_warc_record` + `write_record` (gzip per record, warcio computing the digests): the
  cost of writing those bytes with warcio and nothing else, no database.
Both as MB/s of the WARC.gz written; the goal is ours ≥ 0.5× the baseline. Then the WACZ of the same
selection and its size against the WARC.gz.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warcio.archiveiterator import ArchiveIterator  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from archive.clock import CHINA  # noqa: E402
from archive.db import Archive  # noqa: E402
from archive.interchange.selection import Selection  # noqa: E402
from archive.interchange.wacz import write_wacz  # noqa: E402
from archive.interchange.warc_export import WarcExporter  # noqa: E402
from replica.process import LOOPBACK_CRAWL_ARGS as FAST  # noqa: E402
from replica.process import start_replica  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
SITES = ("anshun_mzj", "shizhong_mzj", "jinzhong_mzj", "ankang_mzj", "lianzhou_mzj")


def crawl_history(path: Path, docs: int) -> None:
    """Three nights of the five sites into a fresh SQLite archive at `path`."""
    url = f"sqlite:///{path}"
    first = datetime(2026, 3, 2, 2, 0, tzinfo=CHINA)
    with (
        tempfile.TemporaryDirectory() as state,
        start_replica(Path(state), docs=docs, seed=11, as_of=(first - timedelta(hours=2)).isoformat()) as rep,
    ):
        for night, extra in enumerate(([], [], ["-s", "XXGK_CONDITIONAL=False"])):
            moment = (first + timedelta(days=night)).isoformat()
            started = time.perf_counter()
            for args in (
                ["replica", "clock", moment, "--state", state],
                ["--as-of", moment, "crawl", *SITES, "--mode", "full", "--database-url", url,
                 "--replica-url", rep.url, *FAST, *extra],
            ):  # fmt: skip
                done = subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True,
                                      text=True, env=ENV, cwd=ROOT)  # fmt: skip
                if done.returncode not in (0, 3):
                    raise SystemExit(f"xxgk {' '.join(args[:3])} failed:\n{done.stderr[-2000:]}")
            print(f"night {night}: crawled in {time.perf_counter() - started:.0f}s", file=sys.stderr)


def ours(url: str, out: Path) -> tuple[float, dict[str, int]]:
    archive = Archive(url)
    started = time.perf_counter()
    with archive.session() as s, out.open("wb") as handle:
        stats = WarcExporter(s, handle, Selection()).run()
    seconds = time.perf_counter() - started
    archive.close()
    return seconds, stats.as_dict()


def records_of(warc: Path) -> list[tuple]:
    """Every record of the WARC as warcio's writer takes it: (uri, type, WARC headers, HTTP headers,
    payload bytes, WARC Content-Type)."""
    out = []
    with warc.open("rb") as handle:
        for record in ArchiveIterator(handle):
            headers = [(k, v) for k, v in record.rec_headers.headers
                       if k not in ("WARC-Block-Digest", "WARC-Payload-Digest", "Content-Length")]  # fmt: skip
            payload = record.content_stream().read() if record.rec_type != "request" else b""
            out.append((record.rec_headers.get_header("WARC-Target-URI") or "", record.rec_type, headers,
                        record.http_headers, payload, record.rec_headers.get_header("Content-Type")))  # fmt: skip
    return out


def baseline(records: list[tuple], out: Path) -> float:
    started = time.perf_counter()
    with out.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True, warc_version="WARC/1.1")
        for uri, rec_type, headers, http, payload, content_type in records:
            writer.write_record(
                writer.create_warc_record(
                    uri,
                    rec_type,
                    payload=BytesIO(payload),
                    length=len(payload),
                    http_headers=http,
                    warc_content_type=content_type or "",
                    warc_headers_dict=dict(headers),
                )
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, help="SQLite archive (crawled here when missing).")
    parser.add_argument("--docs", type=int, default=150, help="Replica documents per site.")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.archive or Path(tmp) / "archive.sqlite3"
        if not path.exists():
            crawl_history(path, args.docs)
        url = f"sqlite:///{path}"
        warc, again, wacz = Path(tmp) / "ours.warc.gz", Path(tmp) / "warcio.warc.gz", Path(tmp) / "ours.wacz"
        ours_s = min(ours(url, warc)[0] for _ in range(args.repeat))
        _, stats = ours(url, warc)
        records = records_of(warc)
        base_s = min(baseline(records, again) for _ in range(args.repeat))
        size = warc.stat().st_size
        archive = Archive(url)
        started = time.perf_counter()
        with archive.session() as s:
            write_wacz(s, wacz, Selection(), software="bench")
        wacz_s = time.perf_counter() - started
        archive.close()
        wacz_size = wacz.stat().st_size
    mb = size / 1e6
    print(f"archive: {stats['captures']} captures -> {stats['records']} records "
          f"({stats['responses']} responses, {stats['identical_revisits']} identical-payload and "
          f"{stats['not_modified_revisits']} server-not-modified revisits, {stats['resources']} attachments, "
          f"{stats['metadata']} metadata), WARC.gz {mb:.1f} MB")  # fmt: skip
    print("| writer | seconds | MB/s | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| warcio write loop, records in memory (baseline) | {base_s:.2f} | {mb / base_s:.1f} | 1.00× |")
    print(
        f"| xxgk WARC export from the archive | {ours_s:.2f} | {mb / ours_s:.1f} | {base_s / ours_s:.2f}× |"
    )
    print(
        f"WACZ: {wacz_size / 1e6:.1f} MB in {wacz_s:.2f}s, {wacz_size / size:.2f}× the WARC.gz of the same captures"
    )


if __name__ == "__main__":
    main()
