"""`xxgk extract` (DESIGN §7, issue 5 point 5): exactly the scored keys, `null` where the page is silent."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli.extract_command import SCORED_KEYS, extract

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
MANIFEST = {e["id"]: e for e in json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))}


def _run(*args: str) -> dict:
    result = CliRunner().invoke(extract, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_detail_prints_exactly_the_scored_keys():
    record = _run(str(CORPUS / "pages" / "004.html"))
    assert list(record) == list(SCORED_KEYS)
    labels = MANIFEST["004"]["labels"]
    assert record["page_type"] == "detail"
    assert record["issuer"] == labels["issuer"]
    assert record["written_date"] == labels["written_date_iso"]
    assert record["index_no"] is None and record["abolish_date"] is None


def test_list_adds_its_items():
    entry = MANIFEST["016"]
    record = _run(str(CORPUS / entry["file"]), "--url", "http://www.yzq.gov.cn/zwgk/zwdt/zwyw/")
    assert list(record) == [*SCORED_KEYS, "items"]
    assert len(record["items"]) == entry["labels"]["item_count"]
    assert record["items"][0]["url"] == "http://www.yzq.gov.cn/zwgk/zwdt/zwyw/201710/t20171020_398361.html"


def test_other_page_has_only_nulls():
    record = _run(str(CORPUS / "pages" / "019.html"))
    assert record["page_type"] == "other"
    assert all(record[k] is None for k in SCORED_KEYS if k not in ("page_type", "body"))
    assert record["body"] == ""


def test_all_flag_prints_every_parsed_field():
    record = _run(str(CORPUS / "pages" / "001.html"), "--all")
    assert {"tables", "attachments", "search_text", "encoding", "url_date"} <= set(record)


def test_saved_list_without_url_keeps_links_as_written():
    for page_id in ("016", "017"):
        entry = MANIFEST[page_id]
        record = _run(str(CORPUS / entry["file"]))
        assert record["items"][0]["url"] == entry["labels"]["first_item_url"]
        assert record["items"][0]["title"] == entry["labels"]["first_item_title"]
        assert record["items"][0]["date"] == entry["labels"]["first_item_date"]
