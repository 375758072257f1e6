"""Column freshness by the official website inspection's rules (全国政府网站抽查评分表, 单项否决):
a site fails when more than 5 columns are stale — 动态/要闻 not updated within 2 weeks, 通知公告/政策文件
within 6 months — or more than 5 columns are empty. Items without a publication date count as not
updated ("未注明信息发布时间的视为不更新"). A column's kind is declared by its site (`column_kinds`).
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import CrawlRun, Document, Version
from archive.text import CHINA

STALE_AFTER = {"news": timedelta(days=14), "notices": timedelta(days=183), "policy": timedelta(days=183)}
MAX_STALE = 5
MAX_EMPTY = 5


def freshness(s: Session, site: str, column_kinds: dict[str, str], today: date) -> list[dict[str, Any]]:
    """One row per declared column: its newest dated item and whether that is too old for its kind."""
    latest = select(Version.document_id, func.max(Version.number).label("number")).group_by(
        Version.document_id
    )
    sub = latest.subquery()
    rows = s.execute(
        select(Document.url, Version.publish_date)
        .join(sub, sub.c.document_id == Document.id)
        .join(Version, (Version.document_id == Document.id) & (Version.number == sub.c.number))
        .where(Document.site == site, Document.status == "active")
    )
    columns = sorted(column_kinds, key=len, reverse=True)  # the longest matching column path wins
    newest: dict[str, date] = {}
    counts: dict[str, int] = dict.fromkeys(column_kinds, 0)
    for url, published in rows:
        path = urlsplit(url).path
        column = next((c for c in columns if path.startswith(c)), None)
        if column is None:
            continue
        counts[column] += 1
        if published:
            day = date.fromisoformat(published[:10])
            newest[column] = max(day, newest.get(column, day))
    out = []
    for column, kind in column_kinds.items():
        last = newest.get(column)
        limit = STALE_AFTER.get(kind)
        if counts[column] == 0:
            state = "empty"
        elif limit is None:
            state = "-"
        elif last is None or today - last > limit:
            state = "stale"
        else:
            state = "fresh"
        out.append(
            {
                "site": site,
                "column": column,
                "kind": kind,
                "documents": counts[column],
                "newest": last.isoformat() if last else None,
                "days_since": (today - last).days if last else None,
                "stale_after_days": limit.days if limit else None,
                "state": state,
            }
        )
    return out


def last_crawl_date(s: Session, site: str) -> date | None:
    """The day (China time) of the site's last finished crawl: freshness is judged as of then, since
    the archive knows nothing newer."""
    last = s.scalar(
        select(func.max(CrawlRun.started_at)).where(CrawlRun.site == site, CrawlRun.status == "finished")
    )
    if last is None:
        return None
    return (last if last.tzinfo else last.replace(tzinfo=UTC)).astimezone(CHINA).date()


def site_verdict(rows: list[dict[str, Any]]) -> str:
    stale = sum(r["state"] == "stale" for r in rows)
    empty = sum(r["state"] == "empty" for r in rows)
    failed = stale > MAX_STALE or empty > MAX_EMPTY
    return (
        f"{'fails' if failed else 'passes'}: {stale} stale, {empty} empty (veto above {MAX_STALE} of either)"
    )
