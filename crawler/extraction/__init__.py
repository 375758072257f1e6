"""The page parser: a pure function of (html, url, hints) → `ParsedPage`.

    parsed = parse_page(body, url, hints, header_charset=None)

`page_type` is "detail", "list" or "other" (with `other_reason`); metadata fields use the canonical
names of DESIGN §5 with dates in ISO 8601; `body` is the document's text (paragraphs separated by blank
lines, tables as tab-separated rows), `search_text` (the body normalised for search, `normalize.py`),
`tables`, `attachments`, `encoding` (the charset the page was read with) and, for a list page, `items`.
"""

from crawler.extraction.dates import normalize_date, url_date
from crawler.extraction.encoding import decode_html
from crawler.extraction.hints import ExtractionHints
from crawler.extraction.page import ParsedPage, parse_page
from crawler.extraction.platforms import TRS_WCM_HINTS

__all__ = [
    "TRS_WCM_HINTS",
    "ExtractionHints",
    "ParsedPage",
    "decode_html",
    "normalize_date",
    "parse_page",
    "url_date",
]
