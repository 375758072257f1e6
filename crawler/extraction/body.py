"""The document body: locate the content region, walk it to text, drop what is not the document.

Region: the site's hint XPaths, else the usual CMS containers (TRS_UEDITOR, zoom, UCAP-CONTENT, …),
else the element gathering the most Chinese text in its paragraphs.  A located CMS container is
trusted: its own text walk is the body, which keeps the first and last lines (signature, date) that
trafilatura's boilerplate scoring tends to cut.  A region found only by text density is less certain;
there trafilatura decides where the document starts and ends and the walk supplies the intact
paragraphs between those bounds.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import trafilatura
from lxml import etree

from crawler.extraction import labels as L
from crawler.extraction.chrome import is_chrome_line, strip_chrome_strings
from crawler.extraction.dates import is_date_only
from crawler.extraction.dom import (
    HiddenCache,
    absolute_url,
    cjk_count,
    compiled_xpath,
    fold_ws,
    tag_of,
    visible_cjk_at_least,
)
from crawler.extraction.layout import Block, walk_blocks
from crawler.extraction.signature import is_organ_name

# Specific CMS content containers (class token or id, case-insensitive), most specific first.
SPECIFIC_LOCATORS: tuple[str, ...] = (
    "trs_paper_default",
    "trs_ueditor",
    "trs_editor",
    "ucap-content",
    "ucapcontent",
    "news_cont_d_wrap",
    "xqcent",
    "fontzoom",
    "zoom",
    "article-content",
    "article_content",
    "articlecontent",
    "pages_content",
    "contxt",
    "dochtmlcon",
    "wenzhang-content",
    "detail-content",
    "detail_content",
    "news_content",
    "newscontent",
    "art_con",
    "article_con",
    "content_text",
    "tyxxy_main",
    "bt_content",
)
GENERIC_LOCATORS: tuple[str, ...] = ("content", "article", "main-content", "text", "con")
ATTACHMENT_EXT_RE = re.compile(
    r"\.(pdf|docx?|xlsx?|wps|ofd|zip|rar|txt|et|pptx?|7z)(?:$|[?#])", re.IGNORECASE
)
_CHROME_CLASS_RE = re.compile(
    r"(^|[\s_-])(share|bdshare|print|fontsize|font-size|zihao|ewm|qrcode|erweima|breadcrumb|crumb|"
    r"location|position|path|weizhi|footer|foot|related|relevant|pagination|pager|prev-next|"
    r"nav|menu|toolbar|comment)([\s_-]|$)",
    re.IGNORECASE,
)


@dataclass
class Region:
    el: etree._Element
    confident: bool
    how: str


@dataclass
class BodyResult:
    text: str
    tables: list[list[list[str]]] = field(default_factory=list)
    attachments: list[dict[str, str]] = field(default_factory=list)
    region: Region | None = None
    blocks: list[Block] = field(default_factory=list)
    # Set by `extract_body` when the paragraphs still await trafilatura's cut (a region found by
    # density): `text` is then all of them, an upper bound of the body, until `trim_body`.
    untrimmed: list[str] | None = None


def _tokens(tag: str, cls: str | None, ident: str | None) -> set[str]:
    """An element's locator tokens: its classes, its id and `<tag>`, lower-cased."""
    out = set((cls or "").lower().split())
    if ident:
        out.add(ident.lower())
    out.add("<" + tag.lower() + ">")
    return out


def locate_region(
    root: etree._Element, content_xpaths: Iterable[str], hidden: HiddenCache, blocks: list[Block]
) -> Region | None:
    """The element that holds the document's text (see the module docstring for the order)."""
    for xp in content_xpaths:
        try:
            found = compiled_xpath(xp)(root)
        except etree.XPathError:
            continue
        for el in found:
            if isinstance(el, etree._Element) and not hidden(el) and visible_cjk_at_least(el, 10):
                return Region(el, True, "hint")
    by_token: dict[str, list[etree._Element]] = {}
    wanted = {*SPECIFIC_LOCATORS, *GENERIC_LOCATORS, "<ucapcontent>"}
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        cls = el.get("class")
        ident = el.get("id")
        if not cls and not ident and tag.lower() != "ucapcontent":
            continue  # no token to find: the set of `_tokens` not built for most of a page's elements
        for tok in _tokens(tag, cls, ident) & wanted:  # the two attributes read once, not twice
            by_token.setdefault(tok, []).append(el)
    for tok in ("<ucapcontent>", *SPECIFIC_LOCATORS):
        for el in by_token.get(tok, ()):
            if not hidden(el) and (visible_cjk_at_least(el, 20) or _links_a_file(el)):
                return Region(el, True, tok)
    dense = _densest(blocks)
    for tok in GENERIC_LOCATORS:
        options = [el for el in by_token.get(tok, ()) if not hidden(el)]
        if dense is not None:
            # A generic container is used only if it holds the densest text and is not the whole page.
            options = [el for el in options if _contains(el, dense) and tag_of(el) != "body"]
        if options:
            best = min(options, key=lambda e: len(list(e.iterancestors())) * -1)
            if visible_cjk_at_least(best, 50):
                return Region(best, False, tok)
    if dense is not None:
        return Region(dense, False, "density")
    return None


def _links_a_file(el: etree._Element) -> bool:
    """A CMS content container holding only a file link is the body of a document published as a file."""
    return any(ATTACHMENT_EXT_RE.search(a.get("href") or "") for a in el.iter("a"))


def _contains(outer: etree._Element, inner: etree._Element) -> bool:
    node: etree._Element | None = inner
    while node is not None:
        if node is outer:
            return True
        node = node.getparent()
    return False


def _densest(blocks: list[Block]) -> etree._Element | None:
    """The element whose paragraphs carry the most Chinese text (parent full weight, grandparent half)."""
    score: dict[etree._Element, float] = {}
    for block in blocks:
        if block.heading:
            continue
        n = cjk_count(block.text)
        if n < 10 or _looks_like_link_list(block):
            continue
        el = block.el
        if tag_of(el) in ("p", "span", "font", "strong", "b", "li", "td", "h1", "h2", "h3") or block.rows:
            parent = el.getparent()
        else:
            parent = el
        if parent is None:
            continue
        score[parent] = score.get(parent, 0.0) + n
        grand = parent.getparent()
        if grand is not None:
            score[grand] = score.get(grand, 0.0) + n * 0.5
    if not score:
        return None
    return max(score, key=lambda e: score[e])


def _looks_like_link_list(block: Block) -> bool:
    el = block.el
    if tag_of(el) == "li":
        return True
    links = el.findall(".//a") if tag_of(el) not in ("body", "html") else []
    if not links:
        return False
    link_text = sum(len(a.text_content()) for a in links)
    return link_text > 0.6 * max(len(block.text), 1)


def _is_chrome_el(el: etree._Element) -> bool:
    cls = (el.get("class") or "") + " " + (el.get("id") or "")
    return bool(cls.strip()) and bool(_CHROME_CLASS_RE.search(cls)) and cjk_count(el.text_content()) < 200


def is_meta_line(line: str) -> bool:
    """A byline/metadata line inside the region (`发布时间: … 来源: …`), not document text."""
    # Both tests that need no regex come first: a line over 160 characters is never a meta line, and
    # every `run_label_re()` match holds a colon or a 【 (the regex, a thousand label spellings, ran
    # over every line of every body).
    if len(line) > 160 or ("：" not in line and ":" not in line and "【" not in line):
        return False
    matches = L.run_labels(line)
    if not matches:
        return False
    if L.field_for(matches[0].group(1) or matches[0].group(2)) is None and len(matches) < 2:
        return L.is_stop_label(matches[0].group(1) or matches[0].group(2)) and matches[0].start() < 3
    return matches[0].start() <= 2 or len(matches) >= 2


def extract_body(
    root: etree._Element,
    region: Region | None,
    hidden: HiddenCache,
    url: str,
    meta_groups: set[etree._Element],
    chrome: tuple[str, ...],
) -> BodyResult:
    """The region's body. A density region's paragraphs are not cut by trafilatura here: the caller
    calls `trim_body` once it knows the page is not a list (see `BodyResult.untrimmed`)."""
    if region is None:
        return BodyResult("")
    skip_set = set(meta_groups)

    def skip(el: etree._Element) -> bool:
        return el in skip_set or (el is not region.el and _is_chrome_el(el))

    blocks = walk_blocks(region.el, skip=skip)
    paragraphs: list[str] = []
    tables: list[list[list[str]]] = []
    for block in blocks:
        if block.rows is not None:
            tables.append(block.rows)
            paragraphs.append(block.text)
            continue
        lines = []
        for line in block.text.split("\n"):
            line = strip_chrome_strings(line, chrome) if chrome else line
            if not line or is_chrome_line(line, chrome) or is_meta_line(line):
                continue
            lines.append(line)
        if lines:
            paragraphs.append("\n".join(lines))
    result = BodyResult("\n\n".join(paragraphs), tables, attachments(region.el, url, hidden), region, blocks)
    if not region.confident and paragraphs:
        result.untrimmed = paragraphs
    return result


def trim_body(result: BodyResult) -> None:
    """Cut a density region's paragraphs to the span trafilatura considers the document, if not done."""
    if result.untrimmed is None or result.region is None:
        return
    result.text = "\n\n".join(_trim_with_trafilatura(result.region.el, result.untrimmed))
    result.untrimmed = None


_NON_WORD_RE = re.compile(r"[\W_]+")  # compiled once (re's cache lookup on every call otherwise)


def _key(text: str) -> str:
    return _NON_WORD_RE.sub("", text)[:24]


def _trim_with_trafilatura(region_el: etree._Element, paragraphs: list[str]) -> list[str]:
    """Cut the walk's paragraphs to the span trafilatura considers the document."""
    try:
        text = trafilatura.extract(
            copy.deepcopy(region_el),
            include_tables=True,
            favor_recall=True,
            include_comments=False,
            output_format="txt",
            deduplicate=False,
        )
    except Exception:  # trafilatura raising on odd markup must not lose the page
        return paragraphs
    lines = [ln for ln in (text or "").split("\n") if len(_key(ln)) >= 4]
    if not lines:
        return paragraphs
    keys = [_key(p.replace("\t", "")) for p in paragraphs]
    joined = [_NON_WORD_RE.sub("", p) for p in paragraphs]

    def find(line: str, order: range) -> int | None:
        k = _key(line)
        for i in order:
            if k and (k in joined[i] or (keys[i] and keys[i] in _NON_WORD_RE.sub("", line))):
                return i
        return None

    first = next((i for ln in lines[:3] if (i := find(ln, range(len(paragraphs)))) is not None), None)
    last = next(
        (i for ln in reversed(lines[-3:]) if (i := find(ln, range(len(paragraphs) - 1, -1, -1))) is not None),
        None,
    )
    if first is None or last is None or last < first:
        return paragraphs
    # trafilatura scores a closing signature (organ names, then the date) as boilerplate; it is the
    # document's own last lines, so the short signature lines right after the kept span stay, and so
    # does the attachment line under them (the link to the file the document issues).
    files = _file_link_texts(region_el)
    while last + 1 < len(paragraphs) and (
        _signature_line(paragraphs[last + 1]) or _attachment_line(paragraphs[last + 1], files)
    ):
        last += 1
    return paragraphs[first : last + 1]


def _file_link_texts(region_el: etree._Element) -> set[str]:
    """The texts of the region's links to files (.pdf, .docx, …), whitespace folded."""
    return {
        text
        for a in region_el.iter("a")
        if ATTACHMENT_EXT_RE.search(a.get("href") or "") and (text := fold_ws(a.text_content()))
    }


def _attachment_line(paragraph: str, files: set[str]) -> bool:
    """A paragraph made only of the texts of links to files (optionally after a 附件 label)."""
    lines = [re.sub(r"^附件[:：]?\s*(?:\d+[.、．]?\s*)?", "", ln.strip()) for ln in paragraph.split("\n")]
    lines = [ln for ln in lines if ln]
    return bool(lines) and len(lines) <= 5 and all(fold_ws(ln) in files for ln in lines)


def _signature_line(paragraph: str) -> bool:
    lines = [ln.strip() for ln in paragraph.split("\n") if ln.strip()]
    return bool(lines) and len(lines) <= 3 and all(is_date_only(ln) or is_organ_name(ln) for ln in lines)


def attachments(region_el: etree._Element, url: str, hidden: HiddenCache) -> list[dict[str, str]]:
    """File links in the region and just after it (TRS lists 附件 below the editor div): absolute URL and
    link text (or the file name), each URL once."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    scopes = [region_el, *[s for s in region_el.itersiblings() if isinstance(s.tag, str)][:3]]
    anchors = [a for scope in scopes for a in scope.iter("a")]
    for a in anchors:
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")) or not ATTACHMENT_EXT_RE.search(href):
            continue
        absolute = absolute_url(url, href)
        if absolute is None or absolute in seen or hidden(a):
            continue
        seen.add(absolute)
        name = fold_ws(a.text_content()) or fold_ws(a.get("title") or "") or absolute.rsplit("/", 1)[-1]
        out.append({"url": absolute, "name": name})
    return out
