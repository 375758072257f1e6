"""WACZ 1.1.1: one ZIP an archivist can open in ReplayWeb.page or hand to pywb (`wb-manager add
--unpack-wacz`), with its index, its page list and sha256 of every file.

    archive/data.warc.gz        the WARC (`warc_export`), stored uncompressed in the ZIP (it is
                                gzip per record already, and replay reads it by HTTP range requests)
    indexes/index.cdx           the CDXJ index sorted by SURT (`cdxj`); named .cdx as py-wacz and
                                ReplayWeb.page name it, and as pywb's `wb-manager add --unpack-wacz`
                                looks for it (it merges the WACZ's own index, it does not reindex)
    pages/pages.jsonl           a header line, then one line per document: url, ts, title and the
                                clean text (so ReplayWeb.page can search it), id
    datapackage.json            profile, wacz_version, created, software, the selection, and
                                every file above with its path, bytes and `sha256:` hash
    datapackage-digest.json     the sha256 of datapackage.json

The WARC is written to a temporary file beside the output (the ZIP needs its size before it), the
index and the page list stream to temporary files too, so memory stays flat. Every ZIP entry carries
a fixed time and `created` is the export's date (the latest capture's), so the same archive gives the
same bytes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from archive.interchange import cdxj
from archive.interchange.selection import Selection
from archive.interchange.warc_export import ExportStats, Page, Progress, WarcExporter

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
CHUNK = 1 << 20
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages", "hasText": True}


def _entry(path: str, stored: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, ZIP_TIME)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _copy_into(archive: zipfile.ZipFile, path: str, source: Path, stored: bool) -> dict[str, Any]:
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as src, archive.open(_entry(path, stored), "w", force_zip64=True) as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
    return {"name": Path(path).name, "path": path, "hash": "sha256:" + digest.hexdigest(), "bytes": size}


def _put(archive: zipfile.ZipFile, path: str, data: bytes) -> dict[str, Any]:
    archive.writestr(_entry(path, stored=False), data)
    return {"name": Path(path).name, "path": path, "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
            "bytes": len(data)}  # fmt: skip


def write_wacz(
    s: Session,
    out: Path,
    selection: Selection,
    *,
    software: str,
    title: str = "xxgk-archive export",
    progress: Progress | None = None,
) -> ExportStats:
    """Write the selection to `out` as a WACZ; returns the WARC's statistics."""
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".wacz-") as tmp:
        work = Path(tmp)
        index = cdxj.SortedIndex(work)
        pages_path = work / "pages.jsonl"
        with pages_path.open("w", encoding="utf-8") as pages:
            pages.write(json.dumps(PAGES_HEADER) + "\n")
            count = 0

            def page(p: Page) -> None:
                nonlocal count
                count += 1
                line = {"id": f"page-{count}", "url": p.url, "ts": p.ts, "title": p.title, "text": p.text}
                pages.write(json.dumps(line, ensure_ascii=False) + "\n")

            with (work / WARC_NAME).open("wb") as warc:
                exporter = WarcExporter(
                    s, warc, selection, software=software,
                    on_index=lambda e: index.add(cdxj.line(e, WARC_NAME)), on_page=page, progress=progress,
                )  # fmt: skip
                stats = exporter.run()
        index_path = work / "index.cdxj"
        with index_path.open("w", encoding="utf-8") as handle:
            handle.writelines(index.lines())
        partial = work / "out.wacz"
        with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
            resources = [
                _copy_into(archive, f"archive/{WARC_NAME}", work / WARC_NAME, stored=True),
                _copy_into(archive, "indexes/index.cdx", index_path, stored=False),
                _copy_into(archive, "pages/pages.jsonl", pages_path, stored=False),
            ]
            package = {
                "profile": "data-package",
                "wacz_version": WACZ_VERSION,
                "title": title,
                "created": exporter.export_date[:19] + "Z",
                "software": software,
                "xxgk_selection": selection.describe(),
                "resources": resources,
            }
            package_bytes = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
            _put(archive, "datapackage.json", package_bytes)
            digest = {
                "path": "datapackage.json",
                "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest(),
            }
            _put(archive, "datapackage-digest.json", json.dumps(digest, indent=2).encode("utf-8"))
        shutil.move(partial, out)
    return stats
