"""The replica's sites, by host. A site module declares one `SITE`; add its module name here.

A site is anything with a `host` and `build(seed, docs)` returning a catalog that has `documents`,
`by_path`, `handle(SiteRequest) -> Response` and `body_text(doc)`: in practice a `SiteDeclaration` of
one of the platforms in `replica.platforms`, whose catalogs share `replica.catalog.Catalog`.
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any, Protocol

from replica.documents import ReplicaDocument
from replica.web import Response, SiteRequest

SITE_MODULES = (
    "replica.sites.ankang",
    "replica.sites.anshun",
    "replica.sites.jinzhong",
    "replica.sites.lianzhou",
    "replica.sites.shizhong",
)


class Catalog(Protocol):
    host: str
    documents: list[ReplicaDocument]  # newest first
    by_path: dict[str, ReplicaDocument]

    def handle(self, request: SiteRequest) -> Response: ...

    def body_text(self, doc: ReplicaDocument) -> str: ...


class Site(Protocol):
    host: str

    def build(self, seed: int, docs: int) -> Any: ...


def site_modules() -> tuple[str, ...]:
    """The project's sites plus any named in `XXGK_REPLICA_SITES` (comma-separated modules): a new
    agency can be tried on the replica before it is added here."""
    extra = [m.strip() for m in os.environ.get("XXGK_REPLICA_SITES", "").split(",") if m.strip()]
    return (*SITE_MODULES, *extra)


def all_sites() -> dict[str, Site]:
    """Every declared site, keyed by its host name."""
    sites: dict[str, Site] = {}
    for name in site_modules():
        site = import_module(name).SITE
        sites[site.host] = site
    return sites
