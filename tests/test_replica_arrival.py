"""The replica's request log stamps a request when it reached the machine, not when the replica read it.

The fleet's politeness tests count requests per host and second in that log; a replica that was
descheduled for a moment must not make requests that came apart look as if they came together.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from replica.process import start_replica


def test_a_request_that_waited_for_a_stopped_replica_is_logged_when_it_arrived(tmp_path: Path) -> None:
    log = tmp_path / "requests.log"
    with start_replica(tmp_path / "replica", docs=3, seed=1, request_log=log) as replica:
        port = int(replica.url.rsplit(":", 1)[1])
        with contextlib.suppress(urllib.error.HTTPError):  # any answer: the replica is serving
            urllib.request.urlopen(f"{replica.url}/", timeout=30).read()
        os.kill(replica.pid, signal.SIGSTOP)  # the replica holds no CPU: the request waits in the kernel
        try:
            answer: list[bytes] = []
            with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
                sent = time.time()
                conn.sendall(
                    b"GET /arrival-probe HTTP/1.1\r\nHost: smzj.anshun.gov.cn\r\nConnection: close\r\n\r\n"
                )
                reader = threading.Thread(target=lambda: answer.append(conn.recv(100)))
                reader.start()
                time.sleep(1.5)
                os.kill(replica.pid, signal.SIGCONT)
                reader.join(30)
        finally:
            os.kill(replica.pid, signal.SIGCONT)
    assert answer and answer[0].startswith(b"HTTP/1.1"), answer
    stamps = {
        path: float(stamp)
        for stamp, _host, path in (line.split(" ", 2) for line in log.read_text().splitlines())
    }
    assert abs(stamps["/arrival-probe"] - sent) < 0.5, stamps["/arrival-probe"] - sent  # not 1.5 s later
