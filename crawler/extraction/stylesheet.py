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
from functools import lru_cache

import tinycss2
from cssselect import SelectorError
from cssselect.xpath import ExpressionError
from lxml import etree

_MAYBE_HIDING = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HIDING_LOWER = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")  # on lower-cased ASCII
# What changes the brace depth of a stylesheet: braces, and the comments and strings that may hold some.
_DEPTH_TOKEN = re.compile(r"""[{}]|/\*.*?(?:\*/|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?""", re.DOTALL)
_CJK = re.compile(r"[\u3400-\u9fff]")
SMALL_CJK = 100  # a stylesheet-hidden element with more Chinese characters than this is left visible


@lru_cache(maxsize=64)
def _may_hide(css: str) -> bool:
    """`_MAYBE_HIDING.search(css)`: a case-insensitive regex scan of a template's 8 KB sheet was 4% of a
    page's parse. An ASCII sheet (every template's) is lower-cased and scanned case-sensitively, about
    3× faster (on ASCII, ignoring case is lower-casing). Memoised: a site's pages share their template's
    sheet, and hashing it is cheaper than lower-casing and scanning it."""
    if not css.isascii():
        return _MAYBE_HIDING.search(css) is not None
    return _HIDING_LOWER.search(css.lower()) is not None


def _rules_that_may_hide(css: str) -> str:
    """The top-level rules of `css` (each with the text before it) whose text mentions a hiding
    declaration, the others left out: tinycss2 then tokenizes a few rules instead of a whole template
    sheet. A Hanweb page's inline sheet of 5,000 rules took 0.2 s to tokenize, ten times the rest of
    the parse. Braces inside comments and strings do not count; a rule inside `@media` stays inside
    its block, so tinycss2 still sees it as nested."""
    if len(css) < 20_000:
        return css
    kept, start, depth = [], 0, 0
    for token in _DEPTH_TOKEN.finditer(css):
        mark = token.group()
        if mark == "{":
            depth += 1
        elif mark == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                chunk = css[start : token.end()]
                if _MAYBE_HIDING.search(chunk):
                    kept.append(chunk)
                start = token.end()
    if _MAYBE_HIDING.search(css, start):
        kept.append(css[start:])
    return "\n".join(kept)


def hiding_selectors(css: str) -> list[str]:
    """The selectors of the top-level rules in `css` that set `display: none` or `visibility: hidden`."""
    selectors = []
    for rule in tinycss2.parse_stylesheet(
        _rules_that_may_hide(css), skip_comments=True, skip_whitespace=True
    ):
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
    if not _may_hide(css):
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
