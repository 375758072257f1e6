"""`parse_page`: one page's bytes → `ParsedPage` (type, metadata, body, tables, attachments, items).

A pure function of (html, url, hints): the HTML is parsed once with lxml and every extractor reads
that one tree.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from lxml import etree

from archive.text import normalize_text
from crawler.extraction.body import BodyResult, Region, extract_body, locate_region, trim_body
from crawler.extraction.dates import normalize_date, url_date
from crawler.extraction.dom import (
    HiddenCache,
    absolute_url,
    cjk_count,
    compiled_xpath,
    fold_ws,
    parse_html,
)
from crawler.extraction.encoding import decode_html
from crawler.extraction.hints import ExtractionHints
from crawler.extraction.labels import FIELDS, squash
from crawler.extraction.layout import Block, walk_blocks, walk_blocks_marking
from crawler.extraction.listing import ItemGroup, extract_items, is_list_page
from crawler.extraction.metadata import MetadataReader, meta_tags
from crawler.extraction.pagetype import classify_other
from crawler.extraction.signature import signature_date, signature_issuer, title_issuer
from crawler.extraction.stylesheet import mark_stylesheet_hidden
from crawler.extraction.title import drop_leading_title, find_title, hinted_title


@dataclass
class ParsedPage:
    """Everything the archive keeps from one page; `None` for a field the page does not show."""

    url: str
    page_type: str = "other"
    other_reason: str | None = None
    title: str | None = None
    index_no: str | None = None
    issuer: str | None = None
    source: str | None = None
    written_date: str | None = None
    publish_date: str | None = None
    effective_date: str | None = None
    abolish_date: str | None = None
    doc_number: str | None = None
    topic: str | None = None
    validity: str | None = None
    keywords: str | None = None
    url_date: str | None = None
    body: str = ""
    # The body folded for search (`normalize.normalize_text`); set for detail pages only.
    search_text: str | None = None
    tables: list[list[list[str]]] = field(default_factory=list)
    attachments: list[dict[str, str]] = field(default_factory=list)
    items: list[dict[str, str | None]] = field(default_factory=list)
    encoding: str = "utf-8"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _meta_source(metas: dict[str, str]) -> str | None:
    """`<meta name="ContentSource">`, unless it names the site itself (a CMS default, not a source)."""
    src = fold_ws(metas.get("contentsource", ""))
    if not src or len(src) > 80:
        return None
    site = fold_ws(metas.get("sitename", ""))
    return None if site and squash(src) == squash(site) else src


def parse_page(
    body: bytes | str, url: str, hints: ExtractionHints | None = None, *, header_charset: str | None = None
) -> ParsedPage:
    """Parse one fetched page (see the package docstring for the fields).

    Steps: decode, parse once, locate the content region, read the labelled metadata, extract the body,
    fill what the labels left unsaid from the document itself (signature, 题注, title), then type the
    page: a list keeps its items, `other` keeps nothing, a detail keeps everything."""
    hints = hints or ExtractionHints()
    if isinstance(body, bytes):
        text, encoding = decode_html(body, header_charset)
    else:
        text, encoding = body, "utf-8"
    root = parse_html(text)
    if root is None:
        return ParsedPage(url=url, other_reason="empty", url_date=url_date(url), encoding=encoding)
    if not mark_stylesheet_hidden(root):
        return _parse_tree(root, text, url, hints, encoding)
    page = _parse_tree(root, text, url, hints, encoding)
    if page.page_type != "detail":
        # The stylesheet is believed only while the page still reads as a document: a sheet that hides
        # the content until a script shows it must not cost the archive the document.
        unstyled = _parse_tree(parse_html(text), text, url, hints, encoding)  # type: ignore[arg-type]
        if unstyled.page_type == "detail":
            return unstyled
    return page


def _parse_tree(
    root: etree._Element, text: str, url: str, hints: ExtractionHints, encoding: str
) -> ParsedPage:
    page = ParsedPage(url=url, url_date=url_date(url), encoding=encoding)
    # Every element, in document order, for the metadata reader's whole-page pass, listed first: the
    # list holds lxml's Python proxy of each element for the whole parse, so the walk and every later
    # pass reuse them instead of allocating and freeing one per element per pass.
    elements = list(root.iter(etree.Element))
    hidden = HiddenCache()
    scopes = _metadata_scopes(root, hints, hidden)
    # The whole document, not just <body>: broken markup often leaves content parsed after </body>.
    # The same walk gives the blocks of the hinted metadata scopes (see `walk_blocks_marking`).
    doc_blocks, scope_blocks = walk_blocks_marking(root, frozenset(scopes), hidden)
    region = locate_region(root, hints.content_xpaths, hidden, doc_blocks)
    reader = _read_metadata(root, hidden, scopes, scope_blocks, doc_blocks, region, elements)
    fields = reader.resolve()
    labelled = set(fields)  # what the page's own label/value blocks state, before any fallback
    metas = meta_tags(root)
    _from_meta_tags(fields, metas)
    fields["title"] = find_title(
        root,
        metas,
        fields.get("title") or hinted_title(root, hints.title_xpaths),
        region.el if region is not None else None,
    )

    links_base = _links_base(root, url)
    result = extract_body(root, region, hidden, links_base, reader.meta_groups, hints.chrome_strings)
    group = extract_items(root, links_base, hints.list_item_xpaths, hidden, text)
    # Rows read from a comment or a script's data make a list only on a page that labels no document
    # (索引号, 文号, …).
    off_page_only = group.off_page and bool(labelled & _DOCUMENT_LABELS)
    if result.untrimmed is not None and not off_page_only and _list_whatever_the_cut(group, result, text):
        return _listing(url, fields.get("title"), page.url_date, encoding, group)
    trim_body(result)
    result.text = drop_leading_title(result.text, fields.get("title"))
    _from_the_document(fields, _signed_text(result), reader.slots)
    for name in FIELDS:
        setattr(page, name, fields.get(name))
    page.body, page.tables, page.attachments = result.text, result.tables, result.attachments

    body_cjk = cjk_count(result.text)
    if not off_page_only and is_list_page(group, body_cjk, text, _document_element(result, body_cjk)):
        return _listing(url, page.title, page.url_date, encoding, group)
    reason = None
    if not (page.title and _is_attachment_document(page)):
        visible = "\n".join(b.text for b in doc_blocks)
        has_labels = bool(labelled & _DOCUMENT_LABELS)
        reason = classify_other(root, text, visible, body_cjk, result.text, has_labels)
        if reason is None and not (page.title and body_cjk >= 10):
            reason = "empty"
    if reason:
        # A challenge, shell or error page says nothing about any document: no field survives.
        return ParsedPage(url=url, other_reason=reason, url_date=page.url_date, encoding=encoding)
    page.page_type = "detail"
    page.search_text = normalize_text(page.body)
    return page


def _listing(url: str, title: str | None, day: str | None, encoding: str, group: ItemGroup) -> ParsedPage:
    """A list page keeps its title and its items, nothing of a document."""
    listing = ParsedPage(url=url, page_type="list", title=title, url_date=day, encoding=encoding)
    listing.items = group.items
    return listing


def _list_whatever_the_cut(group: ItemGroup, result: BodyResult, raw_html: str) -> bool:
    """True when the page is a list whatever span of its density region's paragraphs trafilatura keeps
    (`result.text` still holds them all): the cut (a run of those paragraphs) and the dropped title
    (a leading part) leave at most the Chinese characters and 。 of the whole, and `is_list_page` only
    says "list" more readily with fewer: with a smaller body, and with no document element (a
    density region is one only with 40 Chinese characters and two 。, and can only veto a list). So
    when the whole, taken as the document if it could be one, reads as a list, every cut does, and
    trafilatura (most of a column page's parse) need not run: a list keeps nothing of the body."""
    upper = cjk_count(result.text)
    document_el = _document_element(result, upper)
    return is_list_page(group, upper, raw_html, document_el)


def _metadata_scopes(
    root: etree._Element, hints: ExtractionHints, hidden: HiddenCache
) -> list[etree._Element]:
    """The visible elements the site's metadata XPaths select, in hint order (repeats kept: each is
    read once per XPath that selects it). Selected before anything is read: reading changes no tree."""
    out: list[etree._Element] = []
    for xp in hints.metadata_xpaths:
        try:
            found = compiled_xpath(xp)(root)
        except etree.XPathError:
            continue
        out += [scope for scope in found if isinstance(scope, etree._Element) and not hidden(scope)]
    return out


def _read_metadata(
    root: etree._Element,
    hidden: HiddenCache,
    scopes: list[etree._Element],
    scope_blocks: dict[etree._Element, list[Block]],
    doc_blocks: list[Block],
    region: Region | None,
    elements: list[etree._Element],
) -> MetadataReader:
    """Every label/value candidate of the page: the site's metadata blocks first, then the whole page.
    `scope_blocks` holds the blocks of the scopes the page's walk could give; any other is walked."""
    reader = MetadataReader(root, hidden, elements)
    for scope in scopes:
        reader.read_structural(scope, hinted=True)
        blocks = scope_blocks.get(scope)
        reader.read_runs(walk_blocks(scope) if blocks is None else blocks, set(), hinted=True)
        reader.meta_groups.add(scope)
    reader.read_structural(root, hinted=False)
    in_region: set[int] = set()
    if region is not None:
        region_nodes = set(region.el.iter())
        in_region = {i for i, b in enumerate(doc_blocks) if b.el in region_nodes}
    reader.read_runs(doc_blocks, in_region)
    reader.read_table_rows(doc_blocks)
    return reader


def _from_meta_tags(fields: dict[str, str], metas: dict[str, str]) -> None:
    """`<meta>` values where no label gave one: the CMS's publish time and content source."""
    if "publish_date" not in fields:
        for name in ("pubdate", "publishdate", "publishtime", "article:published_time"):
            iso = normalize_date(metas.get(name))
            if iso:
                fields["publish_date"] = iso
                break
    if "source" not in fields:
        src = _meta_source(metas)
        if src:
            fields["source"] = src


def _from_the_document(fields: dict[str, str], body: str, slots: set[str]) -> None:
    """What a 公文 states about itself where the labels said nothing: the 发文字号 heading it, the signed
    date closing it (or its 题注), and its issuer (signature or title), the last only when the page
    has no issuer field at all (an empty one means "not stated")."""
    if "doc_number" not in fields:
        number = _body_doc_number(body)
        if number:
            fields["doc_number"] = number
    if "written_date" not in fields and body:
        written = signature_date(body)
        if written:
            fields["written_date"] = written
    if "issuer" not in fields and "issuer" not in slots:
        issuer = signature_issuer(body) or title_issuer(fields.get("title"))
        if issuer:
            fields["issuer"] = issuer


_ATTACHMENT_LABEL_RE = re.compile(r"^附件\s*\d*\s*[:：]?\s*(?:\d+[.、．]\s*)?")


def _signed_text(result: BodyResult) -> str:
    """The body without the attachment lines that may follow its signature (each the text of a link to
    one of the document's files, after an optional 附件：): the signature reader wants the date last."""
    names = {fold_ws(a["name"]) for a in result.attachments if a.get("name")}
    if not names:
        return result.text
    lines = result.text.split("\n")
    while lines and (
        not lines[-1].strip() or fold_ws(_ATTACHMENT_LABEL_RE.sub("", lines[-1].strip())) in names
    ):
        lines.pop()
    return "\n".join(lines)


def _links_base(root: etree._Element, url: str) -> str:
    """What the page's relative links resolve against: its `<base href>`, else its own URL."""
    base = root.find(".//head/base")
    href = (base.get("href") or "").strip() if base is not None else ""
    return (absolute_url(url, href) or url) if href else url


def _document_element(result: BodyResult, body_cjk: int) -> etree._Element | None:
    """The region, when it holds a document of its own: a CMS container (or hinted one) with text, or a
    region found by density whose text runs in sentences (a footer or a menu does not)."""
    region = result.region
    if region is None or body_cjk < 10:
        return None
    if region.confident or (body_cjk >= 40 and result.text.count("。") >= 2):
        return region.el
    return None


# Labels only a document page carries: with any of them a page is a document, whatever else it says.
_DOCUMENT_LABELS = frozenset({"index_no", "doc_number", "publish_date", "written_date"})
_DOCUMENT_FIELDS = ("index_no", "doc_number", "issuer", "written_date", "publish_date")


def _is_attachment_document(page: ParsedPage) -> bool:
    """A document published as a file: a title, its metadata block and the attachment, no body text."""
    return bool(page.attachments) and sum(getattr(page, f) is not None for f in _DOCUMENT_FIELDS) >= 2


_DOC_NUMBER_RE = re.compile(r"^[\u4e00-\u9fff]{0,12}[〔\[［(（]\d{4}[〕\]］)）]\s*第?\d{1,5}号$")


def _body_doc_number(body: str) -> str | None:
    """A 发文字号 standing alone on one of the body's first lines (the header of a 公文)."""
    for line in [ln.strip() for ln in body.split("\n") if ln.strip()][:4]:
        if _DOC_NUMBER_RE.match(line):
            return line
    return None
