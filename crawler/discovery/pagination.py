"""Where a column's list pages are, read off its first page: hypotheses, most trusted first.

A column on a government CMS is numbered list pages, and the first page says how many there are in
one of a few ways. Each way is a rule here, tried in order of trust:

1. **A pager call in a script**: TRS WCM's `createPageHTML(N, current, "index", "html")` (the count
   may be a variable: `var countPage = 5`). Page k (k ≥ 2) is `index_{k-1}.html` beside the first.
2. **Pager links**: the anchors of a pager (下一页, 尾页/末页, page numbers). Their URLs differ from each
   other in one run of digits, the page number: that run, with the numbers the links show, gives the
   URL template and the last page (`共N页` corroborates).
3. **A next link only** (下一页 and no last page): the pages are found by following it
   (`kind = "next_links"`, `pages` holds what is known so far).

No rule is site-specific: a rule reads what any page of its kind shows. Pure functions of the page's
HTML and URL; the caller (crawler/discovery/spider.py) confirms a hypothesis by fetching pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.extraction.dom import fold_ws

MAX_PAGES = 10_000  # a count beyond this is a misread number, not a column
_CALL_RE = re.compile(
    r"createPageHTML\(\s*([\w.]+)\s*,\s*([\w.]+)\s*,\s*[\"']([\w-]+)[\"']\s*,\s*[\"'](\w+)[\"']\s*\)"
)
_VAR_RE = r"(?:var\s+|let\s+|const\s+)?{name}\s*=\s*[\"']?(\d+)"
_COUNT_VARS = ("countPage", "totalPage", "pageCount", "totalPages", "page_count", "maxPage", "pageTotal")
_TOTAL_RE = re.compile(r"共\s*(\d+)\s*页|第?\s*\d+\s*/\s*(\d+)\s*页|/\s*共\s*(\d+)\s*页")
NEXT_TEXTS = frozenset({"下一页", "下页", "后一页", ">", "›", "»", "下一页>", "下一页>>", "next", "Next"})
LAST_TEXTS = frozenset({"尾页", "末页", "最后一页", "尾 页", "末 页", ">>", "»|", "last", "Last"})
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Pager:
    """One reading of the column's pagination."""

    kind: str  # "script_call" | "page_links" | "next_links" | "single"
    pages: tuple[str, ...]  # every list page, the column's own URL first (for next_links: those known)
    evidence: str  # what on the page says so
    template: str | None = None  # the URL of page k with `{n}` for its number in the URL
    first_number: int | None = None  # the number page 2 carries in the URL
    extra: dict[str, str] = field(default_factory=dict)


def as_given(given: str, fetched: str) -> str:
    """The column's URL as given when `fetched` is that page: a fragment may name the column
    (gkmlpt's `index#<id>`), and requests drop fragments."""
    return given if given.split("#")[0] == fetched.split("#")[0] else fetched


def find_pagers(root: etree._Element | None, html: str, url: str) -> list[Pager]:
    """The readings of this first list page's pagination, most trusted first (a list endpoint the
    page's scripts name, then a pager call, then pager links); always ends with `single` (one page),
    the reading when no rule holds."""
    from crawler.discovery.apis import find_list_apis

    found: list[Pager] = [
        Pager(
            "list_api", api.pages, api.evidence, api.template, None, {"api": api.kind, "form": api.form or ""}
        )
        for api in find_list_apis(html, url)
    ]
    call = script_call(html, url)
    if call:
        found.append(call)
    if not call:
        found += pager_variables(html, url)
    if root is not None:
        linked = pager_links(root, url)
        if linked and all(linked.pages != p.pages for p in found):
            found.append(linked)
    found.append(Pager("single", (url,), "no pager on the page"))
    return found


def script_call(html: str, url: str) -> Pager | None:
    """`createPageHTML(N, current, name, ext)` with N a number or a variable set in the page."""
    for match in _CALL_RE.finditer(html):
        count_token, _, name, ext = match.groups()
        count = _number(count_token, html)
        if count is None or not 1 <= count <= MAX_PAGES:
            continue
        base = _directory(url)
        template = f"{base}{name}_{{n}}.{ext}"
        pages = (url, *(template.format(n=k) for k in range(1, count)))
        return Pager("script_call", pages, match.group(0), template, 1 if count > 1 else None)
    return None


def pager_variables(html: str, url: str) -> list[Pager]:
    """A pager a script draws from a page count (`var pageCount = 7`) without naming page URLs: the
    usual URL schemes of static list pages, each a guess the caller confirms by fetching page 2
    (`index_1.<ext>` as TRS and 开普云 number them, `index_2.<ext>`, `?page=2`)."""
    count = next((n for name in _COUNT_VARS if (n := _number(name, html)) is not None), None)
    if count is None or not 2 <= count <= MAX_PAGES:
        return []
    directory, page = _directory(url), url.rsplit("/", 1)[-1].split("?")[0]
    ext = page.rsplit(".", 1)[-1] if "." in page else "html"
    schemes = (
        (f"{directory}index_{{n}}.{ext}", 1),
        (f"{directory}index_{{n}}.{ext}", 2),
        (url + ("&" if "?" in url else "?") + "page={n}", 2),
    )
    evidence = f"a page count of {count} in a script, no page URL named: guessing its URLs"
    return [
        Pager(
            "pager_variable",
            (url, *(template.format(n=first + k) for k in range(count - 1))),
            evidence,
            template,
            first,
        )
        for template, first in schemes
    ]


def pager_links(root: etree._Element, url: str) -> Pager | None:
    """The pagination the pager's links show: a family of same-host URLs that differ in one run of
    digits, anchored by the links' texts (a page number, 下一页, 尾页)."""
    host = urlsplit(url).hostname
    links: list[tuple[str, str]] = []  # (text, absolute URL)
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        text = fold_ws(a.text_content()) or fold_ws(a.get("title") or "")
        absolute = urljoin(url, href)
        if urlsplit(absolute).hostname != host or _same_page(absolute, url):
            continue
        if text in NEXT_TEXTS or text in LAST_TEXTS or (text.isdigit() and len(text) <= 5):
            links.append((text, absolute))
    if not links:
        return None
    family = _family(links)
    if family is None:
        nexts = [u for t, u in links if t in NEXT_TEXTS]
        if nexts:
            return Pager("next_links", (url, nexts[0]), f"下一页 → {nexts[0]}")
        return None
    template, numbered = family
    total = _stated_total(root)
    says_last = any(t in LAST_TEXTS or t.isdigit() for t, u in links if u in numbered)
    if len(numbered) == 1 and not says_last and not total:
        only = next(iter(numbered))
        return Pager("next_links", (url, only), f"下一页 → {only}, no last page named")
    page2 = _page_two_number(links, numbered)
    last_number = max(numbered.values())
    if last_number < page2:
        return None
    last_page = last_number - page2 + 2
    if total and total > last_page and total <= MAX_PAGES:
        last_page = total  # a pager that shows a window of page numbers and no last link
    pages = (url, *(template.format(n=page2 + k) for k in range(last_page - 1)))
    evidence = "; ".join(f"{t} → {u}" for t, u in links[:6])
    return Pager("page_links", pages, evidence, template, page2, {"stated_total": str(total or "")})


def next_link(root: etree._Element | None, url: str) -> str | None:
    """The page's 下一页 link on the same host, if any (for pagers that name no last page)."""
    if root is None:
        return None
    host = urlsplit(url).hostname
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if fold_ws(a.text_content()) in NEXT_TEXTS and href and not href.startswith(("javascript:", "#")):
            absolute = urljoin(url, href)
            if urlsplit(absolute).hostname == host and not _same_page(absolute, url):
                return absolute
    return None


def _family(links: list[tuple[str, str]]) -> tuple[str, dict[str, int]] | None:
    """The largest group of link URLs with one skeleton (the URL with digit runs blanked) whose
    members differ in exactly one digit run: (template with `{n}` there, {URL: its number})."""
    by_skeleton: dict[str, set[str]] = {}
    for _, u in links:
        by_skeleton.setdefault(_DIGITS.sub("#", u), set()).add(u)
    best: tuple[str, dict[str, int]] | None = None
    for urls in by_skeleton.values():
        ordered = sorted(urls)
        runs = [list(_DIGITS.finditer(u)) for u in ordered]
        if not runs[0]:
            continue
        varying = [i for i in range(len(runs[0])) if len({r[i].group(0) for r in runs}) > 1]
        if len(varying) > 1:
            continue
        position = varying[0] if varying else len(runs[0]) - 1  # one URL: its last number
        sample = runs[0][position]
        head, tail = ordered[0][: sample.start()], ordered[0][sample.end() :]
        template = _escape(head) + "{n}" + _escape(tail)
        numbered = {u: int(r[position].group(0)) for u, r in zip(ordered, runs, strict=True)}
        if best is None or len(numbered) > len(best[1]):
            best = (template, numbered)
    return best


def _page_two_number(links: list[tuple[str, str]], numbered: dict[str, int]) -> int:
    """The number page 2 carries in its URL. A link that says which page it is decides: 下一页 from
    page 1 is page 2, a link "5" is page 5 (so the URL's numbering may be offset: TRS's page 2 is
    `index_1`). Without one, the smallest number of the family."""
    for text, u in links:
        if u in numbered and text in NEXT_TEXTS:
            return numbered[u]
    for text, u in links:
        if u in numbered and text.isdigit():
            return numbered[u] - int(text) + 2
    return min(numbered.values())


def _escape(part: str) -> str:
    return part.replace("{", "{{").replace("}", "}}")


def _stated_total(root: etree._Element) -> int | None:
    text = fold_ws(" ".join(root.xpath("//body//text()[not(ancestor::script)]")))[-20_000:]
    match = _TOTAL_RE.search(text)
    if not match:
        return None
    return int(next(g for g in match.groups() if g))


def _number(token: str, html: str) -> int | None:
    if token.isdigit():
        return int(token)
    names = (token, *_COUNT_VARS) if "." not in token else _COUNT_VARS
    for name in names:
        match = re.search(_VAR_RE.format(name=re.escape(name)), html)
        if match:
            return int(match.group(1))
    return None


def _directory(url: str) -> str:
    return url if url.endswith("/") else url.rsplit("/", 1)[0] + "/"


def _same_page(a: str, b: str) -> bool:
    strip = ("index.html", "index.htm", "index.shtml")
    norm = [u.split("#", 1)[0] for u in (a, b)]
    norm = [next((u.removesuffix(s) for s in strip if u.endswith(s)), u) for u in norm]
    return norm[0] == norm[1]
