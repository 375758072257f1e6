"""What each page shows, read through the archive's own APIs and handed on as plain dicts.

The HTML pages and the JSON API render the same dict, so a researcher's script sees exactly what the
page shows. Nothing here builds SQL from request text: searches go through `archive.search.engine`
(bound parameters), documents through `archive.queries`, diffs through `archive.diff`, the audit
through `archive.audit`; the few reads of our own are SQLAlchemy statements with bound values.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.orm import Session

from archive import clock, health, queries
from archive.audit import forensics
from archive.audit.evidence import FindingError, write_bundle
from archive.audit.freshness import freshness, last_crawl_date, site_verdict
from archive.audit.verdicts import KINDS, audit
from archive.diff import diff_records
from archive.models import Attachment, Capture, CrawlRun, Document, DocumentUrl, Event, Version
from archive.search import engine
from archive.search.query import QuerySyntaxError, parse
from archive.search.state import StaleIndexError
from archive.text import CHINA
from web.errors import BadRequest, NotFound
from web.params import PER_PAGE, SearchParams

KIND_NAMES = {"disclosure": "政府信息公开工作年度报告", "rule_of_law": "法治政府建设年度报告"}
VERDICT_NAMES = {"on_time": "按时", "late": "逾期", "missing": "缺失", "not_found": "截止后未见", "unknown": "无法判定",
                 "not_due": "未到期", "no_rule": "无规则"}  # fmt: skip
AUDIT_YEARS = 3  # columns of the matrix by default
COVERAGE_NIGHTS = 42  # six weeks of nights in the coverage calendar


def known_sites(s: Session) -> list[str]:
    """The sites the archive holds documents or runs of: the web interface knows no other list (the
    spiders' list is the crawler's, a room this one does not enter)."""
    docs = set(s.scalars(select(Document.site).distinct()))
    return sorted(docs | set(s.scalars(select(CrawlRun.site).distinct())))


def _require_site(s: Session, site: str | None) -> None:
    if site is not None and site not in known_sites(s):
        raise BadRequest(f"未知站点 {site!r}", f"unknown site {site!r}")


# --- search ---------------------------------------------------------------------------------------


def search(s: Session, p: SearchParams) -> dict[str, Any]:
    """A page of hits with facets, as `xxgk search --facets` gives them, plus paging."""
    _require_site(s, p.site)
    filters = p.filters()
    try:
        result = engine.search(s, p.q, filters, limit=PER_PAGE, offset=(p.page - 1) * PER_PAGE,
                               facets=True, newest_first=p.sort == "date")  # fmt: skip
    except QuerySyntaxError as e:
        raise BadRequest(f"检索式无效：{e}", f"invalid query: {e}") from None
    except StaleIndexError as e:
        raise BadRequest(f"检索索引需要重建（xxgk db reindex）：{e}", str(e)) from None
    pages = max(1, -(-result.total // PER_PAGE))
    return {
        "query": p.q,
        "total": result.total,
        "order": "relevance" if result.ranked else "date",
        "page": p.page,
        "pages": pages,
        "per_page": PER_PAGE,
        "hits": result.hits,
        "facets": result.facets,
        # Which index answered, and why not the side index when it could not (exact either way)
        "engine": result.engine,
        "warnings": result.warnings,
    }


def export_filters(s: Session, p: SearchParams):  # type: ignore[no-untyped-def]
    """The filters of an export of `p`'s result set, after the checks a search makes (site, query)."""
    _require_site(s, p.site)
    try:
        parse(p.q)
    except QuerySyntaxError as e:
        raise BadRequest(f"检索式无效：{e}", f"invalid query: {e}") from None
    return p.filters()


# --- documents ------------------------------------------------------------------------------------


def _document(s: Session, doc_id: int) -> Document:
    doc = s.get(Document, doc_id)
    if doc is None:
        raise NotFound(f"文档 {doc_id} 不存在", f"no document {doc_id}")
    return doc


def _version_numbers(s: Session, doc_id: int) -> list[int]:
    return list(
        s.scalars(select(Version.number).where(Version.document_id == doc_id).order_by(Version.number))
    )


def _show(s: Session, doc: Document, number: int | None) -> dict[str, Any]:
    try:
        return queries.show(s, doc, number)
    except queries.NotFoundError:
        raise NotFound(
            f"文档 {doc.id} 没有第 {number} 版", f"document {doc.id} has no version {number}"
        ) from None


def document(s: Session, doc_id: int, number: int | None = None) -> dict[str, Any]:
    """Fields, clean body, attachments with their text, every URL, the timeline, the captures."""
    doc = _document(s, doc_id)
    record = _show(s, doc, number)
    version = s.scalars(
        select(Version).where(Version.document_id == doc.id, Version.number == record["version"])
    ).one()
    files = s.scalars(select(Attachment).where(Attachment.version_id == version.id).order_by(Attachment.id))
    record["attachments"] = [
        {"id": a.id, "url": a.url, "name": a.name, "sha256": a.sha256, "size": a.size,
         "content_type": a.content_type, "error": a.error, "text": a.text, "text_note": a.text_note}
        for a in files
    ]  # fmt: skip
    urls = s.execute(
        select(DocumentUrl.url, DocumentUrl.first_seen_at)
        .where(DocumentUrl.document_id == doc.id)
        .order_by(DocumentUrl.first_seen_at)
    ).all()
    record["urls"] = [{"url": u, "first_seen_at": _iso(at)} for u, at in urls] or [
        {"url": doc.url, "first_seen_at": _iso(doc.first_seen_at)}
    ]
    record["timeline"] = queries.history(s, doc)
    record["version_numbers"] = _version_numbers(s, doc.id)
    captures = s.execute(
        select(Capture.id, Capture.fetched_at, Capture.http_status, Capture.outcome, Version.number)
        .outerjoin(Version, Version.id == Capture.version_id)
        .where(Capture.document_id == doc.id)
        .order_by(Capture.id)
    ).all()
    record["captures"] = [
        {"id": c, "fetched_at": _iso(at), "http_status": st, "outcome": out, "version": n}
        for c, at, st, out, n in captures
    ]
    return record


def compare(s: Session, doc_id: int, a: int | None, b: int | None) -> dict[str, Any]:
    """Versions `a` and `b` (default: the latest against the one before), with the steps either side."""
    doc = _document(s, doc_id)
    numbers = _version_numbers(s, doc.id)
    if not numbers:
        raise NotFound(f"文档 {doc.id} 没有版本", f"document {doc.id} has no version")
    if b is None:
        b = numbers[-1]
    if a is None:
        a = max(1, b - 1)
    for n in (a, b):
        if n not in numbers:
            raise NotFound(f"文档 {doc.id} 没有第 {n} 版（共 {len(numbers)} 版）",
                           f"document {doc.id} has no version {n} (it has {len(numbers)})")  # fmt: skip
    old, new = _show(s, doc, a), _show(s, doc, b)
    diff = diff_records(old, new).to_dict()
    step = b - a
    return {
        "document_id": doc.id,
        "title": new["title"],
        "site": doc.site,
        "a": a,
        "b": b,
        "versions": numbers,
        "previous": {"a": a - 1, "b": b - 1} if a - 1 >= 1 and step else None,
        "next": {"a": a + 1, "b": b + 1} if b + 1 in numbers and step else None,
        "old": {"version": a, "first_seen_at": old["version_first_seen_at"], "body": old["body"]},
        "new": {"version": b, "first_seen_at": new["version_first_seen_at"], "body": new["body"]},
        **diff,
    }


# --- captures (served on the other origin) ----------------------------------------------------------


def capture(s: Session, capture_id: int) -> dict[str, Any]:
    row = s.get(Capture, capture_id)
    if row is None:
        raise NotFound(f"抓取记录 {capture_id} 不存在", f"no capture {capture_id}")
    number = s.scalar(select(Version.number).where(Version.id == row.version_id)) if row.version_id else None
    return {"id": row.id, "document_id": row.document_id, "url": row.url, "fetched_at": _iso(row.fetched_at),
            "http_status": row.http_status, "outcome": row.outcome, "version": number,
            "has_body": row.raw is not None or row.raw_base_id is not None}  # fmt: skip


def capture_body(s: Session, capture_id: int) -> tuple[str, bytes]:
    """The archived response's content type and body, as fetched."""
    row = s.get(Capture, capture_id)
    body = row.body if row is not None else None
    if row is None or body is None:
        raise NotFound(f"抓取记录 {capture_id} 没有存档内容", f"capture {capture_id} has no archived body")
    headers = {k.lower(): v for k, v in (row.headers or {}).items()}
    return headers.get("content-type", "text/html"), body


def attachment_file(s: Session, attachment_id: int) -> tuple[str | None, str, bytes]:
    """An attachment's name, content type and bytes."""
    from archive import blobs

    row = s.get(Attachment, attachment_id)
    if row is None or row.sha256 is None:
        raise NotFound(f"附件 {attachment_id} 没有存档文件", f"attachment {attachment_id} has no stored file")
    try:
        data = blobs.get(s, row.sha256)
    except LookupError:
        raise NotFound(
            f"附件 {attachment_id} 的文件不在存档中", f"attachment {attachment_id}: file not stored"
        ) from None
    return row.name, row.content_type or "application/octet-stream", data


# --- audit ------------------------------------------------------------------------------------------


def _verdict_dict(v: Any) -> dict[str, Any]:
    out = asdict(v)
    out["verdict_name"] = VERDICT_NAMES.get(v.verdict, v.verdict)
    out["kind_name"] = KIND_NAMES.get(v.kind, v.kind)
    return out


def audit_matrix(
    s: Session, years: list[int] | None, column_kinds: dict[str, dict[str, str]] | None = None
) -> dict[str, Any]:
    """Verdicts site × year (each cell: one per report kind), the date forensics, and each site's column
    freshness as of its last crawl when its columns' kinds are known."""
    if not years:
        this_year = clock.today_in_china().year
        years = list(range(this_year - AUDIT_YEARS, this_year))
    sites = known_sites(s)
    verdicts = audit(s, sites, years)
    cells: dict[str, dict[int, list[dict[str, Any]]]] = {site: {y: [] for y in years} for site in sites}
    for v in verdicts:
        cells[v.site][v.year].append(_verdict_dict(v))
    flags = [asdict(f) for f in forensics.findings(s)]
    fresh = []
    for site in sites:
        kinds = (column_kinds or {}).get(site)
        if kinds:
            as_of = last_crawl_date(s, site) or clock.today_in_china()
            rows = freshness(s, site, kinds, as_of)
            fresh.append(
                {"site": site, "as_of": as_of.isoformat(), "verdict": site_verdict(rows), "columns": rows}
            )
    return {"years": years, "sites": sites, "kinds": list(KINDS), "cells": cells, "forensics": flags,
            "freshness": fresh}  # fmt: skip


def audit_finding(s: Session, site: str, kind: str, year: int) -> dict[str, Any]:
    _require_site(s, site)
    if kind not in KINDS:
        raise BadRequest(f"未知报告类型 {kind!r}（disclosure 或 rule_of_law）",
                         f"unknown report kind {kind!r} (disclosure or rule_of_law)")  # fmt: skip
    (verdict,) = [v for v in audit(s, [site], [year]) if v.kind == kind]
    return _verdict_dict(verdict)


def evidence_bundle(s: Session, site: str, kind: str, year: int) -> tuple[str, bytes]:
    """The evidence bundle `xxgk audit evidence SITE:KIND:YEAR` writes, zipped (fixed times and order,
    so the same files give the same bytes): the file name and its bytes."""
    audit_finding(s, site, kind, year)  # a clear 400 for an unknown site or kind
    finding = f"{site}:{kind}:{year}"
    with tempfile.TemporaryDirectory(prefix="xxgk-evidence-") as tmp:
        try:
            write_bundle(s, finding, Path(tmp), known_sites(s), cache_reports=False)  # the web never writes
        except FindingError as e:
            raise BadRequest(f"无法生成证据包：{e}", str(e)) from None
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(Path(tmp).rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo(f"{site}-{kind}-{year}/{path.relative_to(tmp).as_posix()}",
                                           date_time=(2000, 1, 1, 0, 0, 0))  # fmt: skip
                    info.compress_type = zipfile.ZIP_DEFLATED
                    bundle.writestr(info, path.read_bytes())
    return f"evidence-{site}-{kind}-{year}.zip", buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- agencies and crawls ------------------------------------------------------------------------------


def sites(s: Session) -> dict[str, Any]:
    """Each site: its totals, its columns, its recent runs with health and failures, a coverage calendar."""
    out = []
    for site in known_sites(s):
        runs = queries.runs(s, 8, site=site)
        for row in runs:
            run = s.get(CrawlRun, row["id"])
            stats = (run.stats or {}) if run else {}
            row["health"] = (
                health.check(s, run, stats).summary() if run and run.status == "finished" else None
            )
            row["failures"] = list(stats.get("xxgk/failures", []))[:20]
        last = _last_night(s, site)
        nights = queries.coverage(s, site, last - timedelta(days=COVERAGE_NIGHTS - 1), last, CHINA)
        out.append({"site": site, "totals": queries.totals(s, site), "columns": _columns(s, site),
                    "runs": runs, "coverage": nights, "weeks": _versions_per_week(s, site, last),
                    "schedule": _next_runs(s, site)})  # fmt: skip
    return {"sites": out}


WEEKS = 12  # of the versions-per-week chart
# The schedule service's job table (APScheduler's SQLAlchemyJobStore in the archive's database; the name
# is `schedules.service.JOB_TABLE`, a room this one does not import). Only two plain columns are read.
JOB_TABLE = table("xxgk_schedule_jobs", column("id"), column("next_run_time"))


def _versions_per_week(s: Session, site: str, last: date) -> list[dict[str, Any]]:
    """New versions (new documents and changes) first captured per week, the WEEKS weeks up to `last`."""
    first_monday = last - timedelta(days=last.weekday()) - timedelta(weeks=WEEKS - 1)
    since = datetime.combine(first_monday, datetime.min.time(), tzinfo=CHINA).astimezone(UTC)
    if s.get_bind().dialect.name == "sqlite":
        since = since.replace(tzinfo=None)  # stored naive UTC on SQLite
    counts = [0] * WEEKS
    seen = s.scalars(
        select(Version.first_seen_at)
        .join(Document, Document.id == Version.document_id)
        .where(Document.site == site, Version.first_seen_at >= since)
    )
    for moment in seen:
        day = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(CHINA).date()
        week = (day - first_monday).days // 7
        if 0 <= week < WEEKS:
            counts[week] += 1
    top = max(counts) or 1
    return [{"week": (first_monday + timedelta(weeks=n)).isoformat(), "versions": c, "height": round(60 * c / top)}
            for n, c in enumerate(counts)]  # fmt: skip


def _next_runs(s: Session, site: str) -> list[dict[str, Any]]:
    """The schedule's jobs for `site` and their next run (None: paused), when a schedule exists."""
    if not inspect(s.connection()).has_table(JOB_TABLE.name):
        return []
    rows = s.execute(
        select(JOB_TABLE.c.id, JOB_TABLE.c.next_run_time)
        .where(JOB_TABLE.c.id.contains(site, autoescape=True))
        .order_by(JOB_TABLE.c.next_run_time)
    ).all()
    return [{"job": job, "next_run": datetime.fromtimestamp(at, UTC).isoformat() if at is not None else None}
            for job, at in rows]  # fmt: skip


def _last_night(s: Session, site: str) -> date:
    """The calendar ends on the site's last crawl night (or today): an archive built on simulated time,
    or read months later, still shows its crawls."""
    started = s.scalar(select(func.max(CrawlRun.started_at)).where(CrawlRun.site == site))
    if started is None:
        return clock.today_in_china()
    return (started if started.tzinfo else started.replace(tzinfo=UTC)).astimezone(CHINA).date()


def _columns(s: Session, site: str) -> list[dict[str, Any]]:
    """The columns the site's last finished run walked, with the list pages it read in each."""
    run = s.scalars(
        select(CrawlRun)
        .where(CrawlRun.site == site, CrawlRun.status == "finished")
        .order_by(CrawlRun.id.desc())
    ).first()
    prefix = "xxgk/column_pages/"
    stats = (run.stats or {}) if run else {}
    return [{"column": k.removeprefix(prefix), "list_pages": v} for k, v in sorted(stats.items())
            if k.startswith(prefix)]  # fmt: skip


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


# --- feeds ----------------------------------------------------------------------------------------

FEED_ENTRIES = 50


def site_feed(s: Session, site: str) -> dict[str, Any]:
    """A site's newest changes: new documents, new versions, withdrawals, moves and restorations."""
    _require_site(s, site)
    versions = s.execute(
        select(Document.id, Document.url, Version.number, Version.title, Version.first_seen_at, Version.body)
        .join(Version, Version.document_id == Document.id)
        .where(Document.site == site)
        .order_by(Version.first_seen_at.desc(), Version.id.desc())
        .limit(FEED_ENTRIES)
    ).all()
    entries = [
        {"id": f"{url}#v{number}", "kind": "new" if number == 1 else "changed", "document_id": doc_id,
         "version": number, "title": title, "url": url, "at": _iso(at), "summary": (body or "")[:300]}
        for doc_id, url, number, title, at, body in versions
    ]  # fmt: skip
    events = s.execute(
        select(Document.id, Document.url, Document.title, Event.kind, Event.at, Event.detail, Event.id)
        .join(Event, Event.document_id == Document.id)
        .where(Document.site == site, Event.kind.in_(("withdrawn", "restored", "moved")))
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(FEED_ENTRIES)
    ).all()
    entries += [
        {"id": f"{url}#event{event_id}", "kind": kind, "document_id": doc_id, "version": None,
         "title": title, "url": url, "at": _iso(at), "summary": detail or ""}
        for doc_id, url, title, kind, at, detail, event_id in events
    ]  # fmt: skip
    entries.sort(key=lambda e: e["at"] or "", reverse=True)
    return {"title": f"{site}：新增、修改与撤下", "entries": entries[:FEED_ENTRIES]}


def search_feed(s: Session, p: SearchParams) -> dict[str, Any]:
    """A saved search as a feed: its newest matching documents, one entry per version (a document
    changed since is a new entry for a feed reader)."""
    _require_site(s, p.site)
    try:
        result = engine.search(s, p.q, p.filters(), limit=FEED_ENTRIES, newest_first=True)
    except QuerySyntaxError as e:
        raise BadRequest(f"检索式无效：{e}", f"invalid query: {e}") from None
    seen = dict(
        s.execute(
            select(Version.document_id, Version.first_seen_at)
            .where(Version.document_id.in_([h["id"] for h in result.hits] or [0]))
            .order_by(Version.number)
        ).all()
    )  # the last row per document wins: its latest version's first capture
    entries = [
        {"id": f"{h['url']}#v{h['version']}", "kind": "match", "document_id": h["id"], "version": h["version"],
         "title": h["title"], "url": h["url"], "at": _iso(seen.get(h["id"])), "summary": h["snippet"] or ""}
        for h in result.hits
    ]  # fmt: skip
    return {"title": f"检索“{p.q}”" if p.q else "检索", "entries": entries}
