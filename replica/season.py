"""A planted reporting season: the annual reports of one year, appearing on chosen nights of the next.

The audit judges *when* a report was published and whether our crawls could have seen it; its only
honest test is real crawls on simulated nights (`XXGK_CLOCK`, see `archive.clock`) of a site whose
history is known. `plant_season` writes that history into the replica's change log ahead of time, as
records dated when each page appears (`at`) and saying what date the page claims (`claims`); a replica
on simulated time applies each record once its clock passes `at`. The log is the ground truth: a test
derives every expected verdict and forensic flag from these records and its own crawl nights.

Every site gets a different story, so the five sites together cover each case the audit tells apart:
on time, late by N days, never published (missing when crawled every night, unknown across a crawl
gap), a backdated report (appears weeks after the date it claims), a postdated page (claims a date
after we saw it), a report edited after publication (a body edit; a corrected publish date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from replica.annual_reports import truth, truth_record
from replica.core import Replica
from replica.state import append_mutation, load_state

Moment = tuple[int, int, int, int]  # month, day, hour, minute (Beijing) in the year after the report year


@dataclass(frozen=True)
class Edit:
    at: Moment
    what: str  # "body" | "publish_date"
    claims: Moment | None = None  # the corrected publish date (publish_date edits)


@dataclass(frozen=True)
class Plant:
    kind: str  # "annual_report" | "rule_of_law_report" | "page" (an ordinary page of the site)
    story: str  # what the audit should find, in words: on_time, late, backdated, postdated, …
    appears: Moment
    claims: Moment
    edits: tuple[Edit, ...] = ()


# A report kind a site has no plant for is never published that season (`missing` or `unknown`).
SEASON: dict[str, tuple[Plant, ...]] = {
    "smzj.anshun.gov.cn": (
        Plant("annual_report", "on_time, then its body edited", (1, 14, 10, 0), (1, 14, 10, 0),
              (Edit((1, 25, 15, 0), "body"),)),
    ),
    "www.zzszq.gov.cn": (
        Plant("annual_report", "late", (2, 12, 9, 30), (2, 12, 9, 30)),
        Plant("rule_of_law_report", "on_time", (3, 10, 10, 0), (3, 10, 10, 0)),
    ),
    "mzj.sxjz.gov.cn": (
        Plant("rule_of_law_report", "late", (4, 10, 11, 0), (4, 10, 11, 0)),
        Plant("page", "postdated: claims a date after we captured it", (1, 20, 10, 0), (1, 28, 9, 0)),
    ),
    "mzj.ankang.gov.cn": (
        Plant("annual_report", "backdated: appears on 1 February claiming 14 January", (2, 1, 16, 0),
              (1, 14, 9, 0)),
        Plant("rule_of_law_report", "on_time, then its publish date changed", (3, 10, 14, 0), (3, 10, 14, 0),
              (Edit((4, 1, 9, 0), "publish_date", (3, 2, 10, 0)),)),
    ),
    "www.lianzhou.gov.cn": (
        Plant("rule_of_law_report", "on_time, then its body edited", (3, 12, 10, 0), (3, 12, 10, 0),
              (Edit((3, 30, 15, 0), "body"),)),
    ),
}  # fmt: skip
K_BASE = 30_000  # generation keys of planted pages: above every generated and published one


def _moment(year: int, m: Moment) -> datetime:
    return datetime(year, m[0], m[1], m[2], m[3])


def season_records(directory: Path, report_year: int) -> list[dict[str, Any]]:
    """The records of the season of `report_year`'s reports (published in `report_year + 1`), each with
    the URL(s) its page(s) will have, computed on the replica as it will be."""
    state = load_state(directory)
    if state is None:
        raise FileNotFoundError(f"no replica state in {directory}; start `xxgk replica serve` first")
    replica = Replica(state.seed, state.docs, state.mutations)  # real-time view: every change applied
    season, records = report_year + 1, []
    for host, plants in SEASON.items():
        for n, plant in enumerate(plants):
            record: dict[str, Any] = {
                "op": "publish" if plant.kind == "page" else "report",
                "host": host,
                "at": _moment(season, plant.appears).isoformat(),
                "k": K_BASE + n,
                "claims": _moment(season, plant.claims).isoformat(),
                "story": plant.story,
            }
            if plant.kind != "page":
                record.update(kind=plant.kind, year=report_year)
            catalog = replica.catalogs[host]
            before = set(catalog.by_path)
            replica.apply(record)  # the page(s) it adds are the page(s) the served replica will add
            pages = sorted((d for p, d in catalog.by_path.items() if p not in before), key=lambda d: d.path)
            pages.sort(key=lambda d: d.index_no is None)  # the page with the 索引号 (gkmlpt's) first
            record.update(url=pages[0].url, urls=[p.url for p in pages], title=pages[0].title)
            if plant.kind == "annual_report":  # its numbers, form and planted errors: the content truth
                record["report"] = truth_record(truth(catalog.site.agency.name, report_year))
            records.append(record)
            for edit in plant.edits:
                change = {"op": "edit", "host": host, "at": _moment(season, edit.at).isoformat(),
                          "path": urlsplit(pages[0].url).path, "url": pages[0].url, "what": edit.what,
                          "story": f"{plant.story}: {edit.what} edited"}  # fmt: skip
                if edit.claims is not None:
                    change["value"] = _moment(season, edit.claims).isoformat()
                records.append(change)
    return records


def plant_season(directory: Path, report_year: int) -> list[dict[str, Any]]:
    """Append the season's records to the change log; returns them."""
    records = season_records(directory, report_year)
    for record in records:
        append_mutation(directory, record)
    return records
