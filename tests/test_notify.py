"""Issue 19: notifications after scheduled runs, through Apprise to a local SMTP server (aiosmtpd) and a
local webhook; a failing notifier is logged and retried and never fails the crawl.

Real crawls of a small replica of our own (it is changed between runs), real mail, real HTTP.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from archive.audit.verdicts import Verdict
from replica.process import start_replica
from schedules import notify
from schedules.config import ScheduleConfigError, parse
from schedules.service import run_crawl_job
from tests.conftest import FAST, xxgk
from tests.web_server import free_port


@dataclass
class Mailbox:
    messages: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(envelope.content)
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(make_header(decode_header(message_from_bytes(m)["Subject"]))) for m in self.messages]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@dataclass
class Webhook:
    url: str
    bodies: list[dict] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)


@pytest.fixture
def flaky_webhook() -> Iterator[Webhook]:
    """Answers 500 to every first delivery of a message, then 200: only a retry gets it through."""
    hook = Webhook("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status = 200 if hook.answers and hook.answers[-1] == 500 else 500
            hook.answers.append(status)
            if status == 200:
                hook.bodies.append(body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"json://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


def test_runs_notify_mail_and_webhook_and_a_dead_notifier_never_fails_the_crawl(
    tmp_path: Path, mailbox: tuple[Mailbox, int], flaky_webhook: Webhook, caplog: pytest.LogCaptureFixture
) -> None:
    box, smtp_port = mailbox
    dead = f"json://127.0.0.1:{free_port()}/nobody"
    config = {"urls": [f"mailto://127.0.0.1:{smtp_port}?from=xxgk@localhost&to=audit@localhost&mode=insecure",
                       flaky_webhook.url, dead], "retries": 2, "retry_seconds": 0.05}  # fmt: skip
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    state = tmp_path / "replica"
    caplog.set_level(logging.INFO, logger="schedules")
    with start_replica(state, docs=6, seed=4) as replica:
        crawl = ["--replica-url", replica.url, *FAST, "-s", "XXGK_PARSE_PROCESSES=0"]

        def run() -> int:
            return run_crawl_job("anshun_mzj", "full", database_url, crawl, notify=config)

        assert run() in (0, 3)  # the first run: every document is new
        total = json.loads(xxgk("search", "--site", "anshun_mzj", "--limit", "1000", "--database-url",
                                database_url, "--format", "json").stdout)["total"]  # fmt: skip
        assert box.subjects() == [
            f"xxgk: anshun_mzj full crawl finished: {total} new, 0 changed, 0 withdrawn"
        ]
        assert flaky_webhook.answers == [500, 200]  # retried once, then delivered
        assert flaky_webhook.bodies[0]["title"] == box.subjects()[0]
        assert flaky_webhook.bodies[0]["message"].count("\n- ") == min(total, notify.LISTED)
        assert "failed after 3 attempts" in caplog.text  # the dead URL: tried, retried, logged

        assert run() in (0, 3)  # nothing changed on the site: nothing to tell
        assert len(box.messages) == 1 and len(flaky_webhook.bodies) == 1

        changes = xxgk("replica", "change", "anshun_mzj", "--withdraw", "1", "--edit", "1", "--state",
                       str(state), "--format", "json")  # fmt: skip
        assert changes.returncode == 0, changes.stderr
        assert run() in (0, 3)
        assert box.subjects()[-1] == "xxgk: anshun_mzj full crawl finished: 0 new, 1 changed, 1 withdrawn"
        body = flaky_webhook.bodies[-1]["message"]
        withdrawn = next(c for c in json.loads(changes.stdout) if c["op"] == "withdraw")
        assert "撤下 Withdrawn (1):" in body and withdrawn["url"] in body


def _verdict(kind: str, year: int, verdict: str, days_late: int | None = None) -> Verdict:
    return Verdict(
        "anshun_mzj", kind, year, verdict, days_late, "2027-01-31", "rule", "verified", None, "n", None
    )


def test_only_verdicts_that_turned_late_or_missing_are_news() -> None:
    earlier = {
        ("disclosure", 2026): "unknown",
        ("rule_of_law", 2026): "late",
        ("disclosure", 2025): "on_time",
    }
    after = {
        ("disclosure", 2026): _verdict("disclosure", 2026, "missing"),
        ("rule_of_law", 2026): _verdict("rule_of_law", 2026, "late", 3),  # late already: not news
        ("disclosure", 2025): _verdict("disclosure", 2025, "on_time"),
    }
    assert [(v.kind, v.year) for v in notify.turned_bad(earlier, after)] == [("disclosure", 2026)]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[notify]\nurls = []", "urls: a list of Apprise URLs"),
        ('[notify]\nurls = ["nonsense"]', "urls: a list of Apprise URLs"),
        ('[notify]\nurls = ["json://127.0.0.1/x"]\nretries = -1', "retries: a whole number"),
        ('[notify]\nurls = ["json://127.0.0.1/x"]\nwho = 1', "unknown key 'who'"),
    ],
)
def test_bad_notify_tables_are_refused_with_the_reason(toml: str, message: str) -> None:
    with pytest.raises(ScheduleConfigError, match=message):
        parse(toml, "schedule.toml", ["anshun_mzj"])
    good = parse('[notify]\nurls = ["json://127.0.0.1/x"]', "schedule.toml", ["anshun_mzj"])
    assert good.notify == notify.NotifyConfig(("json://127.0.0.1/x",), 3, 5.0)
