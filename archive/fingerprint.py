"""What makes a version: the fingerprint of a document's content, and how a fetch's files are matched
to the files of the version it may repeat.

Pure functions of what was fetched and what the latest version recorded (no database), so the rules
that decide "new version or the same one" can be read, and tested, apart from the writing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from archive.records import FIELD_NAMES, FetchedAttachment

_SPACE = re.compile(r"\s+")


def fingerprint(fields: dict[str, Any], body: str, attachment_hashes: list[tuple[str, str | None]]) -> str:
    """Hash of what a reader would call the document's content; chrome and counters never enter it."""
    canonical = {
        "fields": {name: fields.get(name) for name in FIELD_NAMES},  # every field is content
        "body": _SPACE.sub(" ", body).strip(),
        "attachments": sorted(attachment_hashes),
    }
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@dataclass
class StoredFile:
    """An attachment row of the latest version (its text is read only when needed: `_TEXT_OF`)."""

    id: int
    url: str
    sha256: str | None


class Seen(NamedTuple):
    """One fetched attachment as the latest version would record it."""

    url: str  # the URL the latest version has this file under (the fetched one when it has none)
    before: str | None  # the hash the latest version would record: None where it has a gap
    now: str | None  # the hash it has once tonight's fetch is added: a gap filled, a failure kept
    fetched: FetchedAttachment | None


def as_latest_sees(files: list[StoredFile], hashes: list[tuple[str, str | None, Any]]) -> list[Seen]:
    """The new fetch's attachments labelled the way the latest version recorded them, so that one
    fingerprint comparison tells a content change from a fetch that differs only in where the files
    are or which of them could be fetched. A file is the latest version's file

    - at the same URL with the same bytes, else with the same bytes at another URL (the files moved
      with the document), else at the same URL (changed bytes: a change the comparison will see);
    - else, when it has no bytes to go by (failed tonight) or bytes the version never had, by the last
      segment of its URL, if exactly one file of the version not yet matched has it: a file that moved
      with the document, as a CMS republishes a document's directory, including one the version
      never managed to fetch.

    A gap of the latest version (hash unknown) stays a gap in `before`, so a file arriving there
    compares equal and fills it; a file that failed tonight takes the hash the version has for it."""
    rows = list(files)
    claimed: set[str] = set()
    labels: list[str | None] = []
    for url, digest, _ in hashes:  # by bytes and by URL first
        same_url = next((r for r in rows if r.url == url and r.url not in claimed), None)
        by_bytes = next((r for r in rows if digest and r.sha256 == digest and r.url not in claimed), None)
        if same_url is not None and (digest is None or same_url.sha256 in (digest, None)):
            match = same_url
        else:
            match = by_bytes or same_url
        labels.append(match.url if match is not None else None)
        if match is not None:
            claimed.add(match.url)
    for i, (url, _, _) in enumerate(hashes):  # then by file name, for what is left on both sides
        if labels[i] is None:
            name = url.rsplit("/", 1)[-1]
            left = [r for r in rows if r.url not in claimed and r.url.rsplit("/", 1)[-1] == name]
            if len(left) == 1 and name:
                labels[i] = left[0].url
                claimed.add(left[0].url)
    recorded = {r.url: r.sha256 for r in rows}
    seen = []
    for label, (url, digest, fetched) in zip(labels, hashes, strict=True):
        if label is None:
            seen.append(Seen(url, digest, digest, fetched))
            continue
        before = None if recorded[label] is None else (digest or recorded[label])
        seen.append(Seen(label, before, digest or recorded[label], fetched))
    return seen
