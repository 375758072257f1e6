"""`xxgk replica …`: serve the offline copy of the agencies' sites."""

from __future__ import annotations

from pathlib import Path

import click


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
def serve(host: str, port: int, state_dir: Path, docs: int, seed: int) -> None:
    """Serve the replica; point crawls at it with XXGK_REPLICA_URL=http://HOST:PORT."""
    from replica.server import run

    run(host=host, port=port, state_dir=state_dir, docs=docs, seed=seed)


COMMANDS = [replica]
