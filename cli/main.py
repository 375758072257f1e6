"""Entry point of `xxgk`: the group and its subcommands, each defined in a small module.

The modules are imported when their command runs, not when `xxgk` starts: a crawl process (and each
parse worker, which imports the `__main__` of the process that spawned it) would otherwise import
every command's dependencies (the queries, the audit, the scheduler's notifiers, the web server) before
its first request. `xxgk --help` imports them all, for their one-line help.
"""

from __future__ import annotations

import importlib

import click

from cli.clock_option import as_of_option
from cli.errors import XxgkGroup

# Command name → the module that defines it (in the module's COMMANDS; tests/test_cli_startup.py checks
# that the two agree).
COMMAND_MODULES = {
    "audit": "cli.audit_commands",
    "coverage": "cli.archive_commands",
    "crawl": "cli.crawl_commands",
    "db": "cli.archive_commands",
    "demo": "cli.crawl_commands",
    "diff": "cli.diff_command",
    "discover": "cli.discover_command",
    "export": "cli.search_commands",
    "extract": "cli.extract_command",
    "failures": "cli.failures_command",
    "fleet": "cli.fleet_commands",
    "history": "cli.archive_commands",
    "import": "cli.import_command",
    "replica": "cli.replica_commands",
    "reports": "cli.reports_commands",
    "runs": "cli.archive_commands",
    "schedule": "cli.schedule_commands",
    "search": "cli.search_commands",
    "serve": "cli.serve_command",
    "show": "cli.archive_commands",
    "site": "cli.site_commands",
    "sites": "cli.crawl_commands",
    "worker": "cli.fleet_commands",
}


class LazyGroup(XxgkGroup):
    """A group whose subcommands are imported on first use (click's documented lazy-loading pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            module = importlib.import_module(COMMAND_MODULES[cmd_name])
            for command in module.COMMANDS:
                self.add_command(command)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xxgk-archive")
@as_of_option
def main() -> None:
    """Crawl, archive and query Chinese government-information-disclosure pages."""


if __name__ == "__main__":
    main()
