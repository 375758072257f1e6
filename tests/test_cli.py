"""User mistakes give one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import json

import pytest

from archive.db import Archive
from archive.migrate import head_revision
from tests.conftest import run_xxgk, xxgk


def assert_clean_error(result, *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "an error must say something"
    for needle in needles:
        assert needle in result.stderr, result.stderr


def test_sites_lists_anshun_in_every_format():
    rows = {r["site"]: r for r in json.loads(xxgk("sites", "--format", "json").stdout)}
    assert rows["anshun_mzj"]["agency"] == "安顺市民政局"
    assert rows["anshun_mzj"]["platform"] == "trs_wcm"
    assert rows["anshun_mzj"]["hosts"] == "smzj.anshun.gov.cn"
    csv_out = xxgk("sites", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("site,agency")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["crawl", "no_such_site"], "unknown site"),
        (["crawl"], "at least one site"),
        (["search", "x", "--since", "2024-13-01"], "not a date"),
        (["show", "999999"], "no document"),
        (["extract", "/no/such/file.html"], "neither a file"),
        (["extract", "x.html", "--site", "nope"], "unknown site"),
        (["search", "x", "--format", "xml"], "xml"),
    ],
)
def test_user_mistakes(tmp_path, args, needle):
    result = xxgk(*args, env={"XXGK_DATABASE_URL": f"sqlite:///{tmp_path}/a.sqlite3"})
    assert_clean_error(result, needle)


def test_bad_database_url_is_one_line(tmp_path):
    """Through the installed entry point in a process of its own, like the crawls: the real exit path."""
    assert_clean_error(
        run_xxgk("search", "x", env={"XXGK_DATABASE_URL": "mysql://nope"}, fresh=True),
        "unsupported database URL",
    )
    unreachable = "postgresql://nobody@127.0.0.1:1/none"
    assert_clean_error(
        run_xxgk("search", "x", env={"XXGK_DATABASE_URL": unreachable}, fresh=True), "cannot use the database"
    )


def test_bad_replica_url(tmp_path):
    result = run_xxgk(
        "crawl",
        "anshun_mzj",
        "--replica-url",
        "localhost:99",
        env={"XXGK_DATABASE_URL": f"sqlite:///{tmp_path}/a.sqlite3"},
    )
    assert_clean_error(result, "XXGK_REPLICA_URL must look like")


def test_db_upgrade_then_nothing_to_do(tmp_path):
    env = {"XXGK_DATABASE_URL": f"sqlite:///{tmp_path}/a.sqlite3"}
    head = head_revision(Archive(f"sqlite:///{tmp_path}/b.sqlite3", migrate=False).engine)
    first = xxgk("db", "upgrade", env=env)
    assert first.returncode == 0 and f"upgraded revision {head}" in first.stdout
    assert f"already at revision {head}" in xxgk("db", "upgrade", env=env).stdout
