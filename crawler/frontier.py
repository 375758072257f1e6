"""What the archive already holds for a site, and the fetch decisions that follow from it.

Incremental crawls need memory: a list entry whose URL, title and date match the stored document
brings nothing new, and a detail the archive holds can be asked for conditionally (If-Modified-Since /
If-None-Match), so an unchanged page costs a 304 instead of its bytes. Edits rarely show in lists, so
each night also revisits a rotating slice of the known details: with a cycle of N nights every
document is rechecked at least once every N nights.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import clock
from archive.db import shared_archive
from archive.models import Attachment, Document, Version
from archive.queries import KnownDocument, known_documents
from crawler.extraction.dates import normalize_date

ELLIPSES = ("…", "...", "..")


@dataclass
class Frontier:
    known: dict[str, KnownDocument] = field(default_factory=dict)
    cycle: int = 7
    night: int = 0  # which slice to revisit: a day number, taken modulo `cycle`
    # SHA-256 (hex) of the site's stored attachments whose text was read: a file fetched again with
    # these bytes need not be read again (the store takes the stored text; crawler/pipelines/attachments.py).
    attachment_hashes: set[str] = field(default_factory=set)

    @classmethod
    def from_archive(
        cls, database_url: str | None, site: str, cycle: int, night: int | None = None
    ) -> Frontier:
        with shared_archive(database_url).session() as s:
            known = known_documents(s, site)
            hashes = read_attachment_hashes(s, site)
        return cls(
            known,
            max(cycle, 1),
            clock.now().astimezone().date().toordinal() if night is None else night,
            hashes,
        )

    def is_news(self, url: str, list_title: str | None, list_date: str | None) -> bool:
        """True when a list entry shows something the archive does not hold (new URL, other title or
        date). A title cut short with an ellipsis matches any stored title it starts."""
        doc = self.known.get(url)
        if doc is None:
            return True
        if list_title and doc.title:
            shown = "".join(list_title.split())
            stored = "".join(doc.title.split())
            cut = next((e for e in ELLIPSES if shown.endswith(e)), None)
            if (not stored.startswith(shown[: -len(cut)])) if cut else shown != stored:
                return True
        shown_date = normalize_date(list_date) if list_date else None
        return bool(shown_date and doc.publish_date and shown_date[:10] != doc.publish_date[:10])

    def validators(self, url: str) -> dict[str, str]:
        """Conditional-request headers for a detail the archive holds."""
        doc = self.known.get(url)
        headers = {}
        if doc is not None and doc.etag:
            headers["If-None-Match"] = doc.etag
        if doc is not None and doc.last_modified and settled(doc.last_modified, doc.sent):
            headers["If-Modified-Since"] = doc.last_modified
        return headers

    def revisit_slice(self) -> list[str]:
        """Tonight's share of the known details (a stable hash of the URL picks the night)."""
        tonight = self.night % self.cycle
        return sorted(url for url in self.known if _bucket(url, self.cycle) == tonight)


def read_attachment_hashes(s: Session, site: str) -> set[str]:
    """The hashes of the site's stored attachments: read (text or a reason) or waiting in the attachment
    queue (a scan, a legacy Office file), which reads them off the crawl's path; either way the crawl
    does not read them again."""
    return set(
        s.scalars(
            select(Attachment.sha256)
            .join(Version, Version.id == Attachment.version_id)
            .join(Document, Document.id == Version.document_id)
            .where(
                Document.site == site,
                Attachment.sha256.is_not(None),
            )
            .distinct()
        )
    )


# RFC 9110 §8.8.2.2: a Last-Modified at least this long before the Date it was sent with is one the
# page has kept; a later one may have changed again within the same second (HTTP dates have seconds).
SETTLED = timedelta(seconds=60)


def settled(last_modified: str, sent: str | None) -> bool:
    """Whether a stored Last-Modified may be sent as If-Modified-Since. A page changed within the
    second it was fetched, and changed again in that second, keeps its Last-Modified, and a server
    would answer 304 to an edit the archive never saw (measured: a replica page published and edited
    in the same second lost its edit, tests/test_history.py). So a Last-Modified less than a minute
    before the response's Date (the RFC's rule for a strong one) is not used: the next fetch is
    unconditional, once. Without a Date the validator is used as before; one that does not parse is not."""
    try:
        modified = parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return False
    if not sent:
        return True
    try:
        date = parsedate_to_datetime(sent)
    except (TypeError, ValueError):
        return True
    if (modified.tzinfo is None) != (date.tzinfo is None):
        return False
    return date - modified >= SETTLED


def _bucket(url: str, cycle: int) -> int:
    return int.from_bytes(hashlib.blake2b(url.encode(), digest_size=4).digest(), "big") % cycle
