"""Highlighted snippets: where in the published text the query matched, with the hits marked.

Matching happens on normalised text, but a researcher wants to read the page as published. `fold`
keeps one character per character for almost all text (traditional → simplified, full → half width),
so positions found in the folded text are positions in the original; when a rare fold changes the
length, the snippet is cut from the folded text instead (still right, only simplified).
"""

from __future__ import annotations

import re
from functools import lru_cache

from archive.text import fold

MARK = ("«", "»")
WINDOW = 40  # characters either side of the first hit


@lru_cache(maxsize=256)  # the same terms for every hit of a page
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    # Whitespace is ignored when matching, so it may sit between any two characters of a hit.
    alternatives = [r"\s*".join(re.escape(c) for c in term) for term in sorted(terms, key=len, reverse=True)]
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def snippet(text: str | None, terms: tuple[str, ...], window: int = WINDOW) -> str | None:
    """A window of `text` around its first hit with every hit marked, or None when nothing matches."""
    pattern = _pattern(terms)
    if not text or pattern is None:
        return None
    # Most hits are written as the query is: found in the text as published, no folding needed
    # (`fold` repairs mojibake and converts scripts over the whole body: most of a snippet's cost).
    first = pattern.search(text)
    if first is not None:
        folded = source = text
    else:
        folded = fold(text)
        source = text if len(folded) == len(text) else folded
        first = pattern.search(folded)
        if first is None:
            return None
    start, end = max(0, first.start() - window), min(len(folded), first.end() + window)
    out, cursor = [], start
    for hit in pattern.finditer(folded, start, end):
        out += [source[cursor : hit.start()], MARK[0], source[hit.start() : hit.end()], MARK[1]]
        cursor = hit.end()
    out.append(source[cursor:end])
    prefix, suffix = ("…" if start > 0 else ""), ("…" if end < len(folded) else "")
    return prefix + re.sub(r"\s+", " ", "".join(out)).strip() + suffix
