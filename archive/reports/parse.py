"""An annual report's text → the template's numbers: a pure function (no database, no crawler).

Input is either the page's HTML (the body's DOM, tables included: empty cells are kept as cells) or
plain text (what pypdf, OCR or a .doc reader gives: cells as whitespace- or `|`-separated runs, rows
split over lines, table 4 as one flat line of 15 numbers). Both become one string in which table cells
are separated by ` | ` and an empty HTML cell is `∅`, and one reader works on it.

Why anchored on row labels rather than on table geometry: real tables break in every way geometry
depends on (a cell split over two rows, a label in one row and its numbers in the next, all fifteen
numbers of table 4 in one row, `|` debris, a PDF's text with no rows at all). The template's row labels
survive all of that, in order, so each row's numbers are the number-like runs between its label and
the next one. A row whose run does not have exactly the cells the template gives it is read as nulls
with the reason: a missing cell in plain text cannot be placed, and a guess would be worse than a gap.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

import regex

from archive.ocr_layout import UNREADABLE  # a scanned cell OCR could not settle
from archive.reports import template as T

PARSER_VERSION = "4"  # bump when the reading changes: cached results of another version are recomputed

Number = int | float
EMPTY = "∅"  # an empty table cell (HTML input only: plain text cannot show one)
_SEP = r"[\s|∅]*"
_DASHES = re.compile(r"^[-—–―/\\]+$")
_NUMBER = re.compile(r"^[+-]?\d+(?:,\d{3})*(?:\.\d+)?$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TOKEN = re.compile(r"[^\s|]+")
_T4_HEADER = re.compile(
    r"(?:行政复议|行政诉讼|未经复议直接起诉|复议后起诉|结果维持|结果纠正|其他结果|尚未审结|总计|[:、()])+"
)
_BLOCK_TAGS = {
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
    "table", "tbody", "thead", "tfoot", "center", "blockquote", "pre", "hr", "dd", "dt",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title"}


@dataclass
class ParsedReport:
    """What one report (one version's body, or one attachment) says, in the template's terms."""

    source: str  # "html" | "text"
    sections: list[str]  # the sections found, "一" … "六"
    generation: str | None  # "2021" | "2019" | None (table 2's headers not found)
    cells: dict[str, Number | None] = field(default_factory=dict)  # template key → number, None if unread
    nulls: dict[str, str] = field(default_factory=dict)  # key → why it is None
    # A scan's sums that its reading broke, with the cells as read (`checks.refuse_inconsistent`): the
    # cells are not given, but the auditor is told (the finding `scan_sum_unsettled`).
    unsettled: list[dict[str, Any]] = field(default_factory=list)

    @property
    def read(self) -> int:
        return sum(1 for v in self.cells.values() if v is not None)

    @property
    def missing_sections(self) -> list[str]:
        return [n for n, _ in T.SECTIONS if n not in self.sections]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParsedReport:
        return cls(**data)


def parse_report(content: str, kind: str = "text", *, ocr: bool = False) -> ParsedReport:
    """Read a report from HTML (`kind="html"`) or plain text (`kind="text"`).

    `ocr`: the text was read from a scan (`read_by_ocr`). Then a row or column whose numbers break a sum
    the template states is not given (`checks.refuse_inconsistent`): a misread digit cannot be told
    from the report's own error, and a number read must never be a guess. Without it, the numbers stay
    as printed, wrong sums included (the audit's findings)."""
    if kind not in ("html", "text"):
        raise ValueError(f"kind must be 'html' or 'text', not {kind!r}")
    flat = without_debris(normalise(html_to_flat(content) if kind == "html" else tabbed_cells(content)))
    spans = section_spans(flat)
    report = ParsedReport(source=kind, sections=[n for n, _ in T.SECTIONS if n in spans], generation=None)
    _table2(flat, spans, report)
    _table3(flat, spans, report)
    _table4(flat, spans, report)
    _fee(flat, spans, report)
    if ocr:
        from archive.reports.checks import refuse_inconsistent  # checks builds on this module

        refuse_inconsistent(report)
    return report


# How `archive.attachment_text` names an OCR reading in `attachments.text_method` ("tesseract 5.3.0
# chi_sim", or "pypdf … text layer (3 pages) + tesseract … (2 pages)" for a PDF partly scanned).
_OCR_METHOD = re.compile(r"\btesseract\b", re.IGNORECASE)


def read_by_ocr(method: str | None) -> bool:
    """Whether an attachment's text came (wholly or partly) from OCR, by its recorded method. A PDF with
    some pages scanned counts whole: its text does not say which page a row came from."""
    return bool(method and _OCR_METHOD.search(method))


def normalise(text: str) -> str:
    """Full-width digits, brackets and punctuation to ASCII (NFKC); non-breaking spaces to spaces."""
    return unicodedata.normalize("NFKC", text).replace("\xa0", " ")


# Lines that are not the report's own: a page number between a PDF's pages ("- 4 -", "— 5 —", "第 3
# 页"), a markdown table's rule row ("|---|---|", what PDF-to-markdown converters write). Their digits
# and dashes would read as cells of the row above them.
_DEBRIS_LINE = re.compile(
    r"(?m)^[ \t]*(?:[-—–―]+[ \t]*\d{1,4}[ \t]*[-—–―]+|第[ \t]*\d{1,4}[ \t]*页(?:[ \t]*共[ \t]*\d{1,4}[ \t]*页)?"
    r"|\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+(?:[ \t]*:?-{3,}:?)?)[ \t]*$"
)


def without_debris(flat: str) -> str:
    """The text without page-number lines and markdown rule rows (`_DEBRIS_LINE`)."""
    return _DEBRIS_LINE.sub("", flat)


def tabbed_cells(text: str) -> str:
    """Plain text whose table rows are tab-separated (the archive's version body, a spreadsheet's
    text) keeps its empty cells: an empty field between tabs becomes `∅`, so it keeps its place."""
    lines = []
    for line in text.split("\n"):
        if "\t" in line:
            line = " | ".join(cell.strip() or EMPTY for cell in line.split("\t"))
        lines.append(line)
    return "\n".join(lines)


def html_to_flat(html: str) -> str:
    """The DOM as lines: block elements on lines of their own, a table row a line, its cells after
    ` | ` (`∅` for an empty one), so a cell's place survives where plain text would lose it."""
    import lxml.html

    if not html.strip():
        return ""
    root = lxml.html.fromstring(html)
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP_TAGS or not tag:
            parts.append(el.tail or "")
            return
        if tag == "tr" or tag in _BLOCK_TAGS:
            parts.append("\n")
        if tag in ("td", "th"):
            parts.append(" | ")
            before = len(parts)
        parts.append(el.text or "")
        for child in el:
            walk(child)
        if tag in ("td", "th") and not "".join(parts[before:]).strip():
            parts.append(EMPTY)
        if tag == "tr" or tag in _BLOCK_TAGS:
            parts.append("\n")
        parts.append(el.tail or "")

    walk(root)
    return "".join(parts)


@cache
def fuzzy(words: str) -> str:
    """A pattern for `words` that lets spaces, `|`, line breaks and empty cells fall between any two
    characters (a label wrapped in its cell, or split over two cells)."""
    out = []
    for ch in words:
        if ch in ".、":
            out.append(r"[.、,，]")  # OCR reads a numbering's dot as a comma now and then
        elif ch.isspace():
            continue
        else:
            out.append(re.escape(ch))
    return _SEP.join(out)


_LINE_START = r"[ \t|]*(?:#{1,6}[ \t]*)?"


def section_spans(flat: str) -> dict[str, tuple[int, int]]:
    """Each section heading found (at the start of a line, ordinal optional) → (end of heading, start
    of the next heading found)."""
    starts: list[tuple[int, int, str]] = []
    for number, _ in T.SECTIONS:
        for key in T.SECTION_KEYS[number]:
            # With its ordinal anywhere at a line's start; without it, only as a line of its own (a
            # wrapped line of the opening sentence that lists the sections must not count).
            # (a few words may stand between: "五、政府信息公开工作存在的主要问题及改进情况").
            # A markdown heading's marks may come first ("## 一、总体情况", a converter's output).
            numbered = (
                rf"(?m)^{_LINE_START}(?:[(（]{number}[)）]|{number}\s*[、.,])\s*[^\n|]{{0,12}}?{fuzzy(key)}"
            )
            bare = rf"(?m)^{_LINE_START}{fuzzy(key)}(?=[\s|∅]*(?:\n|$))"
            # A report that numbers its sections its own way (上海's put the tables in an appendix
            # numbered again from 一): another ordinal, as a heading's "X、" only, and only as a last resort.
            other = rf"(?m)^{_LINE_START}[一二三四五六七八九十]\s*、\s*[^\n|]{{0,12}}?{fuzzy(key)}"
            match = re.search(numbered, flat) or re.search(bare, flat) or re.search(other, flat)
            match = match or _misread_heading(flat, number, key)
            if match:
                starts.append((match.start(), match.end(), number))
                break
    starts.sort()
    spans: dict[str, tuple[int, int]] = {}
    for i, (_, end, number) in enumerate(starts):
        spans[number] = (end, starts[i + 1][0] if i + 1 < len(starts) else len(flat))
    return spans


# A section heading read by OCR with characters wrong ("四、政府信息会芽行政号行政诉讼情况"): found, as
# a last resort, with its ordinal and "、" at a line's start and up to one error in HEADING_ERRORS
# characters of a key this long or longer (a table's "四、结转下年度继续办理" is nothing like one).
HEADING_ERRORS = 3
MISREAD_HEADING_MIN = 9


def _misread_heading(flat: str, number: str, key: str) -> regex.Match[str] | None:
    """A numbered section heading found with a few characters substituted, lost or added (the `regex`
    module's fuzzy matching): a heading's misread characters cost its whole section (table 4 has no
    row labels to be found by)."""
    if len(key) < MISREAD_HEADING_MIN:
        return None
    errors = len(key) // HEADING_ERRORS
    pattern = rf"(?mb)^{_LINE_START}{number}\s*、\s*[^\n|]{{0,12}}?(?:{re.escape(key)}){{e<={errors}}}"
    return regex.search(pattern, flat)


def _label(words: str, numbered: bool = True) -> re.Pattern[str]:
    """A row label with its optional numbering ("2.", "(三)", "一、") so the numbering's digits are not
    read as the previous row's numbers."""
    # The numbering's digits on the label's line: "1\n.属于…" is the row above's last cell, then a
    # numbering OCR lost (r01 read at 150 dpi), not the numbering "1.".
    prefix = (
        r"(?:\d{1,2}[ \t]*[.、,，]\s*|[(（][一二三四五六七八九][)）]\s*|[一二三四]\s*、\s*)?"
        if numbered
        else ""
    )
    return re.compile(prefix + fuzzy(words))


# A label read by OCR may have a character wrong ("秆期" for "逾期"): one substitution is allowed in a
# label this long, two in one twice as long. Shorter labels must match exactly (a wrong 3-character
# label would find another row's).
MISREAD_LABEL_MIN = 8


def _misread_label(words: str, flat: str, start: int, end: int) -> regex.Match[str] | None:
    """The label found with a character or two substituted (the `regex` module's fuzzy matching)."""
    length = len(re.sub(r"\s", "", words))
    if length < MISREAD_LABEL_MIN:
        return None
    pattern = regex.compile(f"(?b)(?:{_label(words).pattern}){{s<={length // MISREAD_LABEL_MIN}}}")
    return pattern.search(flat, start, end)


@dataclass
class _Run:
    """The number-like cells after a label: values (None for an unreadable cell) and their reasons."""

    values: list[Number | None]
    reasons: list[str | None]
    stop: int = -1  # where the run ended: the words after its numbers, or the end of its span


def _run(flat: str, start: int, end: int, header: re.Pattern[str] | None = None) -> _Run:
    """The cells in `flat[start:end]` up to the first words after a number (prose or the next table):
    numbers, dashes, empty cells. Words before the first number are the label's own rest, and skipped;
    words that `header` matches are column headings, and skipped wherever they are; what is part of a
    label cell (`_in_a_label_cell`) is not a value."""
    values: list[Number | None] = []
    reasons: list[str | None] = []
    for match in _TOKEN.finditer(flat, start, end):
        token = match.group().strip(",;:")
        if not token or (_in_a_label_cell(flat, match.start(), match.end()) and not _CJK.search(token)):
            continue
        if token == EMPTY:
            values.append(None)
            reasons.append("empty cell")
        elif _NUMBER.match(token):
            plain = token.replace(",", "")
            values.append(float(plain) if "." in plain else int(plain))
            reasons.append(None)
        elif _DASHES.match(token):
            values.append(None)
            reasons.append(f"cell holds {token!r}")
        elif token == UNREADABLE:
            values.append(None)
            reasons.append("the scan's two readings of the cell disagree")
        elif token == "无":
            values.append(None)
            reasons.append("cell says 无")
        elif header is not None and header.fullmatch(token):
            if all(why == "empty cell" for why in reasons):  # empty cells of a heading row, not data
                values.clear()
                reasons.clear()
            continue
        elif values and _CJK.search(token):
            return _Run(values, reasons, match.start())
    return _Run(values, reasons, end)


def _in_a_label_cell(flat: str, start: int, end: int) -> bool:
    """Whether flat[start:end] is part of a `|`-delimited table cell's label rather than a value: a
    number followed by words in its cell (the next row's numbering, "3.要求…" read by OCR as
    ": 3 要求…"), or a dash after words in its cell (OCR's debris at a label's end)."""
    left = max(flat.rfind("|", 0, start), flat.rfind("\n", 0, start))
    right = min((i for i in (flat.find("|", end), flat.find("\n", end)) if i >= 0), default=len(flat))
    if not ((left >= 0 and flat[left] == "|") or (right < len(flat) and flat[right] == "|")):
        return False
    if _CJK.search(flat, end, right):
        return True
    return bool(_DASHES.match(flat[start:end])) and bool(_CJK.search(flat, left + 1, start))


def _assign(report: ParsedReport, keys: list[str], run: _Run, what: str, integer: bool = True) -> None:
    while len(run.values) > len(keys) and run.reasons[-1] == "empty cell":  # a row's spare empty cells
        run.values.pop()
        run.reasons.pop()
    if len(run.values) != len(keys):
        reason = f"{what}: {len(run.values)} cells found, {len(keys)} expected"
        for key in keys:
            report.cells[key], report.nulls[key] = None, reason
        return
    for key, value, why in zip(keys, run.values, run.reasons, strict=True):
        if value is not None and integer and isinstance(value, float):
            report.cells[key], report.nulls[key] = None, f"{what}: {value} is not a whole number"
        elif value is None:
            report.cells[key], report.nulls[key] = None, f"{what}: {why}"
        else:
            report.cells[key] = value


def _region(flat: str, spans: dict[str, tuple[int, int]], number: str) -> tuple[int, int]:
    """A section's span; without its heading, from the previous found heading to the next one (the
    tables' own labels then tell where they start)."""
    if number in spans:
        return spans[number]
    order = [n for n, _ in T.SECTIONS]
    i = order.index(number)
    start = max((spans[n][0] for n in order[:i] if n in spans), default=0)
    end = min((spans[n][0] for n in order[i + 1 :] if n in spans), default=len(flat))
    return (start, max(start, end))


def _rows(
    flat: str,
    start: int,
    end: int,
    rows: list[tuple[str, str]],
    any_order: bool = False,
    headings: frozenset[str] = frozenset(),
) -> list[tuple[str, int, int] | None]:
    """Find each (key, words) label in order from `start`; each found label → (key, its end, the next
    found label's start). With `any_order`, a label not found after the previous one is looked for from
    `start` as well (table 2's small tables are separate tables that a PDF's text may put in any order).
    A label in `headings` (table 3's group rows, "（三）不予公开") does not move the search on: a merged
    cell spanning its rows may come out of a PDF after them ("（三）不\n予公开" below row 4)."""
    found: list[tuple[str, int, int]] = []
    cursor = start
    for key, words in rows:
        match = _label(words).search(flat, cursor, end) or _misread_label(words, flat, cursor, end)
        if match is None and any_order and cursor > start:
            match = _label(words).search(flat, start, cursor) or _misread_label(words, flat, start, cursor)
            if match is not None:
                found.append((key, match.start(), match.end()))
                continue  # the cursor stays: the rows after it are still looked for after it
        if match is None:
            found.append((key, -1, -1))
            continue
        found.append((key, match.start(), match.end()))
        if key not in headings:
            cursor = match.end()
    out: list[tuple[str, int, int] | None] = []
    hits = [(k, s, e) for k, s, e in found if s >= 0]
    for key, s, e in found:
        if s < 0:
            out.append(None)
            continue
        following = [hs for _, hs, _ in hits if hs >= e]
        out.append((key, e, min(following, default=end)))
    return out


def _table2(flat: str, spans: dict[str, tuple[int, int]], report: ParsedReport) -> None:
    start, end = _region(flat, spans, "二")
    body = flat[start:end]
    score = {
        g: sum(1 for h in heads if re.search(fuzzy(h), body)) for g, heads in T.GENERATION_HEADERS.items()
    }
    if not any(score.values()):
        return  # no table 2: its cells are not applicable, not unread
    generation = max(score, key=lambda g: (score[g], g))
    report.generation = generation
    rows = list(T.TABLE2[generation])
    # The rows are read from the first header on: prose before the table names 规章 and 规范性文件 too.
    heads = [
        m.start() for h in (*T.GENERATION_HEADERS[generation], "信息内容") if (m := re.search(fuzzy(h), body))
    ]
    start += min(heads)
    found = _rows(
        flat,
        start,
        end,
        [(r.key, "规范性文件" if r.key == "normative" else r.label) for r in rows],
        any_order=True,
    )
    for row, place in zip(rows, found, strict=True):
        keys = [f"t2_{row.key}_{c}" for c, _ in row.columns]
        if place is None:
            for key in keys:
                report.cells[key], report.nulls[key] = None, f"table 2: row {row.label} not found"
            continue
        _, s, e = place
        integer = row.key != "fees" or generation == "2019"
        _assign(report, keys, _run(flat, s, e), f"table 2 {row.label}", integer=integer)


def _table3(flat: str, spans: dict[str, tuple[int, int]], report: ParsedReport) -> None:
    start, end = _region(flat, spans, "三")
    found = _rows(flat, start, end, [(r.key, r.find) for r in T.TABLE3], headings=_T3_GROUPS)
    if all(place is None for place in found):
        for row in T.TABLE3:
            if not row.group:
                for c, _ in T.T3_COLUMNS:
                    report.cells[f"t3_{row.key}_{c}"] = None
                    report.nulls[f"t3_{row.key}_{c}"] = "table 3 not found"
        return
    runs = {place[0]: _run(flat, place[1], place[2]) for place in found if place is not None}
    _spread_rows(flat, found, runs)
    subrows_of_6 = any(k in runs for k in ("3_6_1", "3_6_2", "3_6_3"))
    for row in T.TABLE3:
        keys = [f"t3_{row.key}_{c}" for c, _ in T.T3_COLUMNS]
        run = runs.get(row.key)
        if row.group:
            # A heading row, unless it carries numbers (the 2019 format's single 其他处理 row).
            # A group row carries numbers when it has a whole row of cells (the 2019 format's single
            # 其他处理 row, even when every cell is blank), or any number at all.
            filled = run is not None and (
                len(run.values) == len(keys) or any(v is not None for v in run.values)
            )
            if filled and run is not None and not (row.key == "3_6" and subrows_of_6):
                _assign(report, keys, run, f"table 3 {row.label}")
            continue
        if row.key.startswith("3_6_") and not subrows_of_6 and "t3_3_6_total" in report.cells:
            continue  # the 2019 format: 其他处理 is one row, without sub-rows
        if run is None:
            for key in keys:
                report.cells[key], report.nulls[key] = None, f"table 3: row {row.label} not found"
            continue
        _assign(report, keys, run, f"table 3 {row.label}")


_T3_GROUPS = frozenset(r.key for r in T.TABLE3 if r.group)


def _stream(flat: str, start: int, end: int) -> _Run:
    """Every run of cells in `flat[start:end]`, one after another (a row's own, then any after words
    that are no row's label: a mistyped label, labels a converter stacked apart from their numbers)."""
    values: list[Number | None] = []
    reasons: list[str | None] = []
    pos = start
    while pos < end:
        run = _run(flat, pos, end)
        if not run.values:
            break
        values, reasons, pos = values + run.values, reasons + run.reasons, run.stop
    return _Run(values, reasons, pos)


def _spread_rows(flat: str, found: list[tuple[str, int, int] | None], runs: dict[str, _Run]) -> None:
    """Table 3 rows whose labels and numbers have come apart: a label not in the text (the report's
    typo, "其他法律行政止公开"), labels stacked above or below their numbers by a PDF's text or a
    PDF-to-markdown converter (one label followed by three rows of numbers, two labels by none).

    The rows are taken in template order (a heading row is no row here unless it carries cells, the 2019
    format's 其他处理, which ends the rows that can be spread), each found label with every cell after it
    up to the next label (`_stream`). Wherever the rows so far hold exactly one row of cells each and the
    stretch since the last such point was irregular (a row with none, with several rows' worth, or a
    label not found), the stretch's cells are dealt out in template order. A stretch whose rows do not
    hold whole rows of cells is left alone: its rows keep their own runs, and a run of the wrong length
    stays unread, as before. The template fixes the order, so no cell's place is guessed."""
    width = len(T.T3_COLUMNS)
    stretch: list[tuple[str, _Run | None]] = []  # (key, its stream; None when its label was not found)
    held = 0

    def deal() -> None:
        nonlocal held
        irregular = any(s is None or len(s.values) != width for _, s in stretch)
        whole = all(s is None or len(s.values) % width == 0 for _, s in stretch)
        if irregular and whole and held == width * len(stretch):
            values = [v for _, s in stretch if s is not None for v in s.values]
            reasons = [r for _, s in stretch if s is not None for r in s.reasons]
            for j, (key, _) in enumerate(stretch):
                runs[key] = _Run(values[j * width : (j + 1) * width], reasons[j * width : (j + 1) * width])
        stretch.clear()
        held = 0

    for row, place in zip(T.TABLE3, found, strict=True):
        if row.group:
            run = runs.get(row.key)
            if run is not None and any(v is not None for v in run.values):
                stretch.clear()  # a heading with cells of its own: the rows before it cannot reach past it
                held = 0
            continue
        stream = None if place is None else _stream(flat, place[1], place[2])
        if stream is not None and len(stream.values) == width and held == 0:
            stretch.clear()  # rows before it not found and no cells for them: rows the text leaves out
        stretch.append((row.key, stream))
        held += 0 if stream is None else len(stream.values)
        if held == width * len(stretch):
            deal()


def _table4(flat: str, spans: dict[str, tuple[int, int]], report: ParsedReport) -> None:
    start, end = _region(flat, spans, "四")
    keys = T.t4_keys()
    first = re.compile(fuzzy("结果维持")).search(flat, start, end)
    if first is None and "四" not in spans:
        for key in keys:
            report.cells[key], report.nulls[key] = None, "table 4 not found"
        return
    # Without its column headings (a text that kept only "行政复议 行政诉讼"), the section's first run.
    begin = first.end() if first is not None else start
    _assign(report, keys, _run(flat, begin, end, _T4_HEADER), "table 4")


# "信息处理费", or "信息公开处理费" as some reports call it.
_FEE = "信息(?:公开)?处理费"
_FEE_AMOUNT = re.compile(_FEE + r"[^。;\n\d]{0,20}?(\d+(?:\.\d+)?)\s*(万元|元)")
_FEE_NONE = re.compile(
    r"(?:未|没有|无|不)[^。;\n]{0,12}?(?:收取|产生|发生)?[^。;\n]{0,6}"
    + _FEE
    + "|"
    + _FEE
    + r"[^。;\n]{0,6}(?:为)?\s*(?:零|无)"
    # "未发生政府信息公开收费事项": no charge of any kind for disclosure (section 六 only)
    r"|(?:未|没有)(?:收取|发生|产生)[^。;\n]{0,6}?政府信息公开[^。;\n]{0,4}?收费"
)


def _fee(flat: str, spans: dict[str, tuple[int, int]], report: ParsedReport) -> None:
    """The 信息处理费 section 六 states: yuan charged, 0 when it says none was, None when not stated."""
    if "六" not in spans:
        report.cells["fee_yuan"], report.nulls["fee_yuan"] = None, "section 六 not found"
        return
    text = re.sub(r"\s+", "", flat[spans["六"][0] : spans["六"][1]])
    amount = _FEE_AMOUNT.search(text)
    if amount is not None:
        value = float(amount.group(1)) * (10_000 if amount.group(2) == "万元" else 1)
        report.cells["fee_yuan"] = int(value) if value == int(value) else value
    elif _FEE_NONE.search(text):
        report.cells["fee_yuan"] = 0
    elif re.search(_FEE, text):
        report.cells["fee_yuan"], report.nulls["fee_yuan"] = None, "信息处理费 mentioned without an amount"
    else:
        report.cells["fee_yuan"], report.nulls["fee_yuan"] = None, "no 信息处理费 stated"
