"""Date forensics: page dates that the archive's own observations contradict.

- `claimed_after_capture`: the page says it was published after we had already captured it.
- `possible_backdating`: the page claims a date well before our first capture although our crawls
  covered most nights in between (伪造发稿日期 is a veto item in the official site inspections).
- `publish_date_changed`: a later version of the page shows another publish date.
Each finding names the document, the versions and captures it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import queries
from archive.models import CrawlRun, Document, Version
from archive.text import CHINA

BACKDATING_DAYS = 7  # a claim this many days before our first capture ...
COVERED_SHARE = 0.8  # ... while we crawled at least this share of the nights in between


@dataclass(frozen=True)
class Finding:
    site: str
    document_id: int
    url: str
    flag: str
    detail: str
    version: int


def _claimed_moment(claim: str) -> datetime:
    """A page's date as a moment: with its time when shown, else the end of that day (China time)."""
    if len(claim) > 10:
        return datetime.fromisoformat(claim).replace(tzinfo=CHINA)
    return datetime.combine(date.fromisoformat(claim), datetime.max.time(), tzinfo=CHINA)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _covered_nights(s: Session, site: str) -> set[date]:
    """The nights (China time) on which a finished crawl of `site` saw every column."""
    span = s.execute(
        select(func.min(CrawlRun.started_at), func.max(CrawlRun.started_at)).where(CrawlRun.site == site)
    ).one()
    if span[0] is None:
        return set()
    first, last = (_utc(moment).astimezone(CHINA).date() for moment in span)
    return {
        date.fromisoformat(n["night"])
        for n in queries.coverage(s, site, first, last, CHINA)
        if n["state"] == "covered"
    }


def findings(s: Session, site: str | None = None) -> list[Finding]:
    stmt = select(Document, Version).join(Version, Version.document_id == Document.id)
    if site:
        stmt = stmt.where(Document.site == site)
    stmt = stmt.order_by(Document.id, Version.number)
    out: list[Finding] = []
    covered_by_site: dict[str, set[date]] = {}
    previous: tuple[int, str | None] | None = None
    for doc, version in s.execute(stmt):
        claim = version.publish_date
        seen = _utc(version.first_seen_at)
        if previous is not None and previous[0] == doc.id and claim != previous[1]:
            out.append(Finding(doc.site, doc.id, doc.url, "publish_date_changed",
                               f"version {version.number} shows {claim}, the one before {previous[1]}",
                               version.number))  # fmt: skip
        previous = (doc.id, claim)
        if not claim or version.number != 1:
            continue
        claimed = _claimed_moment(claim)
        if claimed > seen:
            out.append(Finding(doc.site, doc.id, doc.url, "claimed_after_capture",
                               f"page claims {claim}; we captured it at {seen.astimezone(CHINA):%Y-%m-%d %H:%M} CST",
                               1))  # fmt: skip
            continue
        first_night, last_night = claimed.date(), seen.astimezone(CHINA).date() - timedelta(days=1)
        if (seen.astimezone(CHINA).date() - first_night).days < BACKDATING_DAYS:
            continue
        if doc.site not in covered_by_site:
            covered_by_site[doc.site] = _covered_nights(s, doc.site)
        total = (last_night - first_night).days + 1
        covered = sum(1 for night in covered_by_site[doc.site] if first_night <= night <= last_night)
        if total > 0 and covered / total >= COVERED_SHARE:
            out.append(Finding(doc.site, doc.id, doc.url, "possible_backdating",
                               f"page claims {claim}, first captured {seen.astimezone(CHINA):%Y-%m-%d}; "
                               f"{covered} of {total} nights in between were crawled in full without it",
                               1))  # fmt: skip
    return out
