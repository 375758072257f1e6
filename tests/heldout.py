"""The held-out corpora's pages: a manifest is committed, its pages are not (see each corpus's README),
so a test of one page skips, saying why, on a checkout that lacks it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Reader = Callable[[Path, dict[str, Any]], bytes | None]


def held_out(
    corpus: Path, entries: list[dict[str, Any]], item_id: str, noun: str, read: Reader
) -> tuple[dict[str, Any], bytes]:
    """The manifest entry `item_id` and its bytes, or a skip when this checkout does not have them."""
    entry = next(e for e in entries if e["id"] == item_id)
    data = read(corpus, entry)
    if data is None:
        pytest.skip(f"{noun} {item_id} is not in this checkout (see {corpus.name}/README.md)")
    return entry, data
