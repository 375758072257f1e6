"""What the web interface may ask to change, as an interface: the app calls it, `schedules.control`
implements it, `xxgk serve` hands one to the app. Kept apart from web/actions.py (which needs FastAPI)
so the schedule's side can name `Refused` without loading the web framework."""

from __future__ import annotations

from typing import Any, Protocol


class Refused(Exception):
    """A state change that cannot be made now (a crawl of the site is already running): a 409."""


class Control(Protocol):
    """Unknown job or site: LookupError (404); a bad argument: ValueError (400); `Refused` (409)."""

    sites: tuple[str, ...]  # the sites a crawl may be started for

    def pause(self, job: str) -> dict[str, Any]: ...

    def resume(self, job: str) -> dict[str, Any]: ...

    def start_crawl(self, site: str, mode: str = "incremental") -> dict[str, Any]: ...

    def crawls(self, site: str | None = None) -> list[dict[str, Any]]: ...
