"""The posts of a Guangdong 集约化 site (`replica.platforms.gkmlpt`): generated, planned reports and
seeds, each published at its gkmlpt URL and, when its column is also an NFCMS column, at an NFCMS twin.

Kept apart from the platform's routing and API because it is document generation: post ids grow with
their publish time, as on the real platform; generated post k depends only on (seed, host, k); annual
reports follow `replica.reports.report_plan`, and a seed standing for a planned report takes its place.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from random import Random
from typing import TYPE_CHECKING

from replica import annual_reports, content
from replica.catalog import Block, Catalog
from replica.documents import ReplicaAttachment, ReplicaDocument
from replica.files import attachment_kind, generated_attachment
from replica.reports import KINDS as REPORT_KINDS
from replica.reports import PlannedReport, planned_from, report_plan
from replica.seeds import load_mirrored_seed

if TYPE_CHECKING:
    from replica.platforms.gkmlpt import GkmlptSeed, GkmlptSite

FIRST_DAY = date(2019, 1, 1)
LAST_DAY = date(2026, 10, 31)
ID_PER_DAY = 400  # the platform's post ids grow by a few hundred a day across the province
SEQ_BASE = 200  # 索引号 serial of generated post k is SEQ_BASE + k


@dataclass(frozen=True)
class Post:
    """What both pages of a post share; the ReplicaDocuments are its views at each URL."""

    post_id: int
    column: int
    profile: str  # body wording, or "seed" / a report kind
    subject: str
    signature: bool


class PostCatalog(Catalog):
    """A gkmlpt site's posts and their pages; `replica.platforms.gkmlpt.GkmlptCatalog` serves them."""

    site: GkmlptSite

    def __init__(self, site: GkmlptSite, seed: int, docs: int) -> None:
        super().__init__(site, seed)
        self._generated = [c for c in site.columns if c.reports is None]
        self._cum_weights = list(itertools.accumulate(c.weight for c in self._generated))
        self._plans: dict[str, Post] = {}  # page path → its post
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
        self.index(records)

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
        post = Post(self._new_id(publish, rng), column.id, column.profile, subject, column.profile != "news")
        serial = SEQ_BASE + k
        return self._documents(post, rng, key, title, publish, written, number, serial, "generated")

    def _report_documents(self, planned: PlannedReport) -> list[ReplicaDocument]:
        column = next(c for c in self.site.columns if c.reports == planned.kind)
        key = f"{self.seed}:{self.host}:{planned.kind}:{planned.year}"
        rng = Random(key)
        assert planned.publish is not None
        post = Post(self._new_id(planned.publish, rng), column.id, planned.kind, str(planned.year), True)
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
        post = Post(s.post_id, column.id, "seed", "", True)
        return self._documents(
            post, Random(s.text.file), s.text.file, text.title, s.publish, s.written_date,
            s.doc_number, s.index_serial, "seed",
        )  # fmt: skip

    def _documents(
        self,
        post: Post,
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
        if kind == "annual_report":
            attachments = self._report_file(post)
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
        self._plans[path] = post
        out = [gk]
        if column.nfcms:
            twin_path = f"{column.nfcms}content/post_{post.post_id}.html"
            nfcms = site.nfcms(column.nfcms)
            twin = replace(
                gk, url=f"http://{site.host}{twin_path}", path=twin_path, column=column.nfcms,
                column_name=nfcms.name if nfcms is not None else column.name,
                issuer=None, index_no=None, doc_number=None, topic=None,
            )  # fmt: skip
            self._plans[twin_path] = post
            out.append(twin)
        return out

    def _report_file(self, post: Post) -> tuple[ReplicaAttachment, ...]:
        """The annual report's file when its form is one (`replica.annual_reports.ATTACHMENT_FORMS`)."""
        year = int(post.subject)
        published = annual_reports.file_of(self.site.agency.name, year)
        if published is None:
            return ()
        ext, content_type = published
        aid = post.post_id * 3 + 2
        path = (
            f"{self.site.prefix}attachment/{aid // 1_000_000}/{aid // 1000}/{aid}/{post.post_id}_report.{ext}"
        )
        key = annual_reports.attachment_key(self.site.agency.name, year)
        title = f"{self.site.agency.name}{year}年政府信息公开工作年度报告.{ext}"
        url = f"http://{self.host}" + path
        return (ReplicaAttachment(url=url, path=path, title=title, content_type=content_type, key=key),)

    def _attachments(self, rng: Random, post: Post, key: str) -> tuple[ReplicaAttachment, ...]:
        if rng.random() >= 0.3:
            return ()
        out = []
        for i in range(1 if rng.random() < 0.7 else 2):
            ext = attachment_kind(rng)
            aid = post.post_id * 3 + i
            path = f"{self.site.prefix}attachment/{aid // 1_000_000}/{aid // 1000}/{aid}/{post.post_id}_{i}.{ext}"
            name = rng.choice(
                (f"{post.subject}申请表", f"{self.site.agency.city}{post.subject}情况统计表", "相关政策文件")
            )
            out.append(
                generated_attachment(f"http://{self.host}", path, f"{name}.{ext}", ext, f"{key}:att{i}")
            )
        return tuple(out)

    # ---- bodies -------------------------------------------------------------------------------------

    def body_blocks(self, doc: ReplicaDocument) -> list[Block]:
        post = self._plans[doc.path]
        agency = self.site.agency
        signed = doc.written_date or doc.publish.date()
        if post.profile == "seed":
            seed = next(s for s in self.site.seeds if s.post_id == post.post_id)
            blocks: list[Block] = list(load_mirrored_seed(seed.text).paragraphs)
        elif post.profile == "annual_report":
            blocks = content.annual_report_body(agency, int(post.subject), signed, doc.key)
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
        return blocks
