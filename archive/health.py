"""Is a finished crawl run healthy, judged against the site's own history?

A site redesign or a block rarely fails loudly: the crawl "finishes" having seen a tenth of the usual
pages, or every detail answers 403. Like Spidermon's monitors, a run is compared with the median of the
site's recent finished runs of the same mode; a sharp drop in pages or documents, or an error rate well
above the usual, flags the run, and `xxgk crawl` exits non-zero so cron mail or the service log shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import CrawlRun

HISTORY = 10  # recent runs compared against
MIN_HISTORY = 3  # fewer finished runs than this: too little to judge
DROP = 0.5  # pages or documents below half the usual
ERROR_FLOOR = 0.05  # an error rate above 5% and ...
ERROR_FACTOR = 3.0  # ... three times the usual


@dataclass(frozen=True)
class Health:
    ok: bool
    reasons: tuple[str, ...]
    compared_with: int  # how many earlier runs

    def summary(self) -> str:
        if self.compared_with < MIN_HISTORY:
            return "ok (little history)"
        return "ok" if self.ok else "degraded: " + "; ".join(self.reasons)


def _figures(stats: dict[str, Any]) -> tuple[int, int, float]:
    pages = int(stats.get("response_received_count", 0))
    documents = sum(int(stats.get(f"xxgk/{k}", 0)) for k in ("new_version", "unchanged", "withdrawn"))
    errors = int(stats.get("xxgk/error", 0)) + int(stats.get("xxgk/parse_error", 0))
    return pages, documents, errors / pages if pages else 0.0


def check(s: Session, run: CrawlRun, stats: dict[str, Any]) -> Health:
    earlier = list(
        s.scalars(
            select(CrawlRun)
            .where(
                CrawlRun.site == run.site,
                CrawlRun.mode == run.mode,
                CrawlRun.status == "finished",
                CrawlRun.id < run.id,
            )
            .order_by(CrawlRun.id.desc())
            .limit(HISTORY)
        )
    )
    if len(earlier) < MIN_HISTORY:
        return Health(True, (), len(earlier))
    history = [_figures(r.stats or {}) for r in earlier]
    pages, documents, error_rate = _figures(stats)
    usual_pages = median(h[0] for h in history)
    usual_documents = median(h[1] for h in history)
    usual_errors = median(h[2] for h in history)
    reasons = []
    if pages < DROP * usual_pages:
        reasons.append(f"{pages} pages against a usual {usual_pages:.0f}")
    if documents < DROP * usual_documents:
        reasons.append(f"{documents} documents against a usual {usual_documents:.0f}")
    if error_rate > ERROR_FLOOR and error_rate > ERROR_FACTOR * usual_errors:
        reasons.append(f"error rate {error_rate:.0%} against a usual {usual_errors:.0%}")
    return Health(not reasons, tuple(reasons), len(earlier))
