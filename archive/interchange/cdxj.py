"""CDXJ index lines for a WARC we write, sorted by SURT in bounded memory.

The line is what `cdxj-indexer` (Webrecorder's indexer, used by py-wacz and pywb's tooling) writes for
the same record: `<surt> <14-digit timestamp> {"url", "mime", "status", "digest", "length", "offset",
"filename"}`, numbers as strings, `status` only for records with an HTTP status line. The writer knows
every field while it writes, so the index costs no second pass over the WARC; the tests check the lines
equal cdxj-indexer's own (its metadata lines aside: we index only what replays).

Sorting: replay tools binary-search the index, so lines are sorted bytewise. A million captures make
~300 MB of lines, so sorted runs of `RUN_LINES` are spilled to temporary files and merged.
"""

from __future__ import annotations

import heapq
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from archive.interchange.surt import surt
from archive.interchange.warc_export import IndexEntry

RUN_LINES = 100_000


def line(entry: IndexEntry, filename: str) -> str:
    fields: dict[str, str] = {"url": entry.url, "mime": entry.mime}
    if entry.status is not None:
        fields["status"] = entry.status
    fields |= {"digest": entry.digest, "length": str(entry.length), "offset": str(entry.offset),
               "filename": filename}  # fmt: skip
    return f"{surt(entry.url)} {entry.timestamp} {json.dumps(fields, ensure_ascii=False)}\n"


class SortedIndex:
    """Collects lines, spilling sorted runs to `workdir`; `lines()` yields them all in order."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.buffer: list[str] = []
        self.runs: list[Path] = []

    def add(self, text: str) -> None:
        self.buffer.append(text)
        if len(self.buffer) >= RUN_LINES:
            self._spill()

    def _spill(self) -> None:
        self.buffer.sort()
        with tempfile.NamedTemporaryFile(
            "w", dir=self.workdir, suffix=".cdxj", delete=False, encoding="utf-8"
        ) as run:
            run.writelines(self.buffer)
        self.runs.append(Path(run.name))
        self.buffer = []

    def lines(self) -> Iterator[str]:
        self.buffer.sort()
        handles: list[IO[str]] = [path.open(encoding="utf-8") for path in self.runs]
        try:
            yield from heapq.merge(self.buffer, *handles)
        finally:
            for handle in handles:
                handle.close()
            for path in self.runs:
                path.unlink(missing_ok=True)
