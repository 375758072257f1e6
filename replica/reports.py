"""The replica's planted report histories: which annual reports a site publishes, when, and which never.

Every agency must publish its 政府信息公开工作年度报告 (by 31 January since the 2019 条例, by 31 March
before) and its 法治政府建设年度报告 (public before 1 April). Real sites are sometimes late and sometimes
never publish one; the audit must tell those apart. So each replica site gets a plan, a pure function
of (host, seed), that says for every kind × year whether the report is on time, late or missing, and
when it is published. The plan is the ground truth the audit is tested against; platforms only place
the reports it lists as published.

Every site's plan has at least one report of each status, so every site exercises every verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from random import Random

REPORT_YEARS = tuple(range(2025, 2017, -1))  # newest first: small replicas still get recent reports
KINDS = ("annual_report", "rule_of_law_report")


@dataclass(frozen=True)
class PlannedReport:
    kind: str  # "annual_report" | "rule_of_law_report"
    year: int  # the year the report is about
    status: str  # "on_time" | "late" | "missing"
    publish: datetime | None  # the 发布时间 the page shows (Beijing time); None when missing
    written: date | None  # 成文日期; None when missing

    @property
    def due(self) -> date:
        return due_date(self.kind, self.year)

    @property
    def days_late(self) -> int | None:
        if self.publish is None:
            return None
        late = (self.publish.date() - self.due).days
        return late if late > 0 else None

    def title(self, agency: str) -> str:
        if self.kind == "annual_report":
            return f"{agency}{self.year}年政府信息公开工作年度报告"
        return f"{agency}{self.year}年法治政府建设年度报告"


def due_date(kind: str, year: int) -> date:
    """The last on-time day, as the rules in archive/audit/deadlines.toml state it."""
    if kind == "annual_report" and year >= 2019:
        return date(year + 1, 1, 31)
    return date(year + 1, 3, 31)


def report_plan(host: str, seed: int, years: tuple[int, ...] = REPORT_YEARS) -> tuple[PlannedReport, ...]:
    """Newest year first, the disclosure report before the rule-of-law report of the same year."""
    rng = Random(f"{seed}:{host}:reports")
    slots = [(year, kind) for year in years for kind in KINDS]
    chosen = rng.sample(range(len(slots)), min(len(slots), 5))
    missing, late = set(chosen[:2]), set(chosen[2:])
    plan = []
    for i, (year, kind) in enumerate(slots):
        status = "missing" if i in missing else "late" if i in late else "on_time"
        plan.append(_planned(rng, kind, year, status))
    return tuple(plan)


def _planned(rng: Random, kind: str, year: int, status: str) -> PlannedReport:
    if status == "missing":
        return PlannedReport(kind, year, status, None, None)
    due = due_date(kind, year)
    if status == "late":
        day = due + timedelta(days=rng.randrange(1, 120))
    else:
        earliest = date(year + 1, 1, 5) if kind == "annual_report" else date(year + 1, 3, 1)
        day = earliest + timedelta(days=rng.randrange((due - earliest).days + 1))
    publish = datetime.combine(day, time(rng.randrange(9, 18), rng.randrange(60)))
    written = day - timedelta(days=rng.randrange(0, 6))
    return PlannedReport(kind, year, status, publish, written)


def planned_from(change: dict) -> PlannedReport:
    """The report a season's `report` record plants (`replica.season`): signed on the day it claims."""
    publish = datetime.fromisoformat(change["claims"])
    kind, year = str(change["kind"]), int(change["year"])
    status = "late" if publish.date() > due_date(kind, year) else "on_time"
    return PlannedReport(kind, year, status, publish, publish.date())
