"""Pages of the Guangdong platform: NFCMS pages, the gkmlpt shell, details, rendered from
`replica/templates/gkmlpt/`.

The chrome is in traditional characters as on the 连州 pages (您當前所在的位置, 發布時間, 字體大小,
瀏覽次數:-, 無障礙 長者助手 我的收藏 收藏); the documents themselves (titles, bodies, the gkmlpt metadata
table) are simplified.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from replica import chrome
from replica.platforms.gkmlpt_api import unix_time
from replica.templating import PagerLink, render, render_fragment, render_split

if TYPE_CHECKING:
    from markupsafe import Markup

    from replica.documents import ReplicaDocument
    from replica.platforms.gkmlpt import GkmlptColumn, GkmlptSite, NfcmsColumn

Blocks = Sequence[str | list[list[str]]]


def _context(site: GkmlptSite, title: str) -> dict[str, Any]:
    return {"site": site, "chrome": chrome.for_site("nfcms", site), "title": title}


def body_html(blocks: Blocks, attachments: Sequence[tuple[str, str]], signature: bool) -> Markup:
    """Paragraphs, tables, 附件 links (class nfw-cms-attachment) before the two signature lines."""
    return render_fragment("gkmlpt/body.html", blocks=blocks, links=attachments, signature=signature)


def _signed(blocks: Blocks) -> bool:
    """A generated body ends with the agency and date lines unless it is a news item."""
    return len(blocks) >= 2 and isinstance(blocks[-1], str) and blocks[-1].endswith("日")


def _post_body(doc: ReplicaDocument, blocks: Blocks) -> Markup:
    links = [(a.path, a.title) for a in doc.attachments]
    return body_html(blocks, links, doc.kind != "generated" or _signed(blocks))


# ---- NFCMS --------------------------------------------------------------------------------------------


def nfcms_pager_links(page: int, pages: int) -> list[PagerLink]:
    """首頁 上一頁, every page number, 下一頁 尾頁 (`index.html`, `index_<n>.html`)."""

    def href(n: int) -> str:
        return "index.html" if n == 1 else f"index_{n}.html"

    links = []
    if page > 1:
        links += [PagerLink("首頁", href(1)), PagerLink("上一頁", href(page - 1), "prev")]
    links += [
        PagerLink(n, cls="current") if n == page else PagerLink(n, href(n)) for n in range(1, pages + 1)
    ]
    if page < pages:
        links += [PagerLink("下一頁", href(page + 1), "next"), PagerLink("尾頁", href(pages), "last")]
    return links


def nfcms_list_page(
    site: GkmlptSite, column: NfcmsColumn, docs: Sequence[ReplicaDocument], page: int, pages: int
) -> str:
    return render(
        "gkmlpt/nfcms_list.html",
        **_context(site, f"{column.name}-{site.site_name}"),
        column=column,
        docs=docs,
        pager_links=nfcms_pager_links(page, pages),
    )


def nfcms_detail_parts(
    site: GkmlptSite, doc: ReplicaDocument, column: NfcmsColumn, blocks: Blocks
) -> tuple[str, str]:
    """An NFCMS post page, split where the hit counter script takes its number."""
    return render_split(
        "gkmlpt/nfcms_detail.html",
        **_context(site, f"{doc.title}-{site.site_name}"),
        doc=doc,
        column=column,
        body=_post_body(doc, blocks),
    )


def home_page(site: GkmlptSite, columns: Sequence[tuple[NfcmsColumn, Sequence[ReplicaDocument]]]) -> str:
    return render("gkmlpt/home.html", **_context(site, site.site_name), columns=columns)


def not_found_page(site: GkmlptSite) -> str:
    return render("gkmlpt/not_found.html", **_context(site, "404-頁面不存在"))


# ---- gkmlpt -------------------------------------------------------------------------------------------


def index_page(site: GkmlptSite, tree: list[dict[str, Any]]) -> str:
    """The Vue shell: the catalogue is drawn by script from `_CONFIG.TREE` and the list API."""
    return render("gkmlpt/index.html", **_context(site, f"{site.agency.name}政府信息公開目錄"), tree=tree)


def guide_page(site: GkmlptSite) -> str:
    return render("gkmlpt/guide.html", **_context(site, f"{site.agency.name}政府信息公開指南"))


def gkmlpt_detail_parts(
    site: GkmlptSite, doc: ReplicaDocument, column: GkmlptColumn, blocks: Blocks
) -> tuple[str, str]:
    """A gkmlpt detail: `_CONFIG.DETAIL` (JSON; `</` escaped) + the 8-label table + the body, split at
    the view counter."""
    body = _post_body(doc, blocks)
    detail = {
        "id": doc.doc_id,
        "title": doc.title,
        "abstract": "",
        "content": body,
        "identifier": doc.index_no,
        "publisher": doc.issuer,
        "date": unix_time(doc.publish),
        "attachment": [{"name": a.title, "url": a.url} for a in doc.attachments],
    }
    context = _context(site, doc.title)
    return render_split("gkmlpt/detail.html", **context, doc=doc, column=column, detail=detail, body=body)
