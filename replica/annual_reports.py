"""The replica's 政府信息公开工作年度报告 as data: numbers, the form each is published in, planted errors.

Every agency-year's report is a pure function of (agency name, year, revision): its numbers (kept
consistent the way the template demands: 一+二 = 三(七)+四 per column, every 总计 the sum of its parts),
its template generation (the 2019 format up to 2020, the 2021 one after), the form it is published in
(`FORMS`) and the errors planted in it (`plants`). `truth` is the ground truth a crawl's `xxgk reports`
and `xxgk audit content` are tested against; `report_blocks` is what the page shows (paragraphs and
tables: the shape every renderer takes, `attachment_forms.render(form, blocks, key)` included).

Forms: `html_clean` (one table per template table), `html_broken` (labels and numbers split over rows,
`|` debris, a label over two cells), `html_flat` (table 4 as one row of 15 numbers, table 3's group
labels in their first row), `pdf_text` (a short page linking a PDF with a text layer that carries the
whole report); with XXGK_REPLICA_REPORT_FORMS also a scanned PDF, .doc, .wps, .xls (or any form of
replica/attachment_forms.py) carrying the whole report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from random import Random
from typing import Any

from archive.reports import template as T
from replica import attachment_forms

PAGE_FORMS = ("html_clean", "html_broken", "html_flat")
# form → the file it is published as: a text-layer PDF, or the attachment readers' forms
# (replica/attachment_forms.py: scans, legacy Word/WPS, spreadsheets, RTF)
FILE_FORMS = {"pdf_text": "pdf", **attachment_forms.EXTENSIONS}
# The forms the replica publishes, in turn by agency and year. Scans and Office files join only with
# XXGK_REPLICA_REPORT_FORMS ("all", or a comma list of forms): reading them takes OCR and LibreOffice,
# seconds a report, which the suite's crawls must not spend; bench/annual_reports.py --crawl does.
REPORT_FORMS_ALL = (*PAGE_FORMS, "pdf_text", "pdf_scan", "doc", "wps", "xls")


def _forms(chosen: str) -> tuple[str, ...]:
    if not chosen.strip():
        return (*PAGE_FORMS, "pdf_text")
    if chosen.strip() == "all":
        return REPORT_FORMS_ALL
    forms = tuple(f.strip() for f in chosen.split(",") if f.strip())
    unknown = [f for f in forms if f not in PAGE_FORMS and f not in FILE_FORMS]
    if unknown:
        raise ValueError(f"XXGK_REPLICA_REPORT_FORMS: unknown form(s) {', '.join(unknown)}")
    return forms


FORMS: tuple[str, ...] = _forms(os.environ.get("XXGK_REPLICA_REPORT_FORMS", ""))
ATTACHMENT_FORMS = {f: FILE_FORMS[f] for f in FORMS if f in FILE_FORMS}  # the forms published as a file
KEY_PREFIX = "annual-report|"
REVISION = ":rev"  # appended to a document's and its file's key by each `report_numbers` edit
PLANTS = ("identity", "total", "section_missing", "old_format", "copied_year")

Block = str | list[list[str]]


@dataclass(frozen=True)
class ReportTruth:
    agency: str
    year: int
    revision: int
    generation: str
    form: str
    cells: dict[str, Any]  # template key → number (the parser's keys)
    sections: tuple[str, ...]
    planted: tuple[str, ...]  # the checks this report must fail ("copied_year": if last year's is up)
    details: dict[str, Any] = field(default_factory=dict)  # e.g. which columns the identity breaks in


def plants(agency: str, year: int | None = None) -> dict[str, int]:
    """Which year of this agency's reports carries which planted error: one year each among 2019–2025
    (the replica's own reports), and for a later year (a season `xxgk replica season` plants) one of
    identity, total, section_missing or none, by year."""
    if year is not None and year > 2025:
        check = ("identity", "total", "section_missing", None)[(year + sum(map(ord, agency))) % 4]
        return {check: year} if check else {}
    rng = Random(f"{agency}:report-plants")
    old = rng.choice((2022, 2023))
    copied = rng.choice((2024, 2025))
    if copied - 1 == old:
        copied = 2025
    rest = [y for y in range(2019, 2026) if y not in {old, copied, copied - 1}]
    identity, total, section = rng.sample(rest, 3)
    return {"identity": identity, "total": total, "section_missing": section, "old_format": old,
            "copied_year": copied}  # fmt: skip


def form_of(agency: str, year: int) -> str:
    offset = sum(map(ord, agency))
    return FORMS[(year + offset) % len(FORMS)]


def generation_of(agency: str, year: int) -> str:
    return "2019" if year <= 2020 or plants(agency)["old_format"] == year else "2021"


def _numbers(agency: str, year: int, generation: str) -> dict[str, Any]:
    """Consistent numbers for one report (before planted errors and edits)."""
    rng = Random(f"{agency}:{year}:report-numbers")
    cells: dict[str, Any] = {}
    for row in T.TABLE2[generation]:
        for column, _ in row.columns:
            key = f"t2_{row.key}_{column}"
            if row.key == "rules":
                cells[key] = 0
            elif row.key == "fees" and generation == "2021":
                cells[key] = round(rng.randrange(0, 5000) / 100, 2)
            elif column == "change":
                cells[key] = rng.randrange(0, 4)
            else:
                cells[key] = rng.randrange(0, 60 if column in ("decisions", "in_force") else 12)
    leaves = [r.key for r in T.TABLE3 if r.key.startswith("3_") and r.key != "3_7" and not r.group]
    if generation == "2019":
        leaves = [k for k in leaves if not k.startswith("3_6_")] + ["3_6"]
    for column in T.T3_PARTS:
        natural = column == "natural"
        new = rng.randrange(3, 40) if natural else rng.choice((0, 0, 0, 1, 2))
        carried = rng.randrange(0, 3) if natural else 0
        pending = rng.randrange(0, min(3, new + carried) + 1)
        handled = new + carried - pending
        spread = dict.fromkeys(leaves, 0)
        weights = [8 if k in ("3_1", "3_2", "3_4_1") else 1 for k in leaves]
        for leaf in rng.choices(leaves, weights=weights, k=handled):
            spread[leaf] += 1
        cells[f"t3_1_{column}"], cells[f"t3_2_{column}"] = new, carried
        cells[f"t3_4_{column}"], cells[f"t3_3_7_{column}"] = pending, handled
        for leaf, n in spread.items():
            cells[f"t3_{leaf}_{column}"] = n
    for row in [*("1", "2", "4", "3_7"), *leaves]:
        cells[f"t3_{row}_total"] = sum(cells[f"t3_{row}_{c}"] for c in T.T3_PARTS)
    for group, _ in T.T4_GROUPS:
        parts = [rng.choice((0, 0, 0, 1, 2)) for _ in range(4)]
        for (column, _), n in zip(T.T4_COLUMNS, [*parts, sum(parts)], strict=True):
            cells[f"t4_{group}_{column}"] = n
    cells["fee_yuan"] = rng.choice((0, 0, 0, 0, 20, 150, 380))
    return cells


def truth(agency: str, year: int, revision: int = 0) -> ReportTruth:
    """The report as published: numbers (with planted errors and `revision` edits), form, sections."""
    plan = plants(agency, year)
    generation = generation_of(agency, year)
    planted = [check for check, y in plan.items() if y == year]
    source_year = year - 1 if "copied_year" in planted else year
    cells = _numbers(agency, source_year, generation_of(agency, source_year))
    details: dict[str, Any] = {}
    if "identity" in planted:  # 四 grows in 自然人 (and its row total): 一+二 ≠ 三(七)+四 there
        cells["t3_4_natural"] += 2
        cells["t3_4_total"] += 2
        details["identity"] = ["natural", "total"]
    if "total" in planted:  # table 4's 行政复议 总计 does not add up
        cells["t4_review_total"] += 1
        details["total"] = ["t4_review_total"]
    for _ in range(revision):  # an edit: one more application received and granted, all totals kept
        for key in (
            "t3_1_natural",
            "t3_1_total",
            "t3_3_1_natural",
            "t3_3_1_total",
            "t3_3_7_natural",
            "t3_3_7_total",
        ):
            cells[key] += 1
    sections = tuple(n for n, _ in T.SECTIONS if not ("section_missing" in planted and n == "五"))
    return ReportTruth(
        agency, year, revision, generation, form_of(agency, year), cells, sections, tuple(planted), details
    )


def truth_record(t: ReportTruth) -> dict[str, Any]:
    """The truth as a change-log record carries it (`replica.season`)."""
    return {"form": t.form, "generation": t.generation, "planted": list(t.planted), "details": t.details,
            "sections": list(t.sections), "cells": t.cells}  # fmt: skip


def revision_of(key: str) -> int:
    return key.count(REVISION)


# ---- what the page shows ------------------------------------------------------------------------


def _n(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _table2(t: ReportTruth) -> list[list[list[str]]]:
    rows = T.TABLE2[t.generation]
    articles = (
        ("第二十条第（一）项", rows[:2]),
        ("第二十条第（五）项", [r for r in rows if r.key in ("licensing", "other_services")]),
        ("第二十条第（六）项", [r for r in rows if r.key in ("penalty", "coercion")]),
        ("第二十条第（八）项", [r for r in rows if r.key == "fees"]),
    )
    tables = []
    for article, members in articles:
        header = ["信息内容", *(h for _, h in members[0].columns)]
        body = [[r.label, *(_n(t.cells[f"t2_{r.key}_{c}"]) for c, _ in r.columns)] for r in members]
        tables.append([[article], header, *body])
    return tables


def _t3_rows(t: ReportTruth) -> list[tuple[str, list[str] | None]]:
    """(label, numbers or None for a heading row) in template order, for this generation."""
    out: list[tuple[str, list[str] | None]] = []
    for row in T.TABLE3:
        if t.generation == "2019" and row.key.startswith("3_6_"):
            continue
        if f"t3_{row.key}_total" in t.cells:
            out.append((row.label, [_n(t.cells[f"t3_{row.key}_{c}"]) for c, _ in T.T3_COLUMNS]))
        else:
            out.append((row.label, None))
    return out


T3_HEADER = [
    ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
    ["", "自然人", "法人或其他组织", "", "", "", "", "总计"],
    ["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
]
T4_HEADER = [
    ["行政复议", "行政诉讼"],
    ["", "未经复议直接起诉", "复议后起诉"],
    [*(h for _ in range(3) for _, h in T.T4_COLUMNS)],
]


def _table3(t: ReportTruth, form: str, rng: Random) -> list[list[str]]:
    rows = [list(r) for r in T3_HEADER]
    pending_group: str | None = None
    for label, values in _t3_rows(t):
        if values is None:
            if form == "html_flat":
                pending_group = label  # the group's label shares its first row's first cell
            else:
                rows.append([label])
            continue
        if pending_group is not None:
            label, pending_group = f"{pending_group} {label}", None
        if form == "html_broken":
            style = rng.randrange(4)
            if style == 0:  # the label in a row of its own, its numbers in the next
                rows += [[label], values]
            elif style == 1:  # numbers split over two rows
                rows += [[label, *values[:3]], values[3:]]
            elif style == 2 and "（" in label[1:]:  # the label over two cells
                cut = label.index("（", 1)
                rows.append([label[:cut], label[cut:], *values])
            else:  # `|` debris between cells
                rows.append([label, "|", *values[:4], "|", *values[4:]])
        else:
            rows.append([label, *values])
    return rows


def _table4(t: ReportTruth, form: str) -> list[list[list[str]]]:
    numbers = [_n(t.cells[f"t4_{k}"]) for k in T.T4_KEYS]
    if form == "html_flat":
        return [[list(r) for r in T4_HEADER], [numbers]]  # the fifteen numbers as one table row
    return [[*(list(r) for r in T4_HEADER), numbers]]


def _fee_sentence(t: ReportTruth) -> str:
    fee = t.cells["fee_yuan"]
    if not fee:
        return "本年度未收取信息处理费。"
    return f"本年度依申请公开工作中按规定收取信息处理费{fee}元。"


def full_blocks(t: ReportTruth, signed: date | None = None, form: str | None = None) -> list[Block]:
    """The whole report as paragraphs and tables, in `form` (default: the report's own)."""
    form = form or t.form
    rng = Random(f"{t.agency}:{t.year}:{t.revision}:layout")
    names = dict(T.SECTIONS)
    received = t.cells["t3_1_total"]
    blocks: list[Block] = [
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。全文包括总体情况、主动公开政府信息情况、"
        f"收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
        f"本报告所列数据统计期限为{t.year}年1月1日至{t.year}年12月31日。",
    ]

    def section(number: str, *body: Block) -> None:
        if number in t.sections:
            blocks.append(f"{number}、{names[number]}")
            blocks.extend(body)

    section(
        "一",
        f"{t.year}年，{t.agency}认真贯彻落实《条例》和上级关于政务公开工作的部署要求，坚持以公开为常态、不公开为例外，"
        "进一步加强政府信息公开、政策解读和回应关切工作。",
    )
    section("二", *_table2(t))
    section("三", f"本年度共新收政府信息公开申请{received}件。", _table3(t, form, rng))
    section("四", *_table4(t, form))
    section(
        "五",
        "信息公开的及时性和解读回应的针对性仍需加强。下一步，将进一步完善信息发布审核机制，提升政务公开质量。",
    )
    section("六", _fee_sentence(t))
    blocks.append(t.agency)
    if signed is not None:
        blocks.append(f"{signed.year}年{signed.month}月{signed.day}日")
    return blocks


def report_blocks(agency: str, year: int, signed: date, key: str) -> list[Block]:
    """What the report's page shows: the whole report, or for an attachment form a short page whose
    附件 carries it."""
    t = truth(agency, year, revision_of(key))
    if t.form in ATTACHMENT_FORMS:
        return [
            f"根据《中华人民共和国政府信息公开条例》要求，现将{t.agency}{t.year}年政府信息公开工作年度报告予以公布，全文详见附件。",
            t.agency,
            f"{signed.year}年{signed.month}月{signed.day}日",
        ]
    return full_blocks(t, signed)


def file_of(agency: str, year: int) -> tuple[str, str] | None:
    """The extension and content type of the file an agency-year's report is published as (None: the
    report is the page itself)."""
    form = form_of(agency, year)
    if form not in ATTACHMENT_FORMS:
        return None
    return ATTACHMENT_FORMS[form], attachment_forms.CONTENT_TYPES.get(form, "application/pdf")


def attachment_key(agency: str, year: int, revision: int = 0) -> str:
    return f"{KEY_PREFIX}{agency}|{year}" + REVISION * revision


def from_key(key: str) -> ReportTruth:
    _, agency, rest = key.split("|", 2)
    return truth(agency, int(rest.split(":", 1)[0]), revision_of(key))


def text_lines(blocks: list[Block]) -> list[str]:
    """The report as a PDF's text layer holds it: a line a paragraph, a table row's cells joined by
    spaces (empty cells vanish, as they do in a real PDF's text)."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, list):
            lines.extend(" ".join(c for c in row if c) for row in block)
        else:
            lines.append(block)
    return [line for line in lines if line]


def file_bytes(key: str) -> bytes:
    """The file of a report published as an attachment (`ATTACHMENT_FORMS`), in its form: the whole
    report as `full_blocks` gives it, rendered as that form's file."""
    t = from_key(key)
    blocks = full_blocks(t, form="html_clean")
    if t.form == "pdf_text":  # a text layer in an Identity-H font, as `replica.files` writes PDFs
        return pdf_bytes(key)
    return attachment_forms.render(t.form, blocks, key)  # a scan or an Office file


def pdf_bytes(key: str) -> bytes:
    """A report's text-layer PDF (whatever form the report itself is published in)."""
    from replica.files import _pdf, attachment_number

    # Like every file the replica serves, it ends with a 编号 found nowhere else (a search test's handle).
    lines = [*text_lines(full_blocks(from_key(key), form="html_clean")), f"编号 {attachment_number(key)}"]
    return _pdf(lines)
