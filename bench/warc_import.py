"""`xxgk import` speed against a plain warcio read loop over the same WARC, in the same run.

    PYTHONPATH=. .venv/bin/python bench/warc_import.py [--docs 300] [--level 3] [--warc FILE]

Without `--warc`, the WARC is written by GNU Wget crawling the replica (`--docs` documents per site,
`--level` links deep, the four sites without the JavaScript challenge) through its proxy, as an
archivist's wget would crawl the real sites. Measured on that file:

- **warcio loop** (the baseline, best of 3): `ArchiveIterator` over the file, every record's payload
  read and decoded (`content_stream().read()`): what any WARC reader must at least do.
- **import**: `Importer` (what `xxgk import` runs) into a fresh SQLite archive: read, decode, index
  the file's attachments, parse every page of a declared site, store captures, documents and versions
  up to eight a transaction, ledger rows.
  Twice: parsing in one worker process while the import stores (the default, as a crawl's
  `XXGK_PARSE_PROCESSES=1`), and inline (`--parse-processes 0`).
- **store only** (a diagnostic, not a mode of the command): the same, with parsing switched off, so
  every response is a capture and nothing a document: what reading, decoding and storing byte-exact
  captures costs without the parser.
- **import again**: the same file into the same archive: every record read and recognised, nothing
  stored (what idempotence costs).

MB/s are of the WARC file as it lies on disk (compressed); the ratio is import ÷ warcio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warcio.archiveiterator import ArchiveIterator  # noqa: E402

from archive.db import Archive  # noqa: E402
from crawler.warc_import.importer import Importer  # noqa: E402
from replica.process import start_replica, wget_warc  # noqa: E402

SITES = (
    "http://mzj.sxjz.gov.cn/",
    "http://mzj.ankang.gov.cn/",
    "http://smzj.anshun.gov.cn/",
    "http://www.zzszq.gov.cn/",
)


def wget_crawl(where: Path, docs: int, level: int) -> Path:
    try:
        with start_replica(where / "replica", docs=docs, seed=1) as replica:
            return wget_warc(replica.url, where / "crawl", level, *SITES)
    except FileNotFoundError as missing:
        raise SystemExit(str(missing)) from None


def warcio_loop(path: Path) -> tuple[float, int, int]:
    """Seconds, records and payload bytes of reading and decoding every record."""
    started = time.perf_counter()
    records = payload = 0
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh, arc2warc=True):
            payload += len(record.content_stream().read())
            records += 1
    return time.perf_counter() - started, records, payload


class StoreOnly(Importer):
    """The import with the parser switched off (the diagnostic row)."""

    def _start_parse(self, page):  # type: ignore[no-untyped-def]
        return None


def timed_import(
    path: Path, database: Path, processes: int = 1, kind: type[Importer] = Importer
) -> tuple[float, dict]:
    archive = Archive(f"sqlite:///{database}")
    try:
        started = time.perf_counter()
        summary = kind(archive, processes=processes).run([path])
        return time.perf_counter() - started, summary.as_dict()
    finally:
        archive.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--level", type=int, default=3)
    parser.add_argument("--warc", type=Path, help="Bench this WARC instead of wget's crawl of the replica.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-warc-import-") as tmp:
        where = Path(tmp)
        path = args.warc or wget_crawl(where, args.docs, args.level)
        mb = path.stat().st_size / 1e6
        Archive(f"sqlite:///{where / 'warmup.sqlite3'}").close()  # migrations' first import, not timed
        loop = min((warcio_loop(path) for _ in range(3)), key=lambda r: r[0])
        seconds, summary = timed_import(path, where / "archive.sqlite3")
        again, _ = timed_import(path, where / "archive.sqlite3")
        inline, _ = timed_import(path, where / "inline.sqlite3", processes=0)
        store_only, _ = timed_import(path, where / "store-only.sqlite3", processes=0, kind=StoreOnly)
        print(f"WARC: {path.name}, {mb:.1f} MB on disk, {loop[1]} records, {loop[2] / 1e6:.1f} MB of payload")
        print(
            f"imported: {summary['captures_new']} captures, {summary['documents_new']} documents, "
            f"{summary['versions_new']} versions, {summary['attachments']} attachments from the file"
        )
        print(f"{'':26}{'seconds':>9}{'MB/s':>9}{'× warcio':>10}")
        rows = (
            ("warcio loop (baseline)", loop[0]),
            ("import (1 parse worker)", seconds),
            ("import (parse inline)", inline),
            ("store only (no parser)", store_only),
            ("import again", again),
        )
        for name, secs in rows:
            print(f"{name:26}{secs:9.2f}{mb / secs:9.2f}{loop[0] / secs:10.3f}")


if __name__ == "__main__":
    main()
