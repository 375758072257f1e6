"""`xxgk crawl --column URL…`: a site crawled from its column URLs alone, with no declaration, gets what
a declared site gets (issue 20): every document of the columns with its versions, edits as new
versions, withdrawals, moves and soft-404s detected, and nothing off the columns' host.

安顺's columns are given by URL and crawled as an undeclared site (named after the host); the archive
must then equal what the change log implies for the site, night after night, as for its declaration.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from crawler.runner import spider_loader
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk, xxgk
from tests.histories import archived, expected

DOCS, SEED = 24, 5
SITE = "smzj_anshun_gov_cn"  # the name a column crawl gives the site by default: its host


def _columns() -> list[str]:
    spider = spider_loader().load("anshun_mzj")
    return [spider.base_url + column for column in spider.columns]


def _crawl(replica_url: str, database_url: str, *extra: str) -> dict:
    columns = [arg for url in _columns() for arg in ("--column", url)]
    ran = run_xxgk(
        "crawl", *columns, "--database-url", database_url, "--replica-url", replica_url,
        "--format", "json", *FAST, *extra,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    (row,) = json.loads(ran.stdout)
    return row


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("columns")
    database_url = f"sqlite:///{tmp / 'archive.sqlite3'}"
    state = tmp / "replica"
    log = tmp / "requests.log"
    with start_replica(state, docs=DOCS, seed=SEED, request_log=log) as replica:
        first = _crawl(replica.url, database_url)
        first_asked = Counter(line.split(" ", 2)[2] for line in log.read_text().splitlines())
        after_first = archived(database_url, SITE)
        changed = xxgk(
            "replica", "change", "smzj.anshun.gov.cn", "--publish", "1", "--edit", "2", "--withdraw", "1",
            "--soft404", "1", "--move", "1", "--seed", "4", "--state", str(state), "--format", "jsonl",
        )  # fmt: skip
        assert changed.returncode == 0, changed.stderr
        log = [json.loads(line) for line in changed.stdout.splitlines()]
        second = _crawl(replica.url, database_url)
        again = _crawl(replica.url, database_url, "--mode", "incremental")
    return {
        "first": first, "after_first": after_first, "log": log, "second": second, "again": again,
        "after_second": archived(database_url, SITE), "first_asked": first_asked,
    }  # fmt: skip


def test_the_first_crawl_archives_every_document_of_the_columns(two_nights: dict) -> None:
    assert two_nights["first"]["site"] == SITE and two_nights["first"]["errors"] == 0
    assert two_nights["after_first"] == expected("anshun_mzj", [], docs=DOCS, seed=SEED)
    # A one-page column's detail that showed its chrome is archived from that answer, not asked again.
    twice = {path: n for path, n in two_nights["first_asked"].items() if n > 1 and path.endswith(".html")}
    assert twice == {}


def test_edits_withdrawals_moves_and_soft_404s_are_found_as_for_a_declared_site(two_nights: dict) -> None:
    assert {r["op"] for r in two_nights["log"]} == {"publish", "edit", "withdraw", "soft404", "move"}
    assert two_nights["after_second"] == expected("anshun_mzj", two_nights["log"], docs=DOCS, seed=SEED)


def test_an_incremental_crawl_after_a_full_one_finds_nothing_new(two_nights: dict) -> None:
    again = two_nights["again"]
    assert (again["new_versions"], again["withdrawn"], again["errors"]) == (0, 0, 0)
    # Each column's first page and the page that tells its list from chrome, and tonight's revisits:
    # fewer pages than the full crawl, which fetched every document.
    assert again["pages"] < two_nights["second"]["pages"]


def test_bad_column_arguments_are_clear_errors(tmp_path: Path) -> None:
    ran = xxgk("crawl", "--column", "ftp://x/y", "--database-url", f"sqlite:///{tmp_path / 'a.sqlite3'}")
    assert ran.returncode == 2 and "not an http(s) URL" in ran.stderr
    ran = xxgk("crawl", "anshun_mzj", "--column", "http://smzj.anshun.gov.cn/gzdt/tzgg/")
    assert ran.returncode == 2 and "give no SITE" in ran.stderr
    ran = xxgk("crawl", "--column", "http://example.org/list/", "--site", "anshun_mzj")
    assert ran.returncode == 2 and "is not a host of anshun_mzj" in ran.stderr


def test_a_column_crawl_into_postgresql_archives_every_document(tmp_path: Path, postgres) -> None:
    """The same first crawl on PostgreSQL: a column crawl stores through the one store both databases
    share, and must give the same archive."""
    database_url = postgres.create_database(f"columns_{os.getpid()}")
    with start_replica(tmp_path / "replica", docs=DOCS, seed=SEED) as replica:
        first = _crawl(replica.url, database_url)
    assert first["site"] == SITE and first["errors"] == 0
    assert archived(database_url, SITE) == expected("anshun_mzj", [], docs=DOCS, seed=SEED)


def test_site_add_writes_a_declaration_that_sites_and_crawl_pick_up(tmp_path: Path, replica) -> None:
    sites = tmp_path / "sites"
    env = {"XXGK_REPLICA_URL": replica.url, "XXGK_SITES_DIRS": str(sites)}
    columns = ["https://mzj.ankang.gov.cn/Node-5911.html", "https://mzj.ankang.gov.cn/Node-5961.html"]
    added = run_xxgk("site", "add", *columns, "--name", "ankang_columns", env=env)
    assert added.returncode == 0, added.stderr
    declaration = (sites / "ankang_columns.toml").read_text(encoding="utf-8")
    assert 'agency = "安康市民政局"' in declaration  # read from the column pages' titles
    assert 'platform = "discovered"' in declaration and all(f'"{url}"' in declaration for url in columns)
    listed = xxgk("sites", "--format", "json", env=env)
    row = next(r for r in json.loads(listed.stdout) if r["site"] == "ankang_columns")
    assert (row["platform"], row["columns"]) == ("discovered", 2)
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    crawled = run_xxgk(
        "crawl", "ankang_columns", "--database-url", database_url, "--format", "json", *FAST, env=env
    )
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    from replica.core import build

    catalog = build(1, 60).catalogs["mzj.ankang.gov.cn"]  # the session replica's docs and seed
    listed_docs = {d.url for path in ("/Node-5911.html", "/Node-5961.html") for d in catalog.by_column[path]}
    versions = archived(database_url, "ankang_columns")[0]
    assert {url.replace("https://", "http://") for url in versions} == {
        u.replace("https://", "http://") for u in listed_docs
    }
    again = run_xxgk("site", "add", *columns, "--name", "ankang_columns", env=env)
    assert again.returncode == 2 and "exists" in again.stderr


def test_a_declaration_with_a_wrong_field_names_the_file_and_the_field(tmp_path: Path) -> None:
    (tmp_path / "typo.toml").write_text(
        'name = "typo_site"\nagency = "某局"\nplatform = "trs_wcm"\nbase_url = "http://x.gov.cn"\n'
        'hosts = ["x.gov.cn"]\ncolums = ["/a/"]\n',
        encoding="utf-8",
    )
    ran = xxgk("sites", env={"XXGK_SITES_DIRS": str(tmp_path)})
    assert ran.returncode == 1
    assert f"{tmp_path / 'typo.toml'}: 'colums' is not a field of platform trs_wcm" in ran.stderr
