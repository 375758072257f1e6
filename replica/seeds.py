"""Seed documents: real pages' text, republished by the replica at their real URLs.

A seed file is the visible text of the real page (chrome included), as the seed collector saved it.
Sites' seed files differ in shape, so a `SeedDocument` says where its body starts (`body_after`: the
prefix of the line just above the body, e.g. the `发布时间:` line on TRS pages, or None when the file
is body only), which trailing lines are chrome, and the title when the file does not carry it. A site
module declares each seed's URL and the metadata the text does not carry.
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
