"""Tree helpers shared by the extractors: parse once, hidden-element test, visible text.

Everything works on one lxml tree per page; extractors never re-parse or re-serialise the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache, wraps
from urllib.parse import urljoin

from lxml import etree, html

SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "meta",
        "link",
        "iframe",
        "object",
        "embed",
        "svg",
        "button",
        "select",
        "option",
        "textarea",
        "input",
    }
)
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "tr",
        "tbody",
        "thead",
        "tfoot",
        "section",
        "article",
        "blockquote",
        "pre",
        "dl",
        "dt",
        "dd",
        "center",
        "form",
        "hr",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "figure",
        "figcaption",
        "address",
        "caption",
        "fieldset",
        "details",
        "summary",
        "body",
        "html",
    }
)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HIDDEN_CLASSES = frozenset({"ng-hide", "hidden", "hide", "d-none", "sr-only", "visually-hidden"})
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# lxml.html's own parser picks each element's Python class with a Python callback (form elements get
# classes of their own), run every time lxml wraps a node, which is on every step of every walk: a
# third of a page's parse time. Every element here is a plain `HtmlElement` (text_content, cssselect,
# trafilatura's input type) chosen in C: nothing reads the form classes. Same tree, same text.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=html.HtmlElement,
        comment=html.HtmlComment,
        pi=html.HtmlProcessingInstruction,
        entity=html.HtmlEntity,
    )
)
CJK_RE = re.compile(r"[\u3400-\u9fff]")
_NON_CJK_RE = re.compile(r"[^\u3400-\u9fff]+")


def parse_html(text: str) -> html.HtmlElement | None:
    """The page's root element, or None when there is nothing to parse."""
    text = _XML_DECL_RE.sub("", text, count=1)
    if "<![CDATA[" in text:
        # Hanweb list payloads wrap each record's HTML in CDATA, which the HTML parser would drop.
        text = text.replace("<![CDATA[", "").replace("]]>", "")
    if not text or text.isspace():  # `not text.strip()` without copying the page
        return None
    try:
        root = html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    # A stray second </html> makes libxml2 start a sibling root: fold it back so one walk sees all.
    extra = [sib for sib in root.itersiblings() if isinstance(sib.tag, str)]
    if extra:
        body = root.find("body")
        target = body if body is not None else root
        for sib in extra:
            for child in list(sib):
                target.append(child)
    return root


def tag_of(el: etree._Element) -> str:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def self_hidden(el: etree._Element) -> bool:
    """Hidden by its own attributes: style display:none, the `hidden` attribute, or a hiding class."""
    # One call lists the attribute names (`el.get(name)` is not None exactly when `name` is among
    # them); only the attributes present are read. Called on every element of every walk.
    names = el.keys()
    if not names:
        return False
    if "hidden" in names:
        return True
    if "style" in names:
        style = el.get("style")
        if style and _style_hides(style):
            return True
    if "class" in names:
        cls = el.get("class")
        if cls and _class_hides(cls):
            return True
    return "type" in names and el.get("type") == "hidden"


# Both pure functions of one attribute value, and a template repeats its few style and class values on
# element after element, page after page: a memo lookup instead of a case-blind regex scan, or a
# lower-case, split and set intersection, on each of the ~250 elements a page's passes test.
@lru_cache(maxsize=4096)
def _style_hides(style: str) -> bool:
    return _HIDDEN_STYLE_RE.search(style) is not None


@lru_cache(maxsize=4096)
def _class_hides(cls: str) -> bool:
    return bool(_HIDDEN_CLASSES.intersection(cls.lower().split()))


class HiddenCache:
    """Memoised "is this element or an ancestor hidden" for one tree."""

    def __init__(self) -> None:
        self._memo: dict[etree._Element, bool] = {}

    def know_visible(self, elements: Iterable[etree._Element]) -> None:
        """Record elements known not hidden, themselves or any ancestor (those a walk from the root
        entered: it enters nothing below a hidden element)."""
        self._memo.update(dict.fromkeys(elements, False))

    def __call__(self, el: etree._Element | None) -> bool:
        # Most questions are about an element already known (every element the page's walk entered
        # is): answered from the memo without building the chain.
        known = self._memo.get(el)  # type: ignore[arg-type]
        if known is not None:
            return known
        chain = []
        result = False
        while el is not None:
            known = self._memo.get(el)
            if known is not None:
                result = known
                break
            if self_hidden(el):
                result = True
                chain.append(el)
                break
            chain.append(el)
            el = el.getparent()
        for item in chain:
            self._memo[item] = result
        return result


def visible_text(el: etree._Element) -> str:
    """The text of `el` minus scripts, styles and hidden descendants (inline join, no layout).
    `el` itself is read whatever it is (a `<br>` reads as a newline)."""
    if tag_of(el) == "br":
        return "\n"
    parts: list[str] = []
    text = el.text
    if text:
        parts.append(text)
    for child in el:
        _collect(child, parts)
    return "".join(parts)


def _collect(el: etree._Element, parts: list[str]) -> None:
    """A descendant's visible text and then its tail (the tail is outside it: always read)."""
    tag = el.tag
    tag = tag.lower() if isinstance(tag, str) else ""
    if tag and tag not in SKIP_TAGS and not self_hidden(el):
        if tag == "br":
            parts.append("\n")
        else:
            text = el.text
            if text:
                parts.append(text)
            for child in el:
                _collect(child, parts)
    tail = el.tail
    if tail:
        parts.append(tail)


def visible_cjk_at_least(el: etree._Element, n: int) -> bool:
    """`cjk_count(visible_text(el)) >= n`, reading `el`'s visible text only until `n` Chinese characters
    are seen. A count over a concatenation is the sum of the counts over its parts, in any order, so
    the answer is the same; a content region's opening lines usually settle it without the text of the
    whole document being gathered and joined."""
    if n <= 0:
        return True
    if tag_of(el) == "br":
        return False  # "\n"
    need = n
    for part in _visible_parts(el):
        need -= len(_NON_CJK_RE.sub("", part))
        if need <= 0:
            return True
    return False


def _visible_parts(el: etree._Element) -> Iterator[str]:
    """The strings `visible_text(el)` joins, in the same order (`el` not a `<br>`).

    The same steps as `_collect`, as a generator so that a threshold test can stop early.
    `visible_text` keeps its own list-appending walk: written as a join of this generator, a page's
    parse took 3% longer (`bench/parse_identity.py --time`, three alternated pairs: 1.85, 1.89, 1.93
    against 1.90, 2.00, 1.97 ms)."""
    text = el.text
    if text:
        yield text
    for child in el:
        tag = child.tag
        tag = tag.lower() if isinstance(tag, str) else ""
        if tag and tag not in SKIP_TAGS and not self_hidden(child):
            if tag == "br":
                yield "\n"
            else:
                yield from _visible_parts(child)
        tail = child.tail
        if tail:
            yield tail


_WS_RUN_RE = re.compile(r"[\s\u3000\u00a0\u2000-\u200b\ufeff]+")


def memo_short(fn: Callable[[str], str], longest: int) -> Callable[[str], str]:
    """`fn`, a pure function of a string, with its answers for strings of up to `longest` characters
    remembered. The parser's text helpers are called on every cell, link, label and block of a page, and
    most of those are a template's short strings that come back page after page; a long text is rarely
    repeated and would only fill the memo."""
    remembered = lru_cache(maxsize=8192)(fn)

    @wraps(fn)
    def call(text: str) -> str:
        return remembered(text) if len(text) <= longest else fn(text)

    return call


def _fold(text: str) -> str:
    """Collapse whitespace runs (incl. U+3000, nbsp) to one space and strip."""
    # Compiled once: `re.sub(pattern, …)` looked the pattern up in re's cache on each call.
    return _WS_RUN_RE.sub(" ", text).strip()


fold_ws = memo_short(_fold, 200)


def cjk_count(text: str) -> int:
    # What is left once the rest is cut out: `findall` built a string object per Chinese character.
    return len(_NON_CJK_RE.sub("", text))


@lru_cache(maxsize=256)
def compiled_xpath(expression: str) -> etree.XPath:
    """A hint's XPath compiled once per process, not once per page (`el.xpath(str)` compiles each call).
    Raises `etree.XPathError` for an expression lxml cannot compile, as `el.xpath` does."""
    return etree.XPath(descendant_steps(expression))


_NAME = r"[A-Za-z_][\w-]*"
_LITERAL = r"(?:\"[^\"]*\"|'[^']*')"
# A predicate that is a test on the element's attributes, never a position: `[@a="v"]`,
# `[contains(@a,"v")]`.
_ATTR_TEST = rf"\[\s*(?:@{_NAME}\s*=\s*{_LITERAL}|contains\(\s*@{_NAME}\s*,\s*{_LITERAL}\s*\))\s*\]"
_STEP = rf"(//|/)({_NAME})((?:{_ATTR_TEST})*)"
_SIMPLE_PATH_RE = re.compile(rf"(?:{_STEP})+(?:/@{_NAME})?")
_STEP_RE = re.compile(_STEP)


def descendant_steps(expression: str) -> str:
    """`expression` with each `//name[test]` step written `/descendant::name[test]`, when the whole
    expression is a plain path of named steps whose predicates only test attributes (every site hint);
    anything else comes back unchanged.

    `//name[test]` is `/descendant-or-self::node()/child::name[test]`: libxml2 first gathers every node
    of the tree (text nodes too) and then each one's children, about 100 µs a page for each hint XPath,
    where `descendant::` walks the tree once (40% less). The two select the same elements, in document
    order, whenever no predicate depends on a position (`[1]`, `position()`, `last()`), which an
    attribute test never does."""
    if not _SIMPLE_PATH_RE.fullmatch(expression):
        return expression
    # Step by step (a literal may hold `//` too), then the trailing `/@name` if any.
    out, pos = [], 0
    while (step := _STEP_RE.match(expression, pos)) is not None:
        slashes, name, tests = step.groups()
        out.append(("/descendant::" if slashes == "//" else "/") + name + tests)
        pos = step.end()
    return "".join(out) + expression[pos:]


def absolute_url(base: str, href: str) -> str | None:
    """`href` resolved against `base`, or None for a link no URL parser accepts (`http://[bad`): a page's
    broken link must cost that link, not the page."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None
