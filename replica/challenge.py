"""The HTTP 412 JavaScript challenge that 清远-area sites put in front of their whole host.

Until a request carries a valid clearance cookie, every URL of the host answers 412 with a tiny page
whose script computes the cookie from a server nonce, sets it and reloads. The value is the result of
a hash loop over the nonce (FNV-1a style, `rounds` iterations), so the page never contains the cookie
itself: a client gets it only by running the script, which is what a real browser does and a plain
HTTP client does not. The nonce carries its issue time and an HMAC, so the server stays stateless and a
cookie expires after `ttl` seconds (then the client sees the challenge again).

Two ways to hand out the clearance, as WAFs do: `script` (清远's, 瑞数-style) has the page's script set
the cookie itself and reload; `server` has the script send its answer back in the URL (`ANSWER_PARAM`),
and the server sets the cookie on that answer's 302 back to the page. A crawler's browser may stop at
the reload in the first case (the cookie is in the browser already), not in the second.

A site declares its challenge (replica/sites/lianzhou.py); `xxgk replica change HOST --challenge
PREFIX` puts one in front of any site's pages under PREFIX as well (`Challenges`, a layer of the
replica like its faults): e.g. one agency's directory on a fleet platform host, so a browser crawl and
plain crawls share that host's politeness budget.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from replica.templating import render
from replica.web import Response, SiteRequest

TTL_ENVIRONMENT = "XXGK_REPLICA_CHALLENGE_TTL"  # seconds; lets a test watch a cookie expire
_NONCE = re.compile(r'var n = "([0-9a-f]+)", r = (\d+)')
_COOKIE = re.compile(r'document\.cookie = "([^"=]+)="|var c = "([^"=]+)"')
ANSWER_PARAM = "__waf_answer"  # a `server` challenge's script sends its answer back in this parameter
CLEARANCES = ("script", "server")


@dataclass(frozen=True)
class JsChallenge:
    """What a site declares; `guard(secret)` makes the per-replica checker."""

    cookie: str = "FSSBBIl1UgzbN7N80T"
    rounds: int = 60_000
    ttl: int = 3600
    clearance: str = "script"  # who sets the cookie: the page's script, or the server (CLEARANCES)

    def guard(self, secret: str, clock: Callable[[], float] = time.time) -> ChallengeGuard:
        ttl = int(os.environ.get(TTL_ENVIRONMENT) or self.ttl)
        return ChallengeGuard(self, secret.encode(), ttl, clock)


def solve(nonce: str, rounds: int) -> str:
    """What the page's script computes (kept in step with templates/web/challenge.html; a test runs both)."""
    h = 2166136261
    size = len(nonce)
    for i in range(rounds):
        h ^= ord(nonce[i % size])
        h = (h * 16777619) & 0xFFFFFFFF
        h = (h + i) & 0xFFFFFFFF
    return format(h, "x")


@dataclass
class ChallengeGuard:
    """Checks one request's cookie; answers the challenge when it is missing, forged or expired."""

    spec: JsChallenge
    secret: bytes
    ttl: int
    clock: Callable[[], float]
    _verified: OrderedDict[str, int] = field(default_factory=OrderedDict)  # value → issue time

    def check(self, request: SiteRequest) -> Response | None:
        """None when the request may pass; else the 412 challenge page."""
        value = _cookie(request.header("cookie") or "", self.spec.cookie)
        if value is not None and self._valid(value):
            return None
        if self.spec.clearance == "server":
            answer = _answer(request.query)
            if answer is not None and self._valid(answer):
                return self._grant(request, answer)
        return self.challenge()

    def _grant(self, request: SiteRequest, answer: str) -> Response:
        """A `server` challenge answered: back to the page, with the cookie set by the server."""
        rest = [p for p in request.query.split("&") if p and not p.startswith(ANSWER_PARAM + "=")]
        location = quote(request.path) + ("?" + "&".join(rest) if rest else "")
        cookie = f"{self.spec.cookie}={answer}; Path=/; Max-Age={self.ttl}"
        headers = {"Location": location, "Set-Cookie": cookie, "Cache-Control": "no-store"}
        return Response(302, headers, b"")

    def challenge(self) -> Response:
        issued = int(self.clock())
        nonce = f"{issued:x}{self._mac(issued)}"
        page = render(
            "web/challenge.html",
            nonce=nonce,
            rounds=self.spec.rounds,
            cookie=self.spec.cookie,
            ttl=self.ttl,
            clearance=self.spec.clearance,
            answer_param=ANSWER_PARAM,
        )
        headers = {
            "Content-Type": "text/html; charset=utf-8",
            "Server": "nginx",
            "Cache-Control": "no-store",
        }
        return Response(412, headers, page.encode())

    def _mac(self, issued: int) -> str:
        return hmac.new(self.secret, str(issued).encode(), hashlib.sha256).hexdigest()[:16]

    def _valid(self, value: str) -> bool:
        nonce, _, answer = value.partition(".")
        issued = self._verified.get(value)
        if issued is None:
            try:
                stamp = int(nonce[:-16], 16)
            except ValueError:
                return False
            if not hmac.compare_digest(nonce[-16:], self._mac(stamp)) or answer != solve(
                nonce, self.spec.rounds
            ):
                return False
            issued = stamp
            self._verified[value] = issued  # the hash loop runs once per cookie, not per request
            while len(self._verified) > 1024:
                self._verified.popitem(last=False)
        return self.clock() - issued <= self.ttl


def _answer(query: str) -> str | None:
    return dict(parse_qsl(query)).get(ANSWER_PARAM)


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value
    return None


def clearance_headers(replica: object, url: str) -> dict[str, str]:
    """For in-process tools that read replica pages without a browser (parser benchmarks, tests):
    the Cookie header a browser would hold after the challenge of `url`'s host, or {} when that host
    has no challenge. Crawls never use this: they pass the challenge in Chromium."""
    first = replica.handle("GET", url)  # type: ignore[attr-defined]
    match = _NONCE.search(first.text) if first.status == 412 else None
    if match is None:
        return {}
    nonce, rounds, name = match.group(1), int(match.group(2)), _COOKIE.search(first.text)
    assert name is not None
    return {"Cookie": f"{name.group(1) or name.group(2)}={nonce}.{solve(nonce, rounds)}"}


class Challenges:
    """The challenges put in front of path prefixes by the change log (`{"op": "challenge", "host",
    "prefix"}`), checked before the site answers (a WAF stands in front of the server)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rules: dict[str, tuple[ChallengeGuard, list[str]]] = {}  # host → its guard, its prefixes

    def apply_record(self, record: dict[str, Any]) -> None:
        host, prefix = str(record["host"]), "/" + str(record.get("prefix") or "/").strip("/")
        spec = JsChallenge(clearance=str(record.get("clearance") or "script"))
        _, prefixes = self.rules.setdefault(host, (spec.guard(f"{self.seed}:{host}"), []))
        prefixes.append(prefix.rstrip("/"))

    def check(self, request: SiteRequest) -> Response | None:
        """The 412 challenge when the request's path is under a challenged prefix without clearance."""
        rule = self.rules.get(request.host)
        if rule is None:
            return None
        guard, prefixes = rule
        if not any(request.path == p or request.path.startswith(p + "/") for p in prefixes):
            return None
        return guard.check(request)


def plan_challenge(
    directory: Path, host: str, prefix: str, at: datetime | None = None, clearance: str = "script"
) -> dict[str, Any]:
    """Record a challenge in front of `host`'s pages under `prefix` ("/": the whole host), whose
    clearance cookie the page's script or the server sets (`CLEARANCES`)."""
    from archive.text import CHINA
    from replica.state import append_mutation, load_state

    if not prefix.startswith("/"):
        raise ValueError(f"--challenge {prefix!r}: a path prefix starts with /")
    if clearance not in CLEARANCES:
        raise ValueError(f"a challenge's clearance is one of {', '.join(CLEARANCES)}, not {clearance!r}")
    state = load_state(directory)
    if state is None:
        raise FileNotFoundError(f"no replica state in {directory}; start `xxgk replica serve` first")
    hosts = state.build().hosts
    if host not in hosts:  # recorded, it would stop the replica from rebuilding its sites
        raise ValueError(f"the replica has no site {host!r} (it has {', '.join(hosts)})")
    moment = (at or datetime.now(CHINA)).astimezone(CHINA).replace(tzinfo=None, microsecond=0)
    record = {"op": "challenge", "host": host, "prefix": prefix, "at": moment.isoformat()}
    if clearance != "script":
        record["clearance"] = clearance
    append_mutation(directory, record)
    return record
