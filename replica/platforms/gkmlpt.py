"""Guangdong's 政府网站集约化平台: NFCMS site pages plus the gkmlpt 信息公开目录, as a reusable site.

A site on this platform is a `GkmlptSite` declaration; `build(seed, docs)` gives a `GkmlptCatalog` that
knows every post and answers requests (research: PLATFORMS.md §1):

- `<prefix>gkmlpt/index`: a Vue shell whose `window._CONFIG` carries the SID and the column TREE;
- `<prefix>gkmlpt/api/all/<column>?page=N&sid=SID`: the JSON list, `{classify:{…}, articles:[…]}`,
  newest first, `page_size` a page. Its quirks: page 0 and page 1 are the same page, a page past the
  last answers 404 (or an empty list, `past_last="empty"`), and a missing or wrong sid is refused;
- `<prefix>gkmlpt/content/<id // 1e6>/<id // 1e3>/post_<id>.html`: the detail, with
  `window._CONFIG.DETAIL` and the 8-label table (索引号 分类 发布机构 成文日期 名称 文号 发布日期 主题词);
- NFCMS columns `<col>/index.html`, `<col>/index_<n>.html` (n ≥ 2) listing twin pages
  `<col>/content/post_<id>.html` of the same posts (same id), with NFCMS meta tags and no table;
- attachments `<prefix>attachment/<a>/<b>/<aid>/<id>.<ext>`.

This module holds the declarations and the routing; the posts (generation, ids, twins, bodies) are
`replica.platforms.gkmlpt_posts`, the TREE and list API `replica.platforms.gkmlpt_api`, the HTML pages
`replica.platforms.gkmlpt_html`. Serving, conditional GET and the change replay are the shared
`replica.catalog.Catalog`'s: a change of a post reaches both its pages (`twins`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from random import Random
from typing import Any

from replica.challenge import ChallengeGuard, JsChallenge
from replica.content import Agency
from replica.documents import ReplicaDocument
from replica.platforms import gkmlpt_api
from replica.platforms import gkmlpt_html as html
from replica.platforms.gkmlpt_posts import Post, PostCatalog
from replica.seeds import MirroredSeed
from replica.web import Response, SiteRequest, redirect


@dataclass(frozen=True)
class GkmlptColumn:
    """A leaf of the gkmlpt TREE. `nfcms` names the NFCMS column whose pages repeat its posts."""

    id: int
    name: str
    profile: str  # wording, see replica.content
    weight: float  # share of the generated posts
    group: str  # the TREE node above it
    genre: str = "其他"  # 体裁 shown in 分类 (通知, 报告, 方案, …)
    nfcms: str | None = None
    reports: str | None = None  # the report kind this column holds (its posts are the planned reports)


@dataclass(frozen=True)
class NfcmsColumn:
    path: str
    name: str
    trail: tuple[str, ...]  # breadcrumb names between 首頁 and the column


@dataclass(frozen=True)
class GkmlptSeed:
    """A real post: its id, its column, and what its page shows beside the text."""

    text: MirroredSeed
    post_id: int
    column: int  # gkmlpt column id
    publish: datetime
    written_date: date | None
    index_serial: int
    doc_number: str = ""
    report: tuple[str, int] | None = None  # (kind, year) when the seed is one of the planned reports


@dataclass(frozen=True)
class GkmlptSite:
    host: str
    agency: Agency
    site_name: str  # 連州市人民政府門戶網站
    prefix: str  # the department's gkmlpt prefix, e.g. /qylzmzj/
    sid: str
    org_code: str  # 统一社会信用代码, the first part of 索引号
    columns: tuple[GkmlptColumn, ...]
    nfcms_columns: tuple[NfcmsColumn, ...] = ()
    jumps: tuple[tuple[int, str, str], ...] = ()  # TREE leaves with a jump_url: (id, name, url)
    seeds: tuple[GkmlptSeed, ...] = ()
    challenge: JsChallenge | None = None
    external: tuple[tuple[int, str, str], ...] = ()  # (column, title, url): reposts living on other hosts
    mirrors: tuple[str, ...] = ()  # spam mirror hosts that copy this site (linked from its pages)
    page_size: int = 10
    nfcms_page_size: int = 15
    past_last: str = "404"  # what the list API answers past its last page: "404" | "empty"
    id_base: int = 1_091_608  # post id of the first post on FIRST_DAY
    icp: str = ""
    site_code: str = ""
    charset: str = "utf-8"
    charset_in_header: bool = True
    scheme: str = "http"
    _columns_by_id: dict[int, GkmlptColumn] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._columns_by_id.update({c.id: c for c in self.columns})

    def column(self, column_id: int) -> GkmlptColumn | None:
        return self._columns_by_id.get(column_id)

    def nfcms(self, path: str) -> NfcmsColumn | None:
        return next((c for c in self.nfcms_columns if c.path == path), None)

    def detail_path(self, post_id: int) -> str:
        return f"{self.prefix}gkmlpt/content/{post_id // 1_000_000}/{post_id // 1000}/post_{post_id}.html"

    def build(self, seed: int, docs: int) -> GkmlptCatalog:
        return GkmlptCatalog(self, seed, docs)


class GkmlptCatalog(PostCatalog):
    """A built gkmlpt site: its posts' pages, the catalogue and NFCMS pages, and the answer to any request."""

    def __init__(self, site: GkmlptSite, seed: int, docs: int) -> None:
        self.guard: ChallengeGuard | None = (
            site.challenge.guard(f"{seed}:{site.host}") if site.challenge else None
        )
        super().__init__(site, seed, docs)

    # ---- serving ------------------------------------------------------------------------------------

    def handle(self, request: SiteRequest) -> Response:
        if self.guard is not None:
            refused = self.guard.check(request)
            if refused is not None:
                return refused
        return super().handle(request)

    def route(self, request: SiteRequest) -> Response | None:
        path = request.path
        gk = self.site.prefix + "gkmlpt/"
        if path in (gk + "index", gk + "index.html", gk, self.site.prefix.rstrip("/") + "/gkmlpt"):
            return self.html(200, html.index_page(self.site, gkmlpt_api.tree(self)))
        if path.startswith(gk + "api/all/"):
            return gkmlpt_api.list_response(self, path.removeprefix(gk + "api/all/"), request.query)
        if path == gk + "guide":
            return self.html(200, html.guide_page(self.site))
        directory, _, leaf = path.rpartition("/")
        column = self.site.nfcms(directory + "/")
        if column is not None:
            page = _nfcms_page_number(leaf)
            if page is not None:
                return self._nfcms_list(column, page)
        if path == "/":
            return self.html(200, html.home_page(self.site, self._newest_nfcms()))
        if not path.endswith("/") and self.site.nfcms(path + "/") is not None:
            return redirect(f"http://{self.host}{path}/")
        return None

    def gone_response(self, how: str) -> Response:
        """A withdrawn post answers the platform's "does not exist" page with its status (200 for a
        soft 404; a 302 without a Location, as the replica has always answered it here)."""
        return self.html(200 if how == "soft404" else int(how), self.not_found_html())

    def not_found_html(self) -> str:
        return html.not_found_page(self.site)

    def post(self, doc: ReplicaDocument) -> Post:
        return self._plans[doc.path]

    def column_posts(self, column_id: int) -> list[ReplicaDocument]:
        """The gkmlpt pages of one column (or of every leaf under a TREE group id), newest first."""
        prefix = f"{self.site.prefix}gkmlpt/"
        wanted = {f"{prefix}{column_id}"}
        group = next((name for gid, name in self.groups() if gid == column_id), None)
        if group is not None:
            wanted = {f"{prefix}{c.id}" for c in self.site.columns if c.group == group}
        return [d for d in self.documents if d.column in wanted]

    def nfcms_posts(self, path: str) -> list[ReplicaDocument]:
        return [d for d in self.documents if d.column == path]

    def groups(self) -> list[tuple[int, str]]:
        """TREE group nodes: the first column id of each group minus one, in declaration order."""
        out: dict[str, int] = {}
        for c in self.site.columns:
            out.setdefault(c.group, c.id - 1)
        return [(gid, name) for name, gid in out.items()]

    def _nfcms_list(self, column: NfcmsColumn, page: int) -> Response:
        posts = self.nfcms_posts(column.path)
        size = self.site.nfcms_page_size
        pages = max(1, math.ceil(len(posts) / size))
        if page > pages:
            return self.not_found()
        chunk = posts[(page - 1) * size : page * size]
        return self.html(200, html.nfcms_list_page(self.site, column, chunk, page, pages))

    def _newest_nfcms(self) -> list[tuple[NfcmsColumn, list[ReplicaDocument]]]:
        return [(c, self.nfcms_posts(c.path)[:6]) for c in self.site.nfcms_columns]

    def render_detail(self, path: str) -> tuple[bytes, bytes]:
        doc = self.by_path[path]
        blocks = self.published_blocks(doc)
        post = self._plans[path]
        if doc.path.startswith(self.site.prefix + "gkmlpt/"):
            column = self.site.column(post.column)
            assert column is not None
            before, after = html.gkmlpt_detail_parts(self.site, doc, column, blocks)
        else:
            nfcms = self.site.nfcms(doc.column)
            assert nfcms is not None
            before, after = html.nfcms_detail_parts(self.site, doc, nfcms, blocks)
        return before.encode(), after.encode()

    # ---- changes (the records `replica.changes` writes) ---------------------------------------------

    def published(self, k: int, at: datetime) -> list[ReplicaDocument]:
        return self._generate_pages(k, published=at)

    def twins(self, path: str) -> list[ReplicaDocument]:
        """The post's pages at both URLs (gkmlpt and NFCMS), as the platform publishes one post to both."""
        doc = self.by_path.get(path)
        return [] if doc is None else [d for d in self.documents if d.doc_id == doc.doc_id]

    def gone_twins(self, path: str) -> list[str]:
        if path not in self.gone:
            return []
        doc = self.gone[path][1]
        return [p for p, (_, d) in self.gone.items() if d.doc_id == doc.doc_id]

    def moved_plan(self, plan: Post, new: ReplicaDocument, change: dict) -> Post:
        return replace(plan, post_id=new.doc_id, column=int(change["column"]))

    def move_target(self, doc: ReplicaDocument, rng: Random) -> dict[str, Any] | None:
        """For `xxgk replica change --move`: the post is republished in another column under a new id
        (gkmlpt URLs carry the id, not the column), keeping its 索引号. Reports, seeds and NFCMS twins
        (no 索引号) never move."""
        post = self._plans.get(doc.path)
        if post is None or doc.kind != "generated" or not doc.index_no:
            return None
        pool = [c.id for c in self._generated if c.id != post.column and c.weight > 0]
        if not pool:
            return None
        return {"column": rng.choice(pool), "doc_id": self.site.id_base + 2_000_000 + rng.randrange(10**5)}

    def moved_document(
        self, doc: ReplicaDocument, column_id: int, doc_id: int, at: datetime
    ) -> ReplicaDocument:
        """The gkmlpt page at its new place: same 索引号, fields, body and files; new column, id and URL."""
        column = self.site.column(int(column_id))
        assert column is not None, f"{self.host}: no gkmlpt column {column_id}"
        path = self.site.detail_path(doc_id)
        return replace(
            doc, url=f"http://{self.host}{path}", path=path, column=f"{self.site.prefix}gkmlpt/{column.id}",
            column_name=column.name, doc_id=doc_id, url_date=at.date(),
            topic=f"{column.group}\\{column.genre}",
        )  # fmt: skip


def _nfcms_page_number(leaf: str) -> int | None:
    """NFCMS lists: `` and index.html → 1; index_<n>.html → n for n ≥ 2."""
    if leaf in ("", "index.html"):
        return 1
    if leaf.startswith("index_") and leaf.endswith(".html"):
        number = leaf[6:-5]
        if number.isdigit() and not number.startswith("0") and int(number) >= 2:
            return int(number)
    return None
