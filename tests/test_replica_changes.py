"""`xxgk replica change`: a deterministic change log, served without a restart, and clear refusals."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from replica.process import start_replica
from tests.conftest import xxgk


def fetch(replica_url: str, url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": replica_url}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_changes_are_logged_replayed_and_served(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with start_replica(state, docs=20, seed=1) as replica:
        out = xxgk("replica", "change", "anshun_mzj", "--publish=1", "--edit=2", "--withdraw=1", "--soft404=1",
                   "--state", str(state), "--format", "json")  # fmt: skip
        assert out.returncode == 0, out.stderr
        records = json.loads(out.stdout)
        assert [r["op"] for r in records] == ["publish", "edit", "edit", "withdraw", "soft404"]
        by_op = {r["op"]: r for r in records}
        status, page = fetch(replica.url, by_op["publish"]["url"])  # served at once, no restart
        assert status == 200 and "发布时间" in page
        assert fetch(replica.url, by_op["withdraw"]["url"])[0] == by_op["withdraw"]["status"]
        status, page = fetch(replica.url, by_op["soft404"]["url"])
        assert status == 200 and "页面不存在" in page  # a soft 404
        log = json.loads(xxgk("replica", "log", "--state", str(state), "--format", "json").stdout)
        assert log == records

        reset = xxgk("replica", "reset", "--state", str(state))
        assert "forgot 5 change(s)" in reset.stdout
        assert fetch(replica.url, by_op["withdraw"]["url"])[0] == 200  # back as generated
    # The same seed and log length choose the same targets.
    again = tmp_path / "again"
    with start_replica(again, docs=20, seed=1):
        second = xxgk("replica", "change", "anshun_mzj", "--publish=1", "--edit=2", "--withdraw=1", "--soft404=1",
                      "--state", str(again), "--format", "json")  # fmt: skip
    assert [(r["op"], r["url"]) for r in json.loads(second.stdout)] == [(r["op"], r["url"]) for r in records]


def test_change_refusals(tmp_path: Path) -> None:
    nothing = xxgk("replica", "change", "anshun_mzj", "--state", str(tmp_path))
    assert nothing.returncode == 2 and "say what to change" in nothing.stderr
    no_state = xxgk("replica", "change", "anshun_mzj", "--edit=1", "--state", str(tmp_path / "none"))
    assert no_state.returncode == 1 and "start `xxgk replica serve` first" in no_state.stderr
    unknown = xxgk("replica", "change", "nowhere_mzj", "--edit=1", "--state", str(tmp_path))
    assert unknown.returncode == 2 and "unknown site" in unknown.stderr
