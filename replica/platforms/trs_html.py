"""TRS WCM pages (Guizhou 集约化 flavour), rendered from `replica/templates/trs_wcm/`.

The markup is what the crawler must cope with on the real sites: `div.path` breadcrumbs, list items in
`div.zfxxgk_zdgkc` (date in `<b>`) or `div.NewsList` (date in `<span>`), the inline
`createPageHTML(<pages>, <current>, "index", "html")` pager, `meta[name=ArticleTitle|PubDate|ContentSource]`,
the `div.Article_xx` metadata table and the `div.TRS_UEDITOR.trs_paper_default` body. These functions
only choose the template and hand it the site, its chrome and the page's values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup

from replica import chrome
from replica.templating import render, render_fragment, render_split

if TYPE_CHECKING:
    from replica.documents import ReplicaDocument
    from replica.platforms.trs_wcm import TrsColumn, TrsWcmSite


def _page(name: str, site: TrsWcmSite, title: str, column_name: str = "", **context: object) -> str:
    return render(
        f"trs_wcm/{name}.html",
        site=site,
        chrome=chrome.for_site("trs", site),
        title=title,
        column_name=column_name,
        **context,
    )


def list_page(
    site: TrsWcmSite,
    column: TrsColumn,
    docs: Sequence[ReplicaDocument],
    page: int,
    pages: int,
    siblings: Sequence[TrsColumn],
    trail: Sequence[tuple[str, str]],
    section: str,
    foreign: Sequence[tuple[str, str, str]] = (),
) -> str:
    """One list page; `foreign` entries (url, title, date) link to other hosts, as reposts do."""
    return _page(
        "list", site, f"{column.name}_{site.site_name}", column.name, column=column, docs=docs,
        page=page, pages=pages, siblings=siblings, trail=trail, section=section, foreign=foreign,
    )  # fmt: skip


def channel_page(
    site: TrsWcmSite,
    path: str,
    name: str,
    blocks: Sequence[tuple[str, str, Sequence[ReplicaDocument]]],
    trail: Sequence[tuple[str, str]],
) -> str:
    """A section's landing page: one box per column below it, with its newest items."""
    title = f"{name}_{site.site_name}" if path != "/" else site.site_name
    return _page("channel", site, title, name, blocks=blocks, trail=trail if path != "/" else [])


def detail_page_parts(
    site: TrsWcmSite,
    doc: ReplicaDocument,
    column: TrsColumn,
    body_html: str,
    banner: str | None,
    trail: Sequence[tuple[str, str]],
) -> tuple[str, str]:
    """The page split around its view counter, so the rest is rendered once and cached."""
    return render_split(
        "trs_wcm/detail.html",
        site=site,
        chrome=chrome.for_site("trs", site),
        title=f"{doc.title}_{site.site_name}",
        column_name=column.name,
        doc=doc,
        banner=banner,
        trail=trail,
        body=Markup(body_html),  # rendered by `body_html` below
    )


def body_html(
    blocks: Sequence[str | list[list[str]]], attachments: Sequence[tuple[str, str]], signature_lines: int
) -> str:
    """Paragraphs (`<p>` each), tables, and the 附件 links placed before the signature, as in a 公文."""
    return render_fragment(
        "trs_wcm/body.html", blocks=blocks, links=attachments, signature_lines=signature_lines
    )


def not_found_page(site: TrsWcmSite) -> str:
    return _page("not_found", site, f"404-页面不存在_{site.site_name}")
