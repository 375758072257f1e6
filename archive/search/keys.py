"""Canonical forms of 文号 and 索引号, so 民发〔2023〕5号, 民发[2023]5号 and 民发（2023）5号 are one key.

Agencies and mirrors write the year brackets of a 文号 as 〔〕, [], ［］, 【】 or (); a researcher types
whichever their keyboard gives. Width folding (NFKC) first, then every opening bracket becomes `[` and
every closing one `]`, whitespace goes, Latin letters go lower case.
"""

from __future__ import annotations

import re
import unicodedata

_OPEN = str.maketrans(dict.fromkeys("〔［【(（[〖", "[") | dict.fromkeys("〕］】)）]〗", "]"))
_SPACE = re.compile(r"\s+")


def number_key(value: str | None) -> str | None:
    if not value:
        return None
    key = _SPACE.sub("", unicodedata.normalize("NFKC", value).translate(_OPEN)).lower()
    return key or None


def date_part(value: str | None) -> str | None:
    """The YYYY-MM-DD of a stored date or date-time, or None when it does not start with one."""
    if value and re.match(r"\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    return None
