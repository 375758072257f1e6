"""The 晋中 sxjz.gov.cn site group (FSMCMS GUESS), as a reusable replica platform.

- details `/<column path>/content_<id>` (SEEN, no extension);
- column lists: the column directory is page 1, page n is `list_page` (GUESS, a declaration setting:
  by default `<column>_<n>`, the group's older `publicity_…/spzl_<n>` scheme);
- section pages for the directories above the columns, and `/`;
- dates shown as YYYY-MM-DD, 生效日期 = 发布时间, 发布机构 / 来源 / 废止日期 empty (SEEN on both pages known),
  所属主题 = the column's name (SEEN: 计划总结 on the jhzj1 column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from replica.declarations import Column, SiteDeclaration
from replica.documents import ReplicaDocument
from replica.generation import ColumnCatalog
from replica.platforms import sxjz_html
from replica.seeds import SeedDocument
from replica.web import Response, SiteRequest, redirect


@dataclass(frozen=True, kw_only=True)
class SxjzSite(SiteDeclaration):
    site_code: str
    icp: str
    police_record: str
    address: str
    phone: str
    nav: tuple[tuple[str, str], ...]
    banner: str = "政府信息公开"
    search_sid: int = 0  # the group's `/s?sid=<site>` search (mzj's own sid is not known)
    list_page: str = "{column}_{n}"  # page n ≥ 2 of a column; `column` is its path without the final /
    show_issuer: bool = False  # 发布机构 was empty on every page seen
    show_source: bool = False  # so was 来源

    def list_page_path(self, column_path: str, n: int) -> str:
        if n <= 1:
            return column_path
        return self.list_page.format(column=column_path.rstrip("/"), n=n)


class SxjzCatalog(ColumnCatalog):
    site: SxjzSite

    def __init__(self, site: SxjzSite, seed: int, docs: int) -> None:
        super().__init__(site, seed, docs)
        self.sections = set(self.section_names) - {c.path for c in self.columns}
        self._pages = [
            (
                re.compile(
                    re.escape(site.list_page.format(column=c.path.rstrip("/"), n="NUM")).replace(
                        "NUM", "([1-9][0-9]*)"
                    )
                ),
                c.path,
            )
            for c in self.columns
        ]

    def locate(self, column: Column, doc_id: int, url_day: date) -> str:
        return f"{column.path}content_{doc_id}"

    def seed_location(self, seed: SeedDocument, path: str) -> tuple[str, int, date | None]:
        directory, _, leaf = path.rpartition("/")
        return directory + "/", int(leaf.removeprefix("content_")), None

    def shown(self, doc: ReplicaDocument) -> ReplicaDocument:
        tabled = doc.index_no is not None
        return replace(
            doc,
            url_date=None,
            issuer=(doc.issuer if self.site.show_issuer else "") if tabled else None,
            source=doc.source if self.site.show_source else "",
            topic=doc.column_name if tabled else None,
            validity=None,  # written_date stays: no 成文日期 cell, but the body is signed on that day
        )

    def shown_seed(self, doc: ReplicaDocument) -> ReplicaDocument:
        return replace(self.shown(doc), topic=doc.topic)

    def _page_of(self, path: str) -> tuple[str, int] | None:
        if path in self.by_column:
            return path, 1
        for pattern, column in self._pages:
            match = pattern.fullmatch(path)
            if match and int(match.group(1)) >= 2:
                return column, int(match.group(1))
        return None

    def route(self, request: SiteRequest) -> Response | None:
        path = request.path
        listed = self._page_of(path)
        if listed is not None:
            column_path, number = listed
            chunk, pages = self.list_chunk(column_path, number - 1)
            if number > pages:
                return None
            column = self.column(column_path)
            assert column is not None
            parent = column_path.rstrip("/").rsplit("/", 1)[0] + "/"
            siblings = [c for c in self.columns if c.path.startswith(parent)]
            foreign = self.foreign_list_items(column_path, number - 1)
            page = sxjz_html.list_page(
                self.site, column, chunk, number, pages, siblings, self.trail(column_path), foreign
            )
            return self.html(200, page)
        if path in self.sections or path == "/":
            below = [c for c in self.columns if c.path.startswith(path)]
            blocks = [(c.name, c.path, self.by_column[c.path][:6]) for c in below]
            name = self.name_of(path) or self.site.site_name
            trail = self.trail(path) if path != "/" else []
            return self.html(200, sxjz_html.channel_page(self.site, name, blocks, trail))
        if path + "/" in self.by_column or path + "/" in self.sections:
            return redirect(f"{self.site.scheme}://{self.host}{path}/")
        return None

    def detail_parts(self, doc: ReplicaDocument, column: Column, body_html: str) -> tuple[str, str]:
        return sxjz_html.detail_page_parts(self.site, doc, column, body_html, self.trail(column.path))

    def body_html(
        self, blocks: list[str | list[list[str]]], links: list[tuple[str, str]], signature_lines: int
    ) -> str:
        return sxjz_html.body_html(blocks, links, signature_lines)

    def not_found_html(self) -> str:
        return sxjz_html.not_found_page(self.site)


SxjzSite.catalog_class = SxjzCatalog
