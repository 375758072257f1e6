"""`xxgk replica …`: serve the offline copy of the agencies' sites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

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
def serve(host: str, port: int, state_dir: Path, docs: int, seed: int, noise: bool) -> None:
    """Serve the replica; point crawls at it with XXGK_REPLICA_URL=http://HOST:PORT."""
    from replica.server import run

    run(host=host, port=port, state_dir=state_dir, docs=docs, seed=seed, noise=noise)


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
@click.option("--seed", type=int, default=0, show_default=True, help="Varies which documents are chosen.")
@fault_options
@state_option
@format_option(default="jsonl")
def change(site: str, publish: int, edit: int, withdraw: int, soft404: int, redirect_home: int, restore: int,
           move: int, seed: int, state_dir: Path, fmt: str, **layers: Any) -> None:  # fmt: skip
    """Change SITE the way real sites change between crawls; prints the change-log records.

    A running `replica serve` on the same --state picks the changes up without a restart."""
    from replica.changes import plan_changes

    counts = {
        "publish": publish,
        "edit": edit,
        "withdraw": withdraw,
        "soft404": soft404,
        "redirect_home": redirect_home,
        "restore": restore,
        "move": move,
    }
    if not any(counts.values()) and not layers_requested(layers):
        raise click.UsageError(
            "say what to change: --publish, --edit, --withdraw, --soft404, --redirect-home, --restore, --move, --fault, --heal"
            " or --noise"
        )
    host = _host(site)
    records = plan_layers(state_dir, host, layers, seed)
    if any(counts.values()):
        records += plan_changes(state_dir, host, counts, seed)
    emit(records, fmt)


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
