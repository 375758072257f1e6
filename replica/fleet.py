"""A fleet of small agencies over the existing platforms, for crawls of hundreds of sites on loopback.

`xxgk replica serve --fleet N` adds N generated agencies to the five real ones. Each is a copy of one
of the platforms' declarations (TRS WCM, the sxjz group, the 安康 group) with its own agency, a few
columns and 10–30 documents; no seeds, no planned reports, text PDFs only (no LibreOffice). About
half have a host of their own; the others live four to a **platform host** under a directory each
(`http://www.fleet-pt3.gov.cn/a0007/…`), as the provincial 集约化 platforms host many bureaus on one
name: the sites whose politeness budget is shared.

Everything is a pure function of (seed, N), so the crawler's declarations (`declarations`, written
as TOML by `write_declarations`) and the server agree without talking to each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from random import Random
from typing import Any

from replica.content import Agency
from replica.documents import ReplicaDocument
from replica.web import Response, SiteRequest

SHARED_PER_HOST = 4  # agencies on one platform host
CITIES = (
    "东川", "西陵", "南岭", "北湖", "青山", "白水", "红河", "金沙", "玉林", "石门", "云岭", "清江",
    "长乐", "永安", "宁远", "新丰", "平川", "安澜", "泰和", "丰城", "盛泽", "临江", "桐溪", "兰陵",
)  # fmt: skip
COUNTIES = ("城关区", "东城区", "西城区", "河口县", "山前县", "湖滨县")


@dataclass(frozen=True)
class FleetSite:
    """One generated agency: its crawl name, the replica declaration it is built from, and where."""

    name: str  # the crawler's site name, fleet_0007
    index: int
    platform: str  # the crawler's platform (trs_wcm, sxjz, ankang)
    declaration: Any  # a replica SiteDeclaration with this agency's host and columns
    docs: int
    prefix: str  # "" (a host of its own) or "/a0007" (on a platform host)

    @property
    def host(self) -> str:
        return str(self.declaration.host)

    @property
    def base_url(self) -> str:
        return f"{self.declaration.scheme}://{self.host}"


def _templates() -> list[tuple[str, Any, tuple[str, ...]]]:
    """(crawler platform, base declaration, the column paths to keep) per platform usable in a fleet:
    those whose detail pages live under their column's directory can share a host by prefix; 安康's
    `/Content-N.html` cannot, so its copies always get a host of their own."""
    from replica.sites.ankang import SITE as ANKANG
    from replica.sites.anshun import SITE as ANSHUN
    from replica.sites.jinzhong import SITE as JINZHONG

    return [
        ("trs_wcm", ANSHUN, ("/gzdt/bmdt/", "/gzdt/tzgg/", "/zwgk/zcfg/bmwj_70770/", "/zwgk/zfxxgk/xxgkml/jhzj/")),
        ("sxjz", JINZHONG, ("/mzdt/gzdt/", "/mzdt/tzgg/", "/xxgk/fdzdgknr/zcwj/", "/xxgk/fdzdgknr/shjz/")),
        ("ankang", ANKANG, ("/Node-5901.html", "/Node-5911.html", "/Node-5921.html")),
    ]  # fmt: skip


def fleet_sites(count: int, seed: int = 1) -> list[FleetSite]:
    """The fleet of `count` agencies for `seed`: even indexes on a host of their own, odd ones (TRS and
    sxjz only) four to a platform host."""
    templates = _templates()
    sites: list[FleetSite] = []
    shared_slots: dict[str, int] = {}  # platform → agencies placed on its current platform host
    for i in range(count):
        rng = Random(f"fleet:{seed}:{i}")
        platform, base, keep = templates[i % len(templates)]
        city = f"{CITIES[i % len(CITIES)]}{i // len(CITIES) or ''}市"
        shared = i % 2 == 1 and platform != "ankang"
        if shared:
            slot = shared_slots.get(platform, 0)
            shared_slots[platform] = slot + 1
            host = f"www.fleet-{platform.replace('_', '')}{slot // SHARED_PER_HOST}.gov.cn"
            prefix = f"/a{i:04d}"
        else:
            host, prefix = f"mzj.fleet{i:04d}.gov.cn", ""
        columns = tuple(replace(c, path=prefix + c.path) for c in base.columns if c.path in keep)
        declaration = replace(
            base,
            host=host,
            scheme="http",
            agency=Agency(f"{city}民政局", city, COUNTIES, (f"{city[:2]}民发", f"{city[:2]}民函")),
            site_name=f"{city}民政局",
            columns=columns,
            sections=(),
            nav=(("首页", prefix + "/"),),
            seeds=(),
            report_columns=(),
            known_reports=(),
            foreign_links=(),
            attachment_forms=(("pdf", 1.0),),
            charset="utf-8",
            charset_in_header=True,
            id_base=base.id_base + 10_000 * (i + 1),
            **({"crumbs": (("信息公开", columns[0].path),)} if hasattr(base, "crumbs") else {}),
        )
        sites.append(FleetSite(f"fleet_{i:04d}", i, platform, declaration, rng.randint(10, 30), prefix))
    return sites


class SharedHost:
    """The catalogs of several agencies on one platform host: a request goes to the agency whose
    directory its path starts with (the platform's own routing does the rest)."""

    def __init__(self, host: str, catalogs: dict[str, Any]) -> None:
        self.host = host
        self._by_prefix = catalogs  # "/a0007" → that agency's catalog
        self.documents: list[ReplicaDocument] = sorted(
            (d for c in catalogs.values() for d in c.documents), key=lambda d: d.publish, reverse=True
        )
        self.by_path = {p: d for c in catalogs.values() for p, d in c.by_path.items()}
        self.next_publication = None

    def _catalog(self, path: str) -> Any | None:
        return self._by_prefix.get("/" + path.lstrip("/").split("/", 1)[0])

    def handle(self, request: SiteRequest) -> Response:
        catalog = self._catalog(request.path)
        if catalog is None:
            catalog = next(iter(self._by_prefix.values()))  # its 404 page
        return catalog.handle(request)

    def body_text(self, doc: ReplicaDocument) -> str:
        catalog = self._catalog(doc.path)
        assert catalog is not None
        return catalog.body_text(doc)

    def hide_after(self, moment: Any) -> None:
        for catalog in self._by_prefix.values():
            catalog.hide_after(moment)
        self.__init__(self.host, self._by_prefix)  # type: ignore[misc]

    def apply(self, mutation: dict[str, Any]) -> None:
        """A change names a path (`path`) or picks among the documents; with several agencies on the
        host, it goes to the one named by `prefix` (default: the first)."""
        prefix = str(mutation.get("prefix") or next(iter(self._by_prefix)))
        self._by_prefix[prefix].apply(mutation)


@dataclass(frozen=True)
class FleetHost:
    """What `replica.core` builds for one fleet host: one agency's catalog, or a `SharedHost`."""

    host: str
    members: tuple[FleetSite, ...]

    def build(self, seed: int, docs: int) -> Any:  # docs: the fleet sizes its own agencies
        if len(self.members) == 1 and not self.members[0].prefix:
            site = self.members[0]
            return site.declaration.build(seed * 10_000 + site.index, site.docs)
        return SharedHost(self.host, {
            s.prefix: s.declaration.build(seed * 10_000 + s.index, s.docs) for s in self.members
        })  # fmt: skip


def fleet_hosts(count: int, seed: int = 1) -> dict[str, FleetHost]:
    """The fleet's hosts as the replica's site table wants them (host → something with `build`)."""
    by_host: dict[str, list[FleetSite]] = {}
    for site in fleet_sites(count, seed):
        by_host.setdefault(site.host, []).append(site)
    return {host: FleetHost(host, tuple(members)) for host, members in by_host.items()}


def declaration_toml(site: FleetSite) -> str:
    """The crawler's TOML declaration of one fleet agency (crawler/sites.py reads it)."""
    columns = "".join(f'    "{c.path}",\n' for c in site.declaration.columns)
    return (
        f"# {site.declaration.site_name}: fleet agency {site.index} on the replica ({site.platform}).\n"
        f'name = "{site.name}"\nagency = "{site.declaration.site_name}"\nplatform = "{site.platform}"\n'
        f'base_url = "{site.base_url}"\nhosts = ["{site.host}"]\ncolumns = [\n{columns}]\n'
    )


def write_declarations(directory: Path, count: int, seed: int = 1) -> list[Path]:
    """Write one `fleet_NNNN.toml` per agency into `directory` (put it on XXGK_SITES_DIRS); files of a
    larger fleet written earlier are removed, so the directory is exactly this fleet."""
    directory.mkdir(parents=True, exist_ok=True)
    sites = fleet_sites(count, seed)
    wanted = {f"{s.name}.toml" for s in sites}
    for old in directory.glob("fleet_*.toml"):
        if old.name not in wanted:
            old.unlink()
    paths = []
    for site in sites:
        path = directory / f"{site.name}.toml"
        path.write_text(declaration_toml(site), encoding="utf-8")
        paths.append(path)
    return paths


def expected_documents(count: int, seed: int = 1) -> dict[str, set[str]]:
    """Site name → the URLs of its documents, as the replica serves them (tests and benches check the
    archive against it)."""
    out: dict[str, set[str]] = {}
    hosts = fleet_hosts(count, seed)
    for site in fleet_sites(count, seed):
        catalog = hosts[site.host].build(seed, 0)
        docs: Iterable[ReplicaDocument] = catalog.documents
        out[site.name] = {f"{site.base_url}{d.path}" for d in docs if d.path.startswith(site.prefix + "/")}
    return out


def iter_sites(count: int, seed: int = 1) -> Iterator[str]:
    yield from (s.name for s in fleet_sites(count, seed))
