"""Helpers for the web interface's tests: `xxgk serve` as a real process (forked), a canary, plain HTTP reads."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests import forked_cli
from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Canary:
    """An HTTP endpoint on 127.0.0.1 that records every request: planted script calls it if it runs."""

    url: str
    hits: list[str] = field(default_factory=list)


@contextmanager
def canary() -> Iterator[Canary]:
    found = Canary("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found.hits.append(self.path)
            self.send_response(200)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_POST = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.url = f"http://127.0.0.1:{server.server_address[1]}/canary"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Served:
    base: str  # the app's origin
    captures: str  # the archived pages' origin
    database_url: str


@contextmanager
def serve(database_url: str, as_of: str, options: Sequence[str] = ()) -> Iterator[Served]:
    """`xxgk --as-of AS_OF serve [OPTIONS]` in its own process (the real entry point), until the block
    ends."""
    port, capture_port = free_port(), free_port()
    # The server's output goes to files, not pipes: a chatty server must never block on a full pipe. It
    # is forked with the command line's modules imported, as the suite's crawls are (tests/forked_cli.py).
    with tempfile.TemporaryDirectory(prefix="xxgk-serve-") as tmp:
        out, log = Path(tmp, "stdout"), Path(tmp, "stderr")
        out.touch()
        log.touch()
        args = ["--as-of", as_of, "serve", "--port", str(port), "--capture-port", str(capture_port),
                "--database-url", database_url, *options]  # fmt: skip
        process = forked_cli.start(args, {**os.environ, "PYTHONPATH": str(ROOT)}, ROOT, out, log)
        try:
            _wait_for(process, log, (port, capture_port))
            yield Served(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{capture_port}", database_url)
        finally:
            process.terminate()  # SIGTERM: both servers stop
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for(process: forked_cli.ForkedProcess, log: Path, ports: tuple[int, ...]) -> None:
    deadline = time.monotonic() + 60
    for port in ports:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"xxgk serve ended: {log.read_text(errors='replace')[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


def get(url: str) -> Reply:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return Reply(
                response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
            )
    except urllib.error.HTTPError as e:
        return Reply(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 303 is the answer the test reads, not a page to follow


def request(url: str, method: str = "GET", data: dict[str, str] | None = None,
            headers: dict[str, str] | None = None) -> Reply:  # fmt: skip
    """Any method, a url-encoded form body, no redirect followed (a 303 comes back as itself)."""
    from urllib.parse import urlencode

    body = urlencode(data).encode() if data is not None else (b"" if method == "POST" else None)
    sent = (
        {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        if body is not None
        else headers
    )
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(
            urllib.request.Request(url, body, sent or {}, method=method), timeout=60
        ) as response:
            return Reply(
                response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
            )
    except urllib.error.HTTPError as e:
        return Reply(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())
