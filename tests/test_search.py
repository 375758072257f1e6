"""Full-text search on SQLite and PostgreSQL: recall equal to a substring scan, short words, scripts,
widths, query syntax, ranking, snippets, filters and facets; the index kept by the store's write path."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import date

import pytest
from alembic import command
from sqlalchemy import select

from archive.db import Archive
from archive.migrate import alembic_config
from archive.models import Attachment, Document, Version
from archive.search import index
from archive.search.engine import matching_ids, search
from archive.search.filters import Filters
from archive.search.query import QuerySyntaxError, parse
from archive.search.schema import SearchDoc
from archive.search.tokens import normalize
from archive.store import VersionStore
from bench.search_corpus import generate
from tests.search_data import T0, build_archive, detail, store_page, url_of

RECALL_QUERIES = [
    "民", "婚", "殡", "孤", "金", "低保", "养老", "民政", "慈善", "養老", "社会救", "困难群", "福利彩",
    "最低生活保障", "特困人员救助供养", "地名普查成果转化", "２０２", "2023年", "（区）", "申请审批表",
    "养老 -机构", "低保 资金", '"婚姻 登记"', "婚姻登记 -殡葬 -慈善", "〔2019〕", "jz-mzj-2020",
    # ASCII letters and digits, the alphabet of the FTS5 tag tokens (s…, v…, y2023): never matched there
    "s", "v", "y", "2", "y2", "20", "民 -s", "y20",
]  # fmt: skip


@pytest.fixture
def small(database_url: str) -> Archive:
    """The small archive, for a test that writes to it."""
    return build_archive(database_url)


_SMALL_BUILDS = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def read_small(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """The small archive of each kind, built once for the module's tests that only search it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('small') / 'archive.sqlite3'}"
    else:
        # A name of its own each time: a worker of the suite may build it again after the other kind's.
        name = f"xxgk_small_{os.getpid()}_{next(_SMALL_BUILDS)}"
        url = request.getfixturevalue("postgres").create_database(name)
    archive = build_archive(url)
    yield archive
    archive.close()


def ids_of(archive: Archive, query: str, filters: Filters | None = None) -> set[int]:
    with archive.session() as s:
        return {hit["id"] for hit in search(s, query, filters, limit=1000).hits}


def oracle_texts(archive: Archive) -> dict[int, tuple[bool, list[str]]]:
    """Per version: is it the latest, and its normalised title, body, 文号, 索引号 and attachments (read once, so
    each query's scan is only the substring tests)."""
    with archive.session() as s:
        latest = dict(s.execute(select(SearchDoc.version_id, SearchDoc.is_latest)).all())
        names: dict[int, list[str]] = {}
        for vid, name, extracted in s.execute(
            select(Attachment.version_id, Attachment.name, Attachment.text)
        ):
            names.setdefault(vid, []).extend((name or "", extracted or ""))
        return {
            v.id: (
                latest[v.id],
                [
                    normalize(f)
                    for f in (v.title, v.body, v.doc_number, v.index_no, *names.get(v.id, []))
                    if f
                ],
            )
            for v in s.scalars(select(Version))
        }


def scan(texts: dict[int, tuple[bool, list[str]]], query: str, all_versions: bool) -> set[int]:
    q = parse(query)
    return {
        vid
        for vid, (latest, fields) in texts.items()
        if (all_versions or latest)
        and all(any(t in x for x in fields) for t in q.include)
        and not any(t in x for t in q.exclude for x in fields)
    }


def oracle(archive: Archive, query: str, all_versions: bool = False) -> set[int]:
    """The substring scan, done independently in Python over the stored versions (title, body, 文号,
    索引号) and their attachments' names and text."""
    return scan(oracle_texts(archive), query, all_versions)


def test_recall_equals_substring_scan_on_a_migrated_archive(unmigrated_database_url: str) -> None:
    """Documents stored before the index existed (revision 0002), then the migration that builds it."""
    database_url = unmigrated_database_url
    archive = Archive(database_url, migrate=False)
    command.upgrade(alembic_config(archive.engine), "0002")
    generate(archive, 300, seed=3)
    command.upgrade(alembic_config(archive.engine), "head")
    texts = oracle_texts(archive)  # the queries change nothing: the versions' texts are read once
    for query in RECALL_QUERIES:
        for all_versions in (False, True):
            with archive.session() as s:
                found = matching_ids(s, query, Filters(all_versions=all_versions))
                total = search(s, query, Filters(all_versions=all_versions)).total
            expected = scan(texts, query, all_versions)
            assert found == expected, query
            assert total == len(expected), query
    assert scan(texts, "民", False)  # the query set does find things
    assert len(scan(texts, "養老", False)) == len(scan(texts, "养老", False)) > 0


def test_reindex_gives_what_the_write_path_gave(small: Archive) -> None:
    before = {q: ids_of(small, q, Filters(all_versions=True)) for q in RECALL_QUERIES}
    with small.engine.begin() as conn:
        assert index.rebuild(conn) == 7
    assert {q: ids_of(small, q, Filters(all_versions=True)) for q in RECALL_QUERIES} == before


def test_short_words_scripts_and_widths(read_small: Archive) -> None:
    assert ids_of(read_small, "低保") == {1, 2}  # 2: "低 保" across a line break still reads 低保
    assert ids_of(read_small, "殡") == {4, 5}
    assert ids_of(read_small, "养老") == ids_of(read_small, "養老") == {2, 3}  # 3 is published in traditional
    assert ids_of(read_small, "关于养老机构") == {3}  # simplified query, traditional text
    assert ids_of(read_small, "ABC123") == ids_of(read_small, "ａｂｃ１２３") == {4}  # full-width text
    assert ids_of(read_small, "花名册") == {1}  # attachment name
    assert ids_of(read_small, "安市民发〔2023〕12号") == {1}  # 文号


def test_phrases_terms_and_exclusion(read_small: Archive) -> None:
    assert ids_of(read_small, "养老 低保") == {2}
    assert ids_of(read_small, '"婚姻 登记"') == {5, 6}
    assert ids_of(read_small, "婚姻登记 -殡葬") == {6}
    assert ids_of(read_small, "养老 -機構") == {2}


def test_ranking_boosts_titles_and_marks_snippets(read_small: Archive) -> None:
    with read_small.session() as s:
        result = search(s, "婚姻登记")
    assert result.ranked and [h["id"] for h in result.hits] == [6, 5]  # 6 has it in the title
    assert result.hits[0]["score"] > result.hits[1]["score"] > 0
    assert "«婚姻登记»" in result.hits[1]["snippet"]
    with read_small.session() as s:  # one character: 4 has 殡 in its title, 5 (newer) only in its body
        one = search(s, "殡")
    assert one.ranked and [h["id"] for h in one.hits] == [4, 5]
    assert one.hits[0]["score"] > one.hits[1]["score"] > 0
    with read_small.session() as s:
        traditional = search(s, "养老机构").hits[0]
    assert "«養老機構»" in traditional["snippet"]  # marked in the text as published


def test_most_documents_list_newest_first(read_small: Archive) -> None:
    with read_small.session() as s:
        result = search(s, "民政")  # in 5 of 6 documents: BM25 cannot rank it
    assert not result.ranked
    dates = [h["publish_date"] for h in result.hits]
    assert dates == sorted(dates, reverse=True)


def test_newest_first_lists_undated_documents_last(small: Archive) -> None:
    """Newest first puts documents without a publish date last, on both databases (PostgreSQL reads
    its newest-first indexes in that order: migration 0009), with and without a query or a filter."""
    store = VersionStore(small)
    for n in (1, 2):
        undated = detail(title=f"民政工作通知{n}", body="各级民政部门要加强组织领导。")
        store_page(store, url_of("anshun_mzj", f"undated{n}"), undated, T0)
    with small.session() as s:
        for query, filters in itertools.product(("", "民政"), (Filters(), Filters(site="anshun_mzj"))):
            result = search(s, query, filters)
            assert not result.ranked, (query, filters)
            dates = [h["publish_date"] for h in result.hits]
            assert dates[-2:] == [None, None] and None not in dates[:-2], (query, filters)
            assert dates[:-2] == sorted(dates[:-2], reverse=True), (query, filters)
            assert result.hits[-2]["id"] > result.hits[-1]["id"]  # then the newer version first


def test_versions_latest_by_default(read_small: Archive) -> None:
    with read_small.session() as s:
        assert search(s, "高龄津贴").total == 1
        assert search(s, "低保", Filters(all_versions=True)).total == 3  # a2 has two versions
        assert {h["version"] for h in search(s, "低保", Filters(all_versions=True)).hits} == {1, 2}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(site="jinzhong_mzj"), {4, 6}),
        (Filters(issuer="晋中"), {4, 6}),
        (Filters(topic="社会保障"), {1}),
        (Filters(published_from=date(2023, 1, 1), published_to=date(2023, 12, 31)), {1, 2}),
        (Filters(written_from=date(2024, 1, 1)), {5, 6}),
        (Filters(doc_number="晋市民发〔2021〕3号"), {4}),  # stored as 晋市民发[2021]3号
        (Filters(doc_number="晋市民发［2024］1号"), {6}),  # stored as 晋市民发(2024)1号
        (Filters(doc_number="安市民发（2023）*"), {1, 2}),
        (Filters(index_no="JZ-MZJ-*"), {4, 6}),
        (Filters(index_no="as-mzj-2023-00012"), {1}),
        (Filters(validity="有效"), {1, 2, 6}),
        (Filters(kind="通知"), {1, 3}),  # a1, and l1 in traditional characters
        (Filters(kind="实施细则"), {4}),  # the canonical 细则
        (Filters(withdrawn=True), {4}),
        (Filters(changed_from=date(2024, 4, 1), changed_to=date(2024, 5, 31)), {2}),
        (Filters(changed_from=date(2024, 6, 1), changed_to=date(2024, 12, 31)), set()),
    ],
)
def test_filters(read_small: Archive, filters: Filters, expected: set[int]) -> None:
    assert ids_of(read_small, "", filters) == expected
    assert ids_of(read_small, "民", filters) == expected & ids_of(read_small, "民")


def test_facet_counts(read_small: Archive) -> None:
    with read_small.session() as s:
        result = search(s, "局", facets=True)
    facets = {name: {v["value"]: v["count"] for v in values} for name, values in result.facets.items()}
    assert result.total == 3  # a1, a3, l1 (j1, j2 say 市民政局 only in their issuer field)
    assert facets["site"] == {"anshun_mzj": 2, "lianzhou_mzj": 1}
    assert facets["year"] == {"2023": 1, "2024": 1, "2022": 1}
    assert sum(facets["topic"].values()) == result.total
    assert facets["kind"] == {"通知": 2, "总结": 1}


@pytest.mark.parametrize("query", ['"低保', "-低保", '""', "低保 -", "养老 “养老"])
def test_malformed_queries(query: str) -> None:
    with pytest.raises(QuerySyntaxError):
        parse(query)


def test_bad_filters_are_value_errors() -> None:
    with pytest.raises(ValueError, match="empty"):
        Filters(published_from=date(2024, 2, 1), published_to=date(2024, 1, 1))
    with pytest.raises(ValueError, match="文号"):
        Filters(doc_number="〔〕*")


PUSHED_FILTERS = [
    Filters(site="anshun_mzj"),
    Filters(validity="有效"),
    Filters(published_from=date(2018, 1, 1), published_to=date(2020, 12, 31)),  # whole years: index only
    Filters(published_from=date(2018, 3, 5), published_to=date(2020, 7, 9)),  # years, then checked to the day
    Filters(
        site="ankang_mzj", validity="失效", published_from=date(2015, 1, 1), published_to=date(2025, 12, 31)
    ),
    Filters(site="jinzhong_mzj", issuer="晋中", all_versions=True),  # a tag narrows, the join checks the rest
    Filters(site="lianzhou_mzj", all_versions=True),
]


@pytest.mark.parametrize("filters", PUSHED_FILTERS)
def test_filters_in_the_index_keep_recall(database_url: str, filters: Filters) -> None:
    """Site, validity and publish year are tokens of the FTS5 index on SQLite: the result must be
    the substring scan's, filtered in Python from the stored versions."""
    archive = Archive(database_url)
    generate(archive, 200, seed=5)
    with archive.engine.begin() as conn:
        index.rebuild(conn)
    with archive.session() as s:
        rows = s.execute(
            select(Version.id, Document.site, Version.fields, Version.publish_date, Version.issuer).join(
                Document
            )
        ).all()

    def kept(site: str, fields: dict, published: str | None, issuer: str | None) -> bool:
        day = date.fromisoformat(published[:10]) if published else None
        return (
            (filters.site is None or site == filters.site)
            and (filters.validity is None or (fields or {}).get("validity") == filters.validity)
            and (filters.issuer is None or filters.issuer in (issuer or ""))
            and (filters.published_from is None or (day is not None and day >= filters.published_from))
            and (filters.published_to is None or (day is not None and day <= filters.published_to))
        )

    allowed = {vid for vid, site, fields, published, issuer in rows if kept(site, fields, published, issuer)}
    assert allowed, "the filter should keep some versions"
    texts = oracle_texts(archive)
    for query in ("民", "低保", "养老", "最低生活保障", "养老 -机构", "申请审批表"):
        expected = scan(texts, query, filters.all_versions) & allowed
        with archive.session() as s:
            assert matching_ids(s, query, filters) == expected, query
            assert search(s, query, filters).total == len(expected), query
    archive.close()


FACET_FILTERS = [Filters(), Filters(all_versions=True), Filters(site="anshun_mzj")]


def test_facet_counts_are_exact(database_url: str) -> None:
    """Every facet's counts, on SQLite grouped by facet key, equal a count in Python over the matches'
    search rows (both FTS5 tables with all versions), and the values shown are the most frequent."""
    from collections import Counter

    archive = Archive(database_url)
    generate(archive, 200, seed=5)
    with archive.engine.begin() as conn:
        index.rebuild(conn)
    with archive.session() as s:
        rows = {r.version_id: r for r in s.scalars(select(SearchDoc))}
        for query, filters in itertools.product(("民", "低保", ""), FACET_FILTERS):
            result = search(s, query, filters, facets=True)
            matched = matching_ids(s, query, filters)
            assert result.total == len(matched) > 0
            for name in ("site", "topic", "issuer", "year", "validity", "kind"):
                want = Counter(
                    (rows[v].publish_date or "")[:4] or None if name == "year" else getattr(rows[v], name)
                    for v in matched
                )
                shown = {f["value"]: f["count"] for f in result.facets[name]}
                assert shown == {value: want[value] for value in shown}, (query, filters, name)
                hidden = [n for value, n in want.items() if value not in shown]
                assert len(shown) == min(len(want), 20) and max(hidden, default=0) <= min(shown.values())
    archive.close()
