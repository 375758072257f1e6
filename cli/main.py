"""Entry point of `xxgk`: the group and its subcommands, each defined in a small module."""

from __future__ import annotations

import click

from cli import (
    archive_commands,
    audit_commands,
    crawl_commands,
    diff_command,
    discover_command,
    extract_command,
    failures_command,
    fleet_commands,
    import_command,
    replica_commands,
    reports_commands,
    schedule_commands,
    search_commands,
    serve_command,
    site_commands,
)
from cli.clock_option import as_of_option
from cli.errors import XxgkGroup


@click.group(cls=XxgkGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xxgk-archive")
@as_of_option
def main() -> None:
    """Crawl, archive and query Chinese government-information-disclosure pages."""


for module in (
    archive_commands,
    audit_commands,
    crawl_commands,
    diff_command,
    discover_command,
    extract_command,
    failures_command,
    fleet_commands,
    import_command,
    replica_commands,
    reports_commands,
    schedule_commands,
    search_commands,
    serve_command,
    site_commands,
):
    for command in module.COMMANDS:
        main.add_command(command)

if __name__ == "__main__":
    main()
