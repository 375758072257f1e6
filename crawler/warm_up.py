"""What a parse worker imports before its first call, in a module of its own.

A spawned process imports the module its initializer lives in. In `crawler.workers` (the pool, which
is Scrapy's side) that brought Scrapy and Twisted (~1 s of CPU) into every parse worker, which only
parses pages and reads files (`parse_page`, `attachment_text.extract`) and never needs them.
"""

from __future__ import annotations


def warm_up() -> None:
    """Import the parser (lxml, trafilatura) and the PDF reader once per worker, not on first use."""
    import pypdf  # noqa: F401

    import archive.attachment_text  # noqa: F401
    import crawler.extraction.page  # noqa: F401
