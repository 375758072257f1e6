"""An evidence bundle for one verdict, in a form an auditor can hand on and anyone can check.

    <out>/evidence.wacz      every capture of the report's page as a WACZ (`archive.interchange`):
                             the WARC (responses as received, revisits for refetches and 304s, the
                             version's extracted fields, its attachments), its index and page list,
                             sha256 of every file; it opens in ReplayWeb.page and pywb
    <out>/manifest.json      the verdict, the rule applied, each capture's time, status and SHA-256
    <out>/summary.txt        the same in a few sentences, in Chinese and English
    <out>/content.json       for a disclosure report: every version's numbers as read (the source,
                             its SHA-256, every cell, why a cell is null) and the content findings of
                             `xxgk audit content` for that site and year

The SHA-256 in the manifest is over each capture's body as archived (a 304 has none); `warc_date` names
the capture's record in the WACZ's WARC (a response, or a revisit that names the response holding the
same payload).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit.verdicts import Verdict, audit
from archive.interchange.export import software
from archive.interchange.records import warc_date
from archive.interchange.selection import Selection
from archive.interchange.wacz import write_wacz
from archive.models import Capture

BUNDLE = "evidence.wacz"
CONTENT = "content.json"


class FindingError(ValueError):
    pass


def parse_finding(finding: str) -> tuple[str, str, int]:
    """`SITE:KIND:YEAR`, e.g. `anshun_mzj:disclosure:2023`."""
    parts = finding.split(":")
    if len(parts) != 3 or not parts[2].isdigit():
        raise FindingError(f"{finding!r} is not SITE:KIND:YEAR (e.g. anshun_mzj:disclosure:2023)")
    return parts[0], parts[1], int(parts[2])


def _utc_iso(capture: Capture) -> str:
    moment = capture.fetched_at
    text = moment.isoformat() if moment.tzinfo else moment.isoformat() + "+00:00"
    return text.replace("+00:00", "Z")


def write_bundle(
    s: Session, finding: str, out: Path, sites: list[str], cache_reports: bool = True
) -> Verdict:
    """The bundle of `finding` in `out`; `cache_reports=False` for a caller that must not write (the
    web interface): the report's numbers are then read without caching them."""
    site, kind, year = parse_finding(finding)
    if site not in sites:
        raise FindingError(f"unknown site {site!r}; `xxgk sites` lists them")
    verdicts = [v for v in audit(s, [site], [year]) if v.kind == kind]
    if not verdicts:
        raise FindingError(f"unknown report kind {kind!r}; use disclosure or rule_of_law")
    verdict = verdicts[0]
    out.mkdir(parents=True, exist_ok=True)
    # Read first: the WACZ writer streams its rows (server-side cursors on PostgreSQL for the rest of
    # the session's transaction), and reading a report may write its cache row.
    content = _content(s, site, year, cache_reports) if kind == "disclosure" else None
    captures_out: list[dict[str, Any]] = []
    if verdict.evidence is not None:
        captures = s.scalars(
            select(Capture).where(Capture.document_id == verdict.evidence.document_id).order_by(Capture.id)
        ).all()
        write_wacz(
            s, out / BUNDLE, Selection(document_ids=(verdict.evidence.document_id,)),
            software=software(), title=f"evidence for {finding}",
        )  # fmt: skip
        for capture in captures:
            body = capture.body
            captures_out.append(
                {
                    "capture_id": capture.id,
                    "fetched_at": _utc_iso(capture),
                    "warc_date": warc_date(capture.fetched_at),
                    "http_status": capture.http_status,
                    "outcome": capture.outcome,
                    "body_sha256": hashlib.sha256(body).hexdigest() if body is not None else None,
                    "in_warc": body is not None,
                }
            )
    manifest = {"finding": finding, "verdict": asdict(verdict), "captures": captures_out}
    if content is not None:
        (out / CONTENT).write_text(
            json.dumps(content, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        manifest["content"] = {
            "file": CONTENT,
            "findings": len(content["findings"]),
            "versions": len(content["versions"]),
        }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    summary = _summary(finding, verdict, len(captures_out))
    if content is not None:
        checks = sorted({f["check"] for f in content["findings"]})
        summary += (f"Content: {len(content['versions'])} version(s) read; {len(content['findings'])} finding(s)"
                    + (f" ({', '.join(checks)})" if checks else "") + f"; details in {CONTENT}.\n")  # fmt: skip
    (out / "summary.txt").write_text(summary, encoding="utf-8")
    return verdict


def _content(s: Session, site: str, year: int, cache: bool) -> dict[str, Any]:
    """The report's numbers, version by version, and what the content checks found in them."""
    from archive.reports.data import dataset, finding_row, findings

    return {
        "versions": dataset(s, [site], [year], all_versions=True, cache=cache),
        "findings": [finding_row(f) for f in findings(s, [site], [year], cache=cache)],
    }


def _summary(finding: str, v: Verdict, captures: int) -> str:
    kind = {"disclosure": "政府信息公开工作年度报告", "rule_of_law": "法治政府建设年度报告"}.get(
        v.kind, v.kind
    )
    lines = [
        f"{v.site} {v.year}年度{kind}: {v.verdict}"
        + (f" ({v.days_late} days late)" if v.days_late else "")
        + (f" (overdue by at least {v.days_overdue} days on {v.searched_until})" if v.days_overdue else "")
    ]
    lines.append(f"Deadline {v.due} under {v.rule} [{v.rule_status}].")
    if v.evidence is not None:
        ev = v.evidence
        lines.append(f"Page: {ev.url}")
        lines.append(f"Title: {ev.title}")
        lines.append(f"The page claims publication on {ev.claimed_publish_date}; signed {ev.written_date}.")
        lines.append(
            f"This archive first captured it at {ev.first_captured_at} (capture {ev.capture_id}, raw page "
            f"SHA-256 {ev.raw_sha256}); {captures} capture(s) in evidence.wacz."
        )
        proof = "proves" if v.captured_before_due else "does not by itself prove"
        lines.append(f"Our own capture {proof} publication by the deadline.")
    lines.append(v.note)
    lines.append(f"Finding {finding}; details in manifest.json.")
    return "\n".join(lines) + "\n"
