"""What a user types, parsed: terms that must all occur, and terms that must not.

    低保 养老            both terms, anywhere in title, body or attachments
    "最低 生活保障"       a phrase (spaces inside are ignored, as everywhere in matching)
    养老 -殡葬 -"婚姻登记"  exclusion

Every term is normalised like the indexed text (`tokens.normalize`), so 養老 and 养老, ＡＢＣ and abc are
the same term. A malformed query raises `QuerySyntaxError` with one line a user can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.search.tokens import normalize

MAX_TERMS = 16
# A term: optional minus, then a "quoted phrase" (ASCII or Chinese quotes) or a run of non-space text.
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"|“([^”]*)”|([^\s"“”]+))')


class QuerySyntaxError(ValueError):
    """The query cannot be searched; the message says why in one line."""


@dataclass(frozen=True)
class Query:
    include: tuple[str, ...]  # normalised terms, all required
    exclude: tuple[str, ...]  # normalised terms, none allowed

    @property
    def empty(self) -> bool:
        return not self.include and not self.exclude


def parse(text: str) -> Query:
    text = text.strip()
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        raise QuerySyntaxError(f"unbalanced quotes in query {text!r}")
    include: list[str] = []
    exclude: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if text[position : match.start()].strip():
            raise QuerySyntaxError(f"cannot read the query near {text[position:]!r}")
        position = match.end()
        minus, *raw = match.groups()
        term = normalize(next((part for part in raw if part is not None), ""))
        if not term or term == "-":
            raise QuerySyntaxError(f"empty term in query {text!r} (a lone '-' or empty quotes)")
        (exclude if minus else include).append(term)
    if text[position:].strip():
        raise QuerySyntaxError(f"cannot read the query near {text[position:]!r}")
    if exclude and not include:
        raise QuerySyntaxError("a query needs at least one term to look for, not only -exclusions")
    if len(include) + len(exclude) > MAX_TERMS:
        raise QuerySyntaxError(f"too many terms ({len(include) + len(exclude)}; at most {MAX_TERMS})")
    return Query(tuple(dict.fromkeys(include)), tuple(dict.fromkeys(exclude)))
