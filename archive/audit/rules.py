"""The deadline rules of `deadlines.toml`: which applies to a report, and when it was due.

Rules are data so that an auditor can read the legal source beside each verdict and a changed rule is
a new row, not a code change. The table is checked on load: every rule names its source, and no two
rules of a kind cover the same year.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

TABLE = Path(__file__).with_name("deadlines.toml")


class RuleTableError(ValueError):
    pass


@dataclass(frozen=True)
class DeadlineRule:
    kind: str
    first_year: int
    last_year: int | None
    due_month: int
    due_day: int
    source: str
    text: str
    status: str

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)

    def due_date(self, report_year: int) -> date:
        """The last day on which a report on `report_year` is on time."""
        return date(report_year + 1, self.due_month, self.due_day)


@dataclass(frozen=True)
class RuleTable:
    version: str
    rules: tuple[DeadlineRule, ...]

    def rule_for(self, kind: str, report_year: int) -> DeadlineRule | None:
        return next((r for r in self.rules if r.kind == kind and r.covers(report_year)), None)


def load(path: Path = TABLE) -> RuleTable:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleTableError(f"{path}: {exc}") from None
    rules = []
    for n, row in enumerate(data.get("rule", []), 1):
        where = f"{path.name} rule {n}"
        try:
            month, day = (int(part) for part in row["due"].split("-"))
            date(2001, month, day)  # a real month-day (29 February is never a statutory deadline)
            rule = DeadlineRule(
                kind=row["kind"],
                first_year=int(row["first_year"]),
                last_year=int(row["last_year"]) if "last_year" in row else None,
                due_month=month,
                due_day=day,
                source=row["source"],
                text=row["text"],
                status=row["status"],
            )
        except KeyError as exc:
            raise RuleTableError(f"{where}: missing {exc.args[0]}") from None
        except ValueError as exc:
            raise RuleTableError(f"{where}: {exc}") from None
        for other in rules:
            if other.kind == rule.kind and (other.covers(rule.first_year) or rule.covers(other.first_year)):
                raise RuleTableError(f"{where}: overlaps another {rule.kind} rule from {other.first_year}")
        rules.append(rule)
    if "version" not in data:
        raise RuleTableError(f"{path.name}: missing version")
    return RuleTable(str(data["version"]), tuple(rules))
