"""Small elements a page's own `<style>` hides: `.login-box { display: none }` hides a dialog as surely as
a style attribute does, and government CMSs use exactly that for login dialogs, share menus and tips
shown only on click.

The page's rules are parsed with tinycss2 (a CSS tokenizer, not a regex over braces) and matched with
lxml's cssselect; each element they hide gets the `hidden` attribute, so every "is it hidden" test of
the extractor (`dom.self_hidden`) sees it. Only top-level rules count: a rule inside `@media` (print
sheets, narrow screens) hides nothing on the page a reader sees.

Only small elements (`SMALL_CJK`): pages hide their content by stylesheet until a script shows it (the
anti-flicker `.content, .footer { display: none }` of two of the fifteen real pages in the extraction
corpus), so a hidden block of real length is most likely the document itself. And the parser
(`page.parse_page`) believes the sheet only while the page still reads as a document.
"""

from __future__ import annotations

import re

import tinycss2
from cssselect import SelectorError
from cssselect.xpath import ExpressionError
from lxml import etree

_MAYBE_HIDING = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")
SMALL_CJK = 100  # a stylesheet-hidden element with more Chinese characters than this is left visible


def hiding_selectors(css: str) -> list[str]:
    """The selectors of the top-level rules in `css` that set `display: none` or `visibility: hidden`."""
    selectors = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue
        for decl in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True):
            if decl.type != "declaration" or decl.lower_name not in ("display", "visibility"):
                continue
            value = tinycss2.serialize(decl.value).strip().lower()
            if (decl.lower_name, value) in (("display", "none"), ("visibility", "hidden")):
                selectors += [s.strip() for s in tinycss2.serialize(rule.prelude).split(",") if s.strip()]
                break
    return selectors


def mark_stylesheet_hidden(root: etree._Element) -> int:
    """Give every small element the page's stylesheet hides the `hidden` attribute; returns how many."""
    css = "\n".join(style.text or "" for style in root.iter("style"))
    if not _MAYBE_HIDING.search(css):
        return 0
    marked = 0
    for selector in hiding_selectors(css):
        try:
            matches = root.cssselect(selector)
        except (SelectorError, ExpressionError):  # pseudo-classes (:hover) and the like: not a static hide
            continue
        for el in matches:
            if el.get("hidden") is not None or len(_CJK.findall(el.text_content())) > SMALL_CJK:
                continue
            el.set("hidden", "")
            marked += 1
    return marked
