"""TRS WCM static publishing, as a reusable site: URL scheme, document generation and routing.

A site on this platform is a `TrsWcmSite` declaration (host, agency, columns, seeds, footer facts);
`build(seed, docs)` turns it into a `TrsWcmCatalog` that knows every document and answers requests:

- column lists `<col>/` = `<col>/index.html` (page 0), `<col>/index_<n>.html`, 20 items, newest first;
- details `<col>/<YYYYMM>/t<YYYYMMDD>_<id>.html` (the t-date usually, not always, the publish date);
- attachments `<col>/<YYYYMM>/P0<YYYYMMDD><12 digits>.<ext>` beside their document;
- section pages for every ancestor directory of a column, and the home page `/`.

Generated document k depends only on (seed, host, k), never on how many there are.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from random import Random

from replica import content
from replica.content import Agency
from replica.documents import ReplicaAttachment, ReplicaDocument
from replica.files import CONTENT_TYPES, attachment_bytes
from replica.platforms import trs_html
from replica.reports import PlannedReport, report_plan
from replica.seeds import SeedDocument, load_seed
from replica.web import (
    Response,
    SiteRequest,
    html_response,
    http_date,
    not_modified,
    not_modified_since,
    redirect,
)

PAGE_SIZE = 20
BEIJING = timezone(timedelta(hours=8))
FIRST_DAY = date(2019, 1, 1)
LAST_DAY = date(2026, 10, 31)
REPORT_STRIDE = 3  # every third generated document is a report until all are placed
SEQ_BASE = 200  # 索引号 sequence of generated doc k is SEQ_BASE + k (seeds use numbers below it)


@dataclass(frozen=True)
class TrsColumn:
    """One list column. `profile` picks the wording (see replica.content); `weight` its share of docs."""

    path: str
    name: str
    profile: str
    weight: float
    style: str = "xxgk"  # "xxgk": div.zfxxgk_zdgkc + <b> date; "news": div.NewsList + <span> date
    metadata_table: bool = True  # 信息公开 pages show div.Article_xx; news and service pages do not
    banner: str | None = "政府信息公开"  # the column banner above the title on detail pages


@dataclass(frozen=True)
class TrsWcmSite:
    """Everything that differs between two TRS WCM sites; the rest is the platform's."""

    host: str
    agency: Agency
    site_name: str
    site_code: str  # 网站标识码
    icp: str
    police_record: str
    address: str
    phone: str
    org_code: str  # first part of 索引号
    sections: tuple[tuple[str, str], ...]  # (directory path, name) of every ancestor of a column
    nav: tuple[tuple[str, str], ...]  # (name, path) of the top navigation
    columns: tuple[TrsColumn, ...]
    seeds: tuple[SeedDocument, ...] = ()
    report_column: str | None = None  # where the annual reports go
    search_action: str = ""
    id_base: int = 80_000_000
    _section_names: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._section_names.update(dict(self.sections))
        self._section_names.update({c.path: c.name for c in self.columns})

    def name_of(self, path: str) -> str:
        return self._section_names.get(path, "")

    def trail(self, path: str) -> list[tuple[str, str]]:
        """Breadcrumb (name, path) pairs from the top section down to `path`."""
        parts = [p for p in path.split("/") if p]
        prefixes = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
        return [(self.name_of(p), p) for p in prefixes if self.name_of(p)]

    def section_name(self, column_path: str) -> str:
        parent = column_path.rstrip("/").rsplit("/", 1)[0] + "/"
        return self.name_of(parent) or self.name_of(column_path)

    def column(self, path: str) -> TrsColumn | None:
        return next((c for c in self.columns if c.path == path), None)

    def build(self, seed: int, docs: int) -> TrsWcmCatalog:
        return TrsWcmCatalog(self, seed, docs)


@dataclass
class _BodyPlan:
    """What the lazy body generator needs beyond the document record."""

    profile: str
    subject: str
    signature_lines: int


class TrsWcmCatalog:
    """A built TRS site: its documents, and the answer to any request for one of its URLs."""

    def __init__(self, site: TrsWcmSite, seed: int, docs: int) -> None:
        self.site = site
        self.seed = seed
        self.host = site.host
        self._plans: dict[str, _BodyPlan] = {}
        # The reports this site publishes, in placement order (missing ones are never published).
        self.report_plan = report_plan(site.host, seed)
        self.reports = [r for r in self.report_plan if r.status != "missing"]
        self._cum_weights = list(itertools.accumulate(c.weight for c in site.columns))
        generated = [self._generate(k) for k in range(docs)]
        seeded = [self._seed_document(s) for s in site.seeds]
        self.documents: list[ReplicaDocument] = sorted(
            [*seeded, *generated], key=lambda d: (d.publish, d.doc_id), reverse=True
        )
        self.by_path = {d.path: d for d in self.documents}
        self.by_column: dict[str, list[ReplicaDocument]] = {c.path: [] for c in site.columns}
        for d in self.documents:
            self.by_column[d.column].append(d)
        self.files = {a.path: (a, d) for d in self.documents for a in d.attachments}
        self.sections = {p for p, _ in site.sections}
        self._hits = itertools.count(1)
        # Changes replayed from the state directory (see `apply`).
        self.modified: dict[str, datetime] = {}
        self.added_paragraphs: dict[str, list[str]] = {}
        self.gone: dict[str, tuple[str, ReplicaDocument]] = {}  # path → ("404" | "410" | "soft404", doc)
        self._detail_parts = lru_cache(maxsize=4096)(self._render_detail_parts)
        self._list_page = lru_cache(maxsize=1024)(self._render_list)

    # ---- generation ------------------------------------------------------------------------------

    def _generate(self, k: int, published: datetime | None = None) -> ReplicaDocument:
        site = self.site
        key = f"{self.seed}:{site.host}:{k}"
        rng = Random(key)
        slot = k // REPORT_STRIDE
        if published is None and site.report_column and k % REPORT_STRIDE == 0 and slot < len(self.reports):
            return self._generate_report(k, key, rng, self.reports[slot])
        column = site.columns[bisect_right(self._cum_weights, rng.random() * self._cum_weights[-1])]
        day = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
        publish = datetime.combine(day, time(rng.randrange(8, 19), rng.randrange(60)))
        if published is not None:  # a document published by `xxgk replica change --publish`
            day, publish = published.date(), published
        title, subject = content.title(column.profile, site.agency, rng, day)
        tabled = column.metadata_table
        written = day - timedelta(days=rng.randrange(0, 11)) if tabled else None
        if not tabled:
            number = None
        elif column.profile in {"service", "policy", "notice", "plan", "standard"} and rng.random() < 0.45:
            number = content.doc_number(site.agency, rng, (written or day).year)
        else:
            number = ""
        validity = None
        if tabled:
            stale = column.profile in {"policy", "law", "service"} and day.year < 2021 and rng.random() < 0.15
            validity = "失效" if stale else "有效"
        signature = 0 if column.profile in {"news", "law", "faq", "download"} else 2
        plan = _BodyPlan(column.profile, subject, signature)
        return self._document(
            k, key, rng, column, publish, title, written, number, validity, plan, "generated"
        )

    def _generate_report(self, k: int, key: str, rng: Random, report: PlannedReport) -> ReplicaDocument:
        site = self.site
        column = site.column(site.report_column or "")
        assert column is not None, f"{site.host}: report column {site.report_column} is not declared"
        assert report.publish is not None and report.written is not None
        title = report.title(site.agency.name)
        plan = _BodyPlan(report.kind, str(report.year), 2)
        return self._document(
            k, key, rng, column, report.publish, title, report.written, "", "有效", plan, report.kind
        )

    def _document(
        self,
        k: int,
        key: str,
        rng: Random,
        column: TrsColumn,
        publish: datetime,
        title: str,
        written: date | None,
        number: str | None,
        validity: str | None,
        plan: _BodyPlan,
        kind: str,
    ) -> ReplicaDocument:
        site = self.site
        roll = rng.random()
        url_day = publish.date()
        if roll < 0.08:
            url_day += timedelta(days=rng.randrange(1, 13))  # published first, URL stamped later
        elif roll < 0.10:
            url_day -= timedelta(days=rng.randrange(1, 4))
        doc_id = site.id_base + k * 37 + rng.randrange(37)
        directory = f"{column.path}{url_day:%Y%m}/"
        path = f"{directory}t{url_day:%Y%m%d}_{doc_id}.html"
        attachments = (
            self._attachments(rng, column, directory, url_day, plan.subject, key)
            if kind == "generated"
            else ()
        )
        tabled = column.metadata_table
        doc = ReplicaDocument(
            host=site.host,
            url=f"http://{site.host}{path}",
            path=path,
            column=column.path,
            column_name=column.name,
            doc_id=doc_id,
            title=title,
            publish=publish,
            url_date=url_day,
            source=site.agency.name,
            issuer=site.agency.name if tabled else None,
            index_no=f"{site.org_code}/{publish.year}-{SEQ_BASE + k:05d}" if tabled else None,
            written_date=written,
            doc_number=number,
            topic=content.topic(column.profile) if tabled else None,
            validity=validity,
            attachments=attachments,
            kind=kind,
            key=key,
            views=rng.randrange(60, 6000),
        )
        self._plans[path] = plan
        return doc

    def _attachments(
        self, rng: Random, column: TrsColumn, directory: str, url_day: date, subject: str, key: str
    ) -> tuple[ReplicaAttachment, ...]:
        share = {"download": 0.85, "finance": 0.9}.get(column.profile, 0.3)
        if rng.random() >= share:
            return ()
        count = 1 if rng.random() < 0.7 else 2
        names = (
            f"{subject}申请审批表",
            f"{self.site.agency.city}{subject}情况统计表",
            "相关政策文件",
            f"{subject}工作方案",
        )
        out = []
        for i in range(count):
            ext = rng.choices(("pdf", "doc", "xls"), weights=(6, 3, 1))[0]
            filename = f"P0{url_day:%Y%m%d}{rng.randrange(10**11, 10**12)}.{ext}"
            path = directory + filename
            out.append(
                ReplicaAttachment(
                    url=f"http://{self.site.host}{path}",
                    path=path,
                    title=f"{i + 1}.{rng.choice(names)}.{ext}",
                    content_type=CONTENT_TYPES[ext],
                    key=f"{key}:att{i}",
                )
            )
        return tuple(out)

    def _seed_document(self, seed: SeedDocument) -> ReplicaDocument:
        text = load_seed(seed.file)
        path = "/" + seed.url.split("://", 1)[1].split("/", 1)[1]
        column_path = path.rsplit("/", 2)[0] + "/"
        column = self.site.column(column_path)
        assert column is not None, f"seed {seed.file}: column {column_path} is not declared"
        stamp = path.rsplit("/t", 1)[1][:8]
        doc_id = int(path.rsplit("_", 1)[1].split(".")[0])
        tabled = column.metadata_table
        self._plans[path] = _BodyPlan("seed", "", 0)
        return ReplicaDocument(
            host=self.site.host,
            url=seed.url,
            path=path,
            column=column.path,
            column_name=column.name,
            doc_id=doc_id,
            title=text.title,
            publish=seed.publish,
            url_date=date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:])),
            source=self.site.agency.name,
            issuer=self.site.agency.name if tabled else None,
            index_no=seed.index_no if tabled else None,
            written_date=seed.written_date,
            doc_number=seed.doc_number if tabled else None,
            topic=seed.topic if tabled else None,
            validity=seed.validity if tabled else None,
            kind="seed",
            key=seed.file,
            views=seed.views,
        )

    # ---- bodies ------------------------------------------------------------------------------------

    def body_blocks(self, doc: ReplicaDocument) -> list[str | list[list[str]]]:
        """The body as the page shows it: paragraphs, and tables as lists of rows (attachments not included)."""
        plan = self._plans[doc.path]
        if plan.profile == "seed":
            return list(load_seed(doc.key).paragraphs)
        rng = Random(doc.key + ":body")
        signed = doc.written_date or doc.publish.date()
        agency = self.site.agency
        if plan.profile == "annual_report":
            return content.annual_report_body(agency, rng, int(plan.subject), signed)
        if plan.profile == "rule_of_law_report":
            return list(content.rule_of_law_report_body(agency, rng, int(plan.subject), signed))
        return list(
            content.body(
                plan.profile,
                agency,
                rng,
                subject=plan.subject,
                year=doc.publish.year,
                signed=signed if plan.signature_lines else None,
            )
        )

    def _body_with_changes(self, doc: ReplicaDocument) -> list[str | list[list[str]]]:
        return [*self.body_blocks(doc), *self.added_paragraphs.get(doc.path, [])]

    def body_text(self, doc: ReplicaDocument) -> str:
        """Paragraphs joined by newlines (tables as tab-separated rows): what a good extractor recovers."""
        lines: list[str] = []
        for block in self._body_with_changes(doc):
            if isinstance(block, list):
                lines.extend("\t".join(row) for row in block)
            else:
                lines.append(block)
        return "\n".join(lines)

    # ---- serving -----------------------------------------------------------------------------------

    def handle(self, request: SiteRequest) -> Response:
        path = request.path
        if path in self.by_path:
            return self._detail(request, self.by_path[path])
        if path in self.files:
            return self._file(request, *self.files[path])
        if path in self.gone:
            how = self.gone[path][0]
            if how == "soft404":  # the CMS answers 200 with its "page does not exist" page
                return html_response(200, trs_html.not_found_page(self.site))
            return html_response(int(how), trs_html.not_found_page(self.site))
        directory, _, leaf = path.rpartition("/")
        directory += "/"
        if directory in self.by_column:
            page = _list_page_number(leaf)
            if page is not None:
                return self._list(self.site.column(directory), page)  # type: ignore[arg-type]
        if leaf in ("", "index.html") and (directory in self.sections or directory == "/"):
            return html_response(200, self._channel(directory))
        if not path.endswith("/") and (path + "/" in self.by_column or path + "/" in self.sections):
            return redirect(f"http://{self.host}{path}/")
        return self.not_found()

    def not_found(self) -> Response:
        return html_response(404, trs_html.not_found_page(self.site))

    def _list(self, column: TrsColumn, page: int) -> Response:
        pages = max(1, math.ceil(len(self.by_column[column.path]) / PAGE_SIZE))
        if page >= pages:
            return self.not_found()
        return html_response(200, self._list_page(column.path, page))

    def _render_list(self, column_path: str, page: int) -> str:
        column = self.site.column(column_path)
        assert column is not None
        docs = self.by_column[column_path]
        pages = max(1, math.ceil(len(docs) / PAGE_SIZE))
        parent = column_path.rstrip("/").rsplit("/", 1)[0] + "/"
        siblings = [c for c in self.site.columns if c.path.startswith(parent)]
        chunk = docs[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        return trs_html.list_page(self.site, column, chunk, page, pages, siblings)

    def _channel(self, path: str) -> str:
        below = [c for c in self.site.columns if c.path.startswith(path)]
        blocks = [(c.name, c.path, self.by_column[c.path][:6]) for c in below]
        name = self.site.name_of(path) or self.site.site_name
        return trs_html.channel_page(self.site, path, name, blocks)

    def _render_detail_parts(self, path: str) -> tuple[bytes, bytes]:
        doc = self.by_path[path]
        plan = self._plans[path]
        column = self.site.column(doc.column)
        assert column is not None
        links = [("./" + a.filename, a.title) for a in doc.attachments]
        body = trs_html.body_html(self._body_with_changes(doc), links, plan.signature_lines)
        before, after = trs_html.detail_page_parts(self.site, doc, column, body, column.banner)
        return before.encode(), after.encode()

    def _detail(self, request: SiteRequest, doc: ReplicaDocument) -> Response:
        modified = self.modified.get(doc.path, doc.publish).replace(tzinfo=BEIJING)
        headers = {"Last-Modified": http_date(modified)}
        if not_modified_since(request, modified):
            return not_modified(headers)
        before, after = self._detail_parts(doc.path)
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

    # ---- changes -----------------------------------------------------------------------------------

    def apply(self, change: dict) -> None:
        """Replay one recorded change (see `replica.changes`); each is a pure function of its record."""
        op, at = change["op"], datetime.fromisoformat(change["at"])
        if op == "publish":
            self._put(self._generate(int(change["k"]), published=at))
            return
        path = change["path"]
        if op == "restore":
            self._put(self.gone.pop(path)[1])
            self.modified[path] = at
            return
        doc = self.by_path[path]
        if op in ("withdraw", "soft404"):
            self._drop(doc)
            self.gone[path] = ("soft404" if op == "soft404" else str(change.get("status", 404)), doc)
            return
        if op != "edit":
            raise ValueError(f"unknown replica change {op!r}")
        what = change["what"]
        if what == "body":
            note = f"（{at:%Y年%m月%d日}更新：根据工作需要，对有关事项作进一步补充说明。）"
            self.added_paragraphs.setdefault(path, []).append(note)
        elif what == "validity":
            doc = replace(doc, validity="失效")
        elif what == "doc_number":
            doc = replace(doc, doc_number=change["value"])
        elif what == "title":
            doc = replace(doc, title=change["value"])
        elif what == "attachment":
            doc = replace(
                doc, attachments=tuple(replace(a, key=a.key + f":{at:%Y%m%d%H%M}") for a in doc.attachments)
            )
        else:
            raise ValueError(f"unknown replica edit {what!r}")
        self._drop(doc)
        self._put(doc)
        self.modified[path] = at

    def _put(self, doc: ReplicaDocument) -> None:
        self.by_path[doc.path] = doc
        for records in (self.documents, self.by_column[doc.column]):
            records.append(doc)
            records.sort(key=lambda d: (d.publish, d.doc_id), reverse=True)
        self.files.update({a.path: (a, doc) for a in doc.attachments})

    def _drop(self, doc: ReplicaDocument) -> None:
        self.by_path.pop(doc.path, None)
        for records in (self.documents, self.by_column[doc.column]):
            records[:] = [d for d in records if d.path != doc.path]
        for attachment in doc.attachments:
            self.files.pop(attachment.path, None)


def _list_page_number(leaf: str) -> int | None:
    """`` and index.html → 0; index_<n>.html → n (n ≥ 1); anything else → None."""
    if leaf in ("", "index.html"):
        return 0
    if leaf.startswith("index_") and leaf.endswith(".html"):
        number = leaf[6:-5]
        if number.isdigit() and not number.startswith("0"):
            return int(number)
    return None
