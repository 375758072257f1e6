"""Sites as data: TOML declarations a person can read, review and override, loaded as spiders.

A site is what it is called, whose it is, where it lives and which columns to walk; how its CMS lists
and paginates is the platform's code (spiders/platforms/). So a declaration names a `platform` and sets
fields that platform's spider class has; Python is left for new platforms only. The five sites the
project started with are declarations in spiders/sites/; `xxgk site add URL…` writes new ones (platform
`discovered`: columns walked by discovery's rules).

`SiteLoader` is Scrapy's spider loader (`SPIDER_LOADER_CLASS`) extended with these declarations, so
`xxgk sites`, `xxgk crawl` and the schedule see declared sites and Python spiders alike. Declarations
are read from spiders/sites/ and from every directory in XXGK_SITES_DIRS (os.pathsep-separated; the
first is where `xxgk site add` writes). A declaration that is not valid TOML, names an unknown
platform or sets a field its platform does not have is an error naming the file and the field:
a typo must not silently crawl the wrong thing.
"""

from __future__ import annotations

import copy
import importlib
import os
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "spiders" / "sites"
PLATFORMS = {
    "trs_wcm": "spiders.platforms.trs_wcm:TrsWcmSpider",
    "sxjz": "spiders.platforms.sxjz:SxjzSpider",
    "ankang": "spiders.platforms.ankang:AnkangSpider",
    "gkmlpt": "spiders.platforms.nfcms:NfcmsGkmlptSpider",
    "discovered": "spiders.platforms.discovered:DiscoveredColumnsSpider",
}
REQUIRED = ("name", "agency", "platform", "base_url", "hosts")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


class SiteDeclarationError(ValueError):
    """A declaration that cannot be loaded, with the file and the field at fault."""


def site_dirs() -> list[Path]:
    """Where declarations are read from: the users' directories first, then the project's own."""
    extra = [Path(p) for p in os.environ.get("XXGK_SITES_DIRS", "").split(os.pathsep) if p.strip()]
    return [*extra, BUILTIN_DIR]


def platform_class(platform: str) -> type:
    module, _, name = PLATFORMS[platform].partition(":")
    return getattr(importlib.import_module(module), name)


def load_declaration(path: Path) -> type:
    """The spider class a declaration describes."""
    try:
        data = read_declaration(path)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SiteDeclarationError(f"{path}: {exc}") from None
    return spider_class(data, str(path))


# Parsed declarations by path: (the file's inode, mtime and size when read, its TOML).
_parsed: dict[Path, tuple[tuple[int, int, int], dict[str, Any]]] = {}


def read_declaration(path: Path) -> dict[str, Any]:
    """A declaration's TOML, parsed once per version of the file in this process and in those forked
    from it. Every crawl's loader reads every declaration (a name must be unique across them), and a
    fleet's worker forks a crawl per site: with a hundred agencies declared, each crawl parsed a hundred
    files, 27 ms of its CPU, growing with the fleet. The fork server reads them ahead
    (`crawler.warmed`); a crawl then only looks at each file's inode, mtime and size, and an edited or
    replaced file is parsed again. Each caller gets its own copy: spider classes hold the tables."""
    stat = path.stat()
    version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    known = _parsed.get(path)
    if known is None or known[0] != version:
        known = _parsed[path] = (version, tomllib.loads(path.read_text(encoding="utf-8")))
    return copy.deepcopy(known[1])


def declaration_paths() -> list[Path]:
    """Every declaration file, directory by directory in `site_dirs` order, each directory's sorted."""
    return [path for d in site_dirs() if d.is_dir() for path in sorted(d.glob("*.toml"))]


def read_all_declarations() -> int:
    """Parse every declaration in the declaration directories (those that parse); how many."""
    count = 0
    for path in declaration_paths():
        try:
            read_declaration(path)
            count += 1
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # the crawl's loader reports it
    return count


def spider_class(data: dict[str, Any], source: str = "<declaration>") -> type:
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise SiteDeclarationError(f"{source}: missing {', '.join(missing)}")
    platform = data["platform"]
    if platform not in PLATFORMS:
        raise SiteDeclarationError(f"{source}: unknown platform {platform!r}; one of {', '.join(PLATFORMS)}")
    name = data["name"]
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise SiteDeclarationError(f"{source}: name {name!r} must be lower-case letters, digits and _")
    base = platform_class(platform)
    attrs: dict[str, Any] = {"__module__": "spiders.sites", "declared_in": source}
    for key, value in data.items():
        if key == "platform":
            continue
        if key != "name" and not hasattr(base, key):
            raise SiteDeclarationError(f"{source}: {key!r} is not a field of platform {platform}")
        attrs[key] = _typed(key, value, getattr(base, key, None), source)
    if platform == "discovered" and not attrs.get("column_urls"):
        raise SiteDeclarationError(f"{source}: a discovered site lists its column_urls")
    if platform == "discovered":
        attrs.setdefault("columns", tuple(column_key(u) for u in attrs["column_urls"]))
    attrs.setdefault("allowed_domains", list(attrs["hosts"]))
    return type(_class_name(name), (base,), attrs)


def column_key(url: str) -> str:
    """What the coverage ledger counts a column's pages under: its path (and query, and a fragment
    that names the column, as gkmlpt's `index#<id>` does)."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return (parts.path or "/") + query + (f"#{parts.fragment}" if parts.fragment else "")


def column_site_name(urls: list[str]) -> str:
    """The site name for columns crawled without one: the first column's host, dots as underscores."""
    name = (urlsplit(urls[0]).hostname or "site").replace(".", "_").replace("-", "_").lower()
    return name if name[:1].isalpha() else f"site_{name}"


def column_site(urls: list[str], name: str, declared: type | None = None) -> type:
    """The site `xxgk crawl --column URL…` crawls: a declaration made on the spot, platform
    `discovered`. When `name` is a declared site, its identity (agency, hosts, politeness, extraction
    hints) is kept and only the navigation is discovery's; a column off its hosts is an error."""
    hosts = list(dict.fromkeys(urlsplit(u).hostname or "" for u in urls))
    first = urlsplit(urls[0])
    data: dict[str, Any] = {
        "name": name,
        "agency": name,
        "platform": "discovered",
        "base_url": f"{first.scheme}://{hosts[0]}",
        "hosts": hosts,
        "column_urls": list(urls),
        "browser": True,  # any column may sit behind a JavaScript challenge; Chromium starts only then
    }
    if declared is not None:
        outside = [h for h in hosts if h not in declared.hosts]
        if outside:
            raise SiteDeclarationError(
                f"{', '.join(outside)} is not a host of {name} ({', '.join(declared.hosts)})"
            )
        data.update(
            agency=declared.agency, hosts=list(declared.hosts), hints=declared.hints,
            politeness=declared.politeness, base_url=declared.base_url,
        )  # fmt: skip
    return spider_class(data, f"--column URLs of {name}")


def _typed(key: str, value: Any, default: Any, source: str) -> Any:
    """The declaration's value as the spider class holds it (tuples, compiled patterns), type-checked
    against the platform's default."""
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise SiteDeclarationError(f"{source}: {key!r} must be a list")
        return tuple(tuple(v) if isinstance(v, list) else v for v in value)
    if isinstance(default, re.Pattern):
        try:
            return re.compile(value)
        except (re.error, TypeError) as exc:
            raise SiteDeclarationError(f"{source}: {key!r} is not a regular expression: {exc}") from None
    if default is not None and not isinstance(value, type(default)):
        raise SiteDeclarationError(
            f"{source}: {key!r} must be {type(default).__name__}, not {type(value).__name__}"
        )
    return value


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Spider"


class SiteLoader(SpiderLoader):
    """Scrapy's spider loader, plus the TOML site declarations (a declaration may not reuse a Python
    spider's name, and a user's declaration of a name shadows none: duplicates are an error)."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        for path in declaration_paths():
            cls = load_declaration(path)
            if cls.name in self._spiders:
                known = getattr(self._spiders[cls.name], "declared_in", self._spiders[cls.name].__module__)
                raise SiteDeclarationError(f"{path}: site {cls.name!r} is already declared in {known}")
            self._spiders[cls.name] = cls
