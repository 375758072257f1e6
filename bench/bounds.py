"""Stages of the full crawl with their work taken out, to bound what moving the rest around could gain.

`bench/crawl.py --extra bound-no-store` (and `bound-no-parse`, `bound-neither`) runs the full crawl with
one stage kept in its place but doing nothing: the question they answer is "if this stage cost
nothing, how fast would the crawl be?". If the answer is still short of a goal, no arrangement of
processes and threads reaches it by moving that stage; only less work in the other stages can.

- `StoreNothing`: every item reaches the store's pipeline and is acknowledged as a new version at once;
  nothing is written (the run's record is, as before).
- `ParseOnce`: the worker returns the page's parse from a file the variant's first round wrote (keyed
  by URL), so from the second round on the parser's CPU is gone and what is left is the worker's
  unpickling of a result. Run with `--repeat 2` or more: the best round is reported.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from archive.records import FetchedPage
from archive.store import Outcome
from crawler.extraction import parse_page
from crawler.extraction.page import ParsedPage
from crawler.pipelines.extract import ExtractPipeline
from crawler.pipelines.store import ArchivePipeline

PARSED_PAGES = "BENCH_PARSED_PAGES"  # the file of (url, parse) pickles, named by bench/crawl.py


class StoreNothing(ArchivePipeline):
    async def _write(self, pages: list[FetchedPage]) -> list[Outcome | Exception]:
        return [Outcome("new_version") for _ in pages]


_PARSED: dict[str, ParsedPage] | None = None


def parse_once(body: bytes | str, url: str, hints: Any, *, header_charset: str | None = None) -> ParsedPage:
    """`parse_page`, answered from the file when an earlier round parsed this URL (runs in the worker)."""
    global _PARSED
    path = Path(os.environ[PARSED_PAGES])
    if _PARSED is None:
        _PARSED = {}
        if path.exists():
            with path.open("rb") as file:
                while True:
                    try:
                        key, parsed = pickle.load(file)
                    except EOFError:
                        break
                    _PARSED[key] = parsed
    if url in _PARSED:
        return _PARSED[url]
    parsed = parse_page(body, url, hints, header_charset=header_charset)
    with path.open("ab") as file:
        pickle.dump((url, parsed), file)
    return parsed


class ParseOnce(ExtractPipeline):
    parser = staticmethod(parse_once)
