"""Filter values as index tokens: one per version for its site, validity and publish year.

Both full-text indexes carry them (FTS5's `tags` column, extra lexemes of PostgreSQL's vectors), so a
site, validity or publish-year filter is an intersection inside the full-text index instead of a
check of every match against `search_docs`. Every text token is one or two characters and every tag
token three or more, so a query term can never match a tag.
"""

from __future__ import annotations

from dataclasses import replace

from archive.search.filters import Filters

MAX_YEARS = 40  # a longer publish-date range is checked on search_docs rows instead


def _tag(kind: str, value: str) -> str:
    # Hex keeps any value one exact ASCII token (FTS5's tokenizer would split and fold it otherwise).
    return kind + value.encode().hex()


def of_version(site: str | None, validity: str | None, publish_date: str | None) -> list[str]:
    """The tag tokens of one version."""
    out = [_tag("s", site) if site else "", _tag("v", validity) if validity else ""]
    if publish_date and publish_date[:4].isdigit():
        out.append("y" + publish_date[:4])
    return [t for t in out if t]


def of_filters(f: Filters) -> tuple[list[list[str]], bool]:
    """The filters the tags can express, as an AND of ORs of tag tokens, and whether they express
    every filter exactly (then the full-text index alone answers; else the matches are also checked
    against search_docs).

    A publish-date range becomes its years: exact when it runs from 1 January to 31 December,
    otherwise a narrowing that search_docs then checks to the day."""
    groups: list[list[str]] = []
    if f.site:
        groups.append([_tag("s", f.site)])
    if f.validity:
        groups.append([_tag("v", f.validity)])
    tagged = Filters(site=f.site, validity=f.validity, all_versions=f.all_versions)
    exact = f == tagged
    low, high = f.published_from, f.published_to
    if low and high and high.year - low.year < MAX_YEARS:
        groups.append([f"y{y}" for y in range(low.year, high.year + 1)])
        whole_years = (low.month, low.day, high.month, high.day) == (1, 1, 12, 31)
        exact = whole_years and f == replace(tagged, published_from=low, published_to=high)
    return groups, exact
