"""Text folded for matching report titles: simplified characters, no inline pinyin, folded widths.

Mirror sites (and some official pages) annotate characters with pinyin, `根據(jù)`, and some agencies
publish in traditional characters; a title pattern written once in simplified Chinese must match all
of them. Conversion uses OpenCC (the reference converter, maintained, with wheels).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import opencc

# A parenthesised run of pinyin letters (with tone marks) right after a Han character.
_PINYIN = re.compile(
    r"(?<=[\u4e00-\u9fff])[(（][a-zA-Z\u00e0-\u01dc\u0101-\u01ce\u1e3f\u0144\u0148]{1,8}[)）]"
)


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _PINYIN.sub("", text)
    return _converter().convert(text)
