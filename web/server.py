"""`xxgk serve`: the app and the captures' origin, two uvicorn servers in one process and one loop.

uvicorn is the ASGI server FastAPI's and Starlette's own documentation run; one event loop serves
both ports, and the archive's engine (its connection pool) is shared. A signal (Ctrl-C, SIGTERM)
stops both servers: each server's own signal capture would otherwise leave the other running.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator

import uvicorn

from archive.db import Archive
from web.app import create_app
from web.captures import create_capture_app
from web.control import Control

MAX_REQUEST_HEAD = 256 * 1024


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the process's handler below stops both
        yield


async def _serve(servers: list[_Server]) -> None:
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop)
    await asyncio.gather(*(server.serve() for server in servers))


def run(
    database_url: str | None,
    host: str,
    port: int,
    capture_port: int,
    column_kinds: dict[str, dict[str, str]] | None = None,
    token: str | None = None,
    control: Control | None = None,
) -> None:
    """Serve until interrupted; says on stderr where (and whether state changes are allowed)."""
    archive = Archive(database_url)
    # h11's default cap on a request head (16 KiB) would answer a long query with a bare 400 before the
    # app could say why; the app bounds every parameter itself (web.params).
    options = {"host": host, "log_level": "warning", "h11_max_incomplete_event_size": MAX_REQUEST_HEAD}
    configs = [
        uvicorn.Config(create_app(archive, capture_port, column_kinds, token, control), port=port, **options),
        uvicorn.Config(create_capture_app(archive), port=capture_port, **options),
    ]
    shown = f"[{host}]" if ":" in host else host
    print(f"xxgk serve: http://{shown}:{port}/ (archived pages from http://{shown}:{capture_port}/; "
          f"{'token configured: schedules and crawls may be changed' if control else 'read-only'}; "
          "Ctrl-C stops)", file=sys.stderr, flush=True)  # fmt: skip
    try:
        asyncio.run(_serve([_Server(config) for config in configs]))
    finally:
        archive.close()
