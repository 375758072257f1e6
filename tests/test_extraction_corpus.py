"""Regression: every labelled field of every corpus page, pinned (issue 5, point 7).

The corpus (`tests/fixtures/corpus`, a copy of the shared one) holds real pages of many government CMSs
with hand-labelled truth; each labelled field is one test, scored as the corpus README says, so a
change that breaks one field on one site names it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from urllib.parse import urljoin

import pytest

from bench.extraction import SCORED_FIELDS, body_score, expected_value, fold
from crawler.extraction import ParsedPage, parse_page

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
FALLBACK_URL = "http://example.gov.cn/page.html"
ENTRIES = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
DETAILS = [e for e in ENTRIES if e["page_type"] == "detail"]


def _url(entry: dict) -> str:
    url = (entry.get("original_url") or "").split(" ")[0]
    return url if url.startswith("http") else FALLBACK_URL


@cache
def parsed(page_id: str) -> ParsedPage:
    entry = next(e for e in ENTRIES if e["id"] == page_id)
    return parse_page((CORPUS / entry["file"]).read_bytes(), _url(entry))


@pytest.mark.parametrize(
    ("page_id", "name"),
    [(e["id"], name) for e in DETAILS for name in SCORED_FIELDS],
    ids=lambda v: str(v),
)
def test_labelled_field(page_id: str, name: str) -> None:
    labels = next(e for e in DETAILS if e["id"] == page_id)["labels"]
    assert fold(getattr(parsed(page_id), name)) == fold(expected_value(name, labels))


@pytest.mark.parametrize("entry", DETAILS, ids=lambda e: e["id"])
def test_body_first_and_last_sentence_no_chrome(entry: dict) -> None:
    labels = entry["labels"]
    page = parsed(entry["id"])
    assert page.page_type == "detail"
    score = body_score(
        labels["body_first_sentence"],
        labels["body_last_sentence"],
        labels.get("chrome_strings") or [],
        page.body,
    )
    assert score["first"], page.body[:200]
    assert score["last"], page.body[-200:]
    assert score["leaks"] == []
    assert "|" not in page.body  # tables as cell text, never markdown pipes
    assert page.search_text is not None


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["page_type"] == "list"], ids=lambda e: e["id"])
def test_list_page(entry: dict) -> None:
    labels, page = entry["labels"], parsed(entry["id"])
    assert page.page_type == "list"
    assert len(page.items) == labels["item_count"]
    first, last = page.items[0], page.items[-1]
    assert first["title"] == labels["first_item_title"]
    assert first["date"] == labels["first_item_date"]
    assert first["url"] == urljoin(_url(entry), labels["first_item_url"])
    assert last["title"] == labels["last_item_title"]
    assert last["date"] == labels["last_item_date"]
    assert page.body == ""


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["page_type"] == "other"], ids=lambda e: e["id"])
def test_other_page_is_empty(entry: dict) -> None:
    page = parsed(entry["id"])
    assert page.page_type == "other" and page.other_reason
    kind = entry["labels"].get("kind", "")
    if "WAF" in kind:
        assert page.other_reason == "waf_challenge"
    if "SPA" in kind:
        assert page.other_reason == "spa_shell"
    assert page.body == "" and page.search_text is None
    assert all(getattr(page, name) is None for name in SCORED_FIELDS)


def test_replica_sample_scores_like_the_corpus() -> None:
    """The replica's own pages, scored against its truth by the benchmark's code (generic, no hints)."""
    from bench.extraction import score_replica

    result = score_replica(seed=3, docs=60, per_host=20, soft404=2)
    ours = result["ours"]
    assert ours["fields_all_labels"] >= 0.97 and ours["fields_with_value"] >= 0.95, result["failures"]
    assert ours["body_accuracy"] >= 0.95 and ours["chrome_leaks"] == 0, result["failures"]
    assert ours["page_type_accuracy"] == 1.0, result["failures"]
