"""Metadata: label/value pairs in any markup, mapped to canonical fields.

Two readers feed one candidate list:
- *structural*: an element whose own text is a label and whose value is the next sibling element
  (`td`+`td`, `th`+`td`, `dt`+`dd`, `span`+`span`), or, for a row made only of labels, the cell below;
- *runs*: "label：value" text inside a line (`发布时间: 2021-12-28 18:55  来源: 安顺市民政局`), the value
  ending at the next label (or a stop label like 浏览次数) or at a wide gap.
The first non-empty value in document order wins, except that hint blocks come first and low-priority
labels (更新时间) yield to any other.  Hidden elements were already dropped by the walk, so an empty
hidden block (a print copy, an `ng-hide` table) yields nothing.  `<meta>` tags are the last resort.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from crawler.extraction import labels as L
from crawler.extraction.dates import find_dates, is_date_only, normalize_date
from crawler.extraction.dom import HiddenCache, fold_ws, tag_of, visible_text
from crawler.extraction.layout import Block

PLACEHOLDERS = frozenset(
    {
        "",
        "-",
        "--",
        "---",
        "—",
        "——",
        "－",
        "无",
        "暂无",
        "/",
        "／",
        "null",
        "none",
        "空",
        "未知",
        "…",
        "...",
        "0",
    }
)
_MAX_LEN = {
    "title": 200,
    "index_no": 80,
    "doc_number": 60,
    "issuer": 80,
    "source": 80,
    "topic": 80,
    "validity": 20,
    "keywords": 100,
}
_VALUE_CUT_RE = re.compile(r"\s{2,}|[\t\u3000|｜]|\s+[【\[]|(?<=\S)\s+(?=[•·])")
_GROUP_TAGS = frozenset({"table", "dl", "ul", "ol", "tbody"})
_COLON_END_RE = re.compile(r"[:：]\s*$")


@dataclass
class Candidate:
    field: str
    value: str
    # (not-from-hint, low-priority label, document position: see `MetadataReader._position`)
    rank: tuple[int, int, tuple[int, ...]]
    weak: bool
    group: etree._Element | None
    colon: bool


def clean_value(field: str, raw: str) -> str | None:
    """A value as stored: whitespace folded, placeholders → None, dates → ISO, over-long → None."""
    # A pure function of its two strings, asked again for each value a hinted block and the whole page
    # both read, and for a template's values page after page: short ones are memoised (a long one is
    # rare and would make the cache large).
    return _clean_short_value(field, raw) if len(raw) <= _MEMO_RAW_LEN else _clean_value(field, raw)


_MEMO_RAW_LEN = 400


def _clean_value(field: str, raw: str) -> str | None:
    value = fold_ws(raw).strip(" :：|｜")
    if value.lower() in PLACEHOLDERS or not value:
        return None
    if field in L.DATE_FIELDS:
        return normalize_date(value)
    if len(value) > _MAX_LEN.get(field, 80):
        return None
    if L.field_for(value) is not None or L.is_stop_label(value):
        return None  # a label where a value should be: an empty cell in a label grid
    if L.run_label_re().match(value):
        return None  # the next cell's own "label：value" (`文 号: | 所属主题: 计划总结`): this one is empty
    return value


_clean_short_value = lru_cache(maxsize=8192)(_clean_value)


def _group_of(el: etree._Element) -> etree._Element | None:
    node = el.getparent()
    hops = 0
    while node is not None and hops < 6:
        if tag_of(node) in _GROUP_TAGS:
            parent = node.getparent()
            return parent if tag_of(node) == "tbody" and parent is not None else node
        node = node.getparent()
        hops += 1
    parent = el.getparent()
    return parent.getparent() if parent is not None else None


_OUTSIDE = 1 << 30  # the position of an element outside the page's tree: after all of it


class MetadataReader:
    """Collects candidates from one page and resolves them to one value per field."""

    def __init__(self, root: etree._Element, hidden: HiddenCache, elements: list[etree._Element]) -> None:
        """`elements` is `list(root.iter(etree.Element))`, the page's elements in document order, held by
        the caller for the whole parse (`page._parse_tree` says why)."""
        self.root = root
        self.hidden = hidden
        # `_position` by element, for the elements and ancestors of the page's few candidates.
        self._positions: dict[etree._Element, tuple[int, ...]] = {root: ()}
        self.candidates: list[Candidate] = []
        self.meta_groups: set[etree._Element] = set()
        self.label_groups: dict[etree._Element | None, set[str]] = {}
        # Fields the page has a labelled slot for, filled or not, visible or not: an empty slot means
        # "the page says nothing", so no fallback (signature, title) may guess a value for it.
        self.slots: set[str] = set()
        # `_heads_columns` by row: every label cell of a row asks it again, in the hinted pass and the
        # whole-page pass, and each answer reads the visible text of two rows' cells.
        self._heads_by_row: dict[etree._Element, bool] = {}
        # `_pair` by label element (see `read_structural`).
        self._pairs: dict[etree._Element, tuple[bool, bool, bool, etree._Element | None, str | None]] = {}
        self._elements = elements
        self._groups: dict[etree._Element, etree._Element | None] = {}  # see `_group_of`

    # -- structural pairs ---------------------------------------------------------------------------
    def read_structural(self, scope: etree._Element, hinted: bool) -> None:
        # Only an element whose own text (`el.text`) is 1 to 40 characters long can be a label. A plain
        # `iter()` reading `el.text` picks them in half the time of the XPath that did it in C
        # (`[node()[1][self::text()] and string-length(node()[1]) <= 40]`): on a replica page that
        # predicate keeps 330 of 400 elements (most own text is a short run of whitespace), so the
        # XPath's per-node string work bought nothing. Same elements, same document order.
        elements = self._elements if scope is self.root else list(scope.iter(etree.Element))
        for el in elements:
            raw = el.text
            if not raw or len(raw) > 40 or raw.isspace():
                continue  # whitespace only (most own text) squashes to "", which is no label
            fld = L.field_for(raw)
            if fld is None:
                continue
            # What a label element yields depends on the tree alone, not on the scope or the pass: the
            # whole-page pass replays what a hinted pass worked out for the same element.
            pair = self._pairs.get(el)
            if pair is None:
                pair = self._pairs[el] = self._pair(el, raw)
            strong, visible, colon, group, value_text = pair
            if strong:
                self.slots.add(fld)
            if not visible:
                continue
            if strong:
                self.label_groups.setdefault(group, set()).add(fld)
            if value_text is not None:
                self._add(fld, value_text, el, hinted, raw, colon)

    def _pair(
        self, el: etree._Element, raw: str
    ) -> tuple[bool, bool, bool, etree._Element | None, str | None]:
        """(strong label, visible, ends in a colon, its group if strong, the value's raw text or None
        when the element has no value beside or below it) for the label element `el`."""
        strong = not L.is_weak(raw)
        if self.hidden(el):
            return strong, False, False, None, None
        colon = bool(_COLON_END_RE.search(raw.strip()))
        group = self._group_of(el) if strong else None
        if el.tail and el.tail.strip() and tag_of(el) not in ("td", "th", "dt"):
            return strong, True, colon, group, None  # "label：value" in running text: the run reader's
        if len(el) and fold_ws(visible_text(el)) != fold_ws(raw):
            return strong, True, colon, group, None  # the element holds more than its label
        label_el = el
        while label_el.getnext() is None and label_el.getparent() is not None:
            parent = label_el.getparent()
            if tag_of(parent) in ("tr", "dl", "ul", "table", "body") or fold_ws(
                visible_text(parent)
            ) != fold_ws(raw):
                break
            label_el = parent
        value_el = label_el.getnext()
        while value_el is not None and not isinstance(value_el.tag, str):
            value_el = value_el.getnext()
        if value_el is None or tag_of(value_el) in ("br",) or self.hidden(value_el):
            return strong, True, colon, group, None
        value_text = visible_text(value_el)
        if tag_of(label_el) in ("td", "th") and (
            L.field_for(value_text) is not None or self._heads_columns(label_el)
        ):
            value_text = self._below(label_el) or ""
        return strong, True, colon, group, value_text

    def _heads_columns(self, cell: etree._Element) -> bool:
        """`_heads_columns(cell)`, once per row: the answer depends only on the row and the one after it,
        and the tree does not change while it is read."""
        row = cell.getparent()
        if row is None:
            return False
        known = self._heads_by_row.get(row)
        if known is None:
            known = self._heads_by_row[row] = _heads_columns(cell)
        return known

    def read_table_rows(self, blocks: list[Block]) -> None:
        """Label/value cells of data tables, whatever inline markup splits the label's text: pairs
        along a row (`label | value | label | value`), or, under a header row, the cell below."""
        for block in blocks:
            if block.rows is None:
                continue
            rows = block.rows
            if _is_header_row(rows):
                for label, value in zip(rows[0], rows[1], strict=True):
                    fld = L.field_for(label) if len(label) <= 40 else None
                    if fld is not None:
                        self.slots.add(fld)
                        self._add(fld, value, block.el, False, label, False, group=block.el)
                continue
            for row in rows:
                for i in range(0, len(row) - 1, 2):
                    fld = L.field_for(row[i]) if len(row[i]) <= 40 else None
                    if fld is not None:
                        self._add(fld, row[i + 1], block.el, False, row[i], False, group=block.el)

    def _below(self, cell: etree._Element) -> str | None:
        """The cell under `cell` in the next row, for a header row of labels above a row of values."""
        row = cell.getparent()
        if row is None or tag_of(row) != "tr":
            return None
        index = [c for c in row if tag_of(c) in ("td", "th")].index(cell)
        nxt = row.getnext()
        if nxt is None or tag_of(nxt) != "tr":
            return None
        cells = [c for c in nxt if tag_of(c) in ("td", "th")]
        return visible_text(cells[index]) if index < len(cells) else None

    # -- "label：value" runs -------------------------------------------------------------------------
    def read_runs(self, blocks: list[Block], in_region: set[int], hinted: bool = False) -> None:
        for bi, block in enumerate(blocks):
            lines = ["  ".join(r) for r in block.rows] if block.rows is not None else block.text.split("\n")
            undated_source = False
            for line in lines:
                if len(line) > 300 or ("：" not in line and ":" not in line and "【" not in line):
                    continue
                undated_source |= self._read_line(line, block.el, bi in in_region, hinted)
            if undated_source and block.rows is None:
                self._byline_sibling_date(blocks, bi, hinted)

    def _byline_sibling_date(self, blocks: list[Block], bi: int, hinted: bool) -> None:
        """A byline laid out one item per element (`<li>来源：新华社</li><li>作者：</li><li>2023-12-01
        14:43</li>`): the bare date standing alone in a sibling of the 来源 line, among the next few
        blocks (or the one before), is the publish date, as it is when the byline is one line."""
        parent = blocks[bi].el.getparent()
        if parent is None:
            return
        for j in (bi + 1, bi + 2, bi + 3, bi - 1):
            if not 0 <= j < len(blocks):
                continue
            sibling = blocks[j]
            if sibling.rows is not None or sibling.el.getparent() is not parent:
                continue
            if len(sibling.text) <= 30 and is_date_only(sibling.text):
                self._add("publish_date", sibling.text, sibling.el, hinted, "日期", True, low=True)
                return

    def _read_line(self, line: str, el: etree._Element, in_region: bool, hinted: bool) -> bool:
        """Read one "label：value" line; True when it labels a source but no date (and holds none)."""
        matches = L.run_labels(line)
        if not matches:
            return False
        recognised = [m for m in matches if L.field_for(m.group(1) or m.group(2)) is not None]
        if in_region and (len(line) > 120 or not recognised):
            return False
        many = len(matches) >= 2
        found_publish = False
        for i, m in enumerate(matches):
            label = m.group(1) or m.group(2)
            fld = L.field_for(label)
            if fld is None:
                continue
            if not L.is_weak(label):
                self.slots.add(fld)
            end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
            value = line[m.end() : end]
            cut = _VALUE_CUT_RE.search(value.strip())
            value = value.strip()
            if cut and fld != "title":
                value = value[: cut.start()]
            weak = L.is_weak(label)
            if weak and in_region and not many:
                continue
            if fld == "publish_date":
                found_publish = True
            self._add(fld, value, el, hinted, label, True, weak_override=weak)
        if not found_publish and any(L.field_for(m.group(1) or m.group(2)) == "source" for m in matches):
            head = line[: matches[0].start()]
            dates = find_dates(head)
            if dates:  # "网站名　2019-04-12　来源：国新网": the bare date of a byline is its publish date
                self._add("publish_date", dates[-1][2], el, hinted, "日期", True, low=True)
            return not dates and not find_dates(line)
        return False

    # -- resolution ----------------------------------------------------------------------------------
    def _group_of(self, el: etree._Element) -> etree._Element | None:
        """`_group_of(el)`, once per element: a page's candidates come from a few dozen elements (a
        byline block yields several), and the tree does not change while it is read."""
        groups = self._groups
        if el in groups:
            return groups[el]
        group = groups[el] = _group_of(el)
        return group

    def _position(self, el: etree._Element) -> tuple[int, ...]:
        """A key that orders the nodes of the tree as the document does: the child indices on the way
        down from the root (the root itself `()`; an ancestor, a prefix, sorts before its descendants,
        so tuple order is document order). Any element outside the root's tree sorts after all of it,
        all such equal. Ranks are only compared, so this orders candidates exactly as their index in
        `root.iter()` did; it is worked out for the few dozen elements candidates name, and their
        ancestors, once each, where numbering the whole tree made a Python proxy for each of its ~400
        nodes on every page."""
        positions = self._positions
        known = positions.get(el)
        if known is not None:
            return known
        parent = el.getparent()
        if parent is None:  # the top of another tree (no such element is under the root)
            key: tuple[int, ...] = (_OUTSIDE,)
        else:
            above = self._position(parent)
            key = above if above[:1] == (_OUTSIDE,) else (*above, parent.index(el))
        positions[el] = key
        return key

    def _add(
        self,
        fld: str,
        raw: str,
        el: etree._Element,
        hinted: bool,
        label: str,
        colon: bool,
        weak_override: bool | None = None,
        low: bool = False,
        group: etree._Element | None = None,
    ) -> None:
        value = clean_value(fld, raw)
        if value is None:
            return
        lbl = L.canonical_label(label)
        rank = (0 if hinted else 1, 1 if (low or lbl in L.LOW_PRIORITY) else 0, self._position(el))
        weak = L.is_weak(label) if weak_override is None else weak_override
        self.candidates.append(
            Candidate(fld, value, rank, weak, group if group is not None else self._group_of(el), colon)
        )

    def resolve(self) -> dict[str, str]:
        groups: dict[etree._Element | None, set[str]] = {}
        for c in self.candidates:
            if not c.weak:
                groups.setdefault(c.group, set()).add(c.field)
        best: dict[str, Candidate] = {}
        for c in self.candidates:
            if c.weak and not c.colon and not (groups.get(c.group, set()) - {c.field}):
                continue
            if c.field not in best or c.rank < best[c.field].rank:
                best[c.field] = c
        for fld, chosen in best.items():
            if fld in L.DATE_FIELDS and "T" not in chosen.value:
                # Same day, more precise elsewhere (a byline's 18:55 beside a table's date): keep the time.
                finer = [
                    c for c in self.candidates if c.field == fld and c.value.startswith(chosen.value + "T")
                ]
                if finer:
                    best[fld] = min(finer, key=lambda c: c.rank)
        for group, fs in self.label_groups.items():
            if group is None or len(fs) < 2 or tag_of(group) not in _GROUP_TAGS:
                continue
            rows = len(group.findall(".//tr")) or len(group)
            if len(fs) >= 0.5 * rows:  # mostly labels: a metadata block, not a data table with a few
                self.meta_groups.add(group)
        return {f: c.value for f, c in best.items()}


def _is_label(cell: str) -> bool:
    return len(cell) <= 40 and (L.field_for(cell) is not None or L.is_stop_label(cell))


def _is_header_row(rows: list[list[str]]) -> bool:
    """A first row of column headings above rows of values (a 公开表 of several columns), as opposed
    to rows of `label | value` pairs: at least three columns, the next row as wide and holding no
    label at all, and a recognised label among the headings."""
    if len(rows) < 2 or len(rows[0]) < 3 or len(rows[1]) != len(rows[0]):
        return False
    return any(L.field_for(c) for c in rows[0] if len(c) <= 40) and not any(_is_label(c) for c in rows[1])


def _cells(row: etree._Element | None) -> list[str]:
    if row is None or tag_of(row) != "tr":
        return []
    return [fold_ws(visible_text(c)) for c in row if tag_of(c) in ("td", "th")]


def _heads_columns(cell: etree._Element) -> bool:
    """True when `cell` sits in a header row (see `_is_header_row`)."""
    row = cell.getparent()
    return row is not None and _is_header_row([_cells(row), _cells(row.getnext())])


def meta_tags(root: etree._Element) -> dict[str, str]:
    """`<meta name=…>` values by lower-cased name (the first of each; the page's own head only)."""
    out: dict[str, str] = {}
    head = root.find("head")
    scope = head if head is not None else root
    for meta in scope.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = meta.get("content")
        if name and content and name not in out:
            out[name] = content
    return out
