"""Annual reports as data: every version of every recognised 政府信息公开工作年度报告, read and checked.

Computed lazily here, not at store time, and cached per version in `report_data` (migration 0013):
- the store's transaction is the crawl's hot path (SQLite's one writer); reading a report's tables is
  needed only when someone asks, for a few dozen versions per site;
- the parser will keep learning from real reports: a cache keyed by (version, parser version) is
  recomputed from what the archive already holds (the raw page of the version's first capture, the
  attachments' text), with no recrawl, and `xxgk db reindex` empties it;
- versions that came in by `xxgk import` or before this feature are read the same way.

A version is read from its page (the HTML of its first capture: the DOM, tables and empty cells
included) and from each attachment with text (PDF text layer, and OCR or Office text where the
attachment readers supply it); the source with the most cells read speaks for the version.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from archive import blobs
from archive.audit import rules
from archive.audit.reports import DISCLOSURE, recognise
from archive.models import Attachment, Capture, Document, ReportData, Version
from archive.reports import checks, word
from archive.reports import template as T
from archive.reports.parse import PARSER_VERSION, ParsedReport, parse_report, read_by_ocr
from archive.text import CHINA


@dataclass(frozen=True)
class ReportVersion:
    site: str
    year: int
    document_id: int
    version_id: int
    version: int
    url: str
    title: str | None
    publish_date: str | None
    first_seen_at: datetime
    raw_sha256: str
    latest: bool  # the document's latest version


@dataclass
class ReadReport:
    """A version as read: the source that speaks for it (page or an attachment), its SHA-256, and
    what every source gave."""

    version: ReportVersion
    source: str  # "page" or the attachment's URL
    sha256: str | None
    parsed: ParsedReport
    sources: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    site: str
    year: int
    check: str
    detail: str
    document_id: int
    version: int
    url: str
    source: str
    capture_sha256: str | None
    cells: dict[str, Any]
    first_seen_at: str


def report_versions(
    s: Session, sites: list[str] | None = None, years: list[int] | None = None
) -> list[ReportVersion]:
    """Every version of every document recognised as a disclosure report, by its latest title."""
    stmt = select(
        Document.id, Document.site, Document.url, Version.id, Version.number, Version.title,
        Version.publish_date, Version.first_seen_at, Version.raw_sha256,
    ).join(Version, Version.document_id == Document.id).order_by(Document.id, Version.number)  # fmt: skip
    # Every report title has 报 (報 in traditional characters): the rest of the archive is not read.
    stmt = stmt.where(or_(Document.title.like("%报%"), Document.title.like("%報%")))
    if sites:
        stmt = stmt.where(Document.site.in_(sites))
    by_doc: dict[int, list[Any]] = defaultdict(list)
    for row in s.execute(stmt):
        by_doc[row[0]].append(row)
    out = []
    for rows in by_doc.values():
        last = rows[-1]
        match = recognise(last[5])
        if match is not None and match.year is None:
            body = s.scalar(select(Version.body).where(Version.id == last[3]))
            match = recognise(last[5], body)
        if match is None or match.kind != DISCLOSURE or match.year is None:
            continue
        if years and match.year not in years:
            continue
        for row in rows:
            doc_id, site, url, vid, number, title, publish, seen, sha = row
            out.append(ReportVersion(site, match.year, doc_id, vid, number, url, title, publish, _utc(seen), sha,
                                     row is last))  # fmt: skip
    return out


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _page_html(s: Session, version_id: int, charset: str | None) -> str | None:
    capture = s.scalars(
        select(Capture)
        .where(Capture.version_id == version_id, Capture.http_status == 200)
        .order_by(Capture.id)
    ).first()
    body = capture.body if capture is not None else None
    if not body:
        return None
    for codec in (charset, "utf-8", "gb18030"):
        if codec:
            try:
                return body.decode(codec)
            except (LookupError, UnicodeDecodeError):
                continue
    return body.decode("utf-8", "replace")


def read(s: Session, rv: ReportVersion, cache: bool = True) -> ReadReport:
    """The version read (from the cache when the current parser read it), written back to the cache
    unless `cache` is False (a reader that must not write: the web interface)."""
    cached = s.get(ReportData, rv.version_id)
    if cached is None or cached.parser != PARSER_VERSION:
        data = _read_sources(s, rv)
        if cache and cached is None:
            s.add(ReportData(version_id=rv.version_id, parser=PARSER_VERSION, data=data))
        elif cache and cached is not None:
            cached.parser, cached.data = PARSER_VERSION, data
        if cache:
            s.flush()
    else:
        data = cached.data
    sources = data["sources"]
    best = sources[data["best"]]
    return ReadReport(rv, best["source"], best["sha256"], ParsedReport.from_dict(best["parsed"]), sources)


def _read_sources(s: Session, rv: ReportVersion) -> dict[str, Any]:
    version = s.get(Version, rv.version_id)
    assert version is not None
    sources: list[dict[str, Any]] = []
    html = _page_html(s, rv.version_id, version.charset)
    page = parse_report(html, "html") if html else parse_report(version.body or "", "text")
    sources.append({"source": "page", "sha256": rv.raw_sha256, "parsed": page.as_dict()})
    attachments = s.scalars(
        select(Attachment).where(Attachment.version_id == rv.version_id).order_by(Attachment.id)
    )
    for attachment in attachments:
        if attachment.text:
            parsed = parse_report(attachment.text, "text", ocr=read_by_ocr(attachment.text_method))
            sources.append(
                {"source": attachment.url, "sha256": attachment.sha256, "parsed": parsed.as_dict()}
            )
        html = _word_as_html(s, attachment)
        if html:  # a Word file's tables, which its text (antiword) loses
            parsed = parse_report(html, "html")
            sources.append(
                {"source": f"{attachment.url} (as HTML, LibreOffice)", "sha256": attachment.sha256,
                 "parsed": parsed.as_dict()}
            )  # fmt: skip
    reads = [ParsedReport.from_dict(x["parsed"]).read for x in sources]
    best = max(range(len(sources)), key=lambda i: (reads[i], -i))
    return {"best": best, "sources": sources}


def _word_as_html(s: Session, attachment: Attachment) -> str | None:
    """A Word attachment (.doc, .wps) as HTML with its tables (archive/reports/word.py), else None."""
    if not attachment.sha256:
        return None
    try:
        data = blobs.get(s, attachment.sha256)
    except (KeyError, LookupError, ValueError):
        return None
    return word.word_html(data)


def clear_cache(s: Session) -> int:
    """Forget every cached reading (`xxgk db reindex`); returns how many there were."""
    rows = s.query(ReportData).delete()
    return int(rows)


# ---- the dataset ----------------------------------------------------------------------------------


COLUMNS = ["site", "year", "document_id", "version", "latest", "url", "title", "publish_date", "first_seen_at",
           "source", "sha256", "generation", "sections", "cells_read", "cells_null"]  # fmt: skip


def latest_per_year(read_reports: list[ReadReport]) -> list[ReadReport]:
    """One report per site and year: the latest version of the document most recently changed."""
    best: dict[tuple[str, int], ReadReport] = {}
    for r in read_reports:
        if not r.version.latest:
            continue
        key = (r.version.site, r.version.year)
        if key not in best or r.version.first_seen_at > best[key].version.first_seen_at:
            best[key] = r
    return [best[k] for k in sorted(best)]


def row(r: ReadReport) -> dict[str, Any]:
    """One flat row: the version's identity, then every template cell as a typed column (None where the
    report does not have it or it was unreadable; `nulls` says why for the unreadable)."""
    v, p = r.version, r.parsed
    out: dict[str, Any] = {
        "site": v.site, "year": v.year, "document_id": v.document_id, "version": v.version, "latest": v.latest,
        "url": v.url, "title": v.title, "publish_date": v.publish_date, "first_seen_at": v.first_seen_at.isoformat(),
        "source": r.source, "sha256": r.sha256, "generation": p.generation, "sections": "".join(p.sections),
        "cells_read": p.read, "cells_null": len(p.nulls),
    }  # fmt: skip
    for key in T.cell_keys():
        out[key] = p.cells.get(key)
    out["nulls"] = p.nulls
    return out


def dataset(
    s: Session,
    sites: list[str] | None = None,
    years: list[int] | None = None,
    all_versions: bool = False,
    cache: bool = True,
) -> list[dict[str, Any]]:
    reads = [read(s, rv, cache) for rv in report_versions(s, sites, years)]
    chosen = reads if all_versions else latest_per_year(reads)
    return [row(r) for r in chosen]


# ---- the checks -----------------------------------------------------------------------------------


def _finding(r: ReadReport, issue: checks.Issue) -> Finding:
    v = r.version
    return Finding(v.site, v.year, issue.check, issue.detail, v.document_id, v.version, v.url, r.source, r.sha256,
                   issue.cells, v.first_seen_at.isoformat())  # fmt: skip


def _due(year: int) -> date | None:
    rule = rules.load().rule_for(DISCLOSURE, year)
    return rule.due_date(year) if rule is not None else None


def findings(
    s: Session, sites: list[str] | None = None, years: list[int] | None = None, cache: bool = True
) -> list[Finding]:
    """Every check on the latest report of each site and year, last year's report for copies (read even
    when `years` leaves it out), and every version's change after the deadline."""
    wanted = sorted({y - 1 for y in years} | set(years)) if years else None
    reads = [read(s, rv, cache) for rv in report_versions(s, sites, wanted)]
    latest = latest_per_year(reads)
    by_key = {(r.version.site, r.version.year): r for r in latest}
    out: list[Finding] = []
    for r in latest:
        if years and r.version.year not in years:
            continue
        out += [_finding(r, issue) for issue in checks.one_report(r.parsed, r.version.year)]
        previous = by_key.get((r.version.site, r.version.year - 1))
        if previous is not None:
            for issue in checks.copied(r.parsed, previous.parsed):
                cells = {**issue.cells, "last_year_document_id": previous.version.document_id,
                         "last_year_version": previous.version.version, "last_year_sha256": previous.sha256}  # fmt: skip
                out.append(_finding(r, checks.Issue(issue.check, issue.detail, cells)))
    by_doc: dict[int, list[ReadReport]] = defaultdict(list)
    for r in reads:
        if not years or r.version.year in years:
            by_doc[r.version.document_id].append(r)
    for versions in by_doc.values():
        versions.sort(key=lambda r: r.version.version)
        for before, after in pairwise(versions):
            due = _due(after.version.year)
            seen = after.version.first_seen_at.astimezone(CHINA).date()
            if due is None or seen <= due:
                continue
            diff = checks.changed(before.parsed, after.parsed)
            if diff:
                detail = (f"{len(diff)} numbers changed in version {after.version.version} (first seen {seen}, "
                          f"due {due}) from version {before.version.version}")  # fmt: skip
                cells = {
                    "changed": diff,
                    "before_version": before.version.version,
                    "before_sha256": before.sha256,
                }
                out.append(_finding(after, checks.Issue("changed_after_deadline", detail, cells)))
    out.sort(key=lambda f: (f.site, f.year, checks.CHECKS.index(f.check), f.detail))
    return out


def finding_row(f: Finding) -> dict[str, Any]:
    return asdict(f)
