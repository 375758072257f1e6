"""The replica in-process: every site built from (seed, docs, mutations), answering requests as values.

`Replica.handle()` is the whole server minus the socket: the Twisted resource in `replica.server` is a
thin wrapper over it, and tests may call it directly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from random import Random
from typing import Any

from replica import faults, noise
from replica.documents import ReplicaDocument
from replica.faults import Faults
from replica.sites import Catalog, all_sites
from replica.web import Response, method_not_allowed, parse_request, unknown_host


class LazyCatalogs(Mapping[str, Catalog]):
    """Each site is built the first time it is asked for: a benchmark-sized replica (20,000 documents a
    site, five sites) answers its first request for one site without generating the others."""

    def __init__(self, sites: Mapping[str, Any], seed: int, docs: int) -> None:
        self._sites, self._seed, self._docs = sites, seed, docs
        self._built: dict[str, Catalog] = {}

    def __getitem__(self, host: str) -> Catalog:
        if host not in self._built:
            self._built[host] = self._sites[host].build(self._seed, self._docs)
        return self._built[host]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sites)

    def __len__(self) -> int:
        return len(self._sites)


class Replica:
    """All sites of the replica, each with `docs` generated documents (plus its seed documents)."""

    def __init__(self, seed: int, docs: int, mutations: Iterable[Mapping[str, Any]] = ()) -> None:
        self.seed = seed
        self.docs = docs
        self.catalogs: Mapping[str, Catalog] = LazyCatalogs(all_sites(), seed, docs)
        # Layers over every catalog's answers, whatever its platform (replica.noise, replica.faults).
        self.faults = Faults()
        self.noisy: dict[str, bool] = {}  # host (or "*" for every site) → noise mode on
        self._fetches: Counter[str] = Counter()
        for mutation in mutations:
            self.apply(mutation)

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

    def handle(self, method: str, url: str, headers: Mapping[str, str] | None = None) -> Response:
        """Answer one request: `url` absolute (proxy form) or a path with a Host header (origin form)."""
        request = parse_request(method, url, dict(headers or {}))
        if request.method not in ("GET", "HEAD"):
            return method_not_allowed()
        catalog = self.catalogs.get(request.host)
        if catalog is None:
            return unknown_host(request.host, self.hosts)
        fault = self.faults.due(request)
        response = catalog.handle(faults.unconditional(request, fault))
        if self.noisy.get(request.host, self.noisy.get("*", False)):
            key = f"{request.host}{request.path}?{request.query}"
            self._fetches[key] += 1
            response = noise.disturb_response(response, Random(f"{self.seed}:{key}:{self._fetches[key]}"))
        return faults.inject(fault, request, response) if fault else response

    def apply(self, mutation: Mapping[str, Any]) -> None:
        """Replay one recorded change (`replica.changes`) on its site; a change is a pure function of
        its record, so a restarted server rebuilds exactly the same sites."""
        op, host = mutation.get("op"), str(mutation.get("host"))
        if op in ("fault", "heal", "noise"):  # layers of the replica, not changes of a site's content
            if host not in self.hosts and not (op == "noise" and host == "*"):  # (no lazy build)
                raise ValueError(f"replica {op} for unknown site {host!r}")
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


def build(seed: int, docs: int, mutations: Iterable[Mapping[str, Any]] = ()) -> Replica:
    """The replica for this seed with `docs` generated documents per site."""
    return Replica(seed, docs, mutations)
