"""The replica's sites, by host. A site module declares one `SITE`; add its module name here.

A site is anything with a `host` and `build(seed, docs)` returning a catalog that has `documents`,
`by_path`, `handle(SiteRequest) -> Response` and `body_text(doc)` (see `replica.platforms.trs_wcm`).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Protocol

from replica.documents import ReplicaDocument
from replica.web import Response, SiteRequest

SITE_MODULES = ("replica.sites.anshun", "replica.sites.lianzhou")


class Catalog(Protocol):
    host: str
    documents: list[ReplicaDocument]  # newest first
    by_path: dict[str, ReplicaDocument]

    def handle(self, request: SiteRequest) -> Response: ...

    def body_text(self, doc: ReplicaDocument) -> str: ...


class Site(Protocol):
    host: str

    def build(self, seed: int, docs: int) -> Any: ...


def all_sites() -> dict[str, Site]:
    """Every declared site, keyed by its host name."""
    sites: dict[str, Site] = {}
    for name in SITE_MODULES:
        site = import_module(name).SITE
        sites[site.host] = site
    return sites
