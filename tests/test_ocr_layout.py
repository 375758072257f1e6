"""The pure half of reading scanned tables (archive/ocr_layout.py): words put back into ruled rows, a
smudge never taken for a label, and number cells settled only by readings that agree or are sure.
(The whole path, Tesseract included, is tested on a scanned report in tests/test_reports_data.py.)"""

from __future__ import annotations

from archive.ocr_layout import (
    UNREADABLE,
    Box,
    Cell,
    Word,
    _label_words,
    settle,
    text,
    third_opinion,
    words_from_tsv,
)


def word(text: str, left: int, conf: float = 96.0, line: int = 1, top: int = 100) -> Word:
    return Word(left, top, 20 * len(text), 36, conf, text, (1, 1, line))


def cell(*read: Word) -> Cell:
    return Cell(Box(400, 100, 420, 136), list(read))


def test_tesseract_tsv_gives_words_with_boxes_and_lines() -> None:
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        "1\t1\t0\t0\t0\t0\t0\t0\t1654\t2339\t-1\t\n"
        "5\t1\t2\t1\t1\t1\t176\t170\t77\t36\t96.9\t信息\n"
        "5\t1\t2\t1\t1\t2\t158\t231\t1356\t15\t95.0\t \n"
        "5\t1\t2\t1\t1\t3\t851\t267\t97\t31\t91.3\t45.88\n"
    )
    assert words_from_tsv(tsv) == [
        Word(176, 170, 77, 36, 96.9, "信息", (2, 1, 1)),
        Word(851, 267, 97, 31, 91.3, "45.88", (2, 1, 1)),
    ]


def test_readings_that_agree_or_one_sure_reading_against_noise_settle_a_cell() -> None:
    assert settle(cell(word("17", 400)), [("17", 96.0)]) == "17"
    assert settle(cell(word("“2", 400, conf=48)), [("2", 97.0)]) == "2"  # a neighbour's quote taken along
    assert settle(cell(word("0", 400)), [("0.", 90.0)]) == "0"  # a speck read as a point
    assert settle(cell(), [("43", 96.6)]) == "43"  # the page's reading dropped a lone number
    assert settle(cell(word("4", 400, conf=33)), [("43", 96.6)]) == "43"  # an unsure reading loses


def test_readings_that_disagree_are_never_a_number() -> None:
    assert settle(cell(word("2", 400)), [("7", 95.0)]) == UNREADABLE
    assert settle(cell(), [("0", 80.0)]) == UNREADABLE  # one unsure reading is not enough
    assert settle(cell(), [("8", 20.0)]) is None  # ink nobody reads as a digit: not a cell at all
    assert third_opinion(cell(), [("0", 80.0)], [("0", 96.0)], UNREADABLE) == "0"  # two of three agree
    assert third_opinion(cell(word("2", 400)), [("7", 95.0)], [("1", 96.0)], UNREADABLE) == UNREADABLE
    assert third_opinion(cell(), [("8", 20.0)], [("7", 96.0)], None) == "7"  # the only sure reading
    assert third_opinion(cell(), [("8", 20.0)], [("7", 60.0)], None) is None


def test_a_smudge_read_as_a_character_does_not_swallow_a_row_of_numbers() -> None:
    label = [word("1.", 160), word("属于国家秘密", 200)]
    assert _label_words([*label, word("0", 465), word("0", 627)], usual=445) == [label[1]]
    # table 4: fifteen numbers, a smudged 0 read as 性 with no confidence, far from any label
    row = [word("2", 167), word("性", 257, conf=0), word("0", 347), word("6", 527)]
    assert _label_words(row, usual=445) == []
    # a label's last character read unsure stays in the label (it follows the one before closely)
    tail = [word("保护第三方合法权", 160), word("益", 320, conf=30)]
    assert _label_words(tail, usual=445) == tail
    # after two numbers on a line a character is a cell's smudge, not a label
    assert _label_words([word("0", 167), word("0", 257), word("本", 347)], usual=None) == []


def test_a_row_is_its_label_then_its_cells_tab_separated() -> None:
    from archive.ocr_layout import TableRow

    row = TableRow(3, [word("（七）", 170), word("总计", 230)], [cell(), cell(), cell()])
    line = [word("五、存在的主要问题", 160)]
    assert text([row, line], {(0, 0): "17", (0, 1): None, (0, 2): UNREADABLE}) == (
        f"（七） 总计\t17\t{UNREADABLE}\n五、存在的主要问题"
    )


def test_digit_sized_ink_nobody_could_read_keeps_its_place_in_the_row() -> None:
    """A 总计 that neither reader saw is UNREADABLE (the row's other cells still count); a smaller blot
    in the same row is no cell."""
    from archive.ocr_layout import TableRow, keep_unread_digits

    def at(left: int, height: int) -> Cell:
        return Cell(Box(left, 100, left + 12, 100 + height), [])

    row = TableRow(1, [word("（七）总计", 170)], [at(465, 19), at(627, 19), at(841, 8), at(1437, 19)])
    cells: dict[tuple[int, int], str | None] = {(0, 0): "17", (0, 1): "0", (0, 2): None, (0, 3): None}
    keep_unread_digits([row], cells)
    assert cells == {(0, 0): "17", (0, 1): "0", (0, 2): None, (0, 3): UNREADABLE}


def _report_text(**changes: str) -> tuple[str, dict[str, object]]:
    """A replica report as a scan's OCR gives it (a row a line, cells tab-separated), with the lines
    that start with a key of `changes` replaced by its value."""
    from replica import annual_reports as A

    t = A.truth("安顺市民政局", 2024)
    lines: list[str] = []
    for block in A.full_blocks(t, form="html_clean"):
        lines += [block] if isinstance(block, str) else ["\t".join(str(c) for c in row) for row in block]
    for start, line in changes.items():
        lines = [line if x.startswith(start) else x for x in lines]
    return "\n".join(lines), dict(t.cells)


def test_a_wrong_total_is_kept_as_printed_in_a_text_layer_and_refused_when_read_by_ocr() -> None:
    """Never a guess: the same row, its 总计 one more than its parts. Printed in a text layer it is a
    finding (kept as printed); read from a scan it may be a misread digit, so the row is not given.
    The rest of the report reads the same either way."""
    from archive.reports.checks import totals
    from archive.reports.parse import parse_report

    row = "一、本年新收政府信息公开申请数量\t16\t0\t0\t0\t1\t0\t18"
    text, truth = _report_text(**{"一、本年新收": row})
    keys = [f"t3_1_{c}" for c in ("natural", "business", "research", "social", "legal", "other", "total")]
    printed = parse_report(text, "text")
    assert [printed.cells[k] for k in keys] == [16, 0, 0, 0, 1, 0, 18]
    assert any(issue.check == "total" for issue in totals(printed))
    scanned = parse_report(text, "text", ocr=True)
    assert [scanned.cells[k] for k in keys] == [None] * 7
    assert all("read by OCR" in scanned.nulls[k] for k in keys)
    assert {k: v for k, v in scanned.cells.items() if k not in keys} == {
        k: v for k, v in printed.cells.items() if k not in keys
    }
    # the identity 一+二 = 三(七)+四 no longer has row 一: not refused on its account
    assert scanned.cells["t3_4_total"] == truth["t3_4_total"]


def test_a_column_that_breaks_its_sum_when_read_by_ocr_is_refused_and_a_consistent_scan_kept() -> None:
    """A 三(七) total read one off (its row still adds up: a lone digit misread in the 总计 column and
    the row's 自然人): the column sum breaks, and its cells are not given; a report whose sums hold
    reads the same from a scan as from a text layer."""
    from archive.reports.parse import parse_report

    text, truth = _report_text()
    assert parse_report(text, "text", ocr=True).cells == parse_report(text, "text").cells
    parts = ("natural", "business", "research", "social", "legal", "other")
    total = [int(str(truth[f"t3_3_7_{c}"])) for c in parts]
    total[0] += 1
    row = "\t".join(["（七）总计", *map(str, total), str(sum(total))])
    scanned = parse_report(_report_text(**{"（七）总计": row})[0], "text", ocr=True)
    assert scanned.cells["t3_3_7_natural"] is None and scanned.cells["t3_3_1_natural"] is None
    assert scanned.cells["t3_3_1_business"] == truth["t3_3_1_business"]


def test_only_an_ocr_method_marks_a_text_as_read_by_ocr() -> None:
    from archive.reports.parse import read_by_ocr

    assert read_by_ocr("tesseract 5.3.0 chi_sim")
    assert read_by_ocr("pypdf 5.1.0 text layer (3 pages) + tesseract 5.3.0 chi_sim (2 pages)")
    assert not read_by_ocr("pypdf 5.1.0 text layer") and not read_by_ocr(None)
    assert not read_by_ocr("antiword 0.37")
