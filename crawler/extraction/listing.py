"""Index pages: the repeated title-link + date items of a column list.

Items are `li` or `tr` elements that hold one link and a date; the parent holding the most of them is
the list.  Site hints (`list_item_xpaths`) are tried first. `is_list_page` decides whether those
items make the page a list.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree
from lxml import html as lxml_html

from crawler.extraction.dates import find_dates, normalize_date, unix_day
from crawler.extraction.dom import (
    HiddenCache,
    absolute_url,
    cjk_count,
    compiled_xpath,
    fold_ws,
    tag_of,
    visible_text,
)


def _may_hold_date(text: str, chinese: bool) -> bool:
    """False only when no date can be read in `text`, nor in any text made of its characters, spaces
    and newlines: `find_dates` needs the ASCII "19" or "20" of a year after NFKC folding, and
    `normalize_date` that or a 年 (`chinese`). When `text` is already NFKC-normal, no character of it
    folds into anything else (a compatibility character such as a full-width digit would make it not
    normal), and no folding composes a digit or 年; so without those characters as they stand, no
    date. A text that is not NFKC-normal is let through. A list page's undated rows (a detail page's
    menus, every row of them) are dropped here without the reading of their links and text."""
    if "1" in text or "2" in text or (chinese and "年" in text):
        return True
    return not unicodedata.is_normalized("NFKC", text)


def _item(el: etree._Element, url: str, dated: bool = False) -> dict[str, str | None] | None:
    """`el` as a list item (title, absolute URL, date or None), or None when it is not one; with
    `dated`, also None when it has no date (the caller drops those: the URL is then not resolved).
    The date is read in `el`'s visible text, whose characters are all in its `text_content`."""
    if dated and not _may_hold_date(el.text_content(), chinese=True):
        return None
    links = [
        a
        for a in el.iter("a")
        if (a.get("href") or "").strip() and not a.get("href", "").startswith(("javascript:", "#"))
    ]
    if not links:
        return None
    a = max(links, key=lambda x: len(fold_ws(x.text_content())))
    text = fold_ws(a.text_content())
    attr = fold_ws(a.get("title") or "")
    title = attr if attr and (not text or text.endswith(("...", "…")) or len(attr) > len(text)) else text
    if cjk_count(title) < 2:
        return None
    day = normalize_date(visible_text(el).replace(a.text_content(), " "))
    if dated and day is None:
        return None
    link = absolute_url(url, a.get("href", "").strip())
    if link is None:
        return None
    return {"title": title, "url": link, "date": day}


@dataclass
class ItemGroup:
    """The page's list: its items and the element holding them (None for hint-selected items)."""

    items: list[dict[str, str | None]] = field(default_factory=list)
    el: etree._Element | None = None
    # Read from rows inside an HTML comment: `el` is then in a tree of its own, not the page's.
    commented: bool = False
    # Read from the data a script renders the list from: `el` is that `<script>`.
    scripted: bool = False

    @property
    def off_page(self) -> bool:
        """The rows are not in the page's visible markup (a comment, a script's data)."""
        return self.commented or self.scripted


def extract_items(
    root: etree._Element, url: str, item_xpaths: Iterable[str], hidden: HiddenCache, raw_html: str = ""
) -> ItemGroup:
    """The list items of the page (hint XPaths first, else the largest dated group of li/tr, else dated
    rows the page keeps inside HTML comments, else the dated records an inline script renders the list
    from; `raw_html` is the page's text, which still has the comments)."""
    for xp in item_xpaths:
        try:
            found = compiled_xpath(xp)(root)
        except etree.XPathError:
            continue
        elements = [el for el in found if isinstance(el, etree._Element) and not hidden(el)]
        items = [it for el in elements if (it := _item(el, url))]
        if items:
            return ItemGroup(items, _common_parent(elements))
    groups = dated_groups(root, url, hidden)
    commented = not groups
    if commented:
        groups = commented_groups(raw_html, url)
    if not groups:
        script, items = scripted_items(root, url)
        return ItemGroup(items, script, scripted=True) if items else ItemGroup()
    key = max(groups, key=lambda k: len(groups[k]))
    return ItemGroup(groups[key], key, commented)


_COMMENT_RE = re.compile(r"<!--(.*?)-->", re.DOTALL)
# A row start followed within a few hundred characters by a link (bounded: a long comment of rows
# without links must not be rescanned from every row start).
_COMMENT_ROWS_RE = re.compile(
    r"<(?:li|tr|dd)\b[^>]{0,300}>.{0,600}?<a\s[^>]{0,300}href", re.IGNORECASE | re.DOTALL
)
MIN_COMMENT_ITEMS = 3


def commented_groups(raw_html: str, url: str) -> dict[etree._Element, list[dict[str, str | None]]]:
    """Dated list rows kept inside HTML comments, read only when the visible page has no dated list.

    Some list templates ship their rows inside `<!-- … -->` and let a script lift them out (a client-side
    pager cutting the rows into pages): the parser drops comments, so such a column reads as an empty
    page or, with its sidebars, as a short document. A comment counts only when it holds at least three
    dated title-link rows (`li`/`tr`/`dd`), which a commented-out label table or a stray old link does
    not."""
    groups: dict[etree._Element, list[dict[str, str | None]]] = {}
    if "<!--" not in raw_html:
        return groups
    for match in _COMMENT_RE.finditer(raw_html):
        text = match.group(1)
        if text.count("href") < MIN_COMMENT_ITEMS or len(_COMMENT_ROWS_RE.findall(text)) < MIN_COMMENT_ITEMS:
            continue
        try:
            fragment = lxml_html.fragment_fromstring(text, create_parent="div")
        except (etree.ParserError, ValueError):
            continue
        for key, items in dated_groups(fragment, url, HiddenCache()).items():
            if len(items) >= MIN_COMMENT_ITEMS:
                groups[key] = items
    return groups


# Where a JSON array of objects may start in a script (`[{"title": …`): a JS object literal with bare
# keys is not JSON and is not tried.
_JSON_ARRAY_RE = re.compile(r'\[\s*\{\s*"')
# A document page's address inside a record's value (itself sometimes JSON: `{"pc":"/col/…/x.html"}`).
_PAGE_URL_RE = re.compile(
    r"(?:https?://[^\s\"'<>\\]+|\.{0,2}/[^\s\"'<>\\]+)\.(?:s?html?|jsp|aspx?|php)(?:\?[^\s\"'<>\\]*)?",
    re.IGNORECASE,
)
_TAG_RE = re.compile(r"<[^>]{0,200}>")
_URL_KEY_RE = re.compile(r"url|link|href", re.IGNORECASE)
_DATE_KEY_RE = re.compile(r"date|time", re.IGNORECASE)
MIN_SCRIPT_ITEMS = 3
_MAX_ARRAYS_TRIED = 40


def scripted_items(
    root: etree._Element, url: str
) -> tuple[etree._Element | None, list[dict[str, str | None]]]:
    """The largest array of dated records in the page's inline scripts, as list items, with its script.

    Script-built lists (开普云 jpage templates, Vue/handlebars columns) ship their rows as data
    (`var listData = {articleList: [{"title": …, "pubDate": …, "urls": …}]}`) and render them in the
    browser: the markup holds a template and no row, so the column reads as an empty shell. A record
    counts when it has a title (a `*title*` key with Chinese text), a document address (an .html/.jsp/…
    path, preferably under a `*url*`/`*link*` key) and a date (a `*date*`/`*time*` key); an array counts
    with at least three such records. Read only when the markup and its comments hold no dated list."""
    best: tuple[etree._Element | None, list[dict[str, str | None]]] = (None, [])
    tried = 0
    decoder = json.JSONDecoder()
    for script in root.iter("script"):
        text = script.text or ""
        if "[" not in text or '"' not in text:
            continue
        pos = 0
        while tried < _MAX_ARRAYS_TRIED:
            match = _JSON_ARRAY_RE.search(text, pos)
            if match is None:
                break
            tried += 1
            try:
                data, end = decoder.raw_decode(text, match.start())
            except ValueError:
                pos = match.end()
                continue
            pos = end
            items = [it for obj in data if (it := _record_item(obj, url))] if isinstance(data, list) else []
            if len(items) >= MIN_SCRIPT_ITEMS and len(items) > len(best[1]):
                best = (script, items)
    return best


def _record_item(obj: object, url: str) -> dict[str, str | None] | None:
    """One script record as a list item (see `scripted_items`), or None."""
    if not isinstance(obj, dict):
        return None
    title = None
    for key, value in obj.items():
        if isinstance(value, str) and "title" in key.lower():
            text = fold_ws(_TAG_RE.sub("", html.unescape(value)))
            if cjk_count(text) >= 2:
                title = text
                break
    if title is None:
        return None
    link = None
    for _key, value in sorted(obj.items(), key=lambda kv: not _URL_KEY_RE.search(kv[0])):
        found = _PAGE_URL_RE.search(value) if isinstance(value, str) else None
        if found:
            link = absolute_url(url, found.group(0))
            break
    if link is None:
        return None
    day = None
    for key, value in obj.items():
        if not _DATE_KEY_RE.search(key):
            continue
        if isinstance(value, str):
            day = normalize_date(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            day = unix_day(value / 1000 if value > 1e11 else value)  # milliseconds or seconds
        if day:
            break
    if day is None:
        return None
    return {"title": title, "url": link, "date": day[:10]}


def dated_groups(
    root: etree._Element, url: str, hidden: HiddenCache
) -> dict[etree._Element, list[dict[str, str | None]]]:
    """Every group of dated title-link items on the page, by the element holding them: the list and
    whatever looks like one (a sidebar of hot items, a calendar), for callers that must tell them apart."""
    groups: dict[etree._Element, list[dict[str, str | None]]] = {}
    for el in _item_elements(root):
        parent = el.getparent()
        if parent is None or hidden(el):
            continue
        it = _item(el, url, dated=True)
        if it and it["date"]:
            # One item per wrapper (Hanweb <record>, one-row tables): group by the wrapper's parent.
            key = parent
            if len([c for c in parent if c.tag == el.tag]) == 1 and parent.getparent() is not None:
                key = parent.getparent()
                if tag_of(parent) == "tbody" and key.getparent() is not None:
                    key = key.getparent()
            groups.setdefault(key, []).append(it)
    return groups


_ROW_TAGS = ("li", "tr", "dd")
_BOX_TAGS = frozenset({"div", "p", "dl", "section", "article"})


def _item_elements(root: etree._Element) -> list[etree._Element]:
    """Candidate list items: every li/tr/dd, plus, for links outside those, the nearest div/p/dl
    ancestor holding that one link and little else (lists built of `<div class="item">`)."""
    seen: set[etree._Element] = set()
    out: list[etree._Element] = []
    for el in root.iter(*_ROW_TAGS):
        seen.add(el)
        out.append(el)
    # The links of one box (a menu, a footer) climb through the same ancestors: whether a box holds one
    # link and whether it is dated is read once per box, not once per link under it.
    dated_box: dict[etree._Element, bool | None] = {}  # None: not one link's box
    for a in root.iter("a"):
        node = a.getparent()
        for _ in range(4):
            if node is None or node in seen:
                break
            tag = tag_of(node)
            if tag in _ROW_TAGS:
                break
            if tag in _BOX_TAGS:
                if node in dated_box:
                    dated = dated_box[node]
                else:
                    dated = dated_box[node] = _dated_box(node)
                if dated is None:
                    break
                if dated:
                    seen.add(node)
                    out.append(node)
                    break
            node = node.getparent()
    return out


def _dated_box(el: etree._Element) -> bool | None:
    """None when `el` is not one item's box (at most two links, title and, say, a file icon, and a few
    hundred characters), else whether its text holds a date: both tests on one `text_content`."""
    if next(itertools.islice(el.iter("a"), 2, None), None) is not None:
        return None
    text = el.text_content()
    if len(text) > 300:
        return None
    return _may_hold_date(text, chinese=False) and bool(find_dates(text))


def _common_parent(elements: list[etree._Element]) -> etree._Element | None:
    parents = {el.getparent() for el in elements}
    return parents.pop() if len(parents) == 1 else None


_PAGINATION_RE = re.compile(
    r"createPageHTML\(|下一页|上一页|尾页|末页|共\s*\d+\s*页|第\s*\d+\s*/\s*\d+\s*页|"
    r"class=[\"'][^\"']*(?:pagination|pager|page_div)|id=[\"']page_div"
)


def is_list_page(group: ItemGroup, body_cjk: int, raw_html: str, document_el: etree._Element | None) -> bool:
    """A column index rather than a document: five or more dated items that carry at least half the text,
    or a few dated items with next to no running text, with pagination or carrying most of what text
    there is (a young or small column).

    `document_el` is a content container the page marks as its document (a CMS editor div) that holds
    text of its own: when the list lies wholly outside it, the list is a "related items" box beside a
    short document, and the page is that document."""
    items = group.items
    if not items:
        return False
    # Commented rows are read from a tree of their own, so they cannot be placed against the document;
    # a script's records can: a page holding a document of its own is that document, whatever related
    # items its scripts carry.
    if (
        document_el is not None
        and group.el is not None
        and not group.commented
        and not _related(group.el, document_el)
    ):
        return False
    item_chars = sum(cjk_count(str(it["title"])) for it in items)
    if len(items) >= 5:
        return body_cjk < 300 or item_chars >= 0.5 * body_cjk
    # A short column (one page, so no pager) whose only text is its items is still a list.
    return body_cjk < 150 and (bool(_PAGINATION_RE.search(raw_html)) or item_chars >= 0.5 * body_cjk)


def _related(a: etree._Element, b: etree._Element) -> bool:
    """True when one element contains the other (or they are the same)."""
    return a is b or any(x is b for x in a.iterancestors()) or any(x is a for x in b.iterancestors())
