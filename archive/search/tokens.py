"""What is indexed: normalised text cut into one token per character position.

Chinese has no spaces, and the words researchers look for are often one or two characters (民政, 低保,
养老), which FTS5's trigram tokenizer cannot find. So every non-space character position `i` emits the
token `text[i:i+2]` (the last character emits itself). Then:

- a two-character query is one token: an exact index lookup;
- a one-character query is the prefix query `c*` (every occurrence of `c` starts exactly one token);
- a longer query is the phrase of its overlapping bigrams at consecutive positions.

Each is true exactly when the query is a substring of the (whitespace-free) text, so recall equals a
substring scan's by construction, not by luck. One token per character keeps the index near the size
of the text; a unigram+bigram scheme would double it, and a segmenter (jieba) would miss every query
that cuts across its word boundaries (保障 inside 最低生活保障 is fine, 低保 inside 城乡低保提标 is not).

Normalisation is the archive's `fold` (NFKC width folding, pinyin annotations dropped, traditional →
simplified) and lower case, then whitespace removed: a match ignores line breaks and spaces.
"""

from __future__ import annotations

import re

from archive.text import fold

_SPACE = re.compile(r"\s+")


def normalize(text: str | None) -> str:
    """The searchable form of `text`: folded, lower case, without whitespace."""
    if not text:
        return ""
    return compact(fold(text))


def compact(folded: str | None) -> str:
    """The searchable form of text already folded (a version's stored `search_text`): lower case,
    without whitespace. `normalize(t) == compact(fold(t))`."""
    return _SPACE.sub("", folded.lower()) if folded else ""


def grams(compact: str) -> list[str]:
    """One token per character of already-normalised text: the bigram starting there (the last
    character alone). A list of slices: a third faster than a generator, and the side index's rebuild
    makes these for a million versions (archive/search/side.py)."""
    return [compact[i : i + 2] for i in range(len(compact))]


def query_grams(compact: str) -> list[str]:
    """The tokens a normalised query term must appear as, consecutively: its overlapping bigrams.

    A one-character term has none (it is a prefix query on its character)."""
    return [compact[i : i + 2] for i in range(len(compact) - 1)]
