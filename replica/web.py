"""HTTP values without a server: parsed requests and ready responses, so sites are plain functions.

The replica is reached as an HTTP proxy (absolute-form request line) or directly with a `Host:` header
(origin form); both end up as the same `SiteRequest`. The scheme is ignored: a canonical `https://`
URL sent as plain http through the proxy is served the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import unquote, urlsplit

from replica.templating import render

HTML_TYPE = "text/html; charset=utf-8"
SERVER = "nginx"


@dataclass(frozen=True)
class Response:
    """What the replica answers; the Twisted resource copies it onto the wire unchanged."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass(frozen=True)
class SiteRequest:
    method: str
    host: str  # lower case, no port
    path: str  # percent-decoded, no query
    query: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""  # a POST's form, for the few routes that take one (Hanweb's dataproxy.jsp)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def parse_request(
    method: str, url: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> SiteRequest:
    """Accept `http://host/path?q` (proxy form) or `/path?q` plus a Host header (origin form)."""
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    parts = urlsplit(url)
    netloc = parts.netloc if parts.scheme and parts.netloc else lowered.get("host", "")
    host = netloc.rsplit("@", 1)[-1]
    host = host.split("]", 1)[0] + "]" if host.startswith("[") else host.split(":", 1)[0]
    return SiteRequest(
        method=method.upper(),
        host=host.lower().rstrip("."),
        path=unquote(parts.path or "/"),
        query=parts.query,
        headers=lowered,
        body=body,
    )


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def html_response(status: int, page: str, headers: dict[str, str] | None = None) -> Response:
    return Response(status, {"Content-Type": HTML_TYPE, "Server": SERVER, **(headers or {})}, page.encode())


def redirect(location: str, status: int = 301) -> Response:
    page = render("web/redirect.html", status=status).replace("\n", "\r\n")
    return html_response(status, page, {"Location": location})


def nginx_error_page(status: int, reason: str, signed: bool = True) -> str:
    """nginx's own one-line error page (`signed`: with the `<hr>` and its name, as on its 5xx pages)."""
    return render("web/nginx_error.html", status=status, reason=reason, signed=signed)


def method_not_allowed() -> Response:
    page = nginx_error_page(405, "Not Allowed", signed=False)
    return html_response(405, page, {"Allow": "GET, HEAD"})


def unknown_host(host: str, known: list[str]) -> Response:
    """Not a site of the replica: say so plainly (a proxy's 502), never pretend to be a real page."""
    page = render("web/unknown_host.html", host=host, known=known)
    return Response(502, {"Content-Type": HTML_TYPE, "Server": "xxgk-replica"}, page.encode())
