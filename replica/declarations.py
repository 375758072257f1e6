"""What a site of list columns declares (TRS WCM, sxjz, 安康): its host, agency, columns, seeds,
report columns and the settings where its pages differ from its platform's defaults.

Kept apart from the catalogs because a declaration is data: the site modules (`replica.sites`) and
tests import it without building anything. A site is a `SiteDeclaration` subclass of its platform,
whose `catalog_class` builds it (`replica.generation.ColumnCatalog` and the platform's routing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from replica.content import Agency
from replica.seeds import SeedDocument
from replica.site_reports import KnownReport, ReportColumn

if TYPE_CHECKING:
    from replica.generation import ColumnCatalog

PAGE_SIZE = 20


@dataclass(frozen=True)
class Column:
    """One list column. `profile` picks the wording (see replica.content); `weight` its share of docs."""

    path: str  # the column's key: its directory (TRS, sxjz) or list page (安康 /Node-<id>.html)
    name: str
    profile: str
    weight: float
    metadata_table: bool = True  # 信息公开 pages show the metadata block; news pages do not


@dataclass(frozen=True, kw_only=True)
class SiteDeclaration:
    """What every site declares, whatever its platform."""

    catalog_class: ClassVar[type[ColumnCatalog]]

    host: str
    agency: Agency
    site_name: str
    columns: tuple[Column, ...]
    seeds: tuple[SeedDocument, ...] = ()
    sections: tuple[tuple[str, str], ...] = ()  # (directory path, name) above the columns
    report_columns: tuple[ReportColumn, ...] = ()
    known_reports: tuple[KnownReport, ...] = ()
    org_code: str = ""
    index_format: str = "{org}/{year}-{seq:05d}"  # 索引号; fields org, year, seq
    # Attachments: directory and file name, fields doc_dir (the detail's directory), day, rand, ext.
    attachment_path: str = "{doc_dir}P0{day:%Y%m%d}{rand}.{ext}"
    # The forms its generated attachments take, with weights: () is a text PDF, a .doc or an .xls as
    # replica/files.py makes them; else "pdf" (a text PDF) and replica/attachment_forms.py's FORMS.
    attachment_forms: tuple[tuple[str, float], ...] = ()
    id_base: int = 80_000_000
    page_size: int = PAGE_SIZE  # list items per page
    scheme: str = "http"  # of the canonical URLs (the replica itself is plain HTTP either way)
    charset: str = "utf-8"  # the bytes' encoding; gb2312 is served as GB18030 bytes (its superset)
    charset_in_header: bool = True  # False: Content-Type says only text/html, the page's <meta> says the rest
    contacts: tuple[str, ...] = ()  # names for "联系人" lines in generated bodies (rare characters welcome)
    # Links to other hosts the real pages show (portal, mirrors that copy gov pages): (title, url).
    foreign_links: tuple[tuple[str, str], ...] = ()

    def column(self, path: str) -> Column | None:
        return next((c for c in self.columns if c.path == path), None)

    def build(self, seed: int, docs: int) -> ColumnCatalog:
        return self.catalog_class(self, seed, docs)


__all__ = ["PAGE_SIZE", "Column", "KnownReport", "ReportColumn", "SiteDeclaration"]
