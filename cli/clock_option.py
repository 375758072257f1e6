"""`--as-of MOMENT` (or XXGK_CLOCK): run a command "on" another moment (see `archive.clock`).

One option for the `xxgk` group and the commands that record or serve times (crawl, replica serve
and change), so `xxgk --as-of 2027-01-05T02:00+08:00 crawl --all` and `xxgk crawl --as-of … --all`
mean the same. Absent, everything runs on real time, exactly as without the option.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from archive import clock


def _use(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value:
        try:
            clock.use(value)
        except clock.ClockError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    return value


def as_of_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as-of",
        envvar=clock.ENV,
        expose_value=False,
        is_eager=True,
        callback=_use,
        metavar="MOMENT",
        help="Simulated time: ISO 8601 moment the clock starts at (naive = China time); env XXGK_CLOCK.",
    )(command)
