"""Which archived documents are the required annual reports, and for which year.

Two report types matter to auditors (see `deadlines.toml` for their rules):
- `disclosure`: 政府信息公开工作年度报告 (also 年度报告, 年报, 工作报告, 情况报告 with 政府信息公开/政务公开);
- `rule_of_law`: 法治政府建设年度报告 (also 情况报告, 工作情况报告, 工作报告).
Titles decide; the body only supplies the year when the title has none. Documents *about* a report
(a cover letter 关于报送…报告的函, a notice 关于做好…报告工作的通知, a plan 实施方案, 工作要点) are not the
report: auditors must not be shown a transmittal letter as proof of publication.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.text import fold

DISCLOSURE = "disclosure"
RULE_OF_LAW = "rule_of_law"

_REPORT_WORD = r"(?:年度报告|年度工作报告|工作年度报告|工作报告|情况报告|工作情况报告|年报|报告)"
_PATTERNS = {
    DISCLOSURE: re.compile(r"政府信息公开(?:工作)?(?:的)?" + _REPORT_WORD + r"|政务公开.{0,6}年度报告"),
    RULE_OF_LAW: re.compile(r"法治(?:政府)?建设(?:工作)?(?:的)?" + _REPORT_WORD),
}
# A title about a report rather than the report itself.
_NOT_THE_REPORT = re.compile(
    r"关于(?:报送|印发|转发|做好|开展|编制|公布|提交|征求)|的(?:函|通知|批复|意见|方案)$|"
    r"实施方案|工作要点|工作计划|通知$|函$|解读|评估"
)
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年(?:度)?")
_YEAR_SPAN_IN_BODY = re.compile(r"((?:19|20)\d{2})年1月1日至(?:\1年)?12月31日")
_YEAR_IN_BODY = re.compile(r"((?:19|20)\d{2})年(?:度)?(?:[^。]{0,20})(?:政府信息公开|法治政府建设)")


@dataclass(frozen=True)
class ReportMatch:
    kind: str  # disclosure | rule_of_law
    year: int | None  # the year reported on (not the year published)
    year_from: str  # title | body | unknown


def recognise(title: str | None, body: str | None = None) -> ReportMatch | None:
    """The report type and year of a document, or None when it is not one of the annual reports."""
    folded_title = fold(title or "").strip()
    if not folded_title or _NOT_THE_REPORT.search(folded_title):
        return None
    kind = next((k for k, pattern in _PATTERNS.items() if pattern.search(folded_title)), None)
    if kind is None:
        return None
    years = [int(y) for y in _YEAR_IN_TITLE.findall(folded_title)]
    if years:
        return ReportMatch(kind, years[0], "title")
    text = fold(body or "")[:3000]
    for pattern in (_YEAR_SPAN_IN_BODY, _YEAR_IN_BODY):
        found = pattern.search(text)
        if found:
            return ReportMatch(kind, int(found.group(1)), "body")
    return ReportMatch(kind, None, "unknown")
