"""SQLite's recorded token frequencies (`sqlite_fts.record_frequencies`): the bounds they give on a
query's matches in the whole index must hold after a rebuild and after every later change (new
versions, versions superseded, attachment text filled in place), and a search that uses them must
answer exactly what it answers without them, which is the substring scan's answer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select

from archive.db import Archive
from archive.migrate import alembic_config
from archive.models import Attachment, Document, Version
from archive.search import index, sqlite_fts
from archive.search.engine import SearchPlan, _population, matching_ids, search
from archive.search.filters import Filters
from archive.search.query import parse
from archive.store import VersionStore
from bench.search_corpus import generate
from tests.search_data import detail, store_page
from tests.test_search import RECALL_QUERIES, oracle, oracle_texts, scan

QUERIES = [*RECALL_QUERIES, "社会组织等级评估", "福利彩票", "民政 -养老", "低保 资金"]
FILTERS = [
    Filters(site="anshun_mzj"),
    Filters(validity="有效"),
    Filters(published_from=date(2022, 1, 1), published_to=date(2023, 12, 31)),
    Filters(site="ankang_mzj", all_versions=True),
]


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    archive = Archive(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    generate(archive, 400, seed=11)
    with archive.engine.begin() as conn:
        index.rebuild(conn)
    yield archive
    archive.close()


def exact(archive: Archive, query: str, all_versions: bool) -> int:
    with archive.session() as s:
        return SearchPlan(s, parse(query), Filters(all_versions=all_versions)).count()


def bounds(archive: Archive, query: str, all_versions: bool) -> tuple[int, int | None, int]:
    with archive.session() as s:
        population = _population(s)
        low, high = sqlite_fts.match_bounds(s.connection(), parse(query), population, all_versions)
    return low, high, population


def assert_bounds_hold(archive: Archive, queries: list[str]) -> list[tuple[int, int | None, int, int]]:
    seen = []
    for query in queries:
        for all_versions in (False, True):
            low, high, population = bounds(archive, query, all_versions)
            count = exact(archive, query, all_versions)
            assert low <= count, (query, all_versions, low, count)
            assert high is None or count <= high, (query, all_versions, count, high)
            seen.append((low, high, count, population))
    return seen


def test_rebuild_records_frequencies_whose_bounds_decide_without_counting(archive: Archive) -> None:
    seen = assert_bounds_hold(archive, QUERIES)
    # Both shortcuts are taken on this corpus: a query proven in at most half the index (ranked), and
    # one proven in more than half (民政: newest first), besides queries the bounds leave open.
    assert any(high is not None and high * 2 <= population for _, high, _, population in seen)
    assert any(low * 2 > population for low, _, _, population in seen)
    assert any(high is None or high * 2 > population >= low * 2 for low, high, _, population in seen)
    low, _, population = bounds(archive, "民政", False)
    assert low * 2 > population
    _, high, population = bounds(archive, "殡", False)  # a prefix query: its character's tokens
    assert high is not None and high * 2 <= population


def test_searches_answer_the_same_with_and_without_frequencies(archive: Archive) -> None:
    """Totals, order (ranked or newest first), scores and hits are the same; results equal the scan."""
    with archive.session() as s:
        used = {(q, f): search(s, q, f, limit=50) for q in QUERIES for f in FILTERS}
    with archive.engine.begin() as conn:
        sqlite_fts.forget_frequencies(conn)
    with archive.session() as s:
        for (q, f), result in used.items():
            assert sqlite_fts.match_bounds(s.connection(), parse(q), _population(s), False) == (0, None)
            counted = search(s, q, f, limit=50)
            assert (result.total, result.ranked, result.hits) == (
                counted.total,
                counted.ranked,
                counted.hits,
            ), (q, f)
            assert result.total == len(matching_ids(s, q, f)), (q, f)
    site = Filters(site="anshun_mzj")
    with archive.session() as s:
        sites = dict(s.execute(select(Version.id, Document.site).join(Document)).all())
    found = 0
    texts = oracle_texts(archive)
    for q in QUERIES:  # within a site: exactly the substring scan's versions
        expected = {vid for vid in scan(texts, q, False) if sites[vid] == "anshun_mzj"}
        assert used[(q, site)].total == len(expected), q
        found += bool(expected)
    assert found > len(QUERIES) // 2


def recorded(archive: Archive) -> dict:
    with archive.session() as s:
        value = s.connection().exec_driver_sql("SELECT value FROM search_state WHERE key = 'fts_df'").scalar()
    return sqlite_fts._frequencies(value)


def test_bounds_hold_after_new_versions_and_text_filled_in_place(archive: Archive) -> None:
    """Tokens unlisted at the rebuild (so in at most `threshold` versions) then put into more versions
    than that: one by attachment text filled in place (no new version id), one by new documents; and
    民政, listed, taken out of the latest versions of documents that get a new version without it."""
    threshold, listed = recorded(archive)["threshold"], recorded(archive)["all"]
    assert threshold > 4 and not {"鸾凤", "麒麟"} & set(listed)
    assert not {"鸾", "麒"} & set(recorded(archive)["prefix"])
    with archive.session() as s:  # attachment text filled in place: the same versions, a new token
        attachments = s.scalars(select(Attachment).order_by(Attachment.id).limit(threshold + 1)).all()
        assert len(attachments) == threshold + 1
        for attachment in attachments:
            version = s.get(Version, attachment.version_id)
            index.refresh(s, version, lambda a=attachment: setattr(a, "text", f"{a.text or ''} 鸾凤和鸣"))
        s.commit()
    assert recorded(archive)["replaced"] == threshold + 1
    assert exact(archive, "鸾凤", True) == threshold + 1
    assert_bounds_hold(archive, ["鸾凤", "鸾凤和鸣", "鸾", "民政", "社会组织等级评估"])

    store = VersionStore(archive)
    at = datetime(2026, 6, 1, tzinfo=UTC)
    more = 2 * threshold + 2  # more than the bound would be without the new versions in it
    for n in range(more):  # new documents with another new token
        store_page(store, f"https://smzj.anshun.gov.cn/zwgk/new_{n}.html",
                   detail(title=f"关于麒麟送子的通知{n}", body="新的正文。", publish_date="2026-05-01"), at)  # fmt: skip
    assert exact(archive, "麒麟", False) == more
    assert_bounds_hold(archive, ["麒麟", "麒麟送子", "麒", "鸾凤", "民政"])

    with archive.session() as s:
        changed = s.execute(
            select(Document.url, Document.site)
            .join(Version)
            .where(Version.title.like("%民政%"))
            .distinct()
            .order_by(Document.url)
            .limit(more)
        ).all()
    before = exact(archive, "民政", False)
    for url, site in changed:  # a new version without 民政: the latest table loses it
        store_page(
            store,
            url,
            detail(title="通知", body="没有那个词的正文。", publish_date="2026-05-02"),
            at,
            site=site,
        )
    assert exact(archive, "民政", False) <= before - more
    assert_bounds_hold(archive, ["麒麟", "鸾凤", "民政", "社会组织等级评估", "养老 低保"])


def test_rebuild_forgets_and_rerecords(archive: Archive) -> None:
    with archive.engine.begin() as conn:
        before = conn.exec_driver_sql("SELECT value FROM search_state WHERE key = 'fts_df'").scalar()
        index.rebuild(conn)
        after = conn.exec_driver_sql("SELECT value FROM search_state WHERE key = 'fts_df'").scalar()
    assert before == after  # the same versions: the same counts
    assert_bounds_hold(archive, ["民政", "最低生活保障"])


def test_migration_records_frequencies_of_an_index_built_before(tmp_path: Path) -> None:
    archive = Archive(f"sqlite:///{tmp_path / 'm.sqlite3'}", migrate=False)
    config = alembic_config(archive.engine)
    command.upgrade(config, "0007")
    generate(archive, 150, seed=2)
    with archive.engine.begin() as conn:
        index.rebuild(conn, omit=("kind", "facet_key"))  # today's rows in 0007's search_docs
        sqlite_fts.forget_frequencies(conn)  # as an index built before revision 0008
    assert bounds(archive, "最低生活保障", False)[1] is None
    command.upgrade(config, "head")
    assert bounds(archive, "最低生活保障", False)[1] is not None
    assert_bounds_hold(archive, ["民政", "最低生活保障", "养老 -机构"])
    command.downgrade(config, "0007")
    assert bounds(archive, "最低生活保障", False)[1] is None
    archive.close()


def test_newest_first_within_a_filter_lists_the_scan_s_versions_newest_first(archive: Archive) -> None:
    """A query in most documents, filtered: listed newest first, its rows walked by the filter on
    search_docs and probed against the index for the text alone; every page is the scan's."""
    site = Filters(site="anshun_mzj")
    with archive.session() as s:
        rows = s.execute(
            select(Version.id, Version.document_id, Version.number, Document.site, Version.publish_date).join(
                Document
            )
        ).all()
    in_site = {
        vid: (doc, number, published) for vid, doc, number, where, published in rows if where == "anshun_mzj"
    }
    expected = oracle(archive, "民政") & set(in_site)
    newest = sorted(expected, key=lambda vid: (in_site[vid][2] or "", vid), reverse=True)
    with archive.session() as s:
        first = search(s, "民政", site, limit=10)
        everything = search(s, "民政", site, limit=len(expected) + 5)
    assert not first.ranked and first.total == len(expected) > 10
    assert [(h["id"], h["version"]) for h in everything.hits] == [in_site[vid][:2] for vid in newest]
    assert first.hits == everything.hits[:10]
