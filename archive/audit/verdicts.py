"""Verdicts on the required annual reports, each with the evidence an auditor can cite.

For every site × report kind × report year: `on_time`, `late` (with days late), `missing`,
`not_found`, `unknown` or `not_due`. What an absence proves depends on when we looked:
- `missing`: a complete crawl on every night (China time) from 1 January of the year after the report
  year through the night after the deadline, and none found it: it was not published on time.
- `not_found`: the window has gaps, but complete crawls after the deadline found nothing: whether it
  was late or never published, it was not on the site as of the last of them (`searched_until`), so it
  was overdue by at least `days_overdue` days then. An auditor can cite that; "unknown" said nothing.
- `unknown`: no complete crawl after the deadline, so the absence proves nothing yet.
The date judged is the date the page claims (发布时间 / 公开日期), as the inspections judge it; the
evidence also carries what only an archive can add: when we first captured it, the capture and the
SHA-256 of the raw page, and whether that capture itself proves publication before the deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import clock, queries
from archive.audit import rules
from archive.audit.reports import DISCLOSURE, RULE_OF_LAW, recognise
from archive.models import Capture, Document, Version
from archive.text import CHINA

KINDS = (DISCLOSURE, RULE_OF_LAW)


@dataclass(frozen=True)
class Evidence:
    document_id: int
    version: int
    url: str
    title: str | None
    claimed_publish_date: str | None  # what the page says
    written_date: str | None  # 成文日期
    first_captured_at: str  # when this archive first saw it (UTC)
    capture_id: int | None
    raw_sha256: str  # the raw page as first captured


@dataclass(frozen=True)
class Verdict:
    site: str
    kind: str
    year: int
    verdict: str  # on_time | late | missing | not_found | unknown | not_due | no_rule
    days_late: int | None
    due: str | None
    rule: str | None
    rule_status: str | None
    captured_before_due: bool | None  # our own capture proves it was public by the deadline
    note: str
    evidence: Evidence | None
    # `not_found`: the night of the last complete crawl after the deadline, and how overdue it was then.
    searched_until: str | None = None
    days_overdue: int | None = None

    def row(self) -> dict[str, Any]:
        """Flat, for tables and CSV; JSON keeps the nested evidence."""
        out = {k: v for k, v in asdict(self).items() if k != "evidence"}
        ev = self.evidence
        out.update(
            document_id=ev.document_id if ev else None,
            claimed_publish_date=ev.claimed_publish_date if ev else None,
            first_captured_at=ev.first_captured_at if ev else None,
            url=ev.url if ev else None,
        )
        return out


def _reports(s: Session, site: str) -> dict[tuple[str, int], Evidence]:
    """The earliest-published recognised report per (kind, year) among the site's documents."""
    found: dict[tuple[str, int], Evidence] = {}
    first_version = select(Version.document_id, func.min(Version.number).label("number")).group_by(
        Version.document_id
    )
    first = first_version.subquery()
    stmt = (
        select(Document, Version)
        .join(first, first.c.document_id == Document.id)
        .join(Version, (Version.document_id == Document.id) & (Version.number == first.c.number))
        .where(Document.site == site)
    )
    for doc, version in s.execute(stmt):
        match = recognise(version.title, version.body)
        if match is None or match.year is None:
            continue
        capture_id = s.scalar(select(func.min(Capture.id)).where(Capture.version_id == version.id))
        evidence = Evidence(
            document_id=doc.id,
            version=version.number,
            url=doc.url,
            title=version.title,
            claimed_publish_date=version.publish_date,
            written_date=version.written_date,
            first_captured_at=_utc(version.first_seen_at).isoformat(),
            capture_id=capture_id,
            raw_sha256=version.raw_sha256,
        )
        key = (match.kind, match.year)
        if key not in found or _claimed(evidence) < _claimed(found[key]):
            found[key] = evidence
    return found


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _claimed(evidence: Evidence) -> date:
    """The day the page claims, else the day we first saw it (China time)."""
    if evidence.claimed_publish_date:
        return date.fromisoformat(evidence.claimed_publish_date[:10])
    return datetime.fromisoformat(evidence.first_captured_at).astimezone(CHINA).date()


def audit(
    s: Session, sites: list[str], years: list[int] | None = None, today: date | None = None
) -> list[Verdict]:
    """Verdicts for `sites` and report `years` (default: each kind's latest year already due)."""
    table = rules.load()
    today = today or clock.today_in_china()
    out: list[Verdict] = []
    for site in sites:
        reports = _reports(s, site)

        # Both report kinds of a year share one window start (1 January) and end today: their nights
        # are read once.
        @cache
        def nights(first: date, last: date, site: str = site) -> list[dict[str, Any]]:
            return queries.coverage(s, site, first, last, CHINA)

        for kind in KINDS:
            for year in years or [_latest_due_year(table, kind, today)]:
                out.append(_verdict(table, site, kind, year, reports.get((kind, year)), today, nights))
    return out


def _latest_due_year(table: rules.RuleTable, kind: str, today: date) -> int:
    year = today.year - 1
    rule = table.rule_for(kind, year)
    if rule is not None and rule.due_date(year) >= today:
        year -= 1
    return year


def _verdict(
    table: rules.RuleTable,
    site: str,
    kind: str,
    year: int,
    evidence: Evidence | None,
    today: date,
    coverage: Callable[[date, date], list[dict[str, Any]]],
) -> Verdict:
    rule = table.rule_for(kind, year)
    if rule is None:
        return Verdict(
            site,
            kind,
            year,
            "no_rule",
            None,
            None,
            None,
            None,
            None,
            "no deadline rule for that year",
            evidence,
        )
    due = rule.due_date(year)
    base = {"site": site, "kind": kind, "year": year, "due": due.isoformat(), "rule": rule.source,
            "rule_status": rule.status}  # fmt: skip
    if evidence is not None:
        claimed = _claimed(evidence)
        captured = datetime.fromisoformat(evidence.first_captured_at).astimezone(CHINA).date()
        late = (claimed - due).days
        note = f"page claims {claimed}; first captured {captured}"
        if not evidence.claimed_publish_date:
            note = f"page shows no publish date; judged by our first capture {captured}"
        return Verdict(
            **base,
            verdict="late" if late > 0 else "on_time",
            days_late=late if late > 0 else None,
            captured_before_due=captured <= due,
            note=note,
            evidence=evidence,
        )
    if today <= due:
        return Verdict(**base, verdict="not_due", days_late=None, captured_before_due=None,
                       note="deadline not reached", evidence=None)  # fmt: skip
    # Absence proves something only if we looked every night from the start of the reporting season
    # through the first night after the deadline: that night's crawl is the one that would have seen a
    # page put up on the deadline day itself. With gaps there, the complete crawls after the deadline
    # still prove it was not up by then (`not_found`); without any, it is `unknown`.
    window_start, window_end = date(year + 1, 1, 1), due + timedelta(days=1)
    nights = coverage(window_start, max(window_end, today))
    window = [n for n in nights if date.fromisoformat(n["night"]) <= window_end]
    gaps = [n["night"] for n in window if n["state"] != "covered"]
    if not gaps:
        note = f"not in the archive; every night from {window_start} to {window_end} was crawled in full"
        return Verdict(
            **base, verdict="missing", days_late=None, captured_before_due=None, note=note, evidence=None
        )
    after = [n["night"] for n in nights if n["night"] > due.isoformat() and n["state"] == "covered"]
    if after:
        overdue = (date.fromisoformat(after[-1]) - due).days
        note = (
            f"overdue by at least {overdue} days: not found by the {len(after)} complete crawl(s) after the "
            f"deadline ({after[0]} to {after[-1]}); {len(gaps)} of {len(window)} nights from {window_start} "
            f"to the night after the deadline were not fully crawled, so it may have been up and taken down"
        )
        return Verdict(**base, verdict="not_found", days_late=None, captured_before_due=None, note=note,
                       evidence=None, searched_until=after[-1], days_overdue=overdue)  # fmt: skip
    note = (
        f"not in the archive, but {len(gaps)} of {len(window)} nights from {window_start} to the night "
        f"after the deadline were not fully crawled (first: {gaps[0]}), and no complete crawl since"
    )
    return Verdict(
        **base, verdict="unknown", days_late=None, captured_before_due=None, note=note, evidence=None
    )
