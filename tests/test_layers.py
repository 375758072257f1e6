"""The house's rooms import one way (docs/architecture.md, "Rooms and the way imports go").

Read from the source with `ast`, so an import inside a function counts as much as one at the top, and
nothing needs importing to be checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("archive", "crawler", "spiders", "schedules", "cli", "replica", "web")
# The basement: a leaf that imports nothing of the project, which every room may use.
BASEMENT = "archive.text"


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """Every project module `path` imports, as dotted names (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
            # `from archive import text` imports archive.text: keep both readings.
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def modules(room: str, root: Path = ROOT) -> list[Path]:
    return sorted((root / room.replace(".", "/")).rglob("*.py"))


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(
    room: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = (), root: Path = ROOT
) -> list[str]:
    out = []
    for path in modules(room, root):
        for name in sorted(imports_of(path, root)):
            if any(within(name, f) for f in forbidden) and not any(within(name, a) for a in allowed):
                out.append(f"{path.relative_to(root).as_posix()} imports {name}")
    return out


RULES = {
    # The archive knows nothing of who feeds it or who reads it.
    "archive": (("crawler", "spiders", "cli", "schedules", "replica", "web"), ()),
    # Spiders navigate: nothing of the archive, not even the basement (records reach them as
    # crawler.items, dates through the parser's `dates`), no parsing, no storing.
    "spiders": (("archive", "cli", "schedules", "replica", "crawler.pipelines", "web"), ()),
    # The parser is a pure function: nothing of the crawler around it, nothing of the archive.
    "crawler.extraction": (
        ("archive", "crawler", "spiders", "cli", "schedules", "replica", "web"),
        (BASEMENT, "crawler.extraction"),
    ),
    # Production code never depends on the replica (only the CLI's `xxgk replica …` commands serve it).
    "crawler": (("replica", "cli", "schedules", "web"), ()),
    "schedules": (("replica", "spiders"), ()),
    # The web interface presents the archive, as the CLI does: nothing of the crawl, never the replica.
    "web": (("crawler", "spiders", "cli", "schedules", "replica"), ()),
}


@pytest.mark.parametrize("room", sorted(RULES))
def test_imports_run_one_way(room: str) -> None:
    forbidden, allowed = RULES[room]
    assert violations(room, forbidden, allowed) == []


def test_migrations_upgrade_without_todays_search_code() -> None:
    """Migrations change the schema; derived data (the search index, attachment text) is rebuilt once
    at the end of an upgrade (archive/migrations/derived.py). Only a downgrade may call today's code:
    it restores an older layout's derived data for older code, with no later head to leave it to."""
    found = []
    for path in modules("archive.migrations.versions"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        downgrades = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.startswith(("downgrade", "_downgrade"))
        ]
        in_downgrade = {id(n) for fn in downgrades for n in ast.walk(fn)}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and id(node) not in in_downgrade:
                name = node.module or ""
                if (
                    within(name, "archive.search")
                    or within(name, "archive.store")
                    or (name == "archive" and any(a.name in ("search", "store") for a in node.names))
                ):
                    found.append(f"{path.name}: {name}")
    assert found == []


def test_the_basement_imports_nothing_of_the_project() -> None:
    assert imports_of(ROOT / "archive" / "text.py") == set()


def test_the_checker_sees_a_wrong_way_import(tmp_path: Path) -> None:
    """The rule is only worth having if it can fail: a function-level, relative import counts too."""
    probe = tmp_path / "archive" / "probe.py"
    probe.parent.mkdir()
    probe.write_text(
        "def f():\n    from crawler.extraction import parse_page\n    from .search import index\n"
    )
    assert imports_of(probe, tmp_path) >= {"crawler.extraction", "archive.search"}
    assert violations("archive", ("crawler",), root=tmp_path) == [
        "archive/probe.py imports crawler.extraction",
        "archive/probe.py imports crawler.extraction.parse_page",
    ]
