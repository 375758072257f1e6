"""The 安康 site group (`Node-<id>.html` lists, `Content-<id>.html` details), as a replica platform.

- lists `/Node-<id>.html` (page 1) and `/Node-<id>_<n>.html` (PLATFORMS.md §3: the pager's last link
  matches `_(\\d+)\\.html$`; a declaration setting in case a site differs), 20 items, newest first;
- details `/Content-<id>.html` at the site root, whatever the column: the 信息公开 table's 公开目录 says
  which column a document is filed in;
- the home page `/` with the newest items of every column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from replica.declarations import Column, SiteDeclaration
from replica.documents import ReplicaDocument
from replica.generation import ColumnCatalog
from replica.platforms import ankang_html
from replica.seeds import SeedDocument
from replica.web import Response, SiteRequest


@dataclass(frozen=True, kw_only=True)
class AnkangSite(SiteDeclaration):
    site_code: str
    icp: str
    police_record: str
    address: str
    phone: str
    nav: tuple[tuple[str, str], ...]
    search_sid: int = 0
    body_class: str = "xqCent"  # hbj; www.ankang.gov.cn uses #fontzoom (both are on the page here)
    list_page: str = "/Node-{node}_{n}.html"
    crumbs: tuple[tuple[str, str], ...] = ()  # (name, path) of the breadcrumb above every column

    def list_page_path(self, column_path: str, n: int) -> str:
        if n <= 1:
            return column_path
        node = column_path.removeprefix("/Node-").removesuffix(".html")
        return self.list_page.format(node=node, n=n)


class AnkangCatalog(ColumnCatalog):
    site: AnkangSite

    def __init__(self, site: AnkangSite, seed: int, docs: int) -> None:
        super().__init__(site, seed, docs)
        self._page_re = re.compile(
            re.escape(site.list_page.format(node="NODE", n="NUM"))
            .replace("NODE", "([0-9]+)")
            .replace("NUM", "([1-9][0-9]*)")
        )

    def locate(self, column: Column, doc_id: int, url_day: date) -> str:
        return f"/Content-{doc_id}.html"

    def seed_location(self, seed: SeedDocument, path: str) -> tuple[str, int, date | None]:
        assert seed.column, f"seed {seed.file}: an 安康 Content- URL does not name its column; declare it"
        return seed.column, int(path.removeprefix("/Content-").removesuffix(".html")), None

    def shown(self, doc: ReplicaDocument) -> ReplicaDocument:
        """No URL date; the table's 公开目录 (the column) is the only topic-like field shown."""
        return replace(doc, url_date=None, topic=doc.column_name if doc.index_no is not None else None)

    def shown_seed(self, doc: ReplicaDocument) -> ReplicaDocument:
        return self.shown(doc)

    def route(self, request: SiteRequest) -> Response | None:
        path = request.path
        number = 1
        column_path: str | None = path if path in self.by_column else None
        match = self._page_re.fullmatch(path) if column_path is None else None
        if match and int(match.group(2)) >= 2:
            column_path, number = f"/Node-{match.group(1)}.html", int(match.group(2))
        if column_path is not None and column_path in self.by_column:
            chunk, pages = self.list_chunk(column_path, number - 1)
            if number > pages:
                return None
            column = self.column(column_path)
            assert column is not None
            trail = [*self.site.crumbs, (column.name, column.path)]
            page = ankang_html.list_page(
                self.site,
                column,
                chunk,
                number,
                pages,
                self.columns,
                trail,
                self.foreign_list_items(column_path, number - 1),
            )
            return self.html(200, page)
        if path in ("/", "/index.html"):
            blocks = [(c.name, c.path, self.by_column[c.path][:8]) for c in self.columns]
            return self.html(200, ankang_html.home_page(self.site, blocks))
        return None

    def detail_parts(self, doc: ReplicaDocument, column: Column, body_html: str) -> tuple[str, str]:
        trail = [*self.site.crumbs, (column.name, column.path)]
        return ankang_html.detail_page_parts(self.site, doc, column, body_html, trail)

    def body_html(
        self, blocks: list[str | list[list[str]]], links: list[tuple[str, str]], signature_lines: int
    ) -> str:
        return ankang_html.body_html(blocks, links, signature_lines)

    def not_found_html(self) -> str:
        return ankang_html.not_found_page(self.site)


AnkangSite.catalog_class = AnkangCatalog
