"""The document's title: a labelled one (标题/信息名称), the CMS's `ArticleTitle`, the heading that
`<title>` repeats, the document part of `<title>`, or, when `<title>` only names the site, the heading
just above the body; and the body's own copy of it dropped from the body's start.
"""

from __future__ import annotations

import re

from lxml import etree

from crawler.extraction.dom import HiddenCache, cjk_count, compiled_xpath, fold_ws, tag_of, visible_text
from crawler.extraction.labels import squash

_TITLE_SPLIT_RE = re.compile(r"\s*(?:[-_|｜—]{1,2}|——)\s*")
_TAG_RE = re.compile(r"<[^>]+>")


# Compiled once: re's cache lookup on each call otherwise.
_LINE_BREAKS_RE = re.compile(r"[\n\r\u3000]+")
_WS_RE = re.compile(r"\s+")


def title_text(text: str) -> str:
    # A title broken over lines is one title; a U+3000 inside it is layout padding.
    return fold_ws(_LINE_BREAKS_RE.sub("", text))


_SITE_PART_RE = re.compile(r"(网|网站|门户网站|政府网|人民政府|官网|官方网站)$")


def _strip_site(title: str) -> str:
    """`保定市人民政府网——标题` → `标题`: a site name before a dash is not part of the title."""
    head, sep, tail = title.partition("——")
    if sep and tail and _SITE_PART_RE.search(head.strip()):
        return tail.strip()
    return title


def hinted_title(root: etree._Element, xpaths: tuple[str, ...]) -> str | None:
    """The first non-empty string or element text a site's title XPaths select."""
    for xp in xpaths:
        try:
            found = compiled_xpath(xp)(root)
        except etree.XPathError:
            continue
        for item in found if isinstance(found, list) else [found]:
            text = visible_text(item) if isinstance(item, etree._Element) else _TAG_RE.sub("", str(item))
            if cjk_count(text) >= 2:
                return text
    return None


# Compiled once (`el.xpath(str)` compiles on every call).
_HEADINGS = etree.XPath("//h1|//h2|//h3|//*[contains(@class,'title') or contains(@id,'title')]")


def find_title(
    root: etree._Element, metas: dict[str, str], labelled: str | None, region: etree._Element | None = None
) -> str | None:
    """The document's title: a labelled one, `ArticleTitle`, the heading that `<title>` repeats, the
    document part of `<title>`, else (when `<title>` only names the site) the heading just above the body."""
    if labelled:
        return title_text(labelled)
    art = metas.get("articletitle")
    if art and cjk_count(art) >= 2:
        return _strip_site(title_text(_TAG_RE.sub("", art)))
    page_title = ""
    t = root.find(".//title")
    if t is not None and t.text:
        page_title = title_text(t.text)
    squashed_title = _WS_RE.sub("", page_title)
    hidden = HiddenCache()
    best: str | None = None
    headings: list[tuple[etree._Element, str]] = []
    for el in _HEADINGS(root):
        if hidden(el) or tag_of(el) in ("title", "head"):
            continue
        text = title_text(visible_text(el))
        if not (4 <= len(text) <= 200) or cjk_count(text) < 4:
            continue
        headings.append((el, text))
        in_title = bool(squashed_title) and _WS_RE.sub("", text) in squashed_title
        if in_title and (best is None or len(text) > len(best)):
            best = text
    if best:
        return best
    candidate = None
    if page_title:
        parts = [p for p in _TITLE_SPLIT_RE.split(page_title) if p]
        if parts:
            candidate = max(parts[:2], key=len) if len(parts) > 1 and len(parts[0]) < 8 else parts[0]
    if candidate and not _names_the_site(candidate, metas):
        return candidate
    heading = _heading_above(headings, region, metas)
    return heading or candidate


def _names_the_site(text: str, metas: dict[str, str]) -> bool:
    """A `<title>` that names the site or a section (`某某市人民政府`, `政务公开`), not a document."""
    site = squash(metas.get("sitename", ""))
    return (bool(site) and squash(text) == site) or bool(_SITE_PART_RE.search(text)) or cjk_count(text) < 6


def _heading_above(
    headings: list[tuple[etree._Element, str]], region: etree._Element | None, metas: dict[str, str]
) -> str | None:
    """The last heading before the body's region (the first heading when no region), skipping site names."""
    usable = [(el, text) for el, text in headings if not _names_the_site(text, metas)]
    if not usable:
        return None
    if region is not None:
        before = [text for el, text in usable if _precedes(el, region)]
        if before:
            return before[-1]
    return usable[0][1]


def _precedes(el: etree._Element, region: etree._Element) -> bool:
    """`el` comes before `region` in document order and is not inside it."""
    if any(anc is region for anc in el.iterancestors()):
        return False
    for node in region.itersiblings(preceding=True):
        if node is el or any(d is el for d in node.iter()):
            return True
    parent = region.getparent()
    return parent is not None and _precedes(el, parent)


def drop_leading_title(body: str, title: str | None) -> str:
    """Drop the title when it opens the body: on one line, over several br-lines, or over several
    paragraphs (a 公文 whose content container repeats its title in centred lines of its own, one
    `<div>` per line, before the 文号). Lines are joined without whitespace and must spell the title
    exactly, so a body whose first line merely starts like the title keeps it."""
    if not title or not body:
        return body
    target = _WS_RE.sub("", title)
    parts = re.split(r"(\n+)", body)  # lines and the newline runs between them
    acc = ""
    for i in range(0, len(parts), 2):
        acc += _WS_RE.sub("", parts[i])
        if acc == target:
            return "".join(parts[i + 2 :]).strip()
        if not acc or not target.startswith(acc):
            break
    return body
