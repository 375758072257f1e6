"""Report recognition on the seeds' real titles and on look-alikes, and the deadline table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from archive.audit import rules
from archive.audit.reports import DISCLOSURE, RULE_OF_LAW, recognise


@pytest.mark.parametrize(
    ("title", "kind", "year"),
    [
        # The seeds' titles (晋中 000, 安康 001 per research, 市中区 003).
        ("晋中市民政局2021年法治政府建设情况报告", RULE_OF_LAW, 2021),
        ("安康市民政局2020年度法治政府建设工作情况报告", RULE_OF_LAW, 2020),
        ("2021年度法治政府建设情况报告", RULE_OF_LAW, 2021),
        ("安康市民政局2020年政府信息公开工作年度报告", DISCLOSURE, 2020),
        ("2019年政府信息公开年报", DISCLOSURE, 2019),
        ("安顺市民政局2023年政府信息公开工作年度报告", DISCLOSURE, 2023),
        # Traditional characters, full-width digits, inline pinyin from a mirror.
        ("連州市民政局２０２４年法治政府建設年度報告", RULE_OF_LAW, 2024),
        ("連州市民政局2024年法治政府建設(shè)年度報(bào)告", RULE_OF_LAW, 2024),
    ],
)
def test_reports_are_recognised_with_their_year(title: str, kind: str, year: int) -> None:
    match = recognise(title)
    assert match is not None and (match.kind, match.year, match.year_from) == (kind, year, "title")


@pytest.mark.parametrize(
    "title",
    [
        # The 安顺 seed: about 法治建设, but a plan, not the annual report.
        "安顺市民政局关于印发《安顺市民政局深入推进民政法治建设实施方案(2021-2025年)》的通知",
        # A cover letter transmitting the report is not the report (ankang.md).
        "安康市行政审批服务局关于报送2021年政府信息公开年度报告的函",
        "关于做好2021年政府信息公开工作年度报告编制工作的通知",
        "連州市2024年法治政府建設工作要點",
        "安顺市民政局2022年民政事业发展统计公报",
        "",
    ],
)
def test_documents_about_reports_are_not_reports(title: str) -> None:
    assert recognise(title) is None


def test_year_from_the_body_when_the_title_has_none() -> None:
    body = "本报告中使用数据统计期限为2020年1月1日至12月31日。"
    assert recognise("市民政局政府信息公开工作年度报告", body) == recognise("x政府信息公开工作年度报告", body)
    match = recognise("市民政局政府信息公开工作年度报告", body)
    assert match is not None and (match.year, match.year_from) == (2020, "body")
    unknown = recognise("市民政局政府信息公开工作年度报告", "（正文略）")
    assert unknown is not None and unknown.year is None


def test_deadlines_by_report_year() -> None:
    table = rules.load()
    new_rule = table.rule_for(DISCLOSURE, 2021)
    assert (
        new_rule is not None
        and new_rule.due_date(2021) == date(2022, 1, 31)
        and new_rule.status == "verified"
    )
    assert "第四十九条" in new_rule.source
    old_rule = table.rule_for(DISCLOSURE, 2018)  # before the 2019 revision: 31 March
    assert old_rule is not None and old_rule.due_date(2018) == date(2019, 3, 31)
    law = table.rule_for(RULE_OF_LAW, 2023)
    assert law is not None and law.due_date(2023) == date(2024, 3, 31)  # "before 1 April"
    assert table.rule_for(RULE_OF_LAW, 2010) is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            'kind = "disclosure"\nfirst_year = 2019\ndue = "02-30"\nsource = "s"\ntext = "t"\nstatus = "x"',
            "day is out of range",
        ),
        ('kind = "disclosure"\nfirst_year = 2019\nsource = "s"\ntext = "t"\nstatus = "x"', "missing due"),
        (
            'kind = "disclosure"\nfirst_year = 2015\ndue = "01-31"\nsource = "s"\ntext = "t"\nstatus = "x"',
            "overlaps",
        ),
    ],
)
def test_a_broken_rule_table_is_refused_with_the_reason(tmp_path: Path, row: str, message: str) -> None:
    good = (
        'kind = "disclosure"\nfirst_year = 2019\ndue = "01-31"\nsource = "s"\ntext = "t"\nstatus = "verified"'
    )
    table = tmp_path / "deadlines.toml"
    table.write_text(f'version = "t"\n[[rule]]\n{good}\n[[rule]]\n{row}\n', encoding="utf-8")
    with pytest.raises(rules.RuleTableError, match=message):
        rules.load(table)
