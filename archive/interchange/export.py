"""`xxgk export --format warc|wacz`: the selection written to a file atomically (a failed export
leaves no partial file), with the software's name and version in the file."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy.orm import Session

from archive.interchange.selection import Selection
from archive.interchange.wacz import write_wacz
from archive.interchange.warc_export import ExportStats, Progress, WarcExporter

FORMATS = ("warc", "wacz")


def software() -> str:
    try:
        return f"xxgk-archive {version('xxgk-archive')}"
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "xxgk-archive"


def export(
    s: Session, fmt: str, path: Path, selection: Selection, progress: Progress | None = None
) -> ExportStats:
    if fmt not in FORMATS:
        raise ValueError(f"unknown interchange format {fmt!r} (choose {', '.join(FORMATS)})")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        if fmt == "wacz":
            stats = write_wacz(s, partial, selection, software=software(), progress=progress)
        else:
            with partial.open("wb") as out:
                stats = WarcExporter(s, out, selection, software=software(), progress=progress).run()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return stats
