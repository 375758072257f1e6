"""Seed documents: real pages' text, republished by the replica at their real URLs.

A seed file is the visible text of the real page (chrome included). Its first lines are the page's
header (column banner, title, `发布时间:` line); the body follows until the trailing `分享到:` share
bar. A site module declares each seed's URL and the metadata the text does not carry.
"""

from __future__ import annotations

import re
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


# ---- seeds known only from a mirror ------------------------------------------------------------------

# `根據(jù)`: a character followed by its pinyin in half-width brackets, as spam mirrors annotate text.
_INLINE_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+\)")


@dataclass(frozen=True)
class MirroredSeed:
    """A seed whose text survives only on a mirror: the body alone (no header lines), rewritten into
    traditional characters with inline pinyin and GBK mojibake. `repairs` maps each garbled stretch
    (exactly as the mirror shows it) to the official wording; the rest is mechanical."""

    file: str
    title: str
    repairs: tuple[tuple[str, str], ...] = ()


@cache
def load_mirrored_seed(seed: MirroredSeed) -> SeedText:
    """The text as the official page shows it: mojibake repaired, pinyin removed, simplified."""
    import opencc  # the seed's one heavy dependency; loaded only by sites that have such a seed

    text = (SEED_DIR / seed.file).read_text(encoding="utf-8")
    for garbled, official in seed.repairs:
        if garbled not in text:
            raise ValueError(f"{seed.file}: repair {garbled!r} does not match the seed text")
        text = text.replace(garbled, official)
    text = _INLINE_PINYIN.sub("", text)
    text = opencc.OpenCC("t2s").convert(text)
    paragraphs = tuple(line.strip() for line in text.splitlines() if line.strip())
    return SeedText(title=seed.title, paragraphs=paragraphs)
