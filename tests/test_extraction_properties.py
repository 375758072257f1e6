"""Property tests: the parser never raises, whatever the bytes (issue 5, point 7).

A crawl meets truncated responses, pages in the wrong encoding, binary files served as text/html and
tag soup; each must come back as a `ParsedPage` (most of them `other`), never as an exception that
would lose the capture.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extraction import ParsedPage, decode_html, parse_page
from crawler.extraction.labels import FIELDS

CORPUS = Path(__file__).parent / "fixtures" / "corpus" / "pages"
PAGES = sorted(p.read_bytes() for p in CORPUS.glob("*.html"))
URL = "http://example.gov.cn/a/t20220109_1.html"
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$")
SETTINGS = settings(
    max_examples=int(os.environ.get("XXGK_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

TAGS = ["html", "head", "body", "div", "p", "span", "table", "tr", "td", "th", "dl", "dt", "dd", "ul", "li",
        "a", "h1", "script", "style", "meta", "br", "title", "font", "iframe", "input"]  # fmt: skip
TEXTS = ["索引号：", "发布机构", "文 号", "成文日期：", "２０２２年１月７日", "2021-12-28 18:55", "关于印发的通知",
         "页面不存在", "-", "无", "　", "<", "&nbsp;", "{{item.name}}", "document.cookie", "]]>", "<![CDATA[",
         "\x00", "\ufffd", "發布時間", "根據(jù)"]  # fmt: skip


def _check(page: ParsedPage) -> None:
    assert isinstance(page, ParsedPage)
    assert page.page_type in ("detail", "list", "other")
    assert (page.page_type == "other") == (page.other_reason is not None)
    assert isinstance(page.body, str)
    for name in FIELDS:
        value = getattr(page, name)
        assert value is None or isinstance(value, str)
    for name in ("written_date", "publish_date", "effective_date", "abolish_date"):
        value = getattr(page, name)
        assert value is None or ISO_RE.match(value), value
    page.to_dict()


@st.composite
def tag_soup(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 60))):
        kind = draw(st.integers(0, 3))
        tag = draw(st.sampled_from(TAGS))
        if kind == 0:
            attrs = draw(
                st.sampled_from(
                    [
                        "",
                        ' class="content"',
                        ' style="display:none"',
                        " hidden",
                        ' class="zoom"',
                        " class='TRS_Editor",
                    ]
                )
            )
            parts.append(f"<{tag}{attrs}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(draw(st.sampled_from(TEXTS)))
        else:
            parts.append(draw(st.text(max_size=30)))
    return "".join(parts)


@SETTINGS
@given(st.binary(max_size=4000))
def test_random_bytes(data: bytes) -> None:
    _check(parse_page(data, URL))


@SETTINGS
@given(tag_soup())
def test_tag_soup(html: str) -> None:
    _check(parse_page(html.encode("utf-8", "surrogatepass"), URL))
    _check(parse_page(html, URL))


@SETTINGS
@given(st.sampled_from(range(len(PAGES))), st.floats(0, 1), st.floats(0, 1))
def test_truncated_real_pages(index: int, start: float, end: float) -> None:
    """A real page cut anywhere (a dropped connection), or a middle slice of it."""
    page = PAGES[index]
    lo, hi = sorted((int(start * len(page)), int(end * len(page))))
    _check(parse_page(page[:hi], URL))
    _check(parse_page(page[lo:hi], URL))


@SETTINGS
@given(
    st.sampled_from(range(len(PAGES))),
    st.sampled_from(["gb2312", "gbk", "big5", "latin-1", "utf-16", "shift_jis", "no-such-charset", ""]),
)
def test_misencoded_real_pages(index: int, claimed: str) -> None:
    """A page whose header charset lies, and the same page transcoded into another encoding."""
    page = PAGES[index]
    _check(parse_page(page, URL, header_charset=claimed or None))
    text, _ = decode_html(page)
    for target in ("gb18030", "big5", "utf-16"):
        _check(parse_page(text.encode(target, "replace"), URL))
    _check(parse_page(text.encode("utf-8").decode("latin-1").encode("utf-8"), URL))  # double-encoded


@SETTINGS
@given(st.sampled_from(range(len(PAGES))), st.binary(min_size=1, max_size=64), st.floats(0, 1))
def test_garbage_spliced_into_real_pages(index: int, garbage: bytes, where: float) -> None:
    page = PAGES[index]
    at = int(where * len(page))
    _check(parse_page(page[:at] + garbage + page[at:], URL))
