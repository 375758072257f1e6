"""What a page's parse needs before its first page, done once: in a parse worker before its first call,
and in a fork server before it forks crawls.

A module of its own: a spawned process imports the module its initializer lives in. In
`crawler.workers` (the pool, which is Scrapy's side) that brought Scrapy and Twisted (~1 s of CPU) into
every parse worker, which only parses pages and reads files (`parse_page`, `attachment_text.extract`)
and never needs them.
"""

from __future__ import annotations


def warm_up() -> None:
    """Import the parser (lxml, trafilatura), the PDF reader and the text normaliser's libraries, and
    build what the parser builds on its first page: the label regex (three OpenCC dictionaries and a
    thousand spellings, ~0.5 s of CPU) and OpenCC's t2s converter. A fork server that has done this
    hands every crawl it forks the built objects; without it, each of a fleet's small crawls spent
    about a second rebuilding them (docs/benchmarks.md, "The test suite", session 27)."""
    import pypdfium2  # noqa: F401

    import archive.attachment_text
    import archive.search.tokens  # noqa: F401  (attachment texts are folded where they are read)
    import crawler.extraction.page  # noqa: F401
    from archive.text import normalize_text
    from crawler.extraction.labels import run_label_re

    run_label_re()
    normalize_text("發佈")  # imports ftfy and builds the t2s converter
