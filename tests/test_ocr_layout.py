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
    finding (kept as printed); read from a scan it may be a misread digit, so the row is not given,
    and the audit says so (`scan_sum_unsettled`, with the cells as read). The rest of the report reads
    the same either way."""
    from archive.reports.checks import one_report, totals
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
    (finding,) = [i for i in one_report(scanned, 2024) if i.check == "scan_sum_unsettled"]
    assert finding.cells == {"t3_1_natural": 16, "t3_1_business": 0, "t3_1_research": 0, "t3_1_social": 0,
                             "t3_1_legal": 1, "t3_1_other": 0, "t3_1_total": 18}  # fmt: skip
    assert not [i for i in one_report(scanned, 2024) if i.check == "total"]  # nothing judged from a guess
    assert parse_report(text, "text", ocr=True).as_dict() == scanned.as_dict()  # stored and read back
    assert type(scanned).from_dict(scanned.as_dict()).unsettled == scanned.unsettled


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


# ---- ruled tables as real reports draw them: thin rules both ways (issue 25, session 23) ----------


def _ruled_row(cells: list[str], cell_width: int = 60, height: int = 56, label_width: int = 200):  # type: ignore[no-untyped-def]
    """A table row drawn as a real report's at 200 dpi: 1-px rules both ways (the rules' x returned),
    a label cell, then one cell per entry: "0" an oval, "1" a serif-less upright stroke, "" blank."""
    from PIL import Image, ImageDraw

    width = label_width + cell_width * len(cells) + 40
    page = Image.new("L", (width, height + 40), 255)
    draw = ImageDraw.Draw(page)
    top, bottom = 20, 20 + height
    draw.line((10, top, width - 10, top), fill=0)
    draw.line((10, bottom, width - 10, bottom), fill=0)
    walls = [10, 10 + label_width, *(10 + label_width + cell_width * (k + 1) for k in range(len(cells)))]
    for x in walls:
        draw.line((x, top, x, bottom), fill=0)
    draw.rectangle((30, top + 16, 150, top + 40), fill=0)  # the label's ink
    for k, entry in enumerate(cells):
        middle = walls[k + 1] + cell_width // 2
        if entry == "0":
            draw.ellipse((middle - 8, top + 14, middle + 8, top + 41), outline=0, width=3)
        elif entry == "1":
            draw.rectangle((middle - 1, top + 14, middle + 2, top + 41), fill=0)
    return page, walls


def test_thin_vertical_rules_are_found_and_digits_are_not_rules() -> None:
    from archive.ocr_layout import vertical_rules

    page, walls = _ruled_row(["0", "1", "0"])
    found = vertical_rules(page, 25, 71)
    assert [a for a, _ in found] == walls  # the 1's stroke (27 of 46 px) is no rule
    # a rule broken here and there (a scan's, a JPEG's) is still one
    from PIL import ImageDraw

    ImageDraw.Draw(page).line((walls[2], 40, walls[2], 42), fill=255)
    assert [a for a, _ in vertical_rules(page, 25, 71)] == walls


def test_seven_zeros_between_bars_are_seven_cells_and_the_bars_no_digits() -> None:
    """Tesseract read such a row as "0|101010101010": a word across the rules is no cell's reading,
    and each cell is cut inside its walls (nothing of a rule on the digits' sheet)."""
    from archive.ocr_layout import cell_spans, digit_sheet, grid_row, vertical_rules

    page, walls = _ruled_row(["0"] * 7)
    rules = vertical_rules(page, 25, 71)
    label = Word(30, 36, 120, 24, 96.0, "属于国家秘密", (1, 1, 1))
    debris = Word(walls[1] + 20, 34, walls[-1] - walls[1] - 30, 28, 39.0, "0|101010101010", (1, 1, 1))
    row = grid_row(page, 0, [label, debris], rules, 25, 71)
    assert row is not None and row.label == [label]
    assert len(row.cells) == 7 and not any(c.blank or c.read for c in row.cells)
    for cell, (left, right) in zip(row.cells, cell_spans(rules)[1:], strict=True):
        assert left <= cell.box.left and cell.box.right <= right
    sheet, spans = digit_sheet(page, [c.box for c in row.cells])
    for top, bottom in spans:  # no column of ink the height of a cut: no rule came along
        cut = sheet.crop((0, top, sheet.width, bottom)).point(lambda p: 255 if p < 170 else 0)
        assert max(cut.resize((cut.width, 1)).tobytes()) < 250


def test_a_blank_ruled_cell_keeps_its_place() -> None:
    from archive.ocr_layout import BLANK, grid_row, text, vertical_rules

    page, _ = _ruled_row(["0", "", "0"])
    row = grid_row(
        page, 0, [Word(30, 36, 120, 24, 96.0, "规章", (1, 1, 1))], vertical_rules(page, 25, 71), 25, 71
    )
    assert row is not None and [c.blank for c in row.cells] == [False, True, False]
    assert text([row], {(0, 0): "0", (0, 1): BLANK, (0, 2): "0"}) == f"规章\t0\t{BLANK}\t0"


def test_a_lone_1_nobody_read_is_read_by_its_shape_unless_a_reader_saw_another_digit() -> None:
    from archive.ocr_layout import UNREADABLE, grid_row, ones, read_ones, vertical_rules

    page, _ = _ruled_row(["1", "0", "0", "1"])
    row = grid_row(
        page, 0, [Word(30, 36, 120, 24, 96.0, "总计", (1, 1, 1))], vertical_rules(page, 25, 71), 25, 71
    )
    assert row is not None
    cells: dict[tuple[int, int], str | None] = {(0, 0): None, (0, 1): "0", (0, 2): "0", (0, 3): UNREADABLE}
    assert ones(page, [row], cells) == [(0, 0), (0, 3)]  # the zeros' ovals are not upright strokes
    read_ones(page, [row], cells, {(0, 0): [], (0, 3): ["7"]})
    assert cells == {(0, 0): "1", (0, 1): "0", (0, 2): "0", (0, 3): UNREADABLE}


def test_a_row_the_page_end_cut_off_is_closed_where_its_vertical_rules_end() -> None:
    """A table going on over the page has no rule under its last row here: the row ends where its
    vertical rules do (r01's 没有现成信息需要另行制作 row at the foot of page 3)."""
    from PIL import Image, ImageDraw

    from archive.ocr_layout import rule_positions

    page = Image.new("L", (800, 400), 255)
    draw = ImageDraw.Draw(page)
    draw.line((10, 20, 790, 20), fill=0)  # the row's top rule, and nothing under it
    for x in (10, 300, 500, 790):
        draw.line((x, 20, x, 76), fill=0)
    draw.rectangle((30, 36, 150, 60), fill=0)
    assert rule_positions(page) == [20.0, 77.0]
    # a rule with no vertical rules under it (a heading's underline) closes nothing
    draw.rectangle((0, 0, 800, 400), fill=255)
    draw.line((10, 20, 790, 20), fill=0)
    assert rule_positions(page) == [20.0]


def test_a_label_cell_read_again_replaces_its_words_only_when_it_reads_more() -> None:
    from archive.ocr_layout import TableRow, relabel

    box = Box(30, 36, 150, 60, 25, 71, 14, 206)
    stub = Word(120, 36, 30, 24, 60.0, "费", (1, 1, 1))
    row = TableRow(0, [Word(0, 36, 10, 24, 40.0, "|", (1, 1, 1)), stub], [cell()], unread=box)
    relabel(row, [("行政事业性收费", 91.0)])
    assert [w.text for w in row.label] == ["|", "行政事业性收费"] and row.unread is None
    row = TableRow(0, [stub], [cell()], unread=box)
    relabel(row, [("1", 40.0)])  # the new reading saw less: the label stays
    assert row.label == [stub]


def test_two_readings_by_one_model_do_not_outvote_a_sure_reading_by_the_other() -> None:
    """The page's reading and the third are both chi_sim: r03's 26 read by both as 20 at 300 dpi, and
    by the digits-only reading (eng) as 26, sure. No number then, never the pair's."""
    assert (
        third_opinion(cell(word("20", 400, conf=92)), [("26", 96.9)], [("20", 87.5)], UNREADABLE)
        == UNREADABLE
    )
    # against an unsure digits-only reading, the pair still settles it
    assert third_opinion(cell(word("20", 400, conf=92)), [("26", 60.0)], [("20", 87.5)], UNREADABLE) == "20"


def test_a_row_whose_numbering_ocr_lost_does_not_take_the_last_cell_of_the_row_above() -> None:
    """r01 at 150 dpi: "…案卷⇥1⇥0⇥0⇥0⇥0⇥0⇥1" then ".属于行政查询事项⇥0…" (its "8" lost). The 1 ending the
    line above is that row's 总计, not the numbering of the next."""
    from archive.reports.parse import parse_report

    text, truth = _report_text()
    line = next(x for x in text.split("\n") if x.startswith("8.属于行政查询事项"))
    damaged, _ = _report_text(**{"8.属于行政查询事项": line.replace("8.", ".", 1)})
    parsed = parse_report(damaged, "text", ocr=True)
    for key in ("t3_3_3_7_total", "t3_3_3_8_natural", "t3_3_3_8_total"):
        assert parsed.cells[key] == truth[key]


# ---- a flatbed's faults on real ruled tables: turned a fraction of a degree, specks, dust ---------------


def _flatbed_page(angle: float):  # type: ignore[no-untyped-def]
    """A page of ruled rows (1-px rules both ways, 1,400 px wide as a real table at 200 dpi) turned by
    `angle` degrees and speckled (grey specks and 2×2 dust) as `replica.attachment_forms.flatbed` does."""
    from random import Random

    from PIL import Image, ImageDraw

    page = Image.new("L", (1600, 900), 255)
    draw = ImageDraw.Draw(page)
    walls = [100, 400, 700, 1000, 1300, 1500]
    for y in range(100, 801, 70):
        draw.line((walls[0], y, walls[-1], y), fill=0)
    for x in walls:
        draw.line((x, 100, x, 800), fill=0)
    for y in range(100, 800, 70):
        draw.rectangle((130, y + 22, 300, y + 46), fill=0)  # a label's ink
        for x in walls[1:-1]:
            draw.ellipse((x + 140, y + 22, x + 156, y + 48), outline=0, width=2)  # a "0"
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    rng, pixels = Random(7), page.load()
    for _ in range(page.width * page.height // 400):
        pixels[rng.randrange(page.width), rng.randrange(page.height)] = rng.choice((90, 150, 200, 230))
    for _ in range(40):
        x, y = rng.randrange(page.width - 2), rng.randrange(page.height - 2)
        for dx in range(2):
            for dy in range(2):
                pixels[x + dx, y + dy] = 40
    return page, walls


def test_a_turned_page_is_straightened_to_a_fiftieth_of_a_degree() -> None:
    """At half size a turn of 0.07 degrees moves a rule's end by a pixel only: the coarse search alone
    was that far off, and a 1,400-px rule stayed tilted by 1-2 px."""
    from archive.ocr_layout import skew_angle

    for angle in (0.267, -0.322, 0.48):
        page, _ = _flatbed_page(angle)
        assert abs(skew_angle(page) + angle) <= 0.02  # under half a pixel over 1,400 px
    assert abs(skew_angle(_flatbed_page(0.0)[0])) <= 0.04  # a straight page: under half a pixel


def test_specks_and_dust_are_no_ink_of_a_ruled_cell_and_thin_strokes_stay() -> None:
    """Left in, specks stretched a cell's ink box to its walls: a lone 5 looked 87 px tall, was never
    enlarged for reading, and read as nothing."""
    from archive.ocr_layout import cell_ink, despeckle, straighten

    page = straighten(_flatbed_page(0.5)[0])
    box = cell_ink(page, 403, 697, 105, 165)  # the first row's first number cell, short of its rules
    assert box is not None and box.bottom - box.top <= 32 and box.right - box.left <= 24
    from PIL import Image, ImageDraw

    thin = Image.new("L", (40, 40), 255)
    ImageDraw.Draw(thin).line((20, 8, 20, 28), fill=0)  # a 1-px stroke, a small thin "1"
    thin.putpixel((5, 35), 90)
    clean = despeckle(thin)
    assert clean.getpixel((20, 8)) == 0 and clean.getpixel((20, 28)) == 0 and clean.getpixel((5, 35)) == 255


def test_a_turned_speckled_ruled_row_still_reads_as_its_cells() -> None:
    from archive.ocr_layout import grid_row, rule_positions, straighten, vertical_rules

    page = straighten(_flatbed_page(0.5)[0])
    rules = rule_positions(page)
    upper, lower = rules[0], rules[1]
    top, bottom = int(upper) + 5, int(lower) - 5
    walls = vertical_rules(page, top, bottom)
    assert len(walls) == 6
    label = Word(130, top + 15, 170, 24, 96.0, "规章", (1, 1, 1))
    row = grid_row(page, 0, [label], walls, top, bottom)
    assert row is not None and row.label == [label] and len(row.cells) == 4
    assert not any(c.blank for c in row.cells)
    assert all(c.box.bottom - c.box.top <= 32 for c in row.cells)


def test_a_label_the_page_reading_lost_is_still_the_rows_first_cell() -> None:
    """A two-column table (label, number) whose label the page's reading lost: the label cell is no
    number, and is read again (`relabel`); a row of numbers alone, read across, keeps its first cell."""
    from archive.ocr_layout import grid_row, vertical_rules

    page, walls = _ruled_row(["0"], cell_width=200)
    rules = vertical_rules(page, 25, 71)
    number = Word(walls[1] + 90, 36, 20, 24, 95.0, "0", (1, 1, 1))
    row = grid_row(page, 0, [number], rules, 25, 71)
    assert row is not None and len(row.cells) == 1 and row.unread is not None
    across = Word(20, 36, walls[-1] - 30, 24, 40.0, "10|0", (1, 1, 1))
    row = grid_row(page, 0, [across], rules, 25, 71)
    assert row is not None and len(row.cells) == 2


def test_a_label_is_read_cell_by_cell_left_to_right() -> None:
    from archive.ocr_layout import label_in_cells

    item = Word(300, 40, 200, 24, 96.0, "1.本机关不掌握", (1, 1, 1))
    merged = Word(20, 60, 150, 24, 96.0, "(四)无法提供", (1, 1, 2))
    assert label_in_cells([item, merged], [(15, 250), (260, 600), (610, 700)]) == [merged, item]


def test_a_numbered_section_heading_misread_by_ocr_is_still_found() -> None:
    """A replica scan read 四、政府信息公开行政复议、行政诉讼情况 as below: table 4 has no row labels, so
    the whole section was lost. A table's own 四、结转下年度继续办理 is no heading."""
    from archive.reports.parse import section_spans

    assert "四" in section_spans("三、收到和处理政府信息公开申请情况\n四、政府信息会芽行政号行政诉讼情况\n")
    assert "四" not in section_spans("四、结转下年度继续办理\t0\t0\n")
