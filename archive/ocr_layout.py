"""A scanned page's words put back into rows: ruled table rows kept whole, their numbers read twice.

Tesseract reads a page line by line. A ruled table row whose label wraps in its cell comes out as two
lines, the label's second line after the row's numbers, and a number next to a label now and then takes
a speck or the label's closing quote with it ("“2", ".0"). A report parser anchored on row labels then
loses the row (issue 25: 0.18 of a scanned report's cells read). So the page is first turned straight
(the angle that makes its rows sharpest), its horizontal rules are found, and Tesseract's words (its TSV
output, with boxes) are put back together: within the band between two rules, a line that ends in
number-like cells is a table row, and the label-only lines under it in the same band are its label's
rest. Each number cell is then read a second time on its own, with only digits allowed; the two readings
settle the cell, and a cell they cannot settle is written as UNREADABLE (the report parser's null with a
reason), never as a guess.

Real reports rule their tables both ways with thin lines (1-2 px at 200 dpi), and Tesseract's line
reading then takes the vertical rules for digits and bars ("0|101010101010" for seven zeros). So a band
crossed by vertical rules is read as a grid (`vertical_rules`, `grid_row`): each cell between two rules
is a cell, its ink cut inside its walls and read on its own, a word the page's reading ran across a
rule is no cell's reading, an empty cell keeps its place (BLANK), and a table's first number column is
where most of its rows' labels end (`first_number_columns`). A band without vertical rules (the
replica's scans: horizontal rules only) is read as before, by its patches of ink.

Everything here is a pure function of images and text: the Tesseract calls are the caller's.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from itertools import groupby, pairwise
from typing import Any

# A cell the two readings could not settle. The report parser reads it as null with a reason.
UNREADABLE = "\ufffd"
# A ruled cell with no ink: the report parser's empty cell (`archive.reports.parse.EMPTY`), so the
# cells after it keep their places.
BLANK = "∅"

_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
# What Tesseract makes of a number cell with a speck or a neighbour's punctuation in its box.
_NUMBER_LIKE = re.compile(r"^[“”\"'‘’.,·:;>＞|]{0,2}\d[\d.,]*[“”\"'‘’.,·:;|]{0,2}$|^[“”\"'‘’.,·:;>＞|]$")

# Straightening: the angles tried, in degrees (flatbed scans are turned by a degree or less).
SKEW_LIMIT = 2.0
SKEW_STEP = 0.05
SKEW_FINE = 0.01  # the second, full-size search's step, within a coarse step either side
# A rule is a dark run across at least this share of the page's width (text lines have gaps).
RULE_MIN_SHARE = 0.25
DARK = 170  # grey level below which a pixel is ink
# A table row is at most this tall (pixels); rules further apart hold text between two tables.
MAX_ROW = 400
RULE_CLEAR = 5  # pixels kept clear of a rule when looking for a cell's ink
LABEL_SLACK = 20  # pixels a row's label may end right of where most of its table's labels end
STRAY_CHARACTERS = 2  # past it, this many characters read unsure are a speck, not a heading
INK_GAP = 14  # ink closer than this (pixels) is one patch: the digits of one number
MIN_INK, MIN_INK_HEIGHT = 30, 12  # smaller patches are specks and dust, not digits
# Vertical rules (real tables are ruled both ways, 1-2 px at 200 dpi): a column of ink across at least
# this share of a row's band, at most RULE_WIDTH pixels wide (a digit's stroke covers far less of its
# band, a bold glyph is wider or shorter).
WALL_SHARE = 0.9
RULE_WIDTH = 6
WALL_CLEAR = 3  # pixels kept clear of a vertical rule inside a cell
LABEL_COVER = 0.6  # a label cell whose read words cover less of its ink than this is read again
SPECK_INK = 5  # inked pixels in the 5×5 square around a pixel of a stroke; fewer: a speck (`despeckle`)
MIN_CELL_INK, MIN_CELL_HEIGHT = 12, 8  # less ink in a ruled cell is a speck (a 13-px "1" has ~20)
ONE_WIDTH = 0.45  # ink this narrow for its height, in a number cell, is a 1 (a 4 or 7 is wider)
STEM = 0.85  # a 1's stem: one column of its box inked down this share of its height
DIGIT_PX = 28  # ruled cells' digits smaller than this are enlarged to it for reading
# Both readings must be at least this sure where they do not agree character for character.
SURE = 85.0
NO_DIGIT = 50.0  # a digits-only reading less sure than this, where the page saw no digit: not a number


@dataclass(frozen=True)
class Word:
    """One of Tesseract's words: its box on the page, its confidence (0-100) and the line it is on."""

    left: int
    top: int
    width: int
    height: int
    conf: float
    text: str
    line: tuple[int, int, int]

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def middle(self) -> float:
        return self.top + self.height / 2


@dataclass
class Cell:
    """A number cell: where its ink is, and what Tesseract's page reading saw there (maybe nothing)."""

    box: Box
    read: list[Word]
    blank: bool = False  # a ruled cell with no ink in it (nothing to read: BLANK)


@dataclass
class TableRow:
    """A ruled row: its label (the words of every line it wraps onto) and its cells, left to right."""

    band: int
    label: list[Word]
    cells: list[Cell]
    # A ruled label cell whose ink the page's reading left mostly unread (its words cover less than
    # LABEL_COVER of it): to be read again on its own (`relabel`).
    unread: Box | None = None


Item = list[Word] | TableRow  # a line of text as read, or a table row


def words_from_tsv(tsv: str) -> list[Word]:
    """The words of `tesseract … tsv` output, in its reading order (empty boxes, e.g. rules, dropped)."""
    words = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        words.append(
            Word(
                int(row["left"]),
                int(row["top"]),
                int(row["width"]),
                int(row["height"]),
                float(row["conf"]),
                text,
                (int(row["block_num"]), int(row["par_num"]), int(row["line_num"])),
            )
        )
    return words


def _sharpness(ink: Any, angle: float) -> int:
    """How sharply a page's ink (white on black) projects onto its rows once turned by `angle`: the sum
    of the squares of its rows' ink (a straight rule or line of text falls on few rows)."""
    from PIL import Image

    turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
    rows = turned.resize((1, turned.height), Image.Resampling.BOX).tobytes()
    return sum(v * v for v in rows)


def skew_angle(page: Any) -> float:
    """The rotation (degrees, PIL's sense) that makes the page's rows of ink sharpest: text lines and
    rules project onto few rows when straight (a projection profile, the classic deskew). Searched
    coarsely on the page at half size, then finely (SKEW_FINE) at full size: at half size a turn of
    0.07 degrees moves a rule's end by a pixel only, so the coarse angle was up to that far off, and a
    real table's 1-px rules (1,400 px long at 200 dpi) then stay tilted by 1-2 px after straightening."""
    grey = page.convert("L")
    small = grey.reduce(2).point(lambda p: 255 if p < DARK else 0)
    steps = round(SKEW_LIMIT / SKEW_STEP)
    coarse = max((i * SKEW_STEP for i in range(-steps, steps + 1)), key=lambda a: _sharpness(small, a))
    ink = grey.point(lambda p: 255 if p < DARK else 0)
    fine = round(SKEW_STEP / SKEW_FINE)
    angles = [round(coarse + i * SKEW_FINE, 3) for i in range(-fine, fine + 1)]
    return max(angles, key=lambda a: (_sharpness(ink, a), -abs(a)))


def straighten(page: Any) -> Any:
    """The page turned straight (greyscale), or as it was when it already is."""
    from PIL import Image

    grey = page.convert("L")
    angle = skew_angle(grey)
    if angle == 0:
        return grey
    return grey.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)


def rule_positions(page: Any) -> list[float]:
    """The y of each horizontal rule on a straight page: rows with an unbroken dark run across a quarter
    of the page or more (pixels averaged in fours first, so a speck neither makes nor breaks a run)."""
    from PIL import Image

    grey = page.convert("L")
    quarter = grey.resize((max(1, grey.width // 4), grey.height), Image.Resampling.BOX)
    ink = quarter.point(lambda p: 1 if p < DARK else 0).tobytes()
    width = quarter.width
    run = re.compile(rb"\x01{%d,}" % max(8, int(width * RULE_MIN_SHARE)))
    groups: list[list[int]] = []
    for y in range(quarter.height):
        if run.search(ink, y * width, (y + 1) * width):
            if groups and y - groups[-1][-1] <= 2:
                groups[-1].append(y)
            else:
                groups.append([y])
    rules = [(g[0] + g[-1]) / 2 for g in groups]
    return sorted(rules + cut_off_rows(grey, rules))


def cut_off_rows(page: Any, rules: list[float]) -> list[float]:
    """Where a table row the page's end cut off stops: a table that goes on over the page has no rule
    under its last row here, only its vertical rules running down and ending. For each rule with no
    other rule within MAX_ROW below it and vertical rules under it (three or more, `vertical_rules`),
    the y where most of them have ended (a rule drawn there would close the row)."""
    out = []
    for upper, lower in pairwise([*rules, float("inf")]):
        top = int(upper) + RULE_CLEAR
        if lower - upper <= MAX_ROW or top + 2 * MIN_INK_HEIGHT > page.height:
            continue
        walls = vertical_rules(page, top, top + 2 * MIN_INK_HEIGHT)
        if len(walls) < 3:
            continue
        end = _walls_end(page, walls, top, min(page.height, int(upper) + MAX_ROW))
        if end - upper >= 2 * MIN_INK_HEIGHT:
            out.append(float(end))
    return out


def _walls_end(page: Any, walls: list[tuple[int, int]], top: int, limit: int) -> int:
    """The first y from `top` where fewer than half the walls have ink for RULE_CLEAR rows running."""
    pixels = page.load()
    gone = 0
    for y in range(top, limit):
        inked = sum(
            any(pixels[x, y] < DARK for x in range(max(0, a - 1), min(page.width, b + 2))) for a, b in walls
        )
        gone = gone + 1 if 2 * inked < len(walls) else 0
        if gone >= RULE_CLEAR:
            return y - RULE_CLEAR + 1
    return limit


def _lines(words: list[Word]) -> list[list[Word]]:
    lines = [sorted(group, key=lambda w: w.left) for _, group in groupby(words, key=lambda w: w.line)]
    return sorted(lines, key=lambda line: min(w.top for w in line))


@dataclass(frozen=True)
class Box:
    """A patch of ink on the page (left, top, right, bottom): a table cell's content."""

    left: int
    top: int
    right: int
    bottom: int
    # How far up and down a cut around it may reach: its row's band short of the rules (a rule in the
    # cut, under a lone 7, made both digit readers miss it).
    ceiling: int = -(10**9)
    floor: int = 10**9
    # How far left and right: a ruled cell's walls (a cut across a vertical rule reads it as a 1).
    wall_left: int = -(10**9)
    wall_right: int = 10**9


def ink_boxes(page: Any, top: int, bottom: int, gap: int = INK_GAP) -> list[Box]:
    """The patches of ink across a horizontal strip of the page, left to right: columns with ink,
    joined where less than `gap` pixels apart, each trimmed to its ink; specks dropped."""
    from PIL import Image, ImageFilter

    # The 3×3 median first: a lone speck above or below a digit must not stretch its box.
    strip = page.crop((0, top, page.width, bottom)).filter(ImageFilter.MedianFilter(3))
    strip = strip.point(lambda p: 255 if p < DARK else 0)
    height = strip.height
    if height <= 0:
        return []
    columns = strip.resize((strip.width, 1), Image.Resampling.BOX).tobytes()
    inked = [x for x, v in enumerate(columns) if v * height >= 2 * 255]  # two ink pixels or more
    runs: list[list[int]] = []
    for x in inked:
        if runs and x - runs[-1][1] <= gap:
            runs[-1][1] = x
        else:
            runs.append([x, x])
    boxes = []
    for left, right in runs:
        patch = strip.crop((left, 0, right + 1, height))
        bbox = patch.getbbox()
        ink = patch.histogram()[255]
        if bbox is None or ink < MIN_INK or bbox[3] - bbox[1] < MIN_INK_HEIGHT:
            continue
        boxes.append(Box(left, top + bbox[1], right + 1, top + bbox[3], top, bottom))
    return boxes


def _number_like(word: Word) -> bool:
    return bool(_NUMBER_LIKE.match(word.text))


def vertical_rules(page: Any, top: int, bottom: int) -> list[tuple[int, int]]:
    """The vertical rules crossing a strip of a straight page (a table row's band, short of its
    horizontal rules), as (first, last) pixel columns, left to right: columns inked over WALL_SHARE
    of the strip's height, at most RULE_WIDTH of them side by side (a rule drawn 1-2 px wide, blurred
    by JPEG; a few pixels missing from a broken rule do not matter)."""
    from PIL import Image

    if bottom - top < MIN_INK_HEIGHT:
        return []
    strip = page.crop((0, top, page.width, bottom)).point(lambda p: 255 if p < DARK else 0)
    columns = strip.resize((strip.width, 1), Image.Resampling.BOX).tobytes()
    runs: list[list[int]] = []
    for x, value in enumerate(columns):
        if value >= WALL_SHARE * 255:
            if runs and x - runs[-1][1] <= 1:
                runs[-1][1] = x
            else:
                runs.append([x, x])
    return [(a, b) for a, b in runs if b - a < RULE_WIDTH]


def cell_spans(walls: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The insides of the cells between consecutive vertical rules (left, right), kept WALL_CLEAR
    pixels off each rule; slivers too narrow to hold a digit are no cell."""
    spans = [(a[1] + 1 + WALL_CLEAR, b[0] - WALL_CLEAR) for a, b in pairwise(walls)]
    return [(left, right) for left, right in spans if right - left >= MIN_INK_HEIGHT]


def despeckle(image: Any) -> Any:
    """A greyscale image with its specks and dust made white, thin strokes kept: ink that has fewer than
    SPECK_INK inked pixels in the 5×5 square around it is a speck (a scanner's lone grey pixel, a 2×2
    blot of dust), while a 1-px stroke has a line of five through it. What stands within 2 px of kept
    ink is kept as it was (a stroke's ends and grey edges). A 3×3 median erases the strokes of a real
    report's small thin digits as well; left in, the specks stretched a ruled cell's ink box to its
    walls (a lone 5 then looked 87 px tall, was never enlarged, and read as nothing)."""
    from PIL import Image, ImageFilter, ImageOps

    grey = image.convert("L")
    # Framed in white first: Pillow's filters leave an image's outer two pixels as they were.
    ink = ImageOps.expand(grey.point(lambda p: 255 if p < DARK else 0), 4, fill=0)
    count = ink.filter(ImageFilter.Kernel((5, 5), [1] * 25, scale=25))
    core = count.point(lambda v: 255 if v >= SPECK_INK * 255 / 25 - 0.5 else 0)  # v: 255 × inked / 25
    keep = core.filter(ImageFilter.MaxFilter(5)).crop((4, 4, 4 + grey.width, 4 + grey.height))
    return Image.composite(grey, Image.new("L", grey.size, 255), keep)


def cell_ink(page: Any, left: int, right: int, top: int, bottom: int) -> Box | None:
    """The ink inside one ruled cell (None when it holds none but specks), its box able to reach the
    cell's walls and no further. No median filter here: a small thin-stroked digit (a real report's
    13 px "21") is gone after one; inside its walls a cell holds no neighbour's dust."""
    patch = despeckle(page.crop((left, top, right, bottom))).point(lambda p: 255 if p < DARK else 0)
    bbox = patch.getbbox()
    if bbox is None or patch.histogram()[255] < MIN_CELL_INK or bbox[3] - bbox[1] < MIN_CELL_HEIGHT:
        return None
    return Box(left + bbox[0], top + bbox[1], left + bbox[2], top + bbox[3], top, bottom, left, right)


# What Tesseract's page reading makes of digits and the rules between them ("0|101010101010" for seven
# zeros between bars): not words of a label.
_DEBRIS = re.compile(r"^[\d|lIiOojJ!\[\](){}.,:;'\"“”‘’`~_\-—/\\]+$")


def _is_text(word: Word) -> bool:
    """Whether a word is a label's: not a number, not digits run together with rules, and not a
    character or two read unsure (a smudged digit taken for a character)."""
    if _number_like(word) or _DEBRIS.match(word.text):
        return False
    return not (len(word.text) <= STRAY_CHARACTERS and word.conf < SURE)


def _inside(word: Word, span: tuple[int, int]) -> bool:
    return word.left >= span[0] - 2 * WALL_CLEAR and word.right <= span[1] + 2 * WALL_CLEAR


def _middle_in(word: Word, span: tuple[int, int]) -> bool:
    return span[0] - WALL_CLEAR <= word.left + word.width / 2 <= span[1] + WALL_CLEAR


def _label_text(word: Word, spans: list[tuple[int, int]]) -> bool:
    """A label's word: text (`_is_text`), and not digits read across a rule ("9%5|0|10|0" over a row's
    cells: a label stays in its cell)."""
    across = not any(_inside(word, span) for span in spans)
    return _is_text(word) and not (across and any(ch.isdigit() for ch in word.text))


def _same_walls(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    return len(a) == len(b) and all(abs(x[0] - y[0]) <= WALL_CLEAR + 1 for x, y in zip(a, b, strict=True))


def _label_columns(words: list[Word], spans: list[tuple[int, int]]) -> int | None:
    """How many of a ruled band's cells, from the left, its label takes: up to its last cell with a
    label's words, when digits follow it (a heading row, all words, says nothing); None when the band
    has no label's words or no digits after them. (Ink after them instead of digits let heading rows
    whose words were partly unread vote: worse on r02.)"""
    texts = [
        i for i, span in enumerate(spans) if any(_label_text(w, spans) and _middle_in(w, span) for w in words)
    ]
    if not texts:
        return None
    after = spans[max(texts) + 1 :]
    digits = any(any(ch.isdigit() for ch in w.text) and _middle_in(w, span) for w in words for span in after)
    return max(texts) + 1 if digits else None


def first_number_columns(grids: list[tuple[list[Word], list[tuple[int, int]]]]) -> list[int | None]:
    """For each ruled band (its words, its walls), its table's first number column: where the labels
    end in most of the bands ruled the same way (one table's rows) whose label was read. Columns left
    of it are labels' even in a row whose label the page's reading lost or garbled (it must not be read
    as the row's first number), or whose sub-label cell is empty (no empty number). None where no band
    ruled the same way has a label read."""
    ends = [_label_columns(words, cell_spans(walls)) for words, walls in grids]
    out: list[int | None] = []
    for _, walls in grids:
        same = [
            e
            for (_, other), e in zip(grids, ends, strict=True)
            if e is not None and _same_walls(walls, other)
        ]
        out.append(max(set(same), key=lambda e: (same.count(e), -e)) if same else None)
    return out


def grid_row(
    page: Any,
    band: int,
    words: list[Word],
    walls: list[tuple[int, int]],
    top: int,
    bottom: int,
    first: int | None = None,
) -> TableRow | None:
    """A band ruled into cells, as a table row: the cells after the last one that holds a label's words,
    and from its table's first number column on (`first`, see `first_number_columns`), are its number
    cells (each read only from inside its walls: what Tesseract's page reading saw across a rule is no
    cell's reading), the words before them its label. None when no number cell has ink (a heading
    row, a row of words)."""
    spans = cell_spans(walls)
    if not words and first is None:
        return None  # no words, and no other row of its table to tell where its label ends
    texts = [
        i for i, span in enumerate(spans) if any(_label_text(w, spans) and _middle_in(w, span) for w in words)
    ]
    start = max(max(texts) + 1 if texts else 0, first or 0)
    if not texts and first is None and _lost_label(page, words, spans, top, bottom):
        start = 1  # a row begins with its label, even one the page's reading lost (read again: `relabel`)
    numbers = spans[start:]
    cells = []
    for left, right in numbers:
        box = cell_ink(page, left, right, top, bottom)
        inside = [w for w in words if _inside(w, (left, right))]
        if box is None:
            cells.append(Cell(Box(left, top, right, bottom, top, bottom, left, right), [], blank=True))
        else:
            cells.append(Cell(box, inside))
    if all(c.blank for c in cells):
        return None
    edge = numbers[0][0] - WALL_CLEAR
    row = TableRow(band, label_in_cells([w for w in words if w.left + w.width / 2 < edge], spans), cells)
    if start > 0:
        row.unread = _unread_label(page, spans[start - 1], words, top, bottom)
    return row


def _lost_label(page: Any, words: list[Word], spans: list[tuple[int, int]], top: int, bottom: int) -> bool:
    """Whether a ruled row's first cell is a label the page's reading lost: the reading saw digits in
    the cells after it and no word in it or across it, though it holds ink (a table's one row of
    numbers, with no label, has its digits read in or across its first cell)."""
    if len(spans) < 2 or any(w.left < spans[0][1] and w.right > spans[0][0] for w in words):
        return False
    later = any(
        _middle_in(w, span) and any(ch.isdigit() for ch in w.text) for w in words for span in spans[1:]
    )
    return later and cell_ink(page, *spans[0], top, bottom) is not None


def label_in_cells(words: list[Word], spans: list[tuple[int, int]]) -> list[Word]:
    """A ruled row's label words read cell by cell, left to right (each cell's lines in their order):
    a cell merged over two rows centres its text on the rule between them, on a line of its own that
    may fall below the next cell's first line ("1. 本机关不掌握… (四) 无法提供": the parser then
    misses the row's own numbering)."""

    def column(word: Word) -> int:
        return sum(1 for _, right in spans if right + WALL_CLEAR < word.left + word.width / 2)

    return sorted(words, key=column)


def _unread_label(page: Any, span: tuple[int, int], words: list[Word], top: int, bottom: int) -> Box | None:
    """The ink of a row's label cell (the one before its numbers) when the page's reading covered less
    than LABEL_COVER of its width with words (r02's 规章 read as nothing, r03's 行政事业性收费 as
    业性收费: a parser anchored on labels then loses the row); else None."""
    ink = cell_ink(page, span[0], span[1], top, bottom)
    if ink is None:
        return None
    read = sum(max(0, min(w.right, ink.right) - max(w.left, ink.left)) for w in words if _middle_in(w, span))
    return ink if read < LABEL_COVER * (ink.right - ink.left) else None


def relabel(row: TableRow, found: list[tuple[str, float]]) -> None:
    """A label cell read again on its own (`TableRow.unread`): its words in the row's label replaced
    by the new reading when that has more Chinese characters than they had (a reading that saw less
    leaves the label as it was)."""
    box = row.unread
    if box is None:
        return
    span = (box.wall_left, box.wall_right)
    old = [w for w in row.label if _middle_in(w, span)]
    again = "".join(text for text, _ in found)
    if _cjk_count(again) <= _cjk_count("".join(w.text for w in old)):
        return
    word = Word(
        box.left,
        box.top,
        box.right - box.left,
        box.bottom - box.top,
        min(c for _, c in found),
        again,
        (0, 0, 0),
    )
    at = row.label.index(old[0]) if old else len(row.label)
    row.label = (
        [w for w in row.label[:at] if w not in old] + [word] + [w for w in row.label[at:] if w not in old]
    )
    row.unread = None


def _cjk_count(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def arrange(page: Any, words: list[Word], rules: list[float]) -> list[Item]:
    """The page's lines in order, ruled table rows made whole (see the module's docstring).

    A band between two rules no further apart than MAX_ROW is a table row when ink stands right of its
    label: each such patch of ink is a cell, whether or not Tesseract's page reading saw it (it drops a
    lone 0 in a wide cell now and then). The label ends where the band's last word that is not a number
    ends, but no further right than where most labels of the page's tables end (a speck read as a
    character must not swallow a row's first number). A band with no such ink is text, as read."""
    lines = _lines(words)
    bands = []
    items: list[tuple[float, Item]] = []
    taken: set[int] = set()
    grids = []
    for n, (upper, lower) in enumerate(pairwise(rules)):
        inside = [i for i, line in enumerate(lines) if upper < _middle(line) < lower]
        if lower - upper > MAX_ROW:
            continue
        top, bottom = int(upper) + RULE_CLEAR, int(lower) - RULE_CLEAR
        walls = vertical_rules(page, top, bottom)
        # Ruled into two cells or more: the grid says where each cell is (even where the page's reading
        # saw no words in the band: Tesseract drops a table's rows now and then, at 300 dpi r01's 规章).
        if len(walls) >= 3:
            grids.append((n, upper, inside, walls, top, bottom))
            continue
        if not inside:
            continue
        edge = max((w.right for i in inside for w in lines[i] if not _number_like(w)), default=0)
        boxes = ink_boxes(page, int(upper) + RULE_CLEAR, int(lower) - RULE_CLEAR)
        bands.append((n, upper, inside, edge, boxes))
    firsts = first_number_columns(
        [([w for i in inside for w in lines[i]], walls) for _, _, inside, walls, *_ in grids]
    )
    for (n, upper, inside, walls, top, bottom), first in zip(grids, firsts, strict=True):
        row = grid_row(page, n, [w for i in inside for w in lines[i]], walls, top, bottom, first)
        if row is not None:
            taken.update(inside)
            items.append((upper, row))
    # Where labels end: the median over the bands that have two cells or more right of their label.
    edges = sorted(edge for *_, edge, boxes in bands if sum(b.left > edge for b in boxes) >= 2)
    usual = edges[len(edges) // 2] if edges else None
    for n, upper, inside, _, boxes in bands:
        row = [w for i in inside for w in lines[i]]
        words = [w for i in inside for w in _label_words(lines[i], usual)]
        edge = max((w.right for w in words), default=0)
        cells = [b for b in boxes if b.left > edge]
        if not cells:
            continue
        taken.update(inside)
        read = [w for w in row if w.left >= edge]
        items.append(
            (
                upper,
                TableRow(
                    n,
                    [w for w in row if w.left < edge],
                    [Cell(b, [w for w in read if w.left < b.right and w.right > b.left]) for b in cells],
                ),
            )
        )
    items += [(_middle(line), line) for i, line in enumerate(lines) if i not in taken]
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


def _label_words(line: list[Word], usual: float | None) -> list[Word]:
    """The words of a line that can be a label's: not numbers, and not a character or two that is a
    speck or a smudged number taken for text (it must not swallow the row's cells): one read after two
    numbers on the line, or read unsure where the page's table labels have long ended, or read with
    hardly any confidence at all."""
    out = []
    numbers = 0
    for before, word in zip([None, *line], line, strict=False):
        if _number_like(word):
            numbers += any(ch.isdigit() for ch in word.text)
            continue
        short = len(word.text) <= STRAY_CHARACTERS
        late = usual is not None and word.left > usual + LABEL_SLACK and word.conf < SURE
        apart = before is None or word.left - before.right > word.height  # not a label's next character
        if not (short and (numbers >= 2 or late or (word.conf < NO_DIGIT and apart))):
            out.append(word)
    return out


def _middle(line: list[Word]) -> float:
    return sum(w.middle for w in line) / len(line)


def _clean(text: str) -> str:
    return text.strip("“”\"'‘’.,·:;>＞|")


def _reading(found: list[tuple[str, float]]) -> tuple[str, float]:
    """A cell's reading as (its digits without stray marks, the confidence of its least sure word)."""
    return _clean("".join(text for text, _ in found)), min((conf for _, conf in found), default=0.0)


def settle(cell: Cell, second: list[tuple[str, float]]) -> str | None:
    """One number cell from its two readings: the page's (what Tesseract saw there, maybe nothing) and
    the digits-only one (`second`: the words found in the cell's box). Agreement, or one sure reading
    against noise, nothing or an unsure one, gives the number; ink in which neither reading is sure of
    a digit is no cell (None: a heading's character, a blot); anything else is UNREADABLE (for now:
    `third_opinion` may still settle it)."""
    first = "".join(w.text for w in cell.read)
    a, a_sure = _reading([(w.text, w.conf) for w in cell.read])
    b, b_sure = _reading(second)
    numbers = bool(_NUMBER.match(a)), bool(_NUMBER.match(b))
    if a and a == b and numbers[0]:
        return a
    if numbers[1] and b_sure >= SURE and (not numbers[0] or a_sure < NO_DIGIT):
        return b  # the page saw nothing there, a mark, the digits with punctuation, or was unsure
    if numbers[0] and first == a and a_sure >= SURE and (not b or b_sure < NO_DIGIT):
        return a
    if not any(ch.isdigit() for ch in first) and b_sure < NO_DIGIT:
        return None
    return UNREADABLE


def third_opinion(
    cell: Cell, second: list[tuple[str, float]], third: list[tuple[str, float]], verdict: str | None
) -> str | None:
    """A cell `settle` left open (UNREADABLE, or None: no digit seen) read a third time (another model,
    digits only): two readings of three that agree on a number settle it; where neither earlier
    reading was at all sure of a number, a sure third one does; else the earlier verdict stands."""
    page, digits, last = (
        _reading([(w.text, w.conf) for w in cell.read]),
        _reading(second),
        _reading(third),
    )
    values = [page[0], digits[0], last[0]]
    # The page's reading and the third are the same model (chi_sim): agreeing, they do not outvote a
    # sure digits-only reading of another number (r03 at 300 dpi: both read its 6s as 0s, 26 as 20).
    sure_digits = digits[0] if _NUMBER.match(digits[0]) and digits[1] >= SURE else None
    for value in set(values):
        if value and _NUMBER.match(value) and values.count(value) >= 2 and sure_digits in (None, value):
            return value
    seen = [v for v, sure in (page, digits) if v and _NUMBER.match(v) and sure >= NO_DIGIT]
    if not seen and _NUMBER.match(last[0]) and last[1] >= SURE:
        return last[0]
    return verdict


def keep_unread_digits(items: list[Item], cells: dict[tuple[int, int], str | None]) -> None:
    """A patch of ink that no reading saw a digit in is dropped as no cell (None), unless it is the
    size of the digits read in its row: then it is a number nobody could read (UNREADABLE), and the row
    keeps its place for every other cell (else the parser finds a cell short and drops the whole row)."""
    for n, item in enumerate(items):
        if not isinstance(item, TableRow):
            continue
        read = [c.box for i, c in enumerate(item.cells) if cells.get((n, i)) not in (None, UNREADABLE, BLANK)]
        if len(read) < 2:
            continue
        heights = sorted(b.bottom - b.top for b in read)
        usual = heights[len(heights) // 2]
        for i, c in enumerate(item.cells):
            if (
                cells.get((n, i), UNREADABLE) is None
                and 0.7 * usual <= c.box.bottom - c.box.top <= 1.5 * usual
            ):
                cells[n, i] = UNREADABLE


def upright_stroke(page: Any, box: Box) -> bool:
    """Whether a patch of ink is one narrow upright stroke, the shape of a 1 and of no other digit: at
    most ONE_WIDTH as wide as it is tall, with a column of ink down STEM of its height (a slash or a
    7 has none: their strokes lean)."""
    from PIL import Image

    height, width = box.bottom - box.top, box.right - box.left
    if height <= 0 or width > ONE_WIDTH * height:
        return False
    ink = page.crop((box.left, box.top, box.right, box.bottom)).point(lambda p: 255 if p < DARK else 0)
    columns = ink.resize((width, 1), Image.Resampling.BOX).tobytes()
    return max(columns, default=0) >= STEM * 255


def ones(page: Any, items: list[Item], cells: dict[tuple[int, int], str | None]) -> list[tuple[int, int]]:
    """The ruled cells left open (UNREADABLE, or None: no digit seen) whose ink is an upright stroke
    (`upright_stroke`) as tall as its row's digits: a 1 that Tesseract lost or doubted (alone in a
    cell it looks like a rule to it; r01's serif 1s were read by no reader, mode or scale tried)."""
    out = []
    for n, item in enumerate(items):
        if not isinstance(item, TableRow):
            continue
        heights = sorted(
            c.box.bottom - c.box.top
            for i, c in enumerate(item.cells)
            if cells.get((n, i)) not in (None, UNREADABLE, BLANK)
        )
        if not heights:
            continue
        usual = heights[len(heights) // 2]
        for i, c in enumerate(item.cells):
            if cells.get((n, i), UNREADABLE) not in (None, UNREADABLE) or c.blank or not _ruled(c.box):
                continue
            if 0.85 * usual <= c.box.bottom - c.box.top <= 1.15 * usual and upright_stroke(page, c.box):
                out.append((n, i))
    return out


def read_ones(
    page: Any,
    items: list[Item],
    cells: dict[tuple[int, int], str | None],
    readings: dict[tuple[int, int], list[str]],
) -> None:
    """A cell shaped like a 1 (`ones`) is a 1 unless a reading saw another digit in it (`readings`:
    each cell's digits-only readings; the page's reading of it counts too). The shape is the reading
    here, and no reader contradicts it."""
    for n, i in ones(page, items, cells):
        item = items[n]
        assert isinstance(item, TableRow)
        seen = "".join([*readings.get((n, i), []), *(w.text for w in item.cells[i].read)])
        if set(ch for ch in seen if ch.isdigit()) <= {"1"}:
            cells[n, i] = "1"


def text(items: list[Item], cells: dict[tuple[int, int], str | None]) -> str:
    """The page as text: a table row's label, then its cells, tab-separated; other lines as read.
    `cells` maps (item index, cell index) to the settled value (None: not a cell after all)."""
    out = []
    for n, item in enumerate(items):
        words = [w.text for w in item.label] if isinstance(item, TableRow) else [w.text for w in item]
        values = (
            []
            if not isinstance(item, TableRow)
            else [cells.get((n, i), UNREADABLE) for i in range(len(item.cells))]
        )
        kept = [v for v in values if v is not None]
        out.append("\t".join([" ".join(words), *kept]) if kept else " ".join(words))
    return "\n".join(out)


SHEET_GAP = 30  # white space between two cells on the digits sheet (keeps them on lines of their own)
CELL_PAD = 6


def _ruled(box: Box) -> bool:
    return box.wall_left > -(10**9)


def _cut(page: Any, box: Box, pad: int) -> Any:
    """A cell's ink with `pad` pixels of white either side, cut short of its walls (what lies past a
    rule is another cell's), enlarged where the digits are small: the page's rules and fonts are a
    real report's, whose digits can stand 13 px tall at 200 dpi, thin-stroked, where Tesseract reads
    best near 30 px."""
    from PIL import Image

    left, right = max(box.left - pad, box.wall_left), min(box.right + pad, box.wall_right)
    crop = page.crop(
        (left, max(box.top - CELL_PAD, box.ceiling), right, min(box.bottom + CELL_PAD, box.floor))
    )
    if _ruled(box):
        crop = despeckle(crop)  # a ruled cell's sheet is not median-filtered (`digit_sheet`)
    canvas = Image.new("L", (box.right - box.left + 2 * pad, crop.height), 255)
    canvas.paste(crop, (left - (box.left - pad), 0))
    scale = DIGIT_PX / max(1, box.bottom - box.top)
    if _ruled(box) and scale > 1:
        canvas = canvas.resize(
            (round(canvas.width * scale), round(canvas.height * scale)), Image.Resampling.LANCZOS
        )
    return canvas


def digit_sheet(page: Any, boxes: list[Box]) -> tuple[Any, list[tuple[int, int]]]:
    """The cells' ink cut from the page and stacked on one white sheet, one per line, so one Tesseract
    call reads them all (each alone on its line: read one by one, without a Tesseract call each); with
    each cell's vertical span on the sheet."""
    from PIL import Image, ImageFilter

    # A narrow glyph (a 1) is cut at least as wide as it is tall: alone in a sliver, no reader sees it.
    side = [max(CELL_PAD, (b.bottom - b.top - (b.right - b.left)) // 2 + CELL_PAD) for b in boxes]
    cuts = [_cut(page, b, pad) for b, pad in zip(boxes, side, strict=True)]
    width = max(c.width for c in cuts) + 2 * SHEET_GAP
    height = sum(c.height + SHEET_GAP for c in cuts) + SHEET_GAP
    sheet = Image.new("L", (width, height), 255)
    spans, y = [], SHEET_GAP
    for cut in cuts:
        sheet.paste(cut, (SHEET_GAP, y))
        spans.append((y, y + cut.height))
        y += cut.height + SHEET_GAP
    # A 3×3 median takes the scanner's lone specks out (a digit's strokes are wider than a pixel):
    # a speck beside a 0 made it "0." or cost the reading its confidence. Not in a ruled cell: its
    # walls keep the dust of its neighbours out, and a real report's thin 1-px strokes are no speck.
    sheet = sheet.filter(ImageFilter.MedianFilter(3))
    for box, cut, (top, _) in zip(boxes, cuts, spans, strict=True):
        if _ruled(box):
            sheet.paste(cut, (SHEET_GAP, top))
    return sheet, spans


def words_in_spans(words: list[Word], spans: list[tuple[int, int]]) -> list[list[tuple[str, float]]]:
    """The sheet's words given back to the cells whose span holds their middle, left to right."""
    found: list[list[tuple[str, float]]] = [[] for _ in spans]
    for word in sorted(words, key=lambda w: w.left):
        for n, (top, bottom) in enumerate(spans):
            if top <= word.middle <= bottom:
                found[n].append((word.text, word.conf))
                break
    return found
