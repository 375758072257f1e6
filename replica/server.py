"""The replica over real HTTP: a Twisted Web site that is a thin wrapper over `Replica.handle()`.

Clients use it as an HTTP proxy (`GET http://smzj.anshun.gov.cn/… HTTP/1.1`) or directly with a
`Host:` header; either way the page is chosen by host and path, and every link in it is the real site's.
"""

from __future__ import annotations

import contextlib
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from twisted.web.resource import Resource
from twisted.web.server import Request, Site

from archive import clock
from replica.arrival import StampedPort, arrival_of
from replica.state import LiveReplica, open_state, set_clock

# Sent by the crawler's replica routing (crawler/middlewares/replica.py) when it runs on simulated time.
CLOCK_HEADER = "x-xxgk-clock"


class ReplicaResource(Resource):
    isLeaf = True

    def __init__(self, live: LiveReplica, request_log: TextIO | None = None) -> None:
        super().__init__()
        self.live = live
        self.request_log = request_log

    def render(self, request: Request) -> bytes:
        headers = {
            key.decode("latin-1"): values[-1].decode("latin-1")
            for key, values in request.requestHeaders.getAllRawHeaders()
        }
        replica = self.live.current()
        if self.request_log is not None:  # when each host was asked (the fleet's politeness tests)
            uri = request.uri.decode("latin-1")
            host = urlsplit(uri).hostname or headers.get("Host", headers.get("host", "")).split(":")[0]
            arrived = arrival_of(request.channel.transport if request.channel else None)
            self.request_log.write(f"{arrived:.3f} {host} {urlsplit(uri).path}\n")
        stamp = next((v for k, v in headers.items() if k.lower() == CLOCK_HEADER), None)
        if stamp:  # a crawler on simulated time: the sites as they were at its moment
            with contextlib.suppress(clock.ClockError):
                replica = self.live.as_of(clock.parse_moment(stamp))
        body = request.content.read(1_000_000) if request.method == b"POST" and request.content else b""
        response = replica.handle(
            request.method.decode("latin-1"), request.uri.decode("latin-1"), headers, body
        )
        if getattr(response, "delivery", None) is not None:  # a fault played out on the socket
            from replica.faults import deliver

            return deliver(request, response)  # type: ignore[arg-type]
        request.setResponseCode(response.status)
        for name, value in response.headers.items():
            request.setHeader(name.encode("latin-1"), value.encode("latin-1"))
        return response.body


class QuietSite(Site):
    """No per-request access log: a benchmark makes tens of thousands of requests."""

    def log(self, request: Request) -> None:
        pass


def make_site(live: LiveReplica, request_log: TextIO | None = None) -> Site:
    return QuietSite(ReplicaResource(live, request_log))


def run(
    host: str = "127.0.0.1",
    port: int = 8800,
    state_dir: Path = Path("data/replica"),
    docs: int = 300,
    seed: int = 1,
    noise: bool = False,
    as_of: datetime | None = None,
    fleet: int = 0,
    sites_dir: Path | None = None,
    request_log: Path | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM. Prints one `replica serving …` line once listening (port 0: the real one).

    Blocks and owns the Twisted reactor, so call it once per process (`xxgk replica serve`).
    """
    from twisted.internet import reactor

    state = open_state(Path(state_dir), seed=seed, docs=docs, fleet=fleet)
    if fleet and sites_dir is not None:  # the crawler's declarations of the same fleet
        from replica.fleet import write_declarations

        write_declarations(Path(sites_dir), fleet, seed)
    if as_of is None and clock.simulated():  # `xxgk --as-of …` / XXGK_CLOCK
        as_of = clock.parse_moment(clock.setting() or "")
    if as_of is not None:  # the replica's clock lives in its state, so `xxgk replica clock` can move it
        state = set_clock(Path(state_dir), as_of)
    if noise:
        from replica.noise import noise_on, plan_noise

        if not noise_on(state.mutations, "*"):
            plan_noise(Path(state_dir), "*", True)
            state = open_state(Path(state_dir), seed=seed, docs=docs, fleet=fleet)
    live = LiveReplica(Path(state_dir), state)
    log = open(request_log, "a", buffering=1, encoding="utf-8") if request_log else None  # noqa: SIM115
    # Connections stamp each request with the kernel's arrival time, for the request log (replica/arrival.py).
    listening = StampedPort(port, make_site(live, log), interface=host, reactor=reactor)
    listening.startListening()
    actual = listening.getHost().port
    replica = live.replica
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
    print(
        f"replica serving {len(replica)} documents of {len(replica.catalogs)} sites at http://{shown}:{actual}",
        flush=True,
    )
    reactor.run()  # type: ignore[attr-defined]  # installs SIGINT/SIGTERM handlers that stop it cleanly
    print("replica stopped", file=sys.stderr, flush=True)
