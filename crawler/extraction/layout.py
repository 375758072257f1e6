"""One walk of a subtree into visible text blocks, the shape both the body and the metadata reader need.

A block is a paragraph (the inline text between two block-level boundaries), or a whole data table
(rows joined by newlines, cells by tabs, with the cell strings kept for `tables`).  Hidden elements,
scripts and form controls are skipped on the way down, so nothing hidden ever reaches the body.
Layout tables (a table holding other tables or long cells: old templates lay whole pages out in them)
are walked as ordinary containers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from crawler.extraction.dom import (
    BLOCK_TAGS,
    SKIP_TAGS,
    HiddenCache,
    fold_ws,
    memo_short,
    self_hidden,
    tag_of,
    visible_text,
)

_CELL_TAGS = frozenset({"td", "th"})
_BLOCK_OR_CELL = BLOCK_TAGS | _CELL_TAGS  # one set lookup an element in the walk, not two
_LINE_WS_RE = re.compile(r"[ \t\r\f\v\u3000\u00a0\u2000-\u200b\ufeff]+")


@dataclass
class Block:
    """A paragraph or a data table, with the element that produced it."""

    text: str
    el: etree._Element
    rows: list[list[str]] | None = None  # set for a data table
    heading: bool = False
    ancestors: tuple[etree._Element, ...] = field(default=(), repr=False)


def is_data_table(table: etree._Element) -> bool:
    """A table of data (cells of short text), not a layout grid: no nested table, no very long cell."""
    if table.find(".//table") is not None:
        return False
    # A cell's text is part of its table's: a table of at most 1,500 characters has no longer cell, and
    # one `text_content` answers for all its cells (a metadata table has a dozen).
    if len(table.text_content()) <= 1500:
        return True
    return all(len(cell.text_content()) <= 1500 for cell in table.iter("td", "th"))


def table_rows(table: etree._Element) -> list[list[str]]:
    """Visible cell strings of a data table, row by row, in reading order (empty rows dropped)."""
    rows: list[list[str]] = []
    for tr in table.iter("tr"):
        if self_hidden(tr):
            continue
        cells = [fold_ws(visible_text(c)) for c in tr if tag_of(c) in _CELL_TAGS and not self_hidden(c)]
        if any(cells):
            rows.append(cells)
    return rows


def _fold_lines(text: str) -> str:
    """A block's text: each line's whitespace runs folded to one space and stripped, empty lines out."""
    # One substitution over the whole text: the class holds no newline, so no match spans two lines
    # and this is the per-line substitution at one call a block instead of one a line.
    lines = [ln.strip() for ln in _LINE_WS_RE.sub(" ", text).split("\n")]
    return "\n".join(ln for ln in lines if ln)


# A template's short blocks (menus, bylines, footers, labels) come back page after page.
_block_text = memo_short(_fold_lines, 300)


class _Walker:
    def __init__(
        self,
        skip: Callable[[etree._Element], bool] | None,
        marks: frozenset[etree._Element] = frozenset(),
    ) -> None:
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.owner: etree._Element | None = None
        self.skip = skip
        # Block-level elements whose own blocks are wanted too: `spans[el]` is the slice of `blocks`
        # the walk of `el`'s subtree produced (see `walk_blocks_marking`).
        self.marks = marks
        self.spans: dict[etree._Element, tuple[int, int]] = {}
        # Every element the walk entered, when asked for (see `walk_blocks_marking`).
        self.entered: list[etree._Element] | None = None

    def flush(self, owner: etree._Element) -> None:
        if self.buf:
            text = "".join(self.buf)
            self.buf.clear()  # in place: `walk` holds the list
            if text.isspace():
                # Indentation between tags, most flushes of a page: every line would strip to nothing
                # (what the substitution leaves is whitespace too), so no block.
                self.owner = None
                return
            joined = _block_text(text)
            if joined:
                el = self.owner if self.owner is not None else owner
                self.blocks.append(
                    Block(joined, el, heading=tag_of(el) in {"h1", "h2", "h3", "h4", "h5", "h6"})
                )
        self.owner = None

    def walk(self, el: etree._Element) -> None:
        # The one recursion over every element of a page (a third of the parse): attribute reads and
        # lookups are bound once per element, not repeated.
        tag = el.tag
        if not isinstance(tag, str):
            return
        tag = tag.lower()
        if not tag or tag in SKIP_TAGS or self_hidden(el) or (self.skip is not None and self.skip(el)):
            return
        if self.entered is not None:
            self.entered.append(el)
        buf = self.buf
        if tag == "br":
            buf.append("\n")
            return
        block = tag in _BLOCK_OR_CELL
        if tag == "table" and is_data_table(el):
            self.flush(el)
            start = len(self.blocks)
            rows = table_rows(el)
            if rows:
                text = "\n".join("\t".join(c for c in row) for row in rows)
                self.blocks.append(Block(text, el, rows=rows))
            if self.marks and el in self.marks:
                self.spans[el] = (start, len(self.blocks))
            return
        start = -1
        if block:
            if buf:
                self.flush(el)
            self.owner = el
            start = len(self.blocks)
        elif self.owner is None:
            self.owner = el.getparent()
        text = el.text
        if text:
            buf.append(text)
        walk = self.walk
        for child in el:
            walk(child)
            tail = child.tail
            if tail:
                if block and self.owner is None:
                    self.owner = el
                buf.append(tail)
        if block:
            if buf:
                self.flush(el)
            else:
                self.owner = None  # what `flush` does with nothing pending, without the call
            if self.marks and el in self.marks:
                self.spans[el] = (start, len(self.blocks))


def walk_blocks(root: etree._Element, skip: Callable[[etree._Element], bool] | None = None) -> list[Block]:
    """The visible blocks under `root`, in document order; `skip(el)` prunes whole subtrees."""
    walker = _Walker(skip)
    walker.walk(root)
    walker.flush(root)
    return walker.blocks


def walk_blocks_marking(
    root: etree._Element, marks: frozenset[etree._Element], hidden: HiddenCache | None = None
) -> tuple[list[Block], dict[etree._Element, list[Block]]]:
    """`walk_blocks(root)`, and for each element of `marks` the walk reaches (not hidden, skipped or
    inside a data table), and that is block-level, the blocks `walk_blocks(el)` would give, read off
    the same walk instead of walking that subtree again (the metadata reader wants the blocks of each
    hinted metadata scope as well as the page's).

    They are the same blocks: entering a block-level element, the walk first flushes whatever text is
    pending (into a block before the slice) and then stands where a fresh walk of that element stands,
    with an empty buffer and the element as owner; from there both do the same steps over the same
    subtree (no skip function), and both end with a flush of the element. A data table is a single
    step in both. Inline elements are not recorded: inside the page their text runs on into their
    neighbours', so the caller walks those apart.

    With `hidden` (the page's cache, `root` its top element), every element the walk entered is
    recorded there as not hidden: the walk enters an element only when neither it nor any ancestor is
    hidden by its own attributes (it stops at a hidden one), which is what the cache answers. The
    region, metadata and list readers then ask about most elements without climbing to the root."""
    walker = _Walker(None, marks)
    if hidden is not None:
        walker.entered = []
    walker.walk(root)
    walker.flush(root)
    if hidden is not None and walker.entered is not None:
        hidden.know_visible(walker.entered)
    blocks = walker.blocks
    return blocks, {el: blocks[a:b] for el, (a, b) in walker.spans.items()}
