"""A site's report plan: the shared plan (`replica.reports`) with the slots its real pages fill.

A seed page, or a report page the research found (`KnownReport`), is what the site shows for its slot:
its date decides on time or late. The audit is tested against this plan, so it must be what the pages
say, and every site must still have a late and a missing report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from replica.reports import PlannedReport, due_date, report_plan
from replica.seeds import SeedDocument


@dataclass(frozen=True)
class ReportColumn:
    """Where one kind of report goes. `path`, `name` and the section entries may contain `{year}` (the
    report's year) for sites that open a column per year (市中区 `/zw/gknb/<year>nbxknb/…`)."""

    kind: str  # "annual_report" | "rule_of_law_report"
    path: str
    name: str
    sections: tuple[tuple[str, str], ...] = ()  # (directory, name) ancestors to create per year

    def for_year(self, year: int) -> tuple[str, str]:
        return self.path.format(year=year), self.name.format(year=year)


@dataclass(frozen=True)
class KnownReport:
    """A report page the research found without its text (title, URL, 索引号, maybe its date): the plan's
    slot is placed there, and its status follows the known date."""

    kind: str
    year: int
    url: str
    doc_id: int
    index_no: str | None = None
    title: str | None = None
    publish: datetime | None = None  # None: unknown; the plan's date is kept (the page exists: never missing)


def site_report_plan(
    host: str, seed: int, seeds: Iterable[SeedDocument], known_reports: Iterable[KnownReport]
) -> tuple[PlannedReport, ...]:
    """The shared plan, with slots a real (seed) page fills taken from that page: the truth the
    audit is tested against is what the site shows."""
    seeded = {s.report: s for s in seeds if s.report}
    known = {(k.kind, k.year): k for k in known_reports}
    plan = []
    for r in report_plan(host, seed):
        seed_page, page = seeded.get((r.kind, r.year)), known.get((r.kind, r.year))
        if seed_page is not None:
            r = _as_published(r, seed_page.publish, seed_page.written_date)
        elif page is not None and page.publish is not None:
            r = _as_published(r, page.publish, page.publish.date())
        elif page is not None and r.publish is None:  # the page exists: not missing, date unknown
            day = due_date(r.kind, r.year) - timedelta(days=7)
            r = PlannedReport(r.kind, r.year, "on_time", datetime.combine(day, time(10, 0)), day)
        plan.append(r)
    return _keep_every_status(plan, set(seeded) | set(known))


def _as_published(r: PlannedReport, publish: datetime, written: date | None) -> PlannedReport:
    status = "late" if publish.date() > due_date(r.kind, r.year) else "on_time"
    return PlannedReport(r.kind, r.year, status, publish, written)


def _keep_every_status(plan: list[PlannedReport], seeded: set) -> tuple[PlannedReport, ...]:
    """A seed filling a slot must not leave the site without a late or a missing report: the audit is
    tested on every verdict at every site. The newest free on-time slot takes the lost status."""
    for status in ("missing", "late"):
        if any(r.status == status for r in plan):
            continue
        free = [i for i, r in enumerate(plan) if r.status == "on_time" and (r.kind, r.year) not in seeded]
        if not free:
            continue
        r = plan[free[0]]
        if status == "missing":
            plan[free[0]] = PlannedReport(r.kind, r.year, "missing", None, None)
        else:
            day = due_date(r.kind, r.year) + timedelta(days=30)
            publish = datetime.combine(day, time(10, 0))
            plan[free[0]] = PlannedReport(r.kind, r.year, "late", publish, day - timedelta(days=2))
    return tuple(plan)
