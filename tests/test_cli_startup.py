"""What an `xxgk` process imports before its work: only what its command needs.

A crawl process (and each parse worker, which imports the `__main__` of the process that spawned it)
used to import every command's module, Playwright, aiohttp (for a Scrapy extension that is off) and
Alembic before its first request: ~1 s of CPU in every crawl of the suite, the fleet's and the nights'.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

from cli.main import COMMAND_MODULES, main
from tests.conftest import FAST, ROOT, xxgk

# Packages a crawl of a plain site into an archive at head has no use for.
NOT_FOR_A_PLAIN_CRAWL = ("playwright", "scrapy_playwright", "aiohttp", "alembic", "apprise", "apscheduler")


def test_every_command_is_where_the_table_says() -> None:
    found = {
        command.name: module
        for module in set(COMMAND_MODULES.values())
        for command in importlib.import_module(module).COMMANDS
    }
    assert found == COMMAND_MODULES
    assert sorted(main.list_commands(None)) == sorted(found)  # type: ignore[arg-type]


def test_a_group_finds_subcommands_registered_by_another_module() -> None:
    """`db reindex` and `db check` live in cli/search_commands.py: a fresh process (in this one that
    module may be imported already) must find them through `db` alone."""
    for args in (["db", "--help"], ["db", "check", "--help"], ["db", "reindex", "--help"]):
        ran = subprocess.run(
            [sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, cwd=ROOT
        )
        assert ran.returncode == 0, ran.stderr
    listed = subprocess.run([sys.executable, "-m", "cli.main", "db", "--help"], capture_output=True, text=True,
                            cwd=ROOT).stdout  # fmt: skip
    assert all(f"  {name} " in listed for name in ("check", "reindex", "upgrade")), listed


def test_help_lists_every_command() -> None:
    shown = xxgk("--help").stdout
    assert all(f"  {name} " in shown for name in COMMAND_MODULES), shown


def test_a_plain_crawl_imports_no_browser_scheduler_or_migration_tool(tmp_path, replica) -> None:
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    assert xxgk("db", "upgrade", "--database-url", database_url).returncode == 0
    ran = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cli.main", "crawl", "anshun_mzj", "--database-url",
         database_url, "--replica-url", replica.url, "--format", "json", *FAST],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in ran.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "scrapy" in imported  # the listing is what it says
    assert sorted(imported & set(NOT_FOR_A_PLAIN_CRAWL)) == []


def _exit_with_the_built_label_regexes() -> None:
    """In a process forked by the fork server: exit with how many label regexes are already built."""
    from crawler.extraction.labels import run_label_re

    sys.exit(run_label_re.cache_info().currsize)


def test_a_forked_crawl_is_born_with_the_parser_warmed() -> None:
    """The fork server's preload ends with `crawler.warmed`: every crawl it forks inherits the built
    label regex and the imported PDF reader and mojibake repair, instead of spending ~1 s of CPU on them
    (the fleet's hundred small crawls; every crawl of the suite)."""
    from crawler.preload import CRAWL_MODULES
    from tests.forked_cli import _fork_server

    assert CRAWL_MODULES[-1] == "crawler.warmed"
    child = _fork_server().Process(target=_exit_with_the_built_label_regexes)
    child.start()
    child.join(120)
    assert child.exitcode == 1


def _exit_with_the_unconfigured_mappers() -> None:
    """In a process forked by the fork server: exit with how many of the archive's mappers still wait
    for SQLAlchemy's configuration."""
    from archive.models import Base

    sys.exit(sum(not mapper.configured for mapper in Base.registry.mappers))


def test_a_forked_crawl_is_born_with_the_archive_mappers_configured() -> None:
    """SQLAlchemy configures the mappers at a process's first use of a model: 19 ms of every forked
    crawl, unless the fork server did it once (`crawler.warmed.configure_orm`)."""
    from tests.forked_cli import _fork_server

    child = _fork_server().Process(target=_exit_with_the_unconfigured_mappers)
    child.start()
    child.join(120)
    assert child.exitcode == 0
