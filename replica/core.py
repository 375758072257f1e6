"""The replica in-process: every site built from (seed, docs, mutations), answering requests as values.

`Replica.handle()` is the whole server minus the socket: the Twisted resource in `replica.server` is a
thin wrapper over it, and tests may call it directly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from random import Random
from typing import Any

from archive.clock import SimulatedClock
from archive.text import CHINA
from replica import faults, noise
from replica.challenge import Challenges
from replica.documents import ReplicaDocument
from replica.faults import Faults
from replica.sites import Catalog, all_sites
from replica.web import Response, http_date, method_not_allowed, parse_request, unknown_host


class LazyCatalogs(Mapping[str, Catalog]):
    """Each site is built the first time it is asked for: a benchmark-sized replica (20,000 documents a
    site, five sites) answers its first request for one site without generating the others.

    On simulated time (`as_of`, Beijing wall time) a site shows only the documents it had published by
    then: a generated page dated later is not there yet."""

    def __init__(self, sites: Mapping[str, Any], seed: int, docs: int, as_of: datetime | None = None) -> None:
        self._sites, self._seed, self._docs, self._as_of = sites, seed, docs, as_of
        self._built: dict[str, Catalog] = {}

    def __getitem__(self, host: str) -> Catalog:
        if host not in self._built:
            catalog = self._sites[host].build(self._seed, self._docs)
            if self._as_of is not None:
                catalog.hide_after(self._as_of)
            self._built[host] = catalog
        return self._built[host]

    def built(self) -> list[Catalog]:
        return list(self._built.values())

    def __iter__(self) -> Iterator[str]:
        return iter(self._sites)

    def __len__(self) -> int:
        return len(self._sites)


# Changes of a site's content, which happen at their `at`; the rest (fault, heal, noise) are layers of
# the server that apply whatever the clock says.
CONTENT_OPS = frozenset({"publish", "report", "edit", "withdraw", "soft404", "restore", "move"})


class Replica:
    """All sites of the replica, each with `docs` generated documents (plus its seed documents).

    With a `clock` (simulated time, `archive.clock.SimulatedClock`) the replica is its sites as they
    were at that moment: content changes whose `at` is later are not applied yet (the others in order
    of `at`), generated pages dated later are not published yet, and the `Date` header tells that time.
    Without one it is exactly as before: every recorded change applied in log order."""

    def __init__(
        self,
        seed: int,
        docs: int,
        mutations: Iterable[Mapping[str, Any]] = (),
        clock: SimulatedClock | None = None,
        fleet: int = 0,
    ) -> None:
        self.seed = seed
        self.docs = docs
        self.clock = clock
        self.fleet = fleet
        self.as_of = beijing_wall_time(clock.now()) if clock is not None else None
        sites: dict[str, Any] = dict(all_sites())
        if fleet:  # generated agencies beside the real ones (replica/fleet.py)
            from replica.fleet import fleet_hosts

            sites.update(fleet_hosts(fleet, seed))
        self.catalogs: Mapping[str, Catalog] = LazyCatalogs(sites, seed, docs, self.as_of)
        # Layers over every catalog's answers, whatever its platform (replica.noise, replica.faults).
        self.faults = Faults()
        self.challenges = Challenges(seed)
        self.noisy: dict[str, bool] = {}  # host (or "*" for every site) → noise mode on
        self._fetches: Counter[str] = Counter()
        self.pending: list[datetime] = []  # when the changes not applied yet fall due (simulated time)
        for mutation in self._due(mutations):
            self.apply(mutation)

    def _due(self, mutations: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The changes to apply now: all of them in log order, or on simulated time those due by
        `as_of`, in order of their `at` (a season planted ahead is logged before later ad-hoc changes)."""
        if self.as_of is None:
            return list(mutations)
        due: list[tuple[datetime, int, Mapping[str, Any]]] = []
        for n, mutation in enumerate(mutations):
            at = datetime.fromisoformat(str(mutation["at"])) if mutation.get("at") else self.as_of
            if mutation.get("op") in CONTENT_OPS and at > self.as_of:
                self.pending.append(at)
                continue
            due.append((at if mutation.get("op") in CONTENT_OPS else datetime.min, n, mutation))
        return [m for _, _, m in sorted(due, key=lambda item: item[:2])]

    def due_for_rebuild(self) -> bool:
        """On simulated time: the clock passed a pending change or a page not yet published."""
        if self.clock is None or self.as_of is None:
            return False
        return self.stale_at(self.clock.now())

    def stale_at(self, moment: datetime) -> bool:
        """Whether this build is not the replica as of `moment`: the moment is before the build's, or
        after a change or a page still pending in it."""
        if self.as_of is None:
            return True
        now = beijing_wall_time(moment)
        upcoming = [*self.pending, *(c.next_publication for c in self.catalogs.built())]  # type: ignore[attr-defined]
        return now < self.as_of or any(at is not None and at <= now for at in upcoming)

    @property
    def hosts(self) -> list[str]:
        return sorted(self.catalogs)

    def documents(self, host: str | None = None) -> list[ReplicaDocument]:
        """One site's documents (all sites' when `host` is None), newest first."""
        if host is not None:
            return list(self.catalogs[host].documents)
        return [d for h in self.hosts for d in self.catalogs[h].documents]

    def document(self, url: str) -> ReplicaDocument | None:
        request = parse_request("GET", url)
        catalog = self.catalogs.get(request.host)
        return catalog.by_path.get(request.path) if catalog else None

    def body_text(self, doc: ReplicaDocument) -> str:
        """The document's body text as published (paragraphs joined by newlines)."""
        return self.catalogs[doc.host].body_text(doc)

    def report_plan(self, host: str) -> tuple:
        """Which annual reports the site publishes (on time, late) and which it never does: the
        shared plan (`replica.reports`) with the slots the site's real pages fill taken from them."""
        return tuple(getattr(self.catalogs[host], "report_plan", ()))

    def handle(
        self, method: str, url: str, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> Response:
        """Answer one request: `url` absolute (proxy form) or a path with a Host header (origin form).
        A POST goes only to a site route that takes one (`Catalog.post`), as a form endpoint would."""
        request = parse_request(method, url, dict(headers or {}), body)
        if request.method == "POST":
            catalog = self.catalogs.get(request.host)
            answer = catalog.post(request) if catalog is not None and hasattr(catalog, "post") else None
            return answer if answer is not None else method_not_allowed()
        if request.method not in ("GET", "HEAD"):
            return method_not_allowed()
        catalog = self.catalogs.get(request.host)
        if catalog is None:
            return unknown_host(request.host, self.hosts)
        refused = self.challenges.check(request)  # in front of the server: its faults come after
        if refused is not None:
            return refused
        fault = self.faults.due(request)
        response = catalog.handle(faults.unconditional(request, fault))
        if self.clock is not None:  # the server's own clock, as a real server sends it
            response = Response(response.status, {**response.headers, "Date": http_date(self.clock.now())},
                                response.body)  # fmt: skip
        if self.noisy.get(request.host, self.noisy.get("*", False)):
            key = f"{request.host}{request.path}?{request.query}"
            self._fetches[key] += 1
            response = noise.disturb_response(response, Random(f"{self.seed}:{key}:{self._fetches[key]}"))
        return faults.inject(fault, request, response) if fault else response

    def apply(self, mutation: Mapping[str, Any]) -> None:
        """Replay one recorded change (`replica.changes`) on its site; a change is a pure function of
        its record, so a restarted server rebuilds exactly the same sites."""
        op, host = mutation.get("op"), str(mutation.get("host"))
        if op in ("fault", "heal", "noise", "challenge"):  # layers of the replica, not a site's content
            if host not in self.hosts and not (op == "noise" and host == "*"):  # (no lazy build)
                raise ValueError(f"replica {op} for unknown site {host!r}")
            if op == "challenge":
                self.challenges.apply_record(dict(mutation))
                return
            if op == "noise":  # the latest record wins; an all-sites one overrides earlier per-site ones
                self.noisy = {} if host == "*" else self.noisy
                self.noisy[host] = bool(mutation.get("on", True))
            else:
                self.faults.apply_record(dict(mutation))
            return
        catalog = self.catalogs.get(str(mutation.get("host")))
        if catalog is None or not hasattr(catalog, "apply"):
            raise ValueError(f"replica change for unknown or unchangeable site {mutation.get('host')!r}")
        catalog.apply(dict(mutation))

    def __len__(self) -> int:
        return sum(len(c.documents) for c in self.catalogs.values())


def build(
    seed: int,
    docs: int,
    mutations: Iterable[Mapping[str, Any]] = (),
    clock: SimulatedClock | None = None,
    fleet: int = 0,
) -> Replica:
    """The replica for this seed with `docs` generated documents per site (as of `clock`, if given),
    plus `fleet` small generated agencies (replica/fleet.py)."""
    return Replica(seed, docs, mutations, clock, fleet)


def beijing_wall_time(moment: datetime) -> datetime:
    """Change records and page dates are Beijing wall time without an offset."""
    return moment.astimezone(CHINA).replace(tzinfo=None)
