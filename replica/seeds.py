"""Seed documents: real pages' text, republished by the replica at their real URLs.

A seed file is the visible text of the real page (chrome included). Its first lines are the page's
header (column banner, title, `发布时间:` line); the body follows until the trailing `分享到:` share
bar. A site module declares each seed's URL and the metadata the text does not carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent / "data" / "seeds"
TRAILING_CHROME = ("分享到:", "分享到：")


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


@dataclass(frozen=True)
class SeedText:
    title: str
    paragraphs: tuple[str, ...]


@cache
def load_seed(file: str) -> SeedText:
    """Title = the line just above `发布时间`; body = the non-empty lines after it, minus the share bar."""
    lines = (SEED_DIR / file).read_text(encoding="utf-8").splitlines()
    stamp = next(i for i, line in enumerate(lines) if line.strip().startswith("发布时间"))
    title = next(line.strip() for line in reversed(lines[:stamp]) if line.strip())
    body = [line.strip() for line in lines[stamp + 1 :] if line.strip()]
    while body and body[-1] in TRAILING_CHROME:
        body.pop()
    return SeedText(title=title, paragraphs=tuple(body))
