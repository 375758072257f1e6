"""The WARC records of one capture, built from what the archive keeps (pure functions, no database).

What an HTTP message in a record says must be true of the bytes the record holds. The archive keeps a
response's body decoded (the crawler undid its transfer and content codings), so a header that
described the wire form would lie: `Content-Encoding` and `Transfer-Encoding` become
`X-Archive-Orig-Content-Encoding`/`-Transfer-Encoding`, and a `Content-Length` that is not the kept
body's length becomes `X-Archive-Orig-Content-Length` beside a true one. (pywb and `warcio check`
accept lying headers, so the tests check this themselves.)

Record ids are derived from what the record is (type, URL, time, payload digest), not drawn at random:
the same archive exports to the same records, and a capture imported elsewhere and exported again
keeps its ids.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders

# The namespace of every record id this project derives (a fixed, arbitrary UUID).
RECORD_NAMESPACE = uuid.UUID("5d0c4a52-7f0e-4e43-9a55-2a8f1d6b3c11")
UNTRUE_WHEN_DECODED = ("content-encoding", "transfer-encoding")
ORIGINAL_PREFIX = "X-Archive-Orig-"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"

# A response's headers: as `raw.split_lines` gives them (every line, in order) or as a dict.
HeaderLines = dict[str, str] | list[tuple[str, str]]


def warc_date(moment: datetime) -> str:
    """WARC 1.1's date: UTC with the fetch's microseconds (stored times are naive UTC)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def timestamp14(moment: datetime) -> str:
    """The 14-digit timestamp replay URLs and CDXJ lines use."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y%m%d%H%M%S")


def sha1_digest(data: bytes) -> str:
    """`sha1:` and the base32 SHA-1, the digest form WARC and CDXJ tools expect."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def record_id(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(RECORD_NAMESPACE, '|'.join(parts))}>"


def truthful_headers(headers: HeaderLines, body_length: int) -> list[tuple[str, str]]:
    """The response's headers, in order and repeats kept (an imported page's two Set-Cookie lines stay
    two), with those the kept (decoded) body contradicts renamed, and a true Content-Length (in the
    original's place when it had one)."""
    out: list[tuple[str, str]] = []
    length_placed = False
    for name, value in headers.items() if isinstance(headers, dict) else headers:
        low = name.lower()
        if low in UNTRUE_WHEN_DECODED:
            out.append((ORIGINAL_PREFIX + name, value))
        elif low == "content-length":
            if value.strip() != str(body_length):
                out.append((ORIGINAL_PREFIX + name, value))
            if not length_placed:
                out.append(("Content-Length", str(body_length)))
                length_placed = True
        else:
            out.append((name, value))
    if not length_placed:
        out.append(("Content-Length", str(body_length)))
    return out


def http_response(status_line: str, headers: HeaderLines, body_length: int) -> StatusAndHeaders:
    """The status line as stored (`HTTP/1.1 200 OK`) and the truthful headers."""
    protocol, _, rest = status_line.partition(" ")
    return StatusAndHeaders(rest, truthful_headers(headers, body_length), protocol=protocol or "HTTP/1.1")


def status_line(status: int) -> str:
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    return f"{status} {reason}".strip()


def http_request(url: str) -> StatusAndHeaders:
    """The request as far as the archive knows it: method, target and Host. The crawler's other request
    headers (User-Agent, the If-Modified-Since of a conditional request) are not kept, and a request
    record must not invent them."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return StatusAndHeaders(
        f"GET {target}", [("Host", parts.netloc)], protocol="HTTP/1.1", is_http_request=True
    )


def timestamp14_of(date: str) -> str:
    """The 14-digit timestamp of a WARC-Date (`2026-03-01T18:00:01.516222Z` → `20260301180001`)."""
    return "".join(ch for ch in date[:19] if ch.isdigit())
