"""Notifications after a scheduled run: what changed, what was withdrawn, audit verdicts gone bad.

Sent with Apprise (one library for e-mail, webhooks and some hundred other services, each a URL:
`mailto://…`, `json://host/path`, …), configured in the schedule's TOML:

    [notify]
    urls = ["mailto://smtp.example.org?to=audit@example.org", "json://127.0.0.1:9000/hook"]
    retries = 3            # further attempts per URL after a failure (default 3)
    retry_seconds = 5      # the first wait; doubled after each failure

A notifier never fails the crawl: each URL is tried on its own (a failing webhook does not resend the
mail), retried with backoff, and a notifier still failing is logged. Nothing is sent for a run that
finished without a change, a withdrawal or a verdict that turned late or missing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import apprise
from sqlalchemy import func, select

from archive.audit.verdicts import Verdict, audit
from archive.db import Archive
from archive.models import CrawlRun, Document, Event, Version

logger = logging.getLogger(__name__)
LISTED = 20  # titles listed per kind of change; the rest are counted


@dataclass(frozen=True)
class NotifyConfig:
    urls: tuple[str, ...]
    retries: int = 3
    retry_seconds: float = 5.0


@dataclass(frozen=True)
class Before:
    """What the archive said before the run: its last run of the site, and the audit's verdicts."""

    last_run_id: int
    verdicts: dict[tuple[str, int], str]


def _verdicts(archive: Archive, site: str) -> dict[tuple[str, int], Verdict]:
    with archive.session() as s:
        return {(v.kind, v.year): v for v in audit(s, [site])}


def before(database_url: str, site: str) -> Before:
    archive = Archive(database_url)
    try:
        with archive.session() as s:
            last = int(s.scalar(select(func.max(CrawlRun.id)).where(CrawlRun.site == site)) or 0)
        return Before(last, {key: v.verdict for key, v in _verdicts(archive, site).items()})
    finally:
        archive.close()


def turned_bad(earlier: dict[tuple[str, int], str], after: dict[tuple[str, int], Verdict]) -> list[Verdict]:
    """Verdicts that are late or missing now and were not before the run."""
    return [
        v
        for key, v in sorted(after.items())
        if v.verdict in ("late", "missing") and earlier.get(key) != v.verdict
    ]


def report(
    database_url: str, site: str, mode: str, exit_code: int, earlier: Before
) -> tuple[str, str] | None:
    """(title, body) of the run after `earlier`, or None when there is nothing to tell."""
    archive = Archive(database_url)
    try:
        with archive.session() as s:
            run = s.scalars(
                select(CrawlRun)
                .where(CrawlRun.site == site, CrawlRun.id > earlier.last_run_id)
                .order_by(CrawlRun.id.desc())
            ).first()
            if run is None:
                return f"xxgk: {site} {mode} crawl failed (exit {exit_code})", "The crawl recorded no run."
            created = s.execute(
                select(Document.title, Document.url).join(Event, Event.document_id == Document.id)
                .where(Event.run_id == run.id, Event.kind == "created").order_by(Event.id)
            ).all()  # fmt: skip
            changed = s.execute(
                select(Version.title, Document.url).join(Document, Document.id == Version.document_id)
                .where(Version.run_id == run.id, Version.number > 1).order_by(Version.id)
            ).all()  # fmt: skip
            withdrawn = s.execute(
                select(Document.title, Document.url).join(Event, Event.document_id == Document.id)
                .where(Event.run_id == run.id, Event.kind == "withdrawn").order_by(Event.id)
            ).all()  # fmt: skip
            status = run.status
        bad = turned_bad(earlier.verdicts, _verdicts(archive, site))
    finally:
        archive.close()
    if not (created or changed or withdrawn or bad) and status == "finished" and exit_code == 0:
        return None
    title = (f"xxgk: {site} {mode} crawl {status}: {len(created)} new, {len(changed)} changed, "
             f"{len(withdrawn)} withdrawn" + (f", {len(bad)} audit finding(s)" if bad else ""))  # fmt: skip
    lines = [f"Run {run.id} of {site} ({mode}) {status}, exit code {exit_code}."]
    for label, rows in (("新增 New", created), ("修改 Changed", changed), ("撤下 Withdrawn", withdrawn)):
        if rows:
            lines.append(f"\n{label} ({len(rows)}):")
            lines += [f"- {t or '(no title)'} {u}" for t, u in rows[:LISTED]]
            if len(rows) > LISTED:
                lines.append(f"- … and {len(rows) - LISTED} more")
    if bad:
        lines.append("\n审计 Audit:")
        lines += [f"- {v.year} {v.kind}: {v.verdict}" + (f" ({v.days_late} days late)" if v.days_late else "")
                  + f"; due {v.due}; {v.note}" for v in bad]  # fmt: skip
    return title, "\n".join(lines)


def send(config: NotifyConfig, title: str, body: str) -> dict[str, bool]:
    """Each URL on its own, retried with backoff; returns which URLs were delivered. Never raises."""
    delivered: dict[str, bool] = {}
    for url in config.urls:
        target = apprise.Apprise()
        if not target.add(url):
            logger.error("notification URL not understood by Apprise: %s", _redacted(url))
            delivered[url] = False
            continue
        wait = config.retry_seconds
        for attempt in range(config.retries + 1):
            try:
                ok = bool(target.notify(title=title, body=body))
            except Exception:  # a notifier's bug must not end the service's job
                logger.exception("notifier %s raised", _redacted(url))
                ok = False
            if ok:
                break
            if attempt < config.retries:
                logger.warning("notification to %s failed (attempt %d); retrying in %.0fs", _redacted(url),
                               attempt + 1, wait)  # fmt: skip
                time.sleep(wait)
                wait *= 2
        else:
            logger.error("notification to %s failed after %d attempts", _redacted(url), config.retries + 1)
        delivered[url] = ok
    return delivered


def after_run(
    config: NotifyConfig, database_url: str, site: str, mode: str, exit_code: int, earlier: Before
) -> None:
    """Tell the configured notifiers what the run changed; any failure is logged, never raised."""
    try:
        message = report(database_url, site, mode, exit_code, earlier)
        if message is not None:
            send(config, *message)
    except Exception:
        logger.exception("notifications after the %s crawl of %s failed", mode, site)


def from_kwargs(raw: dict[str, Any] | None) -> NotifyConfig | None:
    """The job's stored form (a plain dict in the job store) back to a NotifyConfig."""
    if not raw:
        return None
    return NotifyConfig(tuple(raw["urls"]), int(raw.get("retries", 3)), float(raw.get("retry_seconds", 5.0)))


def _redacted(url: str) -> str:
    """A URL for the log without its credentials (`user:password@`)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('@', 1)[-1]}" if "@" in rest.split("/", 1)[0] else url
