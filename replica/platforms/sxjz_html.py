"""Pages of the 晋中 sxjz.gov.cn site group (research/jinzhong.md, PLATFORMS.md §4), rendered from
`replica/templates/sxjz/`.

SEEN on `mzj.sxjz.gov.cn/xxgk/fdzdgknr/jhzj1/content_178425` and in seed 000, in this order: the header
`晋中市民政局 / 政府信息公开 / 全文检索`, the two-column label block 索引号 | 发布机构 / 生效日期 | 废止日期 /
`文 号` (a space inside) | 所属主题, the title, `来源: 发布时间:YYYY-MM-DD 浏览次数: 【字体:`, the body,
`【打印正文】 【字体:`, and a login dialog (`×` `用户登录`). The markup around those strings was not
observed: the `li`/`span` label block, `div.conTxt` body (SEEN on www.sxjz.gov.cn) and the list/pager
markup (`div.pager` with `/共N页`, SEEN on the group's search pages) are the group's, placed here.
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
    from replica.platforms.sxjz import SxjzSite


def _context(site: SxjzSite, title: str, foreign: Sequence[tuple[str, str]] = ()) -> dict[str, object]:
    return {"site": site, "chrome": chrome.for_site("sxjz", site), "title": title, "foreign": foreign}


def pager_links(site: SxjzSite, column: Column, page: int, pages: int) -> list[PagerLink]:
    """`首页 上一页 下一页 尾页 1/共N页` with the group's `<column>_<n>` list URLs (page 1 is the column)."""

    def href(n: int) -> str:
        return site.list_page_path(column.path, n)

    links = [PagerLink("首页", href(1))]
    if page > 1:
        links.append(PagerLink("上一页", href(page - 1)))
    if page < pages:
        links.append(PagerLink("下一页", href(page + 1)))
    return [*links, PagerLink("尾页", href(pages)), PagerLink(f"{page}/共{pages}页")]


def list_page(
    site: SxjzSite,
    column: Column,
    docs: Sequence[ReplicaDocument],
    page: int,
    pages: int,
    siblings: Sequence[Column],
    trail: Sequence[tuple[str, str]],
    foreign: Sequence[tuple[str, str, str]],
) -> str:
    return render(
        "sxjz/list.html",
        **_context(site, f"{column.name}-{site.site_name}"),
        column=column, docs=docs, siblings=siblings, trail=trail, list_foreign=foreign,
        pager_links=pager_links(site, column, page, pages),
    )  # fmt: skip


def channel_page(
    site: SxjzSite,
    name: str,
    blocks: Sequence[tuple[str, str, Sequence[ReplicaDocument]]],
    trail: Sequence[tuple[str, str]],
) -> str:
    context = _context(site, f"{name}-{site.site_name}", site.foreign_links)
    return render("sxjz/channel.html", **context, blocks=blocks, trail=trail)


def detail_page_parts(
    site: SxjzSite, doc: ReplicaDocument, column: Column, body_html: str, trail: Sequence[tuple[str, str]]
) -> tuple[str, str]:
    return render_split(
        "sxjz/detail.html",
        **_context(site, f"{doc.title}-{site.site_name}"),
        doc=doc,
        column=column,
        trail=trail,
        body=Markup(body_html),  # rendered by `body_html` below
    )


def body_html(
    blocks: Sequence[str | list[list[str]]], links: Sequence[tuple[str, str]], signature_lines: int
) -> str:
    return render_fragment("sxjz/body.html", blocks=blocks, links=links, signature_lines=signature_lines)


def not_found_page(site: SxjzSite) -> str:
    return render("sxjz/not_found.html", **_context(site, f"页面不存在-{site.site_name}"))
