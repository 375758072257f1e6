"""Text folded for matching report titles: the project's one normaliser (`crawler.extraction.normalize`).

Mirror sites (and some official pages) annotate characters with pinyin, `根據(jù)`, and some agencies
publish in traditional characters; a title pattern written once in simplified Chinese must match all
of them, and must match them exactly as search does, so both use the same function.
"""

from __future__ import annotations

from crawler.extraction.normalize import normalize_text


def fold(text: str) -> str:
    return normalize_text(text)
