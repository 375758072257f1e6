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

Posts get ids that grow with their publish time, as on the real platform. Generated post k depends
only on (seed, host, k). Annual reports follow `replica.reports.report_plan`; a seed standing for a
planned report takes its place.
"""

from __future__ import annotations

import itertools
import json
import math
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from random import Random
from typing import Any
from urllib.parse import parse_qs

from replica import content
from replica.catalog_changes import claimed
from replica.challenge import ChallengeGuard, JsChallenge
from replica.content import Agency
from replica.documents import ReplicaAttachment, ReplicaDocument
from replica.files import CONTENT_TYPES, attachment_bytes
from replica.platforms import gkmlpt_html as html
from replica.reports import PlannedReport, planned_from, report_plan
from replica.seeds import MirroredSeed, load_mirrored_seed
from replica.web import (
    Response,
    SiteRequest,
    html_response,
    http_date,
    not_modified,
    not_modified_since,
    redirect,
)

BEIJING = timezone(timedelta(hours=8))
FIRST_DAY = date(2019, 1, 1)
LAST_DAY = date(2026, 10, 31)
ID_PER_DAY = 400  # the platform's post ids grow by a few hundred a day across the province
SEQ_BASE = 200  # 索引号 serial of generated post k is SEQ_BASE + k
REPORT_KINDS = ("annual_report", "rule_of_law_report")


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


@dataclass(frozen=True)
class _Post:
    """What both pages of a post share; the ReplicaDocuments are its views at each URL."""

    post_id: int
    column: int
    profile: str  # body wording, or "seed" / a report kind
    subject: str
    signature: bool


class GkmlptCatalog:
    """A built gkmlpt site: posts, their gkmlpt and NFCMS pages, and the answer to any request."""

    def __init__(self, site: GkmlptSite, seed: int, docs: int) -> None:
        self.site = site
        self.seed = seed
        self.host = site.host
        self.guard: ChallengeGuard | None = (
            site.challenge.guard(f"{seed}:{site.host}") if site.challenge else None
        )
        self._generated = [c for c in site.columns if c.reports is None]
        self._cum_weights = list(itertools.accumulate(c.weight for c in self._generated))
        self._posts: dict[str, _Post] = {}  # path → post
        self._ids: set[int] = set()
        self.report_plan: tuple[PlannedReport, ...] = self._plan_reports()  # the truth the audit is tested on
        records: list[ReplicaDocument] = []
        for s in site.seeds:
            records.extend(self._seed_documents(s))
        for planned in self.report_plan:
            if planned.publish is not None and not self._seed_for(planned):
                records.extend(self._report_documents(planned))
        for k in range(docs):
            records.extend(self._generate_pages(k))
        self.documents: list[ReplicaDocument] = sorted(records, key=_order, reverse=True)
        self.by_path = {d.path: d for d in self.documents}
        self.files = {a.path: (a, d) for d in self.documents for a in d.attachments}
        self.modified: dict[str, datetime] = {}
        self.added_paragraphs: dict[int, list[str]] = {}  # post id → paragraphs added by edits
        self.gone: dict[str, tuple[str, ReplicaDocument]] = {}
        self.moved: dict[str, str] = {}  # old path → new path (the old URL answers 404)
        self._hits = itertools.count(1)
        self._page = lru_cache(maxsize=4096)(self._render_detail)
        self.next_publication: datetime | None = None  # on simulated time: the next hidden page's date

    def hide_after(self, moment: datetime) -> None:
        """Simulated time: the site as it was at `moment` (Beijing wall time) shows no page dated later."""
        later = [d.publish for d in self.documents if d.publish > moment]
        self.next_publication = min(later, default=None)
        if later:
            self.documents = [d for d in self.documents if d.publish <= moment]
            self.by_path = {d.path: d for d in self.documents}
            self.files = {a.path: (a, d) for d in self.documents for a in d.attachments}
            self._page.cache_clear()

    def planted_report(self, change: dict) -> list[ReplicaDocument]:
        """The pages of a report a season plants (`replica.season`): its kind, year and claimed date."""
        return self._report_documents(planned_from(change))

    # ---- reports ------------------------------------------------------------------------------------

    def _plan_reports(self) -> tuple[PlannedReport, ...]:
        """The shared plan, with each seed that *is* one of the planned reports in its slot."""
        plan = list(report_plan(self.host, self.seed))
        for s in self.site.seeds:
            if s.report is None:
                continue
            kind, year = s.report
            plan = [p for p in plan if (p.kind, p.year) != (kind, year)]
            deadline = PlannedReport(kind, year, "on_time", s.publish, s.written_date).due
            status = "on_time" if s.publish.date() <= deadline else "late"
            plan.append(PlannedReport(kind, year, status, s.publish, s.written_date))
        return tuple(sorted(plan, key=lambda p: (-p.year, REPORT_KINDS.index(p.kind))))

    def _seed_for(self, planned: PlannedReport) -> GkmlptSeed | None:
        return next((s for s in self.site.seeds if s.report == (planned.kind, planned.year)), None)

    # ---- generation ---------------------------------------------------------------------------------

    def _new_id(self, publish: datetime, rng: Random) -> int:
        """Ids grow with time; a clash (two posts in one slot) takes the next free id."""
        day = (publish.date() - FIRST_DAY).days
        minute = publish.hour * 60 + publish.minute
        post_id = self.site.id_base + day * ID_PER_DAY + minute * ID_PER_DAY // 1440 + rng.randrange(5)
        while post_id in self._ids:
            post_id += 1
        self._ids.add(post_id)
        return post_id

    def _generate(self, k: int, published: datetime | None = None) -> ReplicaDocument:
        """Generated post k's gkmlpt page (what `replica.changes` names when it plans a publish)."""
        return self._generate_pages(k, published)[0]

    def _generate_pages(self, k: int, published: datetime | None = None) -> list[ReplicaDocument]:
        site = self.site
        key = f"{self.seed}:{site.host}:{k}"
        rng = Random(key)
        column = self._generated[bisect_right(self._cum_weights, rng.random() * self._cum_weights[-1])]
        day = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
        publish = datetime.combine(day, time(rng.randrange(8, 19), rng.randrange(60), rng.randrange(60)))
        if published is not None:  # published by `xxgk replica change --publish`
            publish, day = published, published.date()
        title, subject = content.title(column.profile, site.agency, rng, day)
        written = day - timedelta(days=rng.randrange(0, 11))
        number = ""
        if column.profile in {"service", "policy", "notice", "plan"} and rng.random() < 0.45:
            number = content.doc_number(site.agency, rng, written.year)
        post = _Post(self._new_id(publish, rng), column.id, column.profile, subject, column.profile != "news")
        serial = SEQ_BASE + k
        return self._documents(post, rng, key, title, publish, written, number, serial, "generated")

    def _report_documents(self, planned: PlannedReport) -> list[ReplicaDocument]:
        column = next(c for c in self.site.columns if c.reports == planned.kind)
        key = f"{self.seed}:{self.host}:{planned.kind}:{planned.year}"
        rng = Random(key)
        assert planned.publish is not None
        post = _Post(self._new_id(planned.publish, rng), column.id, planned.kind, str(planned.year), True)
        serial = 10 + REPORT_KINDS.index(planned.kind) * 20 + (planned.year - 2017)
        title = planned.title(self.site.agency.name)
        return self._documents(
            post, rng, key, title, planned.publish, planned.written, "", serial, planned.kind
        )

    def _seed_documents(self, s: GkmlptSeed) -> list[ReplicaDocument]:
        text = load_mirrored_seed(s.text)
        column = self.site.column(s.column)
        assert column is not None, f"seed {s.text.file}: column {s.column} is not declared"
        self._ids.add(s.post_id)
        post = _Post(s.post_id, column.id, "seed", "", True)
        return self._documents(
            post, Random(s.text.file), s.text.file, text.title, s.publish, s.written_date,
            s.doc_number, s.index_serial, "seed",
        )  # fmt: skip

    def _documents(
        self,
        post: _Post,
        rng: Random,
        key: str,
        title: str,
        publish: datetime,
        written: date | None,
        number: str,
        serial: int,
        kind: str,
    ) -> list[ReplicaDocument]:
        """The post's gkmlpt page, and its NFCMS twin when its column is also an NFCMS column."""
        site = self.site
        column = site.column(post.column)
        assert column is not None
        attachments = self._attachments(rng, post, key) if kind == "generated" else ()
        path = site.detail_path(post.post_id)
        gk = ReplicaDocument(
            host=site.host,
            url=f"http://{site.host}{path}",
            path=path,
            column=f"{site.prefix}gkmlpt/{column.id}",
            column_name=column.name,
            doc_id=post.post_id,
            title=title,
            publish=publish,
            url_date=publish.date(),
            source=site.agency.name,
            issuer=site.agency.name,
            index_no=f"{site.org_code}/{publish.year}-{serial:05d}",
            written_date=written,
            doc_number=number,
            topic=f"{column.group}\\{column.genre}",
            validity=None,
            attachments=attachments,
            kind=kind,
            key=key,
            views=rng.randrange(60, 6000),
        )
        self._posts[path] = post
        out = [gk]
        if column.nfcms:
            twin_path = f"{column.nfcms}content/post_{post.post_id}.html"
            twin = replace(
                gk, url=f"http://{site.host}{twin_path}", path=twin_path, column=column.nfcms,
                column_name=(site.nfcms(column.nfcms) or NfcmsColumn("", column.name, ())).name,
                issuer=None, index_no=None, doc_number=None, topic=None,
            )  # fmt: skip
            self._posts[twin_path] = post
            out.append(twin)
        return out

    def _attachments(self, rng: Random, post: _Post, key: str) -> tuple[ReplicaAttachment, ...]:
        if rng.random() >= 0.3:
            return ()
        out = []
        for i in range(1 if rng.random() < 0.7 else 2):
            ext = rng.choices(("pdf", "doc", "xls"), weights=(6, 3, 1))[0]
            aid = post.post_id * 3 + i
            path = f"{self.site.prefix}attachment/{aid // 1_000_000}/{aid // 1000}/{aid}/{post.post_id}_{i}.{ext}"
            name = rng.choice(
                (f"{post.subject}申请表", f"{self.site.agency.city}{post.subject}情况统计表", "相关政策文件")
            )
            out.append(
                ReplicaAttachment(
                    url=f"http://{self.host}{path}",
                    path=path,
                    title=f"{name}.{ext}",
                    content_type=CONTENT_TYPES[ext],
                    key=f"{key}:att{i}",
                )
            )
        return tuple(out)

    # ---- bodies -------------------------------------------------------------------------------------

    def body_blocks(self, doc: ReplicaDocument) -> list[str | list[list[str]]]:
        post = self._posts[doc.path]
        agency = self.site.agency
        signed = doc.written_date or doc.publish.date()
        if post.profile == "seed":
            seed = next(s for s in self.site.seeds if s.post_id == post.post_id)
            blocks: list[str | list[list[str]]] = list(load_mirrored_seed(seed.text).paragraphs)
        elif post.profile == "annual_report":
            blocks = content.annual_report_body(agency, Random(doc.key + ":body"), int(post.subject), signed)
        elif post.profile == "rule_of_law_report":
            blocks = list(
                content.rule_of_law_report_body(agency, Random(doc.key + ":body"), int(post.subject), signed)
            )
        else:
            blocks = list(
                content.body(
                    post.profile, agency, Random(doc.key + ":body"), subject=post.subject,
                    year=doc.publish.year, signed=signed if post.signature else None,
                )
            )  # fmt: skip
        return [*blocks, *self.added_paragraphs.get(post.post_id, [])]

    def body_text(self, doc: ReplicaDocument) -> str:
        return content.blocks_text(self.body_blocks(doc))

    # ---- serving ------------------------------------------------------------------------------------

    def handle(self, request: SiteRequest) -> Response:
        if self.guard is not None:
            refused = self.guard.check(request)
            if refused is not None:
                return refused
        path = request.path
        if path in self.by_path:
            return self._detail(request, self.by_path[path])
        if path in self.files:
            return self._file(request, *self.files[path])
        if path in self.gone:
            how = self.gone[path][0]
            return html_response(200 if how == "soft404" else int(how), html.not_found_page(self.site))
        gk = self.site.prefix + "gkmlpt/"
        if path in (gk + "index", gk + "index.html", gk, self.site.prefix.rstrip("/") + "/gkmlpt"):
            return html_response(200, html.index_page(self.site, self._tree()))
        if path.startswith(gk + "api/all/"):
            return self._api(path.removeprefix(gk + "api/all/"), request.query)
        if path == gk + "guide":
            return html_response(200, html.guide_page(self.site))
        directory, _, leaf = path.rpartition("/")
        column = self.site.nfcms(directory + "/")
        if column is not None:
            page = _nfcms_page_number(leaf)
            if page is not None:
                return self._nfcms_list(column, page)
        if path == "/":
            return html_response(200, html.home_page(self.site, self._newest_nfcms()))
        if not path.endswith("/") and self.site.nfcms(path + "/") is not None:
            return redirect(f"http://{self.host}{path}/")
        return self.not_found()

    def not_found(self) -> Response:
        return html_response(404, html.not_found_page(self.site))

    def column_posts(self, column_id: int) -> list[ReplicaDocument]:
        """The gkmlpt pages of one column (or of every leaf under a TREE group id), newest first."""
        prefix = f"{self.site.prefix}gkmlpt/"
        wanted = {f"{prefix}{column_id}"}
        group = next((name for gid, name in self._groups() if gid == column_id), None)
        if group is not None:
            wanted = {f"{prefix}{c.id}" for c in self.site.columns if c.group == group}
        return [d for d in self.documents if d.column in wanted]

    def nfcms_posts(self, path: str) -> list[ReplicaDocument]:
        return [d for d in self.documents if d.column == path]

    def _groups(self) -> list[tuple[int, str]]:
        """TREE group nodes: the first column id of each group minus one, in declaration order."""
        out: dict[str, int] = {}
        for c in self.site.columns:
            out.setdefault(c.group, c.id - 1)
        return [(gid, name) for name, gid in out.items()]

    def _tree(self) -> list[dict]:
        tree = []
        for gid, name in self._groups():
            children = [
                {"id": c.id, "name": c.name, "parent": gid, "children": [], "jump_url": "",
                 "post_count": len(self.column_posts(c.id))}
                for c in self.site.columns if c.group == name
            ]  # fmt: skip
            count = sum(int(child["post_count"]) for child in children)
            tree.append(
                {
                    "id": gid,
                    "name": name,
                    "parent": 0,
                    "children": children,
                    "jump_url": "",
                    "post_count": count,
                }
            )
        for jid, name, url in self.site.jumps:
            tree.append(
                {"id": jid, "name": name, "parent": 0, "children": [], "jump_url": url, "post_count": 0}
            )
        return tree

    def _api(self, rest: str, query: str) -> Response:
        params = parse_qs(query)
        if not rest.isdigit():
            return self.not_found()
        if params.get("sid", [""])[0] != self.site.sid:
            return _json(400, {"code": 400, "msg": "sid不能为空或不存在"})
        column_id = int(rest)
        known = self.site.column(column_id) is not None or any(g == column_id for g, _ in self._groups())
        if not known:
            return _json(200, {"classify": None, "articles": []})
        raw = params.get("page", ["1"])[0]
        page = int(raw) if raw.isdigit() else 1
        page = max(page, 1)  # page 0 is page 1
        posts = self.column_posts(column_id)
        size = self.site.page_size
        pages = max(1, math.ceil(len(posts) / size))
        if page > pages:
            if self.site.past_last == "404":
                return self.not_found()
            chunk: list[ReplicaDocument] = []
        else:
            chunk = posts[(page - 1) * size : page * size]
        name = next((c.name for c in self.site.columns if c.id == column_id), None) or next(
            n for g, n in self._groups() if g == column_id
        )
        articles = [html.article_json(self.site, d, self._posts[d.path]) for d in chunk]
        if page == 1:
            articles.extend(
                html.external_article(title, url, i)
                for i, (cid, title, url) in enumerate(self.site.external)
                if cid == column_id
            )
        classify = {"id": column_id, "name": name, "parent": 0, "post_count": len(posts), "theme_count": 0}
        return _json(200, {"classify": classify, "articles": articles})

    def _nfcms_list(self, column: NfcmsColumn, page: int) -> Response:
        posts = self.nfcms_posts(column.path)
        size = self.site.nfcms_page_size
        pages = max(1, math.ceil(len(posts) / size))
        if page > pages:
            return self.not_found()
        chunk = posts[(page - 1) * size : page * size]
        return html_response(200, html.nfcms_list_page(self.site, column, chunk, page, pages))

    def _newest_nfcms(self) -> list[tuple[NfcmsColumn, list[ReplicaDocument]]]:
        return [(c, self.nfcms_posts(c.path)[:6]) for c in self.site.nfcms_columns]

    def _render_detail(self, path: str) -> tuple[bytes, bytes]:
        doc = self.by_path[path]
        blocks = self.body_blocks(doc)
        post = self._posts[path]
        if doc.path.startswith(self.site.prefix + "gkmlpt/"):
            column = self.site.column(post.column)
            assert column is not None
            before, after = html.gkmlpt_detail_parts(self.site, doc, column, blocks)
        else:
            nfcms = self.site.nfcms(doc.column)
            assert nfcms is not None
            before, after = html.nfcms_detail_parts(self.site, doc, nfcms, blocks)
        return before.encode(), after.encode()

    def _detail(self, request: SiteRequest, doc: ReplicaDocument) -> Response:
        modified = self.modified.get(doc.path, doc.publish).replace(tzinfo=BEIJING)
        headers = {"Last-Modified": http_date(modified)}
        if not_modified_since(request, modified):
            return not_modified(headers)
        before, after = self._page(doc.path)
        views = str(doc.views + next(self._hits)).encode()
        return Response(
            200,
            {"Content-Type": "text/html; charset=utf-8", "Server": "nginx", **headers},
            before + views + after,
        )

    def _file(self, request: SiteRequest, attachment: ReplicaAttachment, doc: ReplicaDocument) -> Response:
        modified = self.modified.get(doc.path, doc.publish).replace(tzinfo=BEIJING)
        headers = {"Last-Modified": http_date(modified), "Accept-Ranges": "bytes"}
        if not_modified_since(request, modified):
            return not_modified(headers)
        ext = attachment.path.rsplit(".", 1)[1]
        body = attachment_bytes(attachment.key, ext, attachment.title)
        return Response(200, {"Content-Type": attachment.content_type, "Server": "nginx", **headers}, body)

    # ---- changes (the records `replica.changes` writes) ---------------------------------------------

    def apply(self, change: dict) -> None:
        """Replay one recorded change. An edit, withdrawal or move of a post applies to its pages at
        both URLs (gkmlpt and NFCMS), as the platform publishes one post to both."""
        op, at = change["op"], datetime.fromisoformat(change["at"])
        if op in ("publish", "report"):
            if op == "publish":  # dated when it appears, unless the record says what the page claims
                pages = self._generate_pages(int(change["k"]), published=claimed(change))
            else:
                pages = self.planted_report(change)
            for doc in pages:
                self._put(doc)
            return
        path = change["path"]
        if op == "restore":
            for twin in self._twins_gone(path) if path in self.gone else []:
                self._put(self.gone.pop(twin)[1])
                self.modified[twin] = at
            return
        doc = self.by_path.get(path)
        if doc is None:  # its twin's withdrawal or move already took this page away
            return
        twins = [d for d in self.documents if d.doc_id == doc.doc_id]
        if op in ("withdraw", "soft404"):
            how = "soft404" if op == "soft404" else str(change.get("status", 404))
            for twin in twins:
                self._drop(twin)
                self.gone[twin.path] = (how, twin)
            return
        if op == "move":
            self._move(doc, change, at)
            return
        if op != "edit":
            raise ValueError(f"unknown replica change {op!r}")
        what = change["what"]
        if what == "body":
            note = f"（{at:%Y年%m月%d日}更新：根据工作需要，对有关事项作进一步补充说明。）"
            self.added_paragraphs.setdefault(doc.doc_id, []).append(note)
        for twin in twins:
            edited = _edited(twin, what, change, at)
            self._drop(twin)
            self._put(edited)
            self.modified[twin.path] = at

    def move_target(self, doc: ReplicaDocument, rng: Random) -> dict[str, Any] | None:
        """For `xxgk replica change --move`: the post is republished in another column under a new id
        (gkmlpt URLs carry the id, not the column), keeping its 索引号. Reports, seeds and NFCMS twins
        (no 索引号) never move."""
        post = self._posts.get(doc.path)
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

    def _move(self, doc: ReplicaDocument, change: dict, at: datetime) -> None:
        """The old URLs (the gkmlpt page and its NFCMS twin) are simply gone; the new page is gkmlpt's."""
        new = self.moved_document(doc, int(change["column"]), int(change["doc_id"]), at)
        post = self._posts[doc.path]
        self._posts[new.path] = replace(post, post_id=new.doc_id, column=int(change["column"]))
        if post.post_id in self.added_paragraphs:
            self.added_paragraphs[new.doc_id] = self.added_paragraphs[post.post_id]
        for old in [d for d in self.documents if d.doc_id == doc.doc_id]:
            self._drop(old)
            self.gone[old.path] = ("404", old)
            self.moved[old.path] = new.path
        self._put(new)
        self.modified[new.path] = at

    def _twins_gone(self, path: str) -> list[str]:
        doc = self.gone[path][1]
        return [p for p, (_, d) in self.gone.items() if d.doc_id == doc.doc_id]

    def _put(self, doc: ReplicaDocument) -> None:
        self.by_path[doc.path] = doc
        self.documents.append(doc)
        self.documents.sort(key=_order, reverse=True)
        self.files.update({a.path: (a, doc) for a in doc.attachments})
        self._page.cache_clear()

    def _drop(self, doc: ReplicaDocument) -> None:
        self.by_path.pop(doc.path, None)
        self.documents[:] = [d for d in self.documents if d.path != doc.path]
        for attachment in doc.attachments:
            self.files.pop(attachment.path, None)
        self._page.cache_clear()


def _edited(doc: ReplicaDocument, what: str, change: dict, at: datetime) -> ReplicaDocument:
    if what == "body":
        return doc
    if what == "validity":
        return doc  # the gkmlpt table has no 有效性 row: nothing on the page changes but the date
    if what == "doc_number":
        return replace(doc, doc_number=change["value"]) if doc.index_no is not None else doc
    if what == "title":
        return replace(doc, title=change["value"])
    if what == "attachment":
        return replace(
            doc, attachments=tuple(replace(a, key=a.key + f":{at:%Y%m%d%H%M}") for a in doc.attachments)
        )
    if what == "publish_date":
        return replace(doc, publish=datetime.fromisoformat(change["value"]))
    raise ValueError(f"unknown replica edit {what!r}")


def _order(doc: ReplicaDocument) -> tuple[datetime, int, str]:
    return (doc.publish, doc.doc_id, doc.path)


def _json(status: int, value: dict) -> Response:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status, {"Content-Type": "application/json;charset=UTF-8", "Server": "nginx"}, body)


def _nfcms_page_number(leaf: str) -> int | None:
    """NFCMS lists: `` and index.html → 1; index_<n>.html → n for n ≥ 2."""
    if leaf in ("", "index.html"):
        return 1
    if leaf.startswith("index_") and leaf.endswith(".html"):
        number = leaf[6:-5]
        if number.isdigit() and not number.startswith("0") and int(number) >= 2:
            return int(number)
    return None
