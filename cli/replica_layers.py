"""The `xxgk replica change` options for the replica's layers: fault injection, noise mode, challenges.

Kept apart from the content changes (`--publish`, `--edit`, …) because they act on any site of any
platform (replica/faults.py, replica/noise.py) and are recorded in the same change log.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from replica.faults import KINDS


def _fault_spec(value: str) -> tuple[str, int]:
    kind, _, count = value.partition(":")
    if kind not in KINDS:
        raise click.BadParameter(f"unknown fault {kind!r}; one of {', '.join(KINDS)}", param_hint="--fault")
    if count and not count.isdigit():
        raise click.BadParameter(f"{value!r}: the count after ':' must be a number", param_hint="--fault")
    return kind, int(count or 1)


def fault_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--fault",
            "faults",
            multiple=True,
            metavar="KIND[:N]",
            help=f"Make N documents (default 1) fail this way (repeatable). KIND: {', '.join(KINDS)}.",
        ),
        click.option(
            "--fault-url",
            "fault_urls",
            multiple=True,
            metavar="URL",
            help="Fault these pages (any URL of the site, list pages too) instead of chosen documents.",
        ),
        click.option(
            "--fault-times",
            type=click.IntRange(0),
            default=0,
            show_default=True,
            help="Fetches that fail before the page recovers (0: every fetch until --heal).",
        ),
        click.option("--retry-after", type=click.IntRange(0), help="Retry-After seconds of 5xx faults (1)."),
        click.option("--fault-seconds", type=float, help="How long a slow drip lasts (3)."),
        click.option("--fault-bytes", type=click.IntRange(1), help="Size of an oversized page (11 MiB)."),
        click.option(
            "--fault-undeclared",
            is_flag=True,
            help="An oversized page is streamed without Content-Length (the cap must cut it mid-body).",
        ),
        click.option("--heal", is_flag=True, help="Remove every fault of SITE (before any new ones)."),
        click.option(
            "--challenge",
            "challenges",
            multiple=True,
            metavar="PREFIX",
            help="Put SITE's pages under PREFIX (/ for all) behind the 412 JavaScript challenge (repeatable).",
        ),
        click.option(
            "--challenge-clearance",
            type=click.Choice(["script", "server"]),
            default="script",
            show_default=True,
            help="Who sets the challenge's cookie: the page's script (then reloads), or the server on the "
            "script's answer.",
        ),
        click.option(
            "--noise",
            type=click.Choice(["on", "off"]),
            help="Noise mode: vary counters, date banners, tokens, links, ads, markup on every fetch.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def layers_requested(layers: dict[str, Any]) -> bool:
    return bool(layers["faults"] or layers["heal"] or layers["noise"] or layers["challenges"])


def plan_layers(state_dir: Path, host: str, layers: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """Record --heal, --noise, --challenge and --fault (in that order); returns the change-log records."""
    from replica.challenge import plan_challenge
    from replica.faults import heal, plan_faults
    from replica.noise import plan_noise

    records: list[dict[str, Any]] = []
    if layers["heal"]:
        records.append(heal(state_dir, host))
    if layers["noise"]:
        records.append(plan_noise(state_dir, host, layers["noise"] == "on"))
    for prefix in layers["challenges"]:
        try:
            records.append(plan_challenge(state_dir, host, prefix, clearance=layers["challenge_clearance"]))
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--challenge") from None
    if layers["fault_urls"] and len(layers["faults"]) != 1:
        raise click.UsageError("--fault-url needs exactly one --fault KIND")
    if layers["faults"]:
        kinds = [_fault_spec(v) for v in layers["faults"]]
        params = {
            "retry_after": layers["retry_after"],
            "seconds": layers["fault_seconds"],
            "bytes": layers["fault_bytes"],
            "declared": False if layers["fault_undeclared"] else None,
        }
        records += plan_faults(
            state_dir, host, kinds, list(layers["fault_urls"]), layers["fault_times"], params, seed
        )
    return records
