"""Seed documents: real pages' text, republished by the replica at their real URLs.

A seed file is the visible text of the real page (chrome included), as the seed collector saved it.
Sites' seed files differ in shape, so a `SeedDocument` says where its body starts (`body_after`: the
prefix of the line just above the body, e.g. the `发布时间:` line on TRS pages, or None when the file
is body only), which trailing lines are chrome, and the title when the file does not carry it. A site
module declares each seed's URL and the metadata the text does not carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent / "data" / "seeds"
TRAILING_CHROME = ("分享到:", "分享到：")


@dataclass(frozen=True)
class SeedText:
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class SeedDocument:
    """Where a seed lives on its site and what its page shows beside the text."""

    file: str
    url: str
    publish: datetime  # as the page shows it (not the URL's t-date)
    written_date: date | None = None
    index_no: str | None = None
    doc_number: str | None = ""
    topic: str | None = None
    validity: str | None = "有效"
    views: int = 1000
    title: str | None = None  # None: the line just above the `body_after` line
    body_after: str | None = "发布时间"  # None: the whole file is body
    trailing_chrome: tuple[str, ...] = TRAILING_CHROME
    column: str | None = None  # the list column, where the URL does not say it (Content-<id>.html)
    report: tuple[str, int] | None = None  # (kind, year) when the seed is a planned report's slot

    def text(self) -> SeedText:
        return load_seed(self.file, self.title, self.body_after, self.trailing_chrome)


@cache
def load_seed(
    file: str,
    title: str | None = None,
    body_after: str | None = "发布时间",
    trailing_chrome: tuple[str, ...] = TRAILING_CHROME,
) -> SeedText:
    """Body = the non-empty lines after the `body_after` line (all lines if None), minus trailing chrome."""
    lines = (SEED_DIR / file).read_text(encoding="utf-8").splitlines()
    start = 0
    if body_after is not None:
        stamp = next(i for i, line in enumerate(lines) if line.strip().startswith(body_after))
        start = stamp + 1
        if title is None:
            title = next(line.strip() for line in reversed(lines[:stamp]) if line.strip())
    if title is None:
        raise ValueError(f"seed {file}: no title in the file and none declared")
    body = [line.strip() for line in lines[start:] if line.strip()]
    while body and body[-1] in trailing_chrome:
        body.pop()
    return SeedText(title=title, paragraphs=tuple(body))
