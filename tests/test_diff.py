"""Diffs and as-of reads over versions the store really made, through the real command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from archive.db import Archive
from archive.diff import body_changes, char_segments
from archive.records import FetchedPage
from archive.store import VersionStore
from crawler.extraction import parse_page
from crawler.pipelines.extract import page_content
from tests.conftest import xxgk
from tests.pages import BODY, URL, page_html

T0 = datetime(2024, 1, 1, 2, 0, tzinfo=UTC)


def record(store: VersionStore, html: bytes, at: datetime) -> str:
    page = FetchedPage(
        site="anshun_mzj",
        url=URL,
        fetched_at=at,
        http_status=200,
        headers={},
        body=html,
        content=page_content(parse_page(html, URL)),
    )
    return store.record(page).kind


def two_versions(database_url: str) -> None:
    store = VersionStore(Archive(database_url))
    assert record(store, page_html(BODY, 1), T0) == "new_version"
    edited = BODY.replace("切实保障老年人合法权益", "切实保障特困老年人合法权益").replace(
        "二、完善居家社区养老服务网络。\n", ""
    )
    edited += "\n三、本通知自印发之日起施行。"
    later = page_html(edited, 2, title="安顺市民政局关于做好养老服务工作的通知（修订）")
    assert record(store, later, T0 + timedelta(days=3)) == "new_version"
    store.archive.close()


def test_character_marks_inside_a_changed_chinese_line() -> None:
    segments = char_segments("切实保障老年人合法权益", "切实保障特困老年人合法权益")
    assert [(s.op, s.text) for s in segments] == [
        ("equal", "切实保障"),
        ("insert", "特困"),
        ("equal", "老年人合法权益"),
    ]


def test_paragraphs_are_aligned_before_characters_are_compared() -> None:
    inserted = body_changes(
        "一、总则。\n二、职责分工。\n三、附则。", "一、总则。\n二、职责分工。\n新增一段。\n三、附则。"
    )
    assert [(c.op, c.old, c.new) for c in inserted] == [("insert", None, "新增一段。")]
    rewritten = body_changes("甲段。\n乙段。", "甲段。\n乙段有改。\n丁段。")
    assert [(c.op, c.old, c.new) for c in rewritten] == [
        ("replace", "乙段。", "乙段有改。"),
        ("insert", None, "丁段。"),
    ]
    assert [(s.op, s.text) for s in rewritten[0].segments] == [
        ("equal", "乙段"),
        ("insert", "有改"),
        ("equal", "。"),
    ]


def test_diff_cli_metadata_first_then_body(database_url: str) -> None:
    two_versions(database_url)
    out = xxgk("diff", URL, "--database-url", database_url)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert text.index("metadata:") < text.index("body (")
    assert (
        "title: 安顺市民政局关于做好养老服务工作的通知 → 安顺市民政局关于做好养老服务工作的通知（修订）"
        in text
    )
    assert "切实保障{+特困+}老年人合法权益" in text  # a pipe gets plain marks, no colour codes
    assert "- [-二、完善居家社区养老服务网络。-]" in text
    assert "+ {+三、本通知自印发之日起施行。+}" in text

    as_json = json.loads(
        xxgk("diff", URL, "1", "2", "--format", "json", "--database-url", database_url).stdout
    )
    assert as_json["old_version"] == 1 and as_json["new_version"] == 2
    assert [f["field"] for f in as_json["fields"]] == ["title"]
    assert {p["op"] for p in as_json["body"]} == {"replace", "delete", "insert"}

    same = xxgk("diff", URL, "2", "2", "--database-url", database_url)
    assert "no differences" in same.stdout


def test_show_as_of_picks_the_version_held_then(database_url: str) -> None:
    two_versions(database_url)

    def shown(when: str) -> int:
        out = xxgk("show", URL, "--as-of", when, "--format", "json", "--database-url", database_url)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)["version"]

    assert shown("2024-01-01") == 1  # end of 1 Jan in China, after the first capture at 10:00 CST
    assert shown("2024-01-03") == 1
    assert shown("2024-01-04") == 2
    assert shown("2024-01-04T09:59") == 1  # the edit was captured at 10:00 CST
    too_early = xxgk("show", URL, "--as-of", "2023-12-31", "--database-url", database_url)
    assert too_early.returncode != 0 and "had not been captured by" in too_early.stderr
    assert "Traceback" not in too_early.stderr


def test_diff_user_mistakes(database_url: str) -> None:
    two_versions(database_url)
    one = xxgk("diff", URL, "1", "--database-url", database_url)
    assert one.returncode == 2 and "two version numbers" in one.stderr
    missing = xxgk("diff", URL, "1", "9", "--database-url", database_url)
    assert missing.returncode != 0 and "has no version 9" in missing.stderr
    assert "Traceback" not in missing.stderr
