"""The items spiders yield: a fetched detail page on its way to the parser and the archive.

They are the archive's own record types (`archive.records`), so nothing is translated between the
crawler and the store.
"""

from archive.records import FetchedAttachment, FetchedPage

__all__ = ["FetchedAttachment", "FetchedPage"]
