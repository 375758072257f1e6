"""Per-site hints for the page parser.

A site declaration (or its platform base) may know where the content region or the metadata block
lives; the parser uses these first and falls back to its generic locators, so an undeclared site
still parses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractionHints:
    """Selectors a platform or site knows about; every field is optional."""

    content_xpaths: tuple[str, ...] = ()
    metadata_xpaths: tuple[str, ...] = ()
    title_xpaths: tuple[str, ...] = ()
    list_item_xpaths: tuple[str, ...] = ()
    # Literal strings of page chrome that survive trafilatura on this site (e.g. "分享到").
    chrome_strings: tuple[str, ...] = ()
