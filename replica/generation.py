"""Document generation for sites of list columns (TRS WCM, sxjz, 安康): `ColumnCatalog`.

A site declares its columns (`replica.declarations`); this makes its documents: dates, titles, 文号,
索引号 (in the site's declared format), topics, bodies and attachments, the planned annual reports
(`replica.reports`) placed in the site's report columns, and the seeds (real pages' text at their real
URLs). Generated document k depends only on (seed, host, k), never on how many there are. Serving and
changes are the shared `replica.catalog.Catalog`'s; a platform subclass adds its URL scheme (`locate`,
`seed_location`), its pages (`route`, `detail_parts`, `body_html`, `not_found_html`) and what its pages
show of a record (`shown`).
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any

from replica import annual_reports, content
from replica.attachment_forms import EXTENSIONS
from replica.catalog import Block, Catalog
from replica.declarations import Column, ReportColumn, SiteDeclaration
from replica.documents import ReplicaAttachment, ReplicaDocument
from replica.files import CONTENT_TYPES, attachment_form, attachment_kind, forms_of, generated_attachment
from replica.reports import PlannedReport, planned_from
from replica.seeds import SeedDocument
from replica.site_reports import site_report_plan

FIRST_DAY = date(2019, 1, 1)
LAST_DAY = date(2026, 10, 31)
REPORT_STRIDE = 3  # every third generated document is a report until all are placed
SEQ_BASE = 200  # 索引号 sequence of generated doc k is SEQ_BASE + k (seeds use numbers below it)
MOVE_BASE = 500_000  # moved documents get new ids above every generated one


@dataclass
class BodyPlan:
    """What the lazy body generator needs beyond the document record."""

    profile: str
    subject: str
    signature_lines: int
    seed: SeedDocument | None = None


class ColumnCatalog(Catalog):
    """A built site of list columns: its generated and seeded documents, placed in its columns."""

    site: SiteDeclaration

    def __init__(self, site: SiteDeclaration, seed: int, docs: int) -> None:
        super().__init__(site, seed)
        self._plans: dict[str, BodyPlan] = {}
        self.report_plan = self._report_plan()
        self.reports = [r for r in self.report_plan if r.status != "missing" and not self._seeded_report(r)]
        self.columns: list[Column] = [*site.columns, *self._report_columns()]
        self.section_names: dict[str, str] = dict(site.sections)
        for rc in site.report_columns:
            for year in sorted({r.year for r in self.report_plan if r.kind == rc.kind}):
                for path, name in rc.sections:
                    self.section_names.setdefault(path.format(year=year), name.format(year=year))
        self.section_names.update({c.path: c.name for c in self.columns})
        self._cum_weights = list(itertools.accumulate(c.weight for c in site.columns))
        generated = [self._generate(k) for k in range(docs)]
        seeded = [self._seed_document(s) for s in site.seeds]
        self.index([*seeded, *generated])

    def column_keys(self) -> Iterable[str]:
        return [c.path for c in self.columns]

    # ---- the platform's part ----------------------------------------------------------------------

    def locate(self, column: Column, doc_id: int, url_day: date) -> str:
        """The path of a detail page."""
        raise NotImplementedError

    def seed_location(self, seed: SeedDocument, path: str) -> tuple[str, int, date | None]:
        """(column path, doc id, URL date) of a seed page from its path."""
        raise NotImplementedError

    def detail_parts(self, doc: ReplicaDocument, column: Column, body_html: str) -> tuple[str, str]:
        """The detail page split around its view counter."""
        raise NotImplementedError

    def body_html(self, blocks: list[Block], links: list[tuple[str, str]], signature_lines: int) -> str:
        raise NotImplementedError

    def attachment_href(self, doc: ReplicaDocument, attachment: ReplicaAttachment) -> str:
        return attachment.path

    def shown(self, doc: ReplicaDocument) -> ReplicaDocument:
        """The record as this platform's pages show it (a field the page has no place for is None, an
        empty cell ""), so the record stays the truth a crawl is compared with."""
        return doc

    def shown_seed(self, doc: ReplicaDocument) -> ReplicaDocument:
        """Seed records are declared as the real page shows them."""
        return doc

    def make_report_column(self, path: str, name: str) -> Column:
        """A per-year report column the declaration templates (`ReportColumn` with `{year}`)."""
        return Column(path, name, "report", 0)

    # ---- links to other hosts ---------------------------------------------------------------------

    def foreign_list_items(self, column_path: str, page: int) -> list[tuple[str, str, str]]:
        """(url, title, YYYY-MM-DD) entries on another host that the first list page of a column shows
        (portal reposts, mirror copies): a crawler must never follow them."""
        if page != 0:
            return []
        newest = self.by_column[column_path][:1]
        day = f"{newest[0].publish:%Y-%m-%d}" if newest else "2024-01-02"
        return [(url, title, day) for title, url in self.site.foreign_links if not _is_file(url)]

    def foreign_body_links(self, doc: ReplicaDocument) -> list[tuple[str, str]]:
        """Files on other hosts linked from some bodies: never fetched, never stored."""
        if doc.kind != "generated" or Random(doc.key + ":foreign").random() >= 0.25:
            return []
        return [(url, title) for title, url in self.site.foreign_links if _is_file(url)]

    # ---- names ------------------------------------------------------------------------------------

    def column(self, path: str) -> Column | None:
        return next((c for c in self.columns if c.path == path), None)

    def name_of(self, path: str) -> str:
        return self.section_names.get(path, "")

    def trail(self, path: str) -> list[tuple[str, str]]:
        """Breadcrumb (name, path) pairs from the top section down to `path` (directory paths)."""
        parts = [p for p in path.split("/") if p]
        prefixes = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
        return [(self.name_of(p), p) for p in prefixes if self.name_of(p)]

    def section_name(self, column_path: str) -> str:
        parent = column_path.rstrip("/").rsplit("/", 1)[0] + "/"
        return self.name_of(parent) or self.name_of(column_path)

    # ---- reports ----------------------------------------------------------------------------------

    def _report_plan(self) -> tuple[PlannedReport, ...]:
        if not self.site.report_columns:
            return ()
        return site_report_plan(self.site.host, self.seed, self.site.seeds, self.site.known_reports)

    def _seeded_report(self, report: PlannedReport) -> bool:
        return any(s.report == (report.kind, report.year) for s in self.site.seeds)

    def _report_column_for(self, kind: str) -> ReportColumn | None:
        return next((rc for rc in self.site.report_columns if rc.kind == kind), None)

    def _report_columns(self) -> list[Column]:
        out: dict[str, Column] = {}
        declared = {c.path for c in self.site.columns}
        for rc in self.site.report_columns:
            for year in sorted({r.year for r in self.report_plan if r.kind == rc.kind}, reverse=True):
                path, name = rc.for_year(year)
                if path not in declared and path not in out:
                    out[path] = self.make_report_column(path, name)
        return list(out.values())

    # ---- generation -------------------------------------------------------------------------------

    def _generate(self, k: int, published: datetime | None = None) -> ReplicaDocument:
        site = self.site
        key = f"{self.seed}:{site.host}:{k}"
        rng = Random(key)
        slot = k // REPORT_STRIDE
        if published is None and k % REPORT_STRIDE == 0 and slot < len(self.reports):
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
        plan = BodyPlan(column.profile, subject, signature)
        return self._document(
            k, key, rng, column, publish, title, written, number, validity, plan, "generated"
        )

    def planted_report(self, change: dict) -> list[ReplicaDocument]:
        """The page of a report a season plants (`replica.season`): its kind, year and claimed date."""
        report = planned_from(change)
        self._ensure_report_column(report.kind, report.year)
        key = f"{self.seed}:{self.host}:report:{change['k']}"
        return [self._generate_report(int(change["k"]), key, Random(key), report)]

    def _ensure_report_column(self, kind: str, year: int) -> None:
        """A report year the built site has no column for yet (per-year columns: 市中区)."""
        rc = self._report_column_for(kind)
        assert rc is not None, f"{self.host}: no report column for {kind}"
        path, name = rc.for_year(year)
        if self.column(path) is not None:
            return
        self.columns.append(self.make_report_column(path, name))
        self.by_column[path] = []
        for section, title in rc.sections:
            self.section_names.setdefault(section.format(year=year), title.format(year=year))
        self.section_names[path] = name
        if hasattr(self, "sections"):  # platforms that list section pages (TRS, sxjz)
            self.sections = set(self.section_names) - {c.path for c in self.columns}
        self.changed()

    def _generate_report(self, k: int, key: str, rng: Random, report: PlannedReport) -> ReplicaDocument:
        rc = self._report_column_for(report.kind)
        assert rc is not None, f"{self.host}: no report column for {report.kind}"
        column = self.column(rc.for_year(report.year)[0])
        assert column is not None
        assert report.publish is not None and report.written is not None
        title = report.title(self.site.agency.name)
        plan = BodyPlan(report.kind, str(report.year), 2)
        doc = self._document(
            k, key, rng, column, report.publish, title, report.written, "", "有效", plan, report.kind
        )
        if report.kind == "annual_report":
            doc = replace(doc, attachments=self._report_file(doc, report.year))
        page = next(
            (p for p in self.site.known_reports if (p.kind, p.year) == (report.kind, report.year)), None
        )
        if page is None:
            return doc
        path = "/" + page.url.split("://", 1)[1].split("/", 1)[1]
        self._plans[path] = self._plans.pop(doc.path)
        return replace(
            doc,
            url=page.url,
            path=path,
            doc_id=page.doc_id,
            index_no=page.index_no or doc.index_no,
            title=page.title or doc.title,
        )

    def _document(
        self,
        k: int,
        key: str,
        rng: Random,
        column: Column,
        publish: datetime,
        title: str,
        written: date | None,
        number: str | None,
        validity: str | None,
        plan: BodyPlan,
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
        path = self.locate(column, doc_id, url_day)
        attachments = (
            self._attachments(rng, column, path, url_day, plan.subject, key) if kind == "generated" else ()
        )
        tabled = column.metadata_table
        index_no = site.index_format.format(org=site.org_code, year=publish.year, seq=SEQ_BASE + k)
        doc = ReplicaDocument(
            host=site.host,
            url=f"{site.scheme}://{site.host}{path}",
            path=path,
            column=column.path,
            column_name=column.name,
            doc_id=doc_id,
            title=title,
            publish=publish,
            url_date=url_day,
            source=site.agency.name,
            issuer=site.agency.name if tabled else None,
            index_no=index_no if tabled else None,
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
        return self.shown(doc)

    def _attachments(
        self, rng: Random, column: Column, doc_path: str, url_day: date, subject: str, key: str
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
            form = attachment_form(rng, forms_of(self.site.attachment_forms))
            ext = EXTENSIONS.get(form, "pdf") if form else attachment_kind(rng)
            path = self.site.attachment_path.format(
                doc_dir=doc_path.rsplit("/", 1)[0] + "/",
                day=url_day,
                rand=rng.randrange(10**11, 10**12),
                ext=ext,
            )
            title = f"{i + 1}.{rng.choice(names)}.{ext}"
            origin = f"{self.site.scheme}://{self.site.host}"
            out.append(generated_attachment(origin, path, title, ext, f"{key}:att{i}", form))
        return tuple(out)

    def _report_file(self, doc: ReplicaDocument, year: int) -> tuple[ReplicaAttachment, ...]:
        """The annual report's file when its form is one (`replica.annual_reports.ATTACHMENT_FORMS`)."""
        published = annual_reports.file_of(self.site.agency.name, year)
        if published is None:
            return ()
        ext, content_type = published
        path = self.site.attachment_path.format(
            doc_dir=doc.path.rsplit("/", 1)[0] + "/", day=doc.url_date or doc.publish.date(),
            rand=10**11 + doc.doc_id, ext=ext,
        )  # fmt: skip
        title = f"{doc.title}.{ext}"
        key = annual_reports.attachment_key(self.site.agency.name, year)
        url = f"{self.site.scheme}://{self.site.host}" + path
        return (ReplicaAttachment(url=url, path=path, title=title, content_type=content_type, key=key),)

    def _seed_document(self, seed: SeedDocument) -> ReplicaDocument:
        text = seed.text()
        path = "/" + seed.url.split("://", 1)[1].split("/", 1)[1]
        column_path, doc_id, url_day = self.seed_location(seed, path)
        column = self.column(column_path)
        assert column is not None, f"seed {seed.file}: column {column_path} is not declared"
        tabled = column.metadata_table
        self._plans[path] = BodyPlan("seed", "", 0, seed)
        return self.shown_seed(
            ReplicaDocument(
                host=self.site.host,
                url=seed.url,
                path=path,
                column=column.path,
                column_name=column.name,
                doc_id=doc_id,
                title=text.title,
                publish=seed.publish,
                url_date=url_day,
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
        )

    # ---- bodies -----------------------------------------------------------------------------------

    def body_blocks(self, doc: ReplicaDocument) -> list[Block]:
        """The body as the page shows it: paragraphs, and tables as lists of rows (attachments not included)."""
        plan = self._plans[doc.path]
        if plan.seed is not None:
            return list(plan.seed.text().paragraphs)
        rng = Random(doc.key + ":body")
        signed = doc.written_date or doc.publish.date()
        agency = self.site.agency
        if plan.profile == "annual_report":
            return content.annual_report_body(agency, int(plan.subject), signed, doc.key)
        if plan.profile == "rule_of_law_report":
            return list(content.rule_of_law_report_body(agency, rng, int(plan.subject), signed))
        blocks: list[Block] = list(
            content.body(
                plan.profile,
                agency,
                rng,
                subject=plan.subject,
                year=doc.publish.year,
                signed=signed if plan.signature_lines else None,
            )
        )
        if self.site.contacts and plan.signature_lines:
            who = Random(doc.key + ":contact").choice(self.site.contacts)  # the same wherever it moves
            blocks.insert(len(blocks) - plan.signature_lines, f"（联系人：{who}）")
        return blocks

    def render_detail(self, path: str) -> tuple[bytes, bytes]:
        doc = self.by_path[path]
        plan = self._plans[path]
        column = self.column(doc.column)
        assert column is not None
        links = [(self.attachment_href(doc, a), a.title) for a in doc.attachments]
        links += self.foreign_body_links(doc)
        body = self.body_html(self.published_blocks(doc), links, plan.signature_lines)
        before, after = self.detail_parts(doc, column, body)
        return self.encode(before), self.encode(after)

    # ---- moves ------------------------------------------------------------------------------------

    def move_target(self, doc: ReplicaDocument, rng: Random) -> dict[str, Any] | None:
        """For `xxgk replica change --move`: another column of the same kind, and a new id."""
        reports = {c.path for c in self.columns if c.profile == "report"}
        if doc.column in reports or doc.kind == "seed" or not doc.index_no:
            return None  # a move keeps the 索引号: pages without one are never "moved", only replaced
        pool = [
            c.path for c in self.site.columns if c.path != doc.column and c.metadata_table and c.weight > 0
        ]
        if not pool:
            return None
        return {"column": rng.choice(pool), "doc_id": self.site.id_base + MOVE_BASE + rng.randrange(10**5)}

    def moved_document(
        self, doc: ReplicaDocument, column_path: str, doc_id: int, at: datetime
    ) -> ReplicaDocument:
        """The document at its new place: same 索引号, fields, body and files; new column, id and URL.

        Files kept in the document's own directory move with it, as a CMS republishes them there (a
        page linking them relatively would otherwise point at nothing); their bytes stay the same."""
        column = self.column(column_path)
        assert column is not None, f"{self.host}: no column {column_path}"
        path = self.locate(column, doc_id, at.date())
        old_dir, new_dir = doc.path.rsplit("/", 1)[0] + "/", path.rsplit("/", 1)[0] + "/"
        files = tuple(
            replace(
                a,
                path=new_dir + a.path[len(old_dir) :],
                url=f"{self.site.scheme}://{self.host}{new_dir}{a.path[len(old_dir) :]}",
            )
            if a.path.startswith(old_dir)
            else a
            for a in doc.attachments
        )
        return replace(
            doc,
            url=f"{self.site.scheme}://{self.host}{path}",
            path=path,
            column=column.path,
            column_name=column.name,
            doc_id=doc_id,
            url_date=at.date(),
            attachments=files,
        )


def _is_file(url: str) -> bool:
    return url.rsplit(".", 1)[-1].lower() in CONTENT_TYPES
