"""Fault injection: the ways real government servers fail, on any page of any site of the replica.

Faults are change-log records (`{"op": "fault", "kind": …, "path": …, "times": T}`; `{"op": "heal"}`
removes a site's faults), so a test's log says exactly which URL misbehaved and how, and a restarted
server misbehaves the same way. They are applied by `Replica.handle` to whatever the site's catalog
answered, whatever its platform, so new platforms get them for free.

`times` is how many fetches of the URL fail before it recovers (0: every fetch until healed), which
lets a test tell "retried and recovered" from "gave up". Faults that are not a status code (no answer,
a slow drip, a cut-off body, a body without a length) cannot be a plain `Response`: they are a
`FaultyResponse` whose `delivery` the Twisted resource plays out on the socket (`deliver`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from random import Random
from typing import Any
from urllib.parse import unquote, urlsplit

from replica.templating import render
from replica.web import HTML_TYPE, SERVER, Response, SiteRequest, html_response, nginx_error_page, redirect

# kind → what the server does (the docs' fault table is built from the same list).
KINDS: dict[str, str] = {
    "500": "500 Internal Server Error with Retry-After",
    "502": "502 Bad Gateway with Retry-After",
    "503": "503 Service Unavailable with Retry-After",
    "timeout": "accepts the request and never answers",
    "slow": "answers 200 with the page dripped in small chunks over `seconds`",
    "truncated": "declares the full Content-Length, sends half the body, closes the connection",
    "redirect-loop": "302 to the same page with ?_=1, which 302s back",
    "offsite": "301 to the same path on a mirror host (a copy site the archive must never hold)",
    "offsite-refresh": "200 with a page whose <meta http-equiv=refresh> sends the reader to the mirror host",
    "oversized": "answers 200 with `bytes` of page (11 MiB by default, over the 10 MiB cap)",
    "charset": "the page's bytes re-encoded as GB18030 while header and <meta> still say UTF-8",
    "malformed": "the page with end tags dropped, stray closers, upper-case and unquoted markup",
}
STATUS_KINDS = {"500", "502", "503"}
BODY_KINDS = {"slow", "truncated", "oversized", "charset", "malformed"}
MIRROR_HOST = "www.zfxxgk-mirror.cn"
DEFAULT_OVERSIZE = 11 * 1024 * 1024
LOOP_QUERY = "_=1"


@dataclass(frozen=True)
class Delivery:
    """How the socket should misbehave: `hang` (never answer), `drip` (chunks over `seconds`),
    `truncate` (close after `send` bytes of a longer declared body), `stream` (no Content-Length)."""

    how: str
    seconds: float = 0.0
    send: int = 0


@dataclass(frozen=True)
class FaultyResponse(Response):
    delivery: Delivery | None = None


@dataclass
class Fault:
    kind: str
    times: int = 0  # 0: every fetch
    params: dict[str, Any] = field(default_factory=dict)
    hits: int = 0  # fetches seen since the fault was set (in memory: a restart starts again)

    def due(self) -> bool:
        """Count this fetch; True while the fault still applies to it."""
        self.hits += 1
        return not self.times or self.hits <= self.times


class Faults:
    """The faults in force, by (host, path), replayed from the change log."""

    def __init__(self) -> None:
        self.rules: dict[tuple[str, str], Fault] = {}

    def apply_record(self, record: dict[str, Any]) -> None:
        host = str(record["host"])
        if record["op"] == "heal":
            paths = record.get("paths")
            for key in [k for k in self.rules if k[0] == host and (not paths or k[1] in paths)]:
                del self.rules[key]
            return
        kind = str(record["kind"])
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}")
        params = {k: record[k] for k in ("retry_after", "seconds", "bytes", "declared") if k in record}
        self.rules[(host, str(record["path"]))] = Fault(kind, int(record.get("times", 0)), params)

    def due(self, request: SiteRequest) -> Fault | None:
        """The fault this fetch suffers, if any (counting the fetch)."""
        fault = self.rules.get((request.host, request.path))
        return fault if fault is not None and fault.due() else None


def unconditional(request: SiteRequest, fault: Fault | None) -> SiteRequest:
    """A fault that mangles the page's bytes needs the bytes: such a server ignores the validators
    (else a conditional recrawl would get a clean 304 and never see the fault)."""
    if fault is None or fault.kind not in BODY_KINDS:
        return request
    headers = {k: v for k, v in request.headers.items() if k not in ("if-modified-since", "if-none-match")}
    return replace(request, headers=headers)


def inject(fault: Fault, request: SiteRequest, response: Response) -> Response:
    """The faulty answer for one fetch, given what the site would have answered."""
    kind, params = fault.kind, fault.params
    url = f"http://{request.host}{request.path}"
    if kind in STATUS_KINDS:
        status = int(kind)
        title = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable"}
        return html_response(
            status,
            nginx_error_page(status, title[status]),
            {"Retry-After": str(params.get("retry_after", 1))},
        )
    if kind == "timeout":
        return FaultyResponse(200, {"Content-Type": HTML_TYPE, "Server": SERVER}, b"", Delivery("hang"))
    if kind == "redirect-loop":
        looped = request.query == LOOP_QUERY
        return redirect(url if looped else f"{url}?{LOOP_QUERY}", 302)
    if kind == "offsite":
        return redirect(f"http://{MIRROR_HOST}{request.path}", 301)
    if kind == "offsite-refresh":
        mirror = f"http://{MIRROR_HOST}{request.path}"
        return html_response(200, render("web/refresh.html", url=mirror))
    if kind == "oversized":
        size = int(params.get("bytes", DEFAULT_OVERSIZE))
        body = _padded(response.body, size)
        if params.get("declared", True):
            return Response(200, {**response.headers, "Content-Type": HTML_TYPE}, body)
        return FaultyResponse(200, {**response.headers, "Content-Type": HTML_TYPE}, body, Delivery("stream"))
    if kind == "slow":
        return FaultyResponse(
            response.status,
            response.headers,
            response.body,
            Delivery("drip", float(params.get("seconds", 3))),
        )
    if kind == "truncated":
        return FaultyResponse(
            response.status,
            response.headers,
            response.body,
            Delivery("truncate", send=len(response.body) // 2),
        )
    if not _is_html(response):
        return response
    if kind == "charset":
        body = response.body.decode("utf-8", errors="replace").encode("gb18030", errors="replace")
        return Response(response.status, response.headers, body)
    if kind == "malformed":
        return Response(response.status, response.headers, malform(response.body.decode("utf-8")).encode())
    raise ValueError(f"unknown fault {kind!r}")


def _is_html(response: Response) -> bool:
    return (response.header("content-type") or "").startswith("text/html") and bool(response.body)


def _padded(body: bytes, size: int) -> bytes:
    """A real page grown to `size` bytes the way oversized pages are: a huge inline blob near the end."""
    filler = b"<!-- " + b"x" * max(0, size - len(body) - 9) + b" -->"
    cut = body.rfind(b"</body>")
    return body + filler if cut < 0 else body[:cut] + filler + body[cut:]


_END_TAGS = re.compile(r"</(p|li|td|tr|th|dd|dt|option)>", re.IGNORECASE)
_QUOTED = re.compile(r'(\s(?:class|id|width|align|target))="([\w-]+)"')
_OPEN = re.compile(r"<(div|span|table|a|p)([\s>])")


def malform(page: str) -> str:
    """Markup a browser still renders the same: what old CMS templates and Word pastes produce."""
    page = _END_TAGS.sub("", page)  # optional end tags left out
    page = _QUOTED.sub(r"\1=\2", page)  # unquoted attribute values
    page = _OPEN.sub(lambda m: f"<{m.group(1).upper()}{m.group(2)}", page)  # upper-case tag names
    page = re.sub(r"(<body[^>]*>)", r"\1</span></div></font>", page, count=1)  # stray closers
    return page.replace("</body>", "").replace("</html>", "")  # no end of document


# ---- planning (`xxgk replica change SITE --fault KIND[:N] …`) -----------------------------------------


def plan_faults(
    directory: Path,
    host: str,
    kinds: list[tuple[str, int]],
    urls: list[str] | None = None,
    times: int = 0,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    at: datetime | None = None,
) -> list[dict[str, Any]]:
    """Choose targets (N live documents per kind, or the given URLs) and record one fault each."""
    from archive.text import CHINA
    from replica.state import append_mutation, load_state

    state = load_state(directory)
    if state is None:
        raise FileNotFoundError(f"no replica state in {directory}; start `xxgk replica serve` first")
    replica = state.build()
    catalog = replica.catalogs.get(host)
    if catalog is None:
        raise ValueError(f"the replica has no site {host!r} (it has {', '.join(replica.hosts)})")
    for kind, _ in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(KINDS)}")
    moment = (at or datetime.now(CHINA)).astimezone(CHINA).replace(tzinfo=None, microsecond=0)
    rng = Random(f"{seed}:{host}:{len(state.mutations)}:faults")
    faulted = {path for h, path in replica.faults.rules if h == host}
    pool = sorted(set(catalog.by_path) - faulted)  # documents not already failing
    records: list[dict[str, Any]] = []
    for kind, count in kinds:
        if urls:
            chosen = [(unquote(urlsplit(u).path) or "/", u) for u in urls]
        else:
            picked = rng.sample(pool, min(count, len(pool)))
            for path in picked:
                pool.remove(path)
            chosen = [(p, catalog.by_path[p].url) for p in picked]
        for path, url in chosen:
            record: dict[str, Any] = {"op": "fault", "kind": kind, "path": path, "url": url, "times": times}
            record.update({k: v for k, v in (params or {}).items() if v is not None})
            records.append(record)
    for record in records:
        record.update(host=host, at=moment.isoformat())
        append_mutation(directory, record)
    return records


def heal(directory: Path, host: str, at: datetime | None = None) -> dict[str, Any]:
    """Record that every fault of the site is gone."""
    from archive.text import CHINA
    from replica.state import append_mutation

    moment = (at or datetime.now(CHINA)).astimezone(CHINA).replace(tzinfo=None, microsecond=0)
    record = {"op": "heal", "host": host, "at": moment.isoformat()}
    append_mutation(directory, record)
    return record


def deliver(request: Any, response: FaultyResponse) -> Any:
    """Play a faulty delivery on a Twisted request; returns NOT_DONE_YET (the answer is written later)."""
    from twisted.internet import reactor
    from twisted.web.server import NOT_DONE_YET

    delivery = response.delivery
    assert delivery is not None
    gone: list[bool] = []
    request.notifyFinish().addBoth(lambda _: gone.append(True))
    request.setResponseCode(response.status)
    for name, value in response.headers.items():
        request.setHeader(name.encode("latin-1"), value.encode("latin-1"))
    body = response.body
    if delivery.how == "hang":
        # Never answer; drop the connection after a long while so a forgotten client frees it.
        reactor.callLater(600, lambda: gone or request.transport.loseConnection())  # type: ignore[attr-defined]
        return NOT_DONE_YET
    if delivery.how == "truncate":
        request.setHeader(b"Content-Length", str(len(body)).encode())
        request.write(body[: delivery.send])
        request.transport.loseConnection()
        return NOT_DONE_YET
    if delivery.how == "stream":  # no Content-Length: chunked, so the size shows only as it arrives
        chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
        step = 0.0
    else:  # drip
        request.setHeader(b"Content-Length", str(len(body)).encode())
        pieces = max(1, int(delivery.seconds / 0.1))
        size = max(1, -(-len(body) // pieces))
        chunks = [body[i : i + size] for i in range(0, len(body), size)]
        step = delivery.seconds / max(1, len(chunks))

    def send(i: int) -> None:
        if gone:
            return
        if i == len(chunks):
            request.finish()
            return
        request.write(chunks[i])
        reactor.callLater(step, send, i + 1)  # type: ignore[attr-defined]

    send(0)
    return NOT_DONE_YET
