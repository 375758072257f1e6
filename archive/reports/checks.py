"""The checks an auditor runs on a report's numbers, each a finding with the cells involved.

Pure functions over `ParsedReport`s: one report (the template's identity, every 总计, sections missing,
the 2019 format after 2021), a report and last year's (copied unchanged), and a document's versions
(numbers changed after the deadline). A check whose cells were not read is not run: a finding must
rest on numbers the report states, never on a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from archive.reports import template as T
from archive.reports.parse import Number, ParsedReport

CHECKS = (
    "identity",
    "total",
    "scan_sum_unsettled",
    "section_missing",
    "old_format",
    "copied_year",
    "changed_after_deadline",
)


@dataclass(frozen=True)
class Issue:
    """What a check found in the numbers; `archive.reports.data` adds where they came from."""

    check: str
    detail: str
    cells: dict[str, Any] = field(default_factory=dict)


def _known(report: ParsedReport, keys: list[str]) -> dict[str, Number] | None:
    values = {k: report.cells.get(k) for k in keys}
    if any(v is None for v in values.values()):
        return None
    return values  # type: ignore[return-value]


def _equal(a: Number, b: Number) -> bool:
    return abs(a - b) < 1e-9


def identity(report: ParsedReport) -> list[Issue]:
    """一 + 二 = 三(七) + 四, column by column (the note printed above table 3)."""
    out = []
    for column, header in T.T3_COLUMNS:
        keys = [f"t3_{r}_{column}" for r in ("1", "2", "3_7", "4")]
        cells = _known(report, keys)
        if cells is None:
            continue
        left = cells[keys[0]] + cells[keys[1]]
        right = cells[keys[2]] + cells[keys[3]]
        if not _equal(left, right):
            out.append(Issue("identity", f"{header}: 一+二 = {left}, 三(七)+四 = {right}", cells))
    return out


def _result_leaves(report: ParsedReport) -> list[str]:
    """The rows that add up to 三(七): the leaves of 三, with 其他处理 as one row in the 2019 format."""
    leaves = []
    for row in T.TABLE3:
        if not row.key.startswith("3_") or row.key == "3_7" or row.group:
            continue
        if row.key.startswith("3_6_") and f"t3_{row.key}_total" not in report.cells:
            continue
        leaves.append(row.key)
    if "t3_3_6_total" in report.cells:
        leaves.append("3_6")
    return leaves


def totals(report: ParsedReport) -> list[Issue]:
    """Every 总计 equal to its parts: table 3's row totals and its 三(七) column totals, and the three
    总计 of table 4."""
    out = []
    for row in T.TABLE3:
        total_key = f"t3_{row.key}_total"
        if total_key in report.cells:
            keys = [f"t3_{row.key}_{c}" for c in T.T3_PARTS]
            out += _sum_issue(
                report, keys, total_key, f"table 3 {row.label}: 总计 {{total}}, parts sum to {{parts}}"
            )
    leaves = _result_leaves(report)
    for column, header in T.T3_COLUMNS:
        keys = [f"t3_{r}_{column}" for r in leaves]
        out += _sum_issue(
            report, keys, f"t3_3_7_{column}", f"table 3 三(七)总计 {header}: {{total}}, rows sum to {{parts}}"
        )
    for group, name in T.T4_GROUPS:
        keys = [f"t4_{group}_{c}" for c, _ in T.T4_COLUMNS]
        out += _sum_issue(
            report, keys[:-1], keys[-1], f"table 4 {name}: 总计 {{total}}, parts sum to {{parts}}"
        )
    return out


def _sum_issue(report: ParsedReport, parts_keys: list[str], total_key: str, message: str) -> list[Issue]:
    """A `total` issue when every cell was read and the parts do not sum to the total (`message` is
    formatted with both)."""
    cells = _known(report, [*parts_keys, total_key])
    if cells is None:
        return []
    parts = sum(cells[k] for k in parts_keys)
    if _equal(parts, cells[total_key]):
        return []
    return [Issue("total", message.format(total=cells[total_key], parts=parts), cells)]


def sections(report: ParsedReport) -> list[Issue]:
    missing = report.missing_sections
    if not missing:
        return []
    names = dict(T.SECTIONS)
    return [
        Issue(
            "section_missing",
            "missing: " + "、".join(f"{n}、{names[n]}" for n in missing),
            {"missing": missing},
        )
    ]


def old_format(report: ParsedReport, year: int) -> list[Issue]:
    """The 2019 试行 headers on a report about a year after 2021 (the 2021 template applies)."""
    if report.generation == "2019" and year > 2021:
        return [
            Issue(
                "old_format", f"{year} report uses the 2019 format's table 2 headers", {"generation": "2019"}
            )
        ]
    return []


def refuse_inconsistent(report: ParsedReport) -> list[Issue]:
    """A report read by OCR: every sum the template states that its numbers break has its cells made
    null with the reason (returned as the issues found). A scan's misread digit and the report's own
    wrong 总计 look the same once read, and a reader that reports a number must never guess one, so a
    scanned report's cells that disagree with their 总计 are not given (a text layer keeps them as
    printed: that is a finding, `totals`). Rows first (table 3's 总计 column, table 4's groups), then
    the 三(七) column sums and the identity over what the rows left standing."""
    found: list[Issue] = []
    for issue_of in (totals, identity):
        for issue in issue_of(report):
            if not all(report.cells.get(k) is not None for k in issue.cells):
                continue  # an earlier refusal took some of its cells: the sum is no longer stated
            found.append(issue)
            report.unsettled.append(
                {"check": issue.check, "detail": issue.detail, "cells": dict(issue.cells)}
            )
            why = f"read by OCR, and its sum disagrees ({issue.detail}): a misread or the report's error"
            for key in issue.cells:
                report.cells[key], report.nulls[key] = None, why
    return found


def unsettled(report: ParsedReport) -> list[Issue]:
    """A scanned report's sums that did not hold as read: the cells are not given (a misread and the
    report's own error look alike on a scan), but an auditor must still hear that this report's numbers
    could not be confirmed, with the cells as read, to check against the scan itself."""
    return [
        Issue("scan_sum_unsettled", f"as read from the scan, {u['check']}: {u['detail']}", u["cells"])
        for u in report.unsettled
    ]


def one_report(report: ParsedReport, year: int) -> list[Issue]:
    return [
        *identity(report),
        *totals(report),
        *unsettled(report),
        *sections(report),
        *old_format(report, year),
    ]


def numbers(report: ParsedReport) -> dict[str, Number]:
    """The table cells a report states (the fee is prose, and left out of comparisons)."""
    return {k: v for k, v in report.cells.items() if v is not None and k.startswith(("t2_", "t3_", "t4_"))}


MIN_COPIED_CELLS = 20  # fewer stated cells than this compare too little to call a report a copy


def copied(report: ParsedReport, last_year: ParsedReport) -> list[Issue]:
    """Every number the same as last year's report (same cells read, same values, not all zero)."""
    now, then = numbers(report), numbers(last_year)
    if len(now) < MIN_COPIED_CELLS or now != then or not any(now.values()):
        return []
    return [Issue("copied_year", f"all {len(now)} numbers equal last year's report", {"cells": len(now)})]


def changed(before: ParsedReport, after: ParsedReport) -> dict[str, list[Number | None]]:
    """The cells whose stated number differs between two versions: key → [before, after]."""
    a, b = numbers(before), numbers(after)
    return {k: [a.get(k), b.get(k)] for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}
