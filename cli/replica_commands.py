"""`xxgk replica …`: serve the offline copy of the agencies' sites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.clock_option import as_of_option
from cli.output import emit, format_option
from cli.replica_layers import fault_options, layers_requested, plan_layers


@click.group("replica")
def replica() -> None:
    """The offline replica of the agencies' sites (for the demo, tests and benchmarks)."""


@replica.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8800, show_default=True)
@click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/replica"),
    show_default=True,
    help="Directory holding the replica's state.",
)
@click.option("--docs", type=click.IntRange(0), default=300, show_default=True, help="Generated documents.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--noise", is_flag=True, help="Noise mode on every site (see `replica change --noise`).")
@click.option(
    "--fleet",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Also serve N small generated agencies (several per platform host); see --sites-dir.",
)
@click.option(
    "--sites-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the fleet's site declarations here (put it on XXGK_SITES_DIRS to crawl them by name).",
)
@click.option(
    "--request-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append one `unix-time host path` line per request (politeness checks).",
)
@as_of_option
def serve(
    host: str,
    port: int,
    state_dir: Path,
    docs: int,
    seed: int,
    noise: bool,
    fleet: int,
    sites_dir: Path | None,
    request_log: Path | None,
) -> None:
    """Serve the replica; point crawls at it with XXGK_REPLICA_URL=http://HOST:PORT.

    With --as-of (or XXGK_CLOCK) the replica runs on simulated time from that moment: it serves what
    its sites had published by then (`xxgk replica clock` moves its clock while it runs)."""
    from replica.server import run

    if sites_dir is not None and not fleet:
        raise click.UsageError("--sites-dir writes the declarations of a --fleet; give --fleet N")
    run(host=host, port=port, state_dir=state_dir, docs=docs, seed=seed, noise=noise, fleet=fleet,
        sites_dir=sites_dir, request_log=request_log)  # fmt: skip


state_option = click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/replica"),
    show_default=True,
    help="The replica's state directory (as given to `replica serve`).",
)


def _host(site: str) -> str:
    """A site name (`anshun_mzj`) or a host (`smzj.anshun.gov.cn`)."""
    if "." in site:
        return site
    from crawler.runner import site_names, spider_loader

    if site not in site_names():
        raise click.BadParameter(f"unknown site {site!r}; `xxgk sites` lists them", param_hint="SITE")
    return spider_loader().load(site).hosts[0]


@replica.command("change")
@click.argument("site")
@click.option("--publish", type=click.IntRange(0), default=0, help="Publish N new documents (dated now).")
@click.option(
    "--edit",
    type=click.IntRange(0),
    default=0,
    help="Edit N documents (body, 有效性, 文号, title or attachment).",
)
@click.option("--withdraw", type=click.IntRange(0), default=0, help="Withdraw N documents (404 or 410).")
@click.option(
    "--soft404", type=click.IntRange(0), default=0, help="Make N documents answer 200 with a 页面不存在 page."
)
@click.option(
    "--redirect-home",
    type=click.IntRange(0),
    default=0,
    help="Withdraw N documents by redirecting them (302) to the site's home page.",
)
@click.option("--restore", type=click.IntRange(0), default=0, help="Bring back N withdrawn documents.")
@click.option(
    "--move",
    type=click.IntRange(0),
    default=0,
    help="Move N documents to a new URL and column (same 索引号).",
)
@click.option(
    "--edit-report",
    type=click.IntRange(0),
    default=0,
    help="Revise the numbers of N annual reports (the record names the year and the cells that change).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Varies which documents are chosen.")
@fault_options
@state_option
@as_of_option
@format_option(default="jsonl")
def change(site: str, publish: int, edit: int, withdraw: int, soft404: int, redirect_home: int, restore: int,
           move: int, edit_report: int, seed: int, state_dir: Path, fmt: str, **layers: Any) -> None:  # fmt: skip
    """Change SITE the way real sites change between crawls; prints the change-log records.

    A running `replica serve` on the same --state picks the changes up without a restart. Changes are
    dated now: by --as-of / XXGK_CLOCK when set, else by the replica's own clock, else real time."""
    from replica.changes import plan_changes

    counts = {
        "publish": publish,
        "edit": edit,
        "withdraw": withdraw,
        "soft404": soft404,
        "redirect_home": redirect_home,
        "restore": restore,
        "move": move,
        "edit_report": edit_report,
    }
    if not any(counts.values()) and not layers_requested(layers):
        raise click.UsageError(
            "say what to change: --publish, --edit, --edit-report, --withdraw, --soft404, --redirect-home, --restore, --move, --fault, --heal"
            ", --noise or --challenge"
        )
    host = _host(site)
    records = plan_layers(state_dir, host, layers, seed)
    if any(counts.values()):
        records += plan_changes(state_dir, host, counts, seed, at=_change_time(state_dir))
    emit(records, fmt)


def _change_time(state_dir: Path) -> Any:
    from archive import clock
    from replica.state import load_state

    if clock.simulated():
        return clock.now()
    state = load_state(state_dir)
    replica_clock = state.simulated_clock() if state else None
    return replica_clock.now() if replica_clock else None


@replica.command("clock")
@click.argument("moment", required=False)
@click.option("--real", is_flag=True, help="Back to real time.")
@state_option
def clock_command(moment: str | None, real: bool, state_dir: Path) -> None:
    """Show or set the replica's clock: MOMENT (ISO 8601, naive = China time) puts it on simulated time.

    A running `replica serve` on the same --state rebuilds: it then serves what its sites had published
    by MOMENT (pages dated later, changes logged for later are not there yet) and sends that `Date`."""
    from archive.clock import CHINA, ClockError, parse_moment
    from replica.state import load_state, set_clock

    if moment and real:
        raise click.UsageError("give a MOMENT or --real, not both")
    if moment or real:
        try:
            set_clock(state_dir, parse_moment(moment) if moment else None)
        except ClockError as exc:
            raise click.BadParameter(str(exc), param_hint="MOMENT") from None
    state = load_state(state_dir)
    replica_clock = state.simulated_clock() if state else None
    shown = replica_clock.now().astimezone(CHINA).isoformat(timespec="seconds") if replica_clock else None
    click.echo(f"replica clock: {shown or 'real time'}")


@replica.command("season")
@click.option("--year", type=click.IntRange(2019, 2100), required=True, help="The report year.")
@state_option
@format_option(default="jsonl")
def season(year: int, state_dir: Path, fmt: str) -> None:
    """Plant a reporting season: YEAR's annual reports appearing on chosen nights of the next year
    (on time, late, never, backdated, edited after publication) on every site, in the change log."""
    from replica.season import plant_season

    emit(plant_season(state_dir, year), fmt)


@replica.command("log")
@state_option
@format_option(default="jsonl")
def log(state_dir: Path, fmt: str) -> None:
    """Every change made to the replica, oldest first: the ground truth for a crawl."""
    from replica.changes import change_log

    emit(change_log(state_dir), fmt)


@replica.command("reset")
@state_option
def reset(state_dir: Path) -> None:
    """Undo every change (the sites return to their generated state)."""
    from replica.changes import reset as reset_changes

    click.echo(f"forgot {reset_changes(state_dir)} change(s)")


COMMANDS = [replica]
