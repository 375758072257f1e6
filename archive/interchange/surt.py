"""SURT keys: the sort key of a CDXJ index line, the form replay tools look a URL up by.

A SURT ("Sort-friendly URI Reordering Transform") puts a URL's host labels in reverse order and
canonicalises the rest, so that every capture of a site sorts together and `http://www.a.gov.cn/X?b=1&a=2`
finds what was indexed as `https://a.gov.cn/x?a=2&b=1`. pywb and ReplayWeb.page compute the key of a
requested URL with the Internet Archive's canonicaliser and binary-search the index for it, so an index
we write must use the very same rules. They are a handful, written out here rather than taken from the
`surt` package: that package is AGPL-licensed and pulls in tldextract's network-fetched suffix list,
for one rule (public-suffix host massaging) the default key does not use. The tests compare our keys
with `cdxj-indexer`'s (the indexer pywb's own tools use) over every URL of an exported history.

The rules, in the canonicaliser's order: lowercase the host and drop a leading `www`, `www2`…; drop
user info, the default port and the fragment; percent-encoding made minimal (decoded repeatedly, then
only control characters, space, non-ASCII bytes, `#` and `%` encoded); path and query lowercased; the
query's arguments sorted, an empty query dropped; a trailing slash dropped unless the path is `/`.
Session-id stripping (`jsessionid=` and the like) is the one rule left out: no archived site uses it,
and a key that kept one would still be found by the same URL.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes, urlsplit

_WWW = re.compile(r"^www\d*\.")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _minimal_escape(text: str) -> str:
    """Decode percent-escapes until nothing changes, then escape only what must be escaped."""
    data = text.encode("utf-8")
    while True:
        decoded = unquote_to_bytes(data)
        if decoded == data:
            break
        data = decoded
    return "".join(
        f"%{byte:02X}" if byte <= 0x20 or byte >= 0x7F or byte in (0x23, 0x25) else chr(byte) for byte in data
    )


def _sorted_query(query: str) -> str:
    # Sorted as (name, value) pairs, an argument without '=' kept without one (as the canonicaliser does).
    pairs = sorted(tuple(arg.split("=", 1)) for arg in query.split("&"))
    return "&".join("=".join(pair) for pair in pairs)


def surt(url: str) -> str:
    """The SURT key of `url`, e.g. `cn,gov,anshun,smzj)/gzdt/t20220915_1.html`."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    host = _WWW.sub("", host)
    labels = host.split(".")
    key = ",".join(reversed(labels))
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        key += f":{port}"
    path = _minimal_escape(parts.path or "/").lower()
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    out = f"{key}){path}"
    query = _minimal_escape(parts.query).lower() if parts.query else ""
    if query:
        out += "?" + (_sorted_query(query) if len(query) > 1 else query)
    return out
