"""Pages of the 安康 site group (`Node-<id>.html` / `Content-<id>.html`; PLATFORMS.md §3), rendered from
`replica/templates/ankang/`.

SEEN: list items `ul.newlist li > a[title][href]` + a date span, the pager `div.page` whose last link is
`Node-<id>_<n>.html`, `meta[name=ArticleTitle|PubDate|ContentSource]`, the breadcrumb `div.location`,
the body `div.xqCent` (hbj; `#fontzoom` on www: a declaration setting), and the 信息公开 table labels
in order 文件名称 / 索引号 / 公开目录 / 公开责任部门 / 公开形式 / 文号 / 成文日期 (`2022年01月07日`) / 有效性 /
公开日期 (`2022-01-11 15:02`). The table's markup and the rest of the chrome are the group's style,
not observed on mzj.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup

from replica import chrome
from replica.templating import PagerLink, render, render_fragment, render_split

if TYPE_CHECKING:
    from replica.declarations import Column
    from replica.documents import ReplicaDocument
    from replica.platforms.ankang import AnkangSite


def _context(site: AnkangSite, title: str) -> dict[str, object]:
    return {"site": site, "chrome": chrome.for_site("ankang", site), "title": title}


def pager_links(site: AnkangSite, column: Column, page: int, pages: int) -> list[PagerLink]:
    """首页 上一页, the page numbers around the current one, 下一页 尾页."""

    def href(n: int) -> str:
        return site.list_page_path(column.path, n)

    links = [PagerLink("首页", href(1))]
    if page > 1:
        links.append(PagerLink("上一页", href(page - 1)))
    for n in range(max(1, page - 2), min(pages, page + 2) + 1):
        links.append(PagerLink(n, cls="current") if n == page else PagerLink(n, href(n)))
    if page < pages:
        links.append(PagerLink("下一页", href(page + 1)))
    return [*links, PagerLink("尾页", href(pages))]


def list_page(
    site: AnkangSite,
    column: Column,
    docs: Sequence[ReplicaDocument],
    page: int,
    pages: int,
    siblings: Sequence[Column],
    trail: Sequence[tuple[str, str]],
    foreign: Sequence[tuple[str, str, str]],
) -> str:
    return render(
        "ankang/list.html",
        **_context(site, f"{column.name}-{site.site_name}"),
        column=column, docs=docs, pages=pages, siblings=siblings, trail=trail, list_foreign=foreign,
        pager_links=pager_links(site, column, page, pages),
    )  # fmt: skip


def home_page(site: AnkangSite, blocks: Sequence[tuple[str, str, Sequence[ReplicaDocument]]]) -> str:
    return render("ankang/home.html", **_context(site, site.site_name), blocks=blocks)


def detail_page_parts(
    site: AnkangSite, doc: ReplicaDocument, column: Column, body_html: str, trail: Sequence[tuple[str, str]]
) -> tuple[str, str]:
    return render_split(
        "ankang/detail.html",
        **_context(site, f"{doc.title}-{site.site_name}"),
        doc=doc,
        trail=trail,
        body=Markup(body_html),  # rendered by `body_html` below
    )


def body_html(
    blocks: Sequence[str | list[list[str]]], links: Sequence[tuple[str, str]], signature_lines: int
) -> str:
    return render_fragment("ankang/body.html", blocks=blocks, links=links, signature_lines=signature_lines)


def not_found_page(site: AnkangSite) -> str:
    return render("ankang/not_found.html", **_context(site, f"提示信息-{site.site_name}"))
