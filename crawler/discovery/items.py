"""Which dated link group of a list page is the column's list, told apart from look-alikes.

A government column page carries the list and things shaped like it: a sidebar of hot items (热点,
最新), a list of notices in the header, a calendar. Each is a group of dated title links, found by
`crawler.extraction.listing.dated_groups`. What tells the list apart is that it changes from one list
page to the next, while chrome stays: a group with the same place on the page (`region`, the path of
tags and classes down to it) and the same links on another page of the site (page 2, or a detail
page) is chrome. Of the rest, the list is the group with the most items on the column's host.

Pure functions of parsed pages.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from crawler.extraction.dom import HiddenCache, tag_of
from crawler.extraction.listing import dated_groups

CHROME_OVERLAP = 0.8  # a group sharing this share of its links with another page's same group is chrome


@dataclass(frozen=True)
class ListItem:
    title: str
    url: str
    date: str | None


@dataclass
class PageGroups:
    """A page's dated link groups by region, items on the page's host only."""

    url: str
    groups: dict[str, list[ListItem]] = field(default_factory=dict)
    off_host: int = 0  # items dropped because they link off the host

    def urls(self, region: str) -> set[str]:
        return {it.url for it in self.groups.get(region, [])}


@dataclass(frozen=True)
class ListChoice:
    region: str | None
    items: list[ListItem]
    chrome: dict[str, str]  # region → why it was set aside


def page_groups(root: etree._Element | None, url: str) -> PageGroups:
    """The page's dated link groups, keyed by where they sit; items linking off the host left out."""
    found = PageGroups(url)
    if root is None:
        return found
    host = urlsplit(url).hostname
    for el, raw in dated_groups(root, url, HiddenCache()).items():
        items = []
        for it in raw:
            link = str(it["url"])
            if urlsplit(link).hostname != host:
                found.off_host += 1
                continue
            items.append(ListItem(str(it["title"]), link, it["date"]))
        if items:
            found.groups.setdefault(region(el), []).extend(items)
    return found


def region(el: etree._Element) -> str:
    """Where an element sits: its tag path from <body> with ids and classes (positions left out, so
    the same box on two pages of a site has the same region)."""
    parts = []
    node: etree._Element | None = el
    while node is not None and tag_of(node) not in ("body", "html", ""):
        name = tag_of(node)
        if node.get("id"):
            name += "#" + node.get("id", "").strip()
        classes = (node.get("class") or "").split()
        if classes:
            name += "." + ".".join(sorted(classes))
        parts.append(name)
        node = node.getparent()
    return "/".join(reversed(parts))


def choose_list(first: PageGroups, others: list[PageGroups]) -> ListChoice:
    """The list of `first`: the biggest group that is not chrome by the other pages."""
    chrome: dict[str, str] = {}
    for name, items in first.groups.items():
        mine = {it.url for it in items}
        for other in others:
            theirs = other.urls(name)
            if theirs and len(mine & theirs) >= CHROME_OVERLAP * len(mine):
                chrome[name] = f"the same links in the same place on {other.url}"
                break
    candidates = {name: items for name, items in first.groups.items() if name not in chrome}
    if not candidates:
        return ListChoice(None, [], chrome)
    best = max(candidates, key=lambda name: (len(candidates[name]), _ordered(candidates[name])))
    return ListChoice(best, candidates[best], chrome)


def items_in(page: PageGroups, chosen: str | None) -> list[ListItem]:
    """The list items of another list page of the column: the chosen region's items, else the biggest
    group in a region above or below it (the last page's one row is grouped one level up: a table of
    one row is not told from its wrapper), never a group elsewhere on the page (the sidebar)."""
    if not chosen:
        return []
    if chosen in page.groups:
        return page.groups[chosen]
    near = [name for name in page.groups if name.startswith(chosen + "/") or chosen.startswith(name + "/")]
    return max((page.groups[name] for name in near), key=len) if near else []


def _ordered(items: list[ListItem]) -> bool:
    """Newest first, as lists are (dates never increasing down the list)."""
    dates = [it.date for it in items if it.date]
    return all(a >= b for a, b in itertools.pairwise(dates))
