"""TRS WCM static publishing, as a reusable site: URL scheme, list/section/detail pages, routing.

A site on this platform is a `TrsWcmSite` declaration (host, agency, columns, seeds, footer facts);
`build(seed, docs)` turns it into a `TrsWcmCatalog` (document generation, changes and conditional GET
come from `replica.generation` and `replica.catalog`):

- column lists `<col>/` = `<col>/index.html` (page 0), `<col>/index_<n>.html`, 20 items, newest first;
- details `<col>/<YYYYMM>/t<YYYYMMDD>_<id>.html` (the t-date usually, not always, the publish date);
- attachments `<col>/<YYYYMM>/P0<YYYYMMDD><12 digits>.<ext>` beside their document;
- section pages for every ancestor directory of a column, and the home page `/`;
- report columns may be per year (`ReportColumn` with `{year}` in its path, as on 市中区).

Generated document k depends only on (seed, host, k), never on how many there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from replica.declarations import Column, SiteDeclaration
from replica.documents import ReplicaAttachment, ReplicaDocument
from replica.generation import ColumnCatalog
from replica.platforms import trs_html
from replica.seeds import SeedDocument
from replica.web import Response, SiteRequest, redirect


@dataclass(frozen=True)
class TrsColumn(Column):
    """A TRS list column: its list markup and the banner detail pages show above the title."""

    style: str = "xxgk"  # "xxgk": div.zfxxgk_zdgkc + <b> date; "news": div.NewsList + <span> date
    banner: str | None = "政府信息公开"  # the column banner above the title on detail pages


@dataclass(frozen=True, kw_only=True)
class TrsWcmSite(SiteDeclaration):
    """Everything that differs between two TRS WCM sites; the rest is the platform's."""

    site_code: str  # 网站标识码
    icp: str
    police_record: str
    address: str
    phone: str
    nav: tuple[tuple[str, str], ...]  # (name, path) of the top navigation
    search_action: str = ""
    report_style: str = "xxgk"  # list markup of report columns made per year


class TrsWcmCatalog(ColumnCatalog):
    """A built TRS site: its documents, and the answer to any request for one of its URLs."""

    site: TrsWcmSite

    def __init__(self, site: TrsWcmSite, seed: int, docs: int) -> None:
        super().__init__(site, seed, docs)
        self.sections = set(self.section_names) - {c.path for c in self.columns}
        self._list_page = lru_cache(maxsize=1024)(self._render_list)

    def changed(self) -> None:
        if hasattr(self, "_list_page"):
            self._list_page.cache_clear()

    # ---- URL scheme ---------------------------------------------------------------------------------

    def locate(self, column: Column, doc_id: int, url_day: date) -> str:
        return f"{column.path}{url_day:%Y%m}/t{url_day:%Y%m%d}_{doc_id}.html"

    def seed_location(self, seed: SeedDocument, path: str) -> tuple[str, int, date | None]:
        column_path = path.rsplit("/", 2)[0] + "/"
        stamp = path.rsplit("/t", 1)[1][:8]
        doc_id = int(path.rsplit("_", 1)[1].split(".")[0])
        return column_path, doc_id, date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))

    def attachment_href(self, doc: ReplicaDocument, attachment: ReplicaAttachment) -> str:
        return "./" + attachment.filename

    def make_report_column(self, path: str, name: str) -> Column:
        return TrsColumn(path, name, "report", 0, style=self.site.report_style)

    # ---- pages --------------------------------------------------------------------------------------

    def route(self, request: SiteRequest) -> Response | None:
        path = request.path
        directory, _, leaf = path.rpartition("/")
        directory += "/"
        if directory in self.by_column:
            page = _list_page_number(leaf)
            if page is not None:
                return self._list(directory, page)
        if leaf in ("", "index.html") and (directory in self.sections or directory == "/"):
            return self.html(200, self._channel(directory))
        if not path.endswith("/") and (path + "/" in self.by_column or path + "/" in self.sections):
            return redirect(f"http://{self.host}{path}/")
        return None

    def _list(self, column_path: str, page: int) -> Response:
        _, pages = self.list_chunk(column_path, page)
        if page >= pages:
            return self.not_found()
        return self.html(200, self._list_page(column_path, page))

    def _render_list(self, column_path: str, page: int) -> str:
        column = self.column(column_path)
        assert isinstance(column, TrsColumn)
        chunk, pages = self.list_chunk(column_path, page)
        parent = column_path.rstrip("/").rsplit("/", 1)[0] + "/"
        siblings = [c for c in self.columns if c.path.startswith(parent)]
        return trs_html.list_page(
            self.site,
            column,
            chunk,
            page,
            pages,
            siblings,
            self.trail(column_path),
            self.section_name(column_path),
            self.foreign_list_items(column_path, page),
        )

    def _channel(self, path: str) -> str:
        below = [c for c in self.columns if c.path.startswith(path)]
        blocks = [(c.name, c.path, self.by_column[c.path][:6]) for c in below]
        name = self.name_of(path) or self.site.site_name
        return trs_html.channel_page(self.site, path, name, blocks, self.trail(path))

    def detail_parts(self, doc: ReplicaDocument, column: Column, body_html: str) -> tuple[str, str]:
        assert isinstance(column, TrsColumn)
        return trs_html.detail_page_parts(
            self.site, doc, column, body_html, column.banner, self.trail(column.path)
        )

    def body_html(
        self, blocks: list[str | list[list[str]]], links: list[tuple[str, str]], signature_lines: int
    ) -> str:
        return trs_html.body_html(blocks, links, signature_lines)

    def not_found_html(self) -> str:
        return trs_html.not_found_page(self.site)


TrsWcmSite.catalog_class = TrsWcmCatalog


def _list_page_number(leaf: str) -> int | None:
    """`` and index.html → 0; index_<n>.html → n (n ≥ 1); anything else → None."""
    if leaf in ("", "index.html"):
        return 0
    if leaf.startswith("index_") and leaf.endswith(".html"):
        number = leaf[6:-5]
        if number.isdigit() and not number.startswith("0"):
            return int(number)
    return None
