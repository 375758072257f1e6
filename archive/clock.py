"""The one clock of the crawler, the archive and the replica: real time, or simulated time.

`XXGK_CLOCK` (or `xxgk --as-of`) set to an ISO 8601 moment, e.g. `2027-01-05T02:00+08:00`, makes a
process live "on" that night: its clock starts at that moment when first read and then runs at real
speed, so a crawl's run start, capture times, version first-seen times and run end keep their order
and their real durations. A moment without an offset is China time (the sites' and the nights' zone).

Why a setting and not a test trick: an audit of deadlines is about *when* the archive saw a page, and
the only honest test of it is a real crawl on a chosen night (tests/test_audit_season.py). The same
setting lets an operator replay or re-date a crawl. `xxgk crawl --nights` changes it between the
nights it crawls in one process (one anchor per value), and the replica routing tells a replica each
request's moment (`X-Xxgk-Clock`). It is read here; spiders never look at it (the spider base
stamps fetch times with `now()` like the store does), and without it every caller gets
`datetime.now(UTC)` exactly as before. Crawl locks keep real time on purpose: their expiry
is about live processes, not about the night being simulated.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from archive.text import CHINA

ENV = "XXGK_CLOCK"


class ClockError(ValueError):
    pass


def parse_moment(text: str) -> datetime:
    """An aware moment from ISO 8601 text; naive text is China time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ClockError(f"{ENV}={text!r} is not an ISO 8601 moment (e.g. 2027-01-05T02:00+08:00)") from None
    return moment.replace(tzinfo=CHINA) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class SimulatedClock:
    """`as_of` at real instant `set_at` (UTC), running at real speed from there."""

    as_of: datetime
    set_at: datetime

    def now(self, real: datetime | None = None) -> datetime:
        return (self.as_of + ((real or datetime.now(UTC)) - self.set_at)).astimezone(UTC)


# One anchor per setting value and process: the simulated clock starts when the process first reads it.
_anchors: dict[str, tuple[datetime, float]] = {}


def setting() -> str | None:
    return os.environ.get(ENV) or None


def simulated() -> bool:
    return setting() is not None


def now() -> datetime:
    """The current moment (aware, UTC): real time unless `XXGK_CLOCK` is set."""
    text = setting()
    if text is None:
        return datetime.now(UTC)
    if text not in _anchors:
        _anchors[text] = (parse_moment(text), time.monotonic())
    start, started = _anchors[text]
    return (start + timedelta(seconds=time.monotonic() - started)).astimezone(UTC)


def today_in_china() -> date:
    """Today's date in China time by this clock: the audit's "today" and the crawler's night."""
    return now().astimezone(CHINA).date()


def use(text: str) -> datetime:
    """Set the clock for this process (and the processes it starts): what `--as-of` does."""
    moment = parse_moment(text)
    os.environ[ENV] = text
    return moment
