"""Conditional GET for every replica site: `Last-Modified` on details and attachments, `304 Not
Modified` when the client's `If-Modified-Since` covers it, and the view counter of a detail page.

Kept apart from the catalogs because it is plain HTTP: a page's last change (its publish time, or the
moment of its latest recorded change) is all it needs to know of a site.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from archive.text import CHINA
from replica.documents import ReplicaAttachment
from replica.files import attachment_bytes, form_bytes
from replica.web import SERVER, Response, SiteRequest, http_date


def not_modified_since(request: SiteRequest, last_modified: datetime) -> bool:
    """True when the client's If-Modified-Since covers `last_modified` (then answer 304)."""
    value = request.header("if-modified-since")
    if not value:
        return False
    try:
        since = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= since


def not_modified(headers: dict[str, str]) -> Response:
    return Response(304, {"Server": SERVER, **headers}, b"")


def detail_response(
    request: SiteRequest,
    changed: datetime,
    content_type: str,
    parts: Callable[[], tuple[bytes, bytes]],
    views: Callable[[], int],
) -> Response:
    """A detail page last changed at `changed` (Beijing wall time): 304, or the page's two halves
    (`parts`, rendered once and cached by the catalog) around this fetch's view count."""
    modified = changed.replace(tzinfo=CHINA)
    headers = {"Last-Modified": http_date(modified)}
    if not_modified_since(request, modified):
        return not_modified(headers)
    before, after = parts()
    body = before + str(views()).encode() + after
    return Response(200, {"Content-Type": content_type, "Server": SERVER, **headers}, body)


def attachment_response(request: SiteRequest, changed: datetime, attachment: ReplicaAttachment) -> Response:
    """An attachment of a document last changed at `changed`: 304, or its deterministic bytes."""
    modified = changed.replace(tzinfo=CHINA)
    headers = {"Last-Modified": http_date(modified), "Accept-Ranges": "bytes"}
    if not_modified_since(request, modified):
        return not_modified(headers)
    if attachment.form:
        body = form_bytes(attachment.key, attachment.form, attachment.title)
    else:
        body = attachment_bytes(attachment.key, attachment.path.rsplit(".", 1)[1], attachment.title)
    return Response(200, {"Content-Type": attachment.content_type, "Server": SERVER, **headers}, body)
