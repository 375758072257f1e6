"""The HTTP 412 JavaScript challenge that 清远-area sites put in front of their whole host.

Until a request carries a valid clearance cookie, every URL of the host answers 412 with a tiny page
whose script computes the cookie from a server nonce, sets it and reloads. The value is the result of
a hash loop over the nonce (FNV-1a style, `rounds` iterations), so the page never contains the cookie
itself: a client gets it only by running the script, which is what a real browser does and a plain
HTTP client does not. The nonce carries its issue time and an HMAC, so the server stays stateless and a
cookie expires after `ttl` seconds (then the client sees the challenge again).
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

from replica.templating import render
from replica.web import Response, SiteRequest

TTL_ENVIRONMENT = "XXGK_REPLICA_CHALLENGE_TTL"  # seconds; lets a test watch a cookie expire
_NONCE = re.compile(r'var n = "([0-9a-f]+)", r = (\d+)')
_COOKIE = re.compile(r'document\.cookie = "([^"=]+)="')


@dataclass(frozen=True)
class JsChallenge:
    """What a site declares; `guard(secret)` makes the per-replica checker."""

    cookie: str = "FSSBBIl1UgzbN7N80T"
    rounds: int = 60_000
    ttl: int = 3600

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
        return self.challenge()

    def challenge(self) -> Response:
        issued = int(self.clock())
        nonce = f"{issued:x}{self._mac(issued)}"
        page = render(
            "web/challenge.html", nonce=nonce, rounds=self.spec.rounds, cookie=self.spec.cookie, ttl=self.ttl
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
    return {"Cookie": f"{name.group(1)}={nonce}.{solve(nonce, rounds)}"}
