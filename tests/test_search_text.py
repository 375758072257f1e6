"""Normalised text for search (issue 5, point 4): one normaliser, stored beside the published body.

The body stays as published; `versions.search_text` holds it with mojibake repaired, inline pinyin
removed, widths folded and traditional characters simplified, and `versions.charset` the codec the
page was read with (a declared gb2312/gbk read as GB18030).
"""

from __future__ import annotations

import operator
import re
import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select

from archive import text as text_module
from archive.db import Archive
from archive.models import Version
from archive.records import FetchedPage
from archive.search import sqlite_fts
from archive.store import VersionStore
from archive.text import fold, is_pinyin_syllable, nfkc, normalize_text, repair_mojibake, strip_pinyin
from crawler.extraction import decode_html, parse_page
from crawler.pipelines.extract import page_content
from tests.pages import BODY, URL, page_html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("根據(jù)《條例》", "根据《条例》"),  # pinyin annotation gone, traditional → simplified
        ("關於(guān)印發", "关于印发"),
        ("安(ān)全", "安全"),
        ("的(de)", "的"),
        ("２０２２年１月７日", "2022年1月7日"),  # full-width digits folded
        ("ＡＢＣ：　测试", "ABC: 测试"),
        ("政府信息公开".encode().decode("latin-1"), "政府信息公开"),  # UTF-8 read as Latin-1
        ("世界贸易组织(WTO)", "世界贸易组织(WTO)"),  # not pinyin: kept
        ("办法(试行)", "办法(试行)"),
        ("条例(2021年修订)", "条例(2021年修订)"),
        ("公司(app)", "公司(app)"),
        ("政府信息公开", "政府信息公开"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected


def test_pinyin_syllables():
    assert all(is_pinyin_syllable(s) for s in ("jù", "zhōng", "lǜ", "nv", "er", "shuang", "a"))
    assert not any(is_pinyin_syllable(s) for s in ("app", "wto", "xyz", "zhongguo", "ing"))
    assert strip_pinyin("English(jù)") == "English(jù)"  # only after a Han character


def test_audit_uses_the_same_normaliser():
    for text in ("根據(jù)《條例》", "２０２２年度報告", "政府信息公开".encode().decode("latin-1")):
        assert fold(text) == normalize_text(text)


def test_parser_gives_search_text_for_details_only():
    page = parse_page(page_html(BODY, 1), URL)
    assert page.page_type == "detail" and page.search_text == normalize_text(page.body)
    challenge = parse_page(b"<html><script>document.cookie='a=1';location.reload()</script></html>", URL)
    assert challenge.page_type == "other" and challenge.search_text is None


def _traditional_gbk_page() -> bytes:
    html = page_html(BODY.replace("各县区民政局", "各縣區民政局（根據(jù)規定）"), 1).decode("utf-8")
    # Declared gb2312 but holding a character only GBK/GB18030 has (镕).
    return (
        html.replace('charset="utf-8"', 'charset="gb2312"')
        .replace("安全管理", "安全管理镕")
        .encode("gb18030")
    )


def _fetched(body: bytes, at: datetime, status: int = 200) -> FetchedPage:
    return FetchedPage(
        site="anshun_mzj",
        url=URL,
        fetched_at=at,
        http_status=status,
        headers={},
        body=body,
        content=page_content(parse_page(body, URL)),
    )


def test_version_keeps_published_body_and_stores_search_text_and_charset(database_url: str) -> None:
    archive = Archive(database_url)
    columns = {c["name"] for c in inspect(archive.engine).get_columns("versions")}
    assert {"search_text", "charset"} <= columns  # migration 0003
    store = VersionStore(archive)
    assert (
        store.record(_fetched(_traditional_gbk_page(), datetime(2024, 1, 1, tzinfo=UTC))).kind
        == "new_version"
    )
    with archive.session() as s:
        version = s.scalars(select(Version)).one()
        assert version.charset == "gb18030"
        assert "各縣區民政局（根據(jù)規定）" in version.body  # as published
        assert "镕" in version.body
        assert "各县区民政局(根据规定)" in version.search_text
        assert version.search_text == normalize_text(version.body)
    archive.close()


@pytest.mark.parametrize(
    "html",
    [
        b"<html><head><script>document.cookie='__jsl_clearance=1';location.reload()</script></head></html>",
        b"<html><body><div id='app'>{{a.b}} {{a.c}} {{a.d}}</div><script src='/app.js'></script></body></html>",
        "<html><body><h1>提示</h1><p>您访问的页面不存在或信息已删除</p></body></html>".encode(),
        b"<html><head><meta http-equiv='refresh' content='0;url=/'></head><body></body></html>",
    ],
    ids=["waf-challenge", "spa-shell", "soft-404", "redirect-home"],
)
def test_other_pages_never_become_versions(database_url: str, html: bytes) -> None:
    archive = Archive(database_url)
    store = VersionStore(archive)
    outcome = store.record(_fetched(html, datetime(2024, 1, 1, tzinfo=UTC)))
    assert outcome.kind == "not_document"
    with archive.session() as s:
        assert s.scalars(select(Version)).first() is None
    archive.close()


def test_declared_gbk_page_that_is_really_utf8_is_read_as_utf8():
    html = page_html(BODY, 1).decode("utf-8").replace('charset="utf-8"', 'charset="gbk"').encode("utf-8")
    page = parse_page(html, URL)
    assert page.encoding == "utf-8" and page.page_type == "detail"
    assert page.title == "安顺市民政局关于做好养老服务工作的通知"
    # The same text really in GBK stays GBK (read as its superset).
    assert parse_page(html.decode("utf-8").encode("gb18030"), URL).encoding == "gb18030"


def test_wholly_double_encoded_page_is_repaired_and_marked():
    html = page_html(BODY, 1)
    double = html.decode("utf-8").encode("utf-8").decode("latin-1").encode("utf-8")
    page, clean = parse_page(double, URL), parse_page(html, URL)
    assert page.encoding == "utf-8+mojibake-repaired"
    assert (page.page_type, page.title, page.index_no, page.body) == (
        clean.page_type,
        clean.title,
        clean.index_no,
        clean.body,
    )


def test_latin_text_is_never_repaired():
    text = "<html><body><h1>Été à Noël</h1><p>" + "Ça coûte très cher, déjà. " * 20 + "</p></body></html>"
    assert decode_html(text.encode("utf-8")) == (text, "utf-8")
    assert decode_html(text.encode("latin-1"), "iso-8859-1") == (text, "iso8859-1")


def test_migration_0003_backfills_search_text_of_existing_versions(database_url: str) -> None:
    from alembic import command

    from archive.migrate import alembic_config, current_revision

    archive = Archive(database_url)
    store = VersionStore(archive)
    assert (
        store.record(_fetched(_traditional_gbk_page(), datetime(2024, 1, 1, tzinfo=UTC))).kind
        == "new_version"
    )
    command.downgrade(alembic_config(archive.engine), "0002")  # an archive written before 0003
    assert "search_text" not in {c["name"] for c in inspect(archive.engine).get_columns("versions")}
    command.upgrade(alembic_config(archive.engine), "0003")
    assert current_revision(archive.engine) == "0003"
    with archive.session() as s:
        version = s.scalars(select(Version)).one()
        assert version.search_text == normalize_text(version.body) and "各县区民政局" in version.search_text
        assert version.charset is None  # not recorded when it was read
    archive.close()


_MOJIBAKE_SAMPLES = [
    "政府信息公开".encode().decode("latin-1"),
    "è¯·ç¨å",
    "voilÃ le travail",
    "Ã³",
    "caf\u00c3\u00a9 民政",
    "\x80 C1 control",
    "Ð¿Ñ€Ð¸Ð²ÐµÑ‚",
    "café",
    "民政局（根據(jù)規定）",
    "民政局“通知”——2024年…·",
    "面积 25m² ×3，温度 30°",
    "ASCII only 2024-01",
    "",
]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.sampled_from(_MOJIBAKE_SAMPLES),
        st.text(alphabet=st.characters(max_codepoint=0x600)),
        # ftfy's badness characters above U+0600, with Chinese text and punctuation
        st.text(alphabet=st.sampled_from("€™‚„“”‘’—…•·²³°×≈√│┌═▀ŒœÃÂ民政局，。 a")),
    )
)
def test_repair_mojibake_is_ftfys_fix_encoding(text: str) -> None:
    """The shortcut for text ftfy finds nothing wrong with gives what ftfy itself gives."""
    import ftfy

    assert repair_mojibake(text) == ftfy.fix_encoding(text)


def _one_char_sets(pattern: re.Pattern[str]) -> list[list[set[str]]]:
    """For each top-level alternative of `pattern`, the character sets of its items that match exactly
    one character from a fixed set (a literal, or a class of literals and ranges)."""
    from re import _constants, _parser

    def chars(op: object, arg: object) -> set[str] | None:
        if op is _constants.LITERAL:
            return {chr(arg)}  # type: ignore[arg-type]
        if op is not _constants.IN:
            return None
        out: set[str] = set()
        for inner, value in arg:  # type: ignore[attr-defined]
            if inner is _constants.LITERAL:
                out.add(chr(value))
            elif inner is _constants.RANGE:
                out.update(map(chr, range(value[0], value[1] + 1)))
            else:  # a negated class or a category (\s, \w): no fixed set
                return None
        return out

    [(op, (_, branches))] = _parser.parse(pattern.pattern, pattern.flags).data
    assert op is _constants.BRANCH
    return [[s for item in branch.data if (s := chars(*item)) is not None] for branch in branches]


def test_every_badness_match_needs_a_mojibake_character() -> None:
    """`repair_mojibake` skips ftfy's heuristic on text without a character of the needed categories:
    every alternative of `BADNESS_RE` has an item that can only match one of them."""
    from ftfy.badness import BADNESS_RE

    needed = text_module._mojibake_char_re()
    alternatives = _one_char_sets(BADNESS_RE)
    assert len(alternatives) > 30
    for sets in alternatives:
        assert any(all(needed.fullmatch(ch) for ch in chars) for chars in sets), sets


# Characters whose NFKC forms interact with their neighbours: combining marks that compose with a
# preceding letter (also one folded from a full-width letter), Hangul jamo that compose into syllables,
# compatibility characters that decompose into a mark, and characters that fold to several.
_NFKC_SAMPLES = (
    "aeAEＡｅ\u0301\u0308\u0323\u0345\u1100\u1161\u11a8가ᄀ\u3131¨´ﬁ㍱①，：（）民政發佈 \u3000\u00a0Å\u212bᾅ"
)


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=st.sampled_from(_NFKC_SAMPLES)),
        st.text(alphabet=st.characters(max_codepoint=0x3400)),
        st.text(),
    )
)
def test_nfkc_is_unicodedatas(text: str) -> None:
    """The character-by-character NFKC gives what `unicodedata.normalize` gives, on any text."""
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def _tokenized_plain(compact: str) -> str:
    """`sqlite_fts.tokenized` as first written: each bigram a string, joined."""
    if not compact:
        return ""
    shifted = compact.translate(sqlite_fts._SHIFT)
    return " ".join(map(operator.add, shifted, shifted[1:])) + (" " if len(shifted) > 1 else "") + shifted[-1]


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(st.characters(max_codepoint=0x7F), st.sampled_from("民政低保（），。𠀀😀\ue001"))
    )
)
def test_tokenized_is_the_plain_forms_output(text: str) -> None:
    assert sqlite_fts.tokenized(text) == _tokenized_plain(text)


def test_tokenized_takes_any_str_as_the_plain_form_did() -> None:
    for text in ("a", "民", "a\ud800b", "\ud800", "x,y.z(1)", "𠀀𠀁民"):
        assert sqlite_fts.tokenized(text) == _tokenized_plain(text)
