"""`xxgk search`, `xxgk export` and `xxgk db reindex` through the real command line, and exports read
back with pyarrow on both databases."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archive import export as exporter
from archive.search.filters import Filters
from tests.conftest import xxgk
from tests.search_data import build_archive
from tests.test_cli import assert_clean_error


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'archive.sqlite3'}"
    build_archive(url).close()
    return url


def ok(url: str, *args: str):  # type: ignore[no-untyped-def]
    result = xxgk(*args, "--database-url", url)
    assert result.returncode == 0, result.stderr
    return result


def test_search_in_every_format(sqlite_url: str) -> None:
    out = json.loads(ok(sqlite_url, "search", "低保", "--format", "json").stdout)
    assert out["total"] == 2 and out["ranked"]
    assert [hit["id"] for hit in out["hits"]] == [1, 2]
    assert "«低保»" in out["hits"][0]["snippet"]
    lines = ok(sqlite_url, "search", "養老", "--format", "jsonl").stdout.splitlines()
    assert {json.loads(line)["id"] for line in lines} == {2, 3}
    rows = list(csv.DictReader(ok(sqlite_url, "search", "殡葬", "--format", "csv").stdout.splitlines()))
    assert {row["id"] for row in rows} == {"4", "5"}
    table = ok(sqlite_url, "search", "婚姻登记", "--site", "jinzhong_mzj")
    assert "晋中市婚姻登记工作规范" in table.stdout
    assert "1 matching documents (best first)" in table.stderr


def test_search_filters_and_facets(sqlite_url: str) -> None:
    found = ok(sqlite_url, "search", "--doc-number", "晋市民发〔2024〕1号", "--format", "jsonl").stdout
    assert [json.loads(line)["id"] for line in found.splitlines()] == [6]
    versions = ok(sqlite_url, "search", "低保", "--all-versions", "--format", "json").stdout
    assert json.loads(versions)["total"] == 3
    withdrawn = ok(sqlite_url, "search", "--withdrawn", "--format", "jsonl").stdout
    assert [json.loads(line)["id"] for line in withdrawn.splitlines()] == [4]
    changed = ok(sqlite_url, "search", "--changed-between", "2024-04-01", "2024-05-31", "--format", "jsonl")
    assert [json.loads(line)["id"] for line in changed.stdout.splitlines()] == [2]
    facets = list(
        csv.DictReader(ok(sqlite_url, "search", "养老", "--facets", "--format", "csv").stdout.splitlines())
    )
    assert {(r["facet"], r["value"], r["count"]) for r in facets if r["facet"] == "site"} == {
        ("site", "anshun_mzj", "1"),
        ("site", "lianzhou_mzj", "1"),
    }
    # 养老: a2 (…工作方案), l1 (…的通知, in traditional characters)
    assert {(r["value"], r["count"]) for r in facets if r["facet"] == "kind"} == {
        ("方案", "1"),
        ("通知", "1"),
    }
    notices = ok(sqlite_url, "search", "--kind", "通知", "--format", "jsonl").stdout
    assert sorted(json.loads(line)["id"] for line in notices.splitlines()) == [1, 3]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (['"低保'], "unbalanced quotes"),
        (["--", "-低保"], "at least one term"),
        (["低保 -"], "empty term"),
        (["x", "--changed-between", "2024-02-01", "2024-01-01"], "range is empty"),
        (["x", "--doc-number", "〔〕"], "empty 文号"),
        (["x", "--kind", "新闻"], "unknown page kind '新闻'"),
        (["x", "--written-since", "2024-99-01"], "not a date"),
        (["x", "--limit", "0"], "--limit"),
        (["x", "--site", "anshun"], "unknown site 'anshun': the archive holds anshun_mzj, jinzhong_mzj"),
    ],
)
def test_malformed_query_or_filter_is_one_line(sqlite_url: str, args: list[str], needle: str) -> None:
    options = ["--database-url", sqlite_url]
    if "--" in args:  # options must come before the `--` that lets a query start with '-'
        args = options + args
        options = []
    result = xxgk("search", *args, *options)
    assert_clean_error(result, needle)
    assert "sqlite3" not in result.stderr and "SELECT" not in result.stderr


def test_a_site_crawled_but_not_yet_stored_is_an_empty_answer(sqlite_url: str, tmp_path: Path) -> None:
    """ankang_mzj is a site this installation crawls; the test archive has none of its documents."""
    out = json.loads(ok(sqlite_url, "search", "低保", "--site", "ankang_mzj", "--format", "json").stdout)
    assert out["total"] == 0
    typo = xxgk("export", "--site", "ankang", "--format", "jsonl", "--out", str(tmp_path / "x.jsonl"),
                "--database-url", sqlite_url)  # fmt: skip
    assert_clean_error(typo, "unknown site 'ankang'")
    assert not (tmp_path / "x.jsonl").exists()


def test_reindex(sqlite_url: str) -> None:
    assert "indexed 7 versions" in ok(sqlite_url, "db", "reindex").stdout
    assert json.loads(ok(sqlite_url, "search", "低保", "--format", "json").stdout)["total"] == 2


def test_exports_read_back(database_url: str, tmp_path: Path) -> None:
    archive = build_archive(database_url)
    archive.close()
    out = tmp_path / "docs.parquet"
    ok(database_url, "export", "--format", "parquet", "--out", str(out))
    table = pq.read_table(out)
    assert table.num_rows == 6
    schema = table.schema
    assert schema.field("document_id").type == pa.int64()
    assert schema.field("publish_date").type == pa.date32()
    assert schema.field("first_seen_at").type == pa.timestamp("us", tz="UTC")
    assert pa.types.is_list(schema.field("attachments").type)
    frame = table.to_pylist()
    first = next(r for r in frame if r["document_id"] == 1)
    assert first["publish_date"].isoformat() == "2023-03-02" and first["doc_number"] == "安市民发〔2023〕12号"
    assert first["attachments"][0]["name"] == "城乡低保对象花名册.xls"

    versions = tmp_path / "versions.jsonl"
    ok(database_url, "export", "--format", "jsonl", "--out", str(versions), "--all-versions")
    rows = [json.loads(line) for line in versions.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["document_id"], r["version"]) for r in rows)[:3] == [(1, 1), (2, 1), (2, 2)]
    assert len(rows) == 7

    chosen = tmp_path / "chosen.csv"
    ok(database_url, "export", "养老", "--format", "csv", "--out", str(chosen), "--site", "lianzhou_mzj")
    with chosen.open(encoding="utf-8-sig") as f:
        assert [r["title"] for r in csv.DictReader(f)] == ["連州市民政局關於養老機構安全管理的通知"]


def test_export_streams_in_batches(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are read and written a batch at a time: with batches of two, six documents make three
    Parquet row groups (the whole result is never held at once)."""
    from archive.db import Archive

    monkeypatch.setattr(exporter, "BATCH", 2)
    archive = Archive(sqlite_url)
    with archive.session() as s:
        count = exporter.export(s, "parquet", tmp_path / "x.parquet", "", Filters())
    assert count == 6
    assert pq.ParquetFile(tmp_path / "x.parquet").num_row_groups == 3
