"""The side index: a tantivy index of the search rows, a cache of the archive keyed on a change sequence.

Why: at a million documents SQLite's FTS5 and PostgreSQL's GIN bigrams walk every match to rank and
count (docs/benchmarks.md, "Search at a million documents"); tantivy (an embedded Rust engine, a
wheel) keeps positions, scores, fast columns for ordering and facet counts, and serves both databases
with one design. It holds exactly the tokens the database's index holds (`tokens`): a bigram per
character position in `title`/`body` (positions are real, so a longer term is an exact phrase of its
bigrams) and each character in `title1`/`body1` (a one-character term is one posting list). So a
term matches exactly when it is a substring, as the `LIKE` scan says.

Consistency: the database stays the record. Every change to a search row appends to `search_changes`
(`index.log_changes`, same transaction); the side index records, beside its files, the highest `seq` it
applied, the rebuild generation and the normaliser (`xxgk-side.json`). Before answering, a search
compares them with the archive's: behind by a little, it applies the changes first (a version is
searchable as soon as its crawl committed it); missing, of another generation or normaliser, far
behind, unreadable or locked by a writer, the search answers from the database's own index and says
why (`Unavailable`), never from a stale side index. `xxgk db reindex` rebuilds it; `xxgk db check`
reports it.

Where: beside the SQLite file (`<archive>.search/`), or where `XXGK_SEARCH_INDEX` says (a directory;
PostgreSQL deployments set it; `off` disables the side index).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import tantivy
from sqlalchemy import Connection, text

from archive.search.filters import Filters
from archive.search.query import Query
from archive.search.state import generation, normaliser
from archive.search.tokens import grams

ENV = "XXGK_SEARCH_INDEX"
FORMAT = 2  # raise when the fields or their tokens change: an index of another format is rebuilt
META = "xxgk-side.json"
CATCH_UP = 20_000  # changes a search applies before answering; more: the database answers, reindex
SMALL = 5_000  # an archive this small has its missing or stale side index rebuilt by the next search
PARALLEL = 5_000  # a rebuild of more versions computes its rows in worker processes (`pool`)
GAP_SECONDS = 600.0  # a sequence number unseen this long was a rolled-back transaction, not a slow one
TITLE_BOOST = 4.0  # as FTS5's bm25 weights and PostgreSQL's weight A
FACET_FIELDS = ("site", "topic", "issuer", "year", "validity", "kind")
_MISSING = "\x00"  # the facet bucket of a row without the value (None in the counts)
_ANALYZER = "xxgk_ws"  # tokens are cut in Python (`tokens`); tantivy only splits them at spaces
_WRITER_HEAP = 256_000_000
_EPOCH = date(1970, 1, 1).toordinal()


class Unavailable(Exception):
    """The side index cannot answer this search exactly now; the message says why (for the warning)."""


def location(conn: Connection) -> Path | None:
    """Where this archive's side index lives, or None when it has none (PostgreSQL without the setting,
    an in-memory SQLite archive, or `XXGK_SEARCH_INDEX=off`)."""
    setting = os.environ.get(ENV, "").strip()
    if setting:
        return None if setting.lower() == "off" else Path(setting)
    url = conn.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database + ".search")
    return None


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_unsigned_field("vid", indexed=True, fast=True)
    b.add_unsigned_field("latest", indexed=True, fast=True)
    for name in FACET_FIELDS:
        b.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    b.add_integer_field("day", indexed=True, fast=True)  # publish date as days since 1970
    b.add_integer_field("newest", fast=True)  # day << 32 | version id: newest first, ties by version
    for name in ("title", "body"):  # bigrams: two-character terms (no phrase reads their positions)
        b.add_text_field(name, tokenizer_name=_ANALYZER, index_option="freq")
    for name in ("title3", "body3"):  # trigrams: a three-character term, or longer ones' phrases
        b.add_text_field(name, tokenizer_name=_ANALYZER, index_option="position")
    for name in ("title1", "body1"):
        b.add_text_field(name, tokenizer_name=_ANALYZER, index_option="freq")
    return b.build()


_OPEN: dict[str, tuple[tantivy.Index, int]] = {}  # path → (index, seq it was last reloaded at)


def _open(path: Path, create: bool = False) -> tantivy.Index:
    key = str(path.resolve())
    if key in _OPEN:
        return _OPEN[key][0]
    if not create and not tantivy.Index.exists(str(path)):
        raise Unavailable(f"no side index at {path}")
    path.mkdir(parents=True, exist_ok=True)
    idx = tantivy.Index(_schema(), path=str(path), reuse=True)
    idx.register_tokenizer(_ANALYZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    _OPEN[key] = (idx, -1)
    return idx


def _forget(path: Path) -> None:
    _OPEN.pop(str(path.resolve()), None)


def read_meta(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads((path / META).read_text())
    except (OSError, ValueError):
        return None


def _write_meta(path: Path, meta: dict[str, Any]) -> None:
    """Atomically: a reader sees the old meta or the new one. Written after tantivy's commit, so a crash
    between them leaves an older `seq`, and the next catch-up applies those changes again (idempotent:
    each change deletes the version's document and adds it as the database has it now)."""
    tmp = path / (META + ".tmp")
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, path / META)


def _archive_seq(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT max(seq) FROM search_changes").scalar() or 0)


def document(row: dict[str, Any]) -> tantivy.Document:
    """The side index's document of a search row (picklable: `archive.search.pool` makes them in
    worker processes). The n-grams are string slices joined by spaces: 25-30% faster than joining the
    characters of `zip` tuples (measured), and this is most of a rebuild's Python time."""
    doc = tantivy.Document()
    doc.add_unsigned("vid", row["version_id"])
    doc.add_unsigned("latest", 1 if row["is_latest"] else 0)
    published = row["publish_date"]
    values = {
        "site": row["site"],
        "topic": row["topic"],
        "issuer": row["issuer"],
        "year": published[:4] if published else None,
        "validity": row["validity"],
        "kind": row["kind"],
    }
    for name, value in values.items():
        if value is not None:
            doc.add_text(name, value)
    day = date.fromisoformat(published).toordinal() - _EPOCH if published else None
    if day is not None:
        doc.add_integer("day", day)
    doc.add_integer("newest", ((day if day is not None else -(2**30)) << 32) | row["version_id"])
    for field, value in (("title", row["title"]), ("body", row["text"])):
        if value:
            doc.add_text(field, " ".join(grams(value)))  # the bigrams FTS5 and GIN index too
            doc.add_text(field + "1", " ".join(value))
            if len(value) > 2:
                doc.add_text(field + "3", " ".join([value[i : i + 3] for i in range(len(value) - 2)]))
    return doc


def _writer(idx: tantivy.Index, heap: int = 64_000_000) -> tantivy.IndexWriter:
    try:
        return idx.writer(heap, 1)
    except ValueError as exc:  # LockBusy: another process is writing (a crawl's catch-up, a rebuild)
        raise Unavailable(f"the side index is being written by another process ({exc})") from exc


class Builder:
    """A new side index written beside `path` (`<path>.building`) and swapped in by `finish`: searches
    keep the old one meanwhile, and damaged files of the old one (which tantivy may refuse to open)
    are never read."""

    def __init__(self, path: Path) -> None:
        if (
            path.exists()
            and any(path.iterdir())
            and not (path / META).exists()
            and not (path / "meta.json").exists()
        ):
            raise ValueError(
                f"{path} holds other files than a side index: set {ENV} to a directory of its own"
            )
        self.path = path
        self.building = path.with_name(path.name + ".building")
        shutil.rmtree(self.building, ignore_errors=True)
        self.writer = _writer(_open(self.building, create=True), _WRITER_HEAP)
        self.count = 0

    def add(self, rows: list[dict[str, Any]], documents: list[tantivy.Document] | None = None) -> None:
        """Index these rows (`documents`: theirs, already made by `document`, e.g. in a worker)."""
        for doc in documents if documents is not None else map(document, rows):
            self.writer.add_document(doc)
        self.count += len(rows)

    def finish(self, seq: int, generation_id: str | None) -> int:
        """Commit, record the archive's `seq` and generation read before the rows were, swap in."""
        self.writer.commit()
        self.writer.wait_merging_threads()
        meta = {
            "format": FORMAT,
            "normaliser": normaliser(),
            "generation": generation_id,
            "seq": seq,
            "gaps": [],
        }
        _write_meta(self.building, meta)
        _forget(self.building)
        _forget(self.path)
        old = self.path.with_name(self.path.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            self.path.rename(old)
        self.building.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)
        return self.count


def rebuild(
    conn: Connection,
    path: Path | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> int:
    """Build the side index from the search rows (what `xxgk db reindex` runs after the database's
    rebuild); returns how many versions it holds. Records the archive's sequence read first: changes
    committed meanwhile are above it and applied by the next catch-up (again, if already seen).

    The rows and documents of an archive over PARALLEL versions are computed by `workers` processes
    (`archive.search.pool`; default: `pool.processes()`), the rows `index.all_rows` gives either way;
    a small one's (built by its first search, too) in this process: starting processes costs ~1 s."""
    from archive.search import pool

    path = path or location(conn)
    if path is None:
        return 0
    seq, gen = _archive_seq(conn), generation(conn)
    if workers is None:
        large = int(conn.exec_driver_sql("SELECT count(*) FROM search_docs").scalar() or 0) > PARALLEL
        workers = pool.processes() if large else 1
    builder = Builder(path)
    for rows, documents in pool.rows(conn, workers, documents=True):
        builder.add(rows, documents)
        if progress:
            progress(builder.count)
    return builder.finish(seq, gen)


def archive_state(conn: Connection) -> tuple[int, str | None]:
    """The archive's change sequence and rebuild generation, what a `Builder` records."""
    return _archive_seq(conn), generation(conn)


def _changes(conn: Connection, meta: dict[str, Any], limit: int) -> list[tuple[int, int]]:
    gaps = [seq for seq, _ in meta.get("gaps", [])]
    where = "seq > :seq" + (f" OR seq IN ({', '.join(str(int(g)) for g in gaps)})" if gaps else "")
    return [
        (int(seq), int(vid))
        for seq, vid in conn.execute(
            text(f"SELECT seq, version_id FROM search_changes WHERE {where} ORDER BY seq LIMIT :n"),
            {"seq": meta["seq"], "n": limit},
        )
    ]


def _gaps(meta: dict[str, Any], seen: list[int], now: float) -> list[list[float]]:
    """Sequence numbers below the new `seq` not seen yet: on PostgreSQL a transaction can commit a
    lower number after a higher one was read, so they are asked for again until GAP_SECONDS pass."""
    seen_set = set(seen)
    kept = [[s, t] for s, t in meta.get("gaps", []) if s not in seen_set and now - t < GAP_SECONDS]
    if seen:
        top = max(seen)
        kept += [[s, now] for s in range(meta["seq"] + 1, top) if s not in seen_set][:CATCH_UP]
    return kept


def _state(conn: Connection) -> tuple[str | None, str | None, int]:
    """The archive's recorded normaliser, rebuild generation and change sequence, in one round trip
    (every search reads them: on PostgreSQL three statements were most of a fast search's wall time)."""
    row = conn.exec_driver_sql(
        "SELECT (SELECT value FROM search_state WHERE key = 'normaliser'), "
        "(SELECT value FROM search_state WHERE key = 'generation'), (SELECT max(seq) FROM search_changes)"
    ).one()
    return row[0], row[1], int(row[2] or 0)


def _stale(
    conn: Connection,
    meta: dict[str, Any] | None,
    path: Path,
    state: tuple[str | None, str | None, int] | None = None,
) -> str | None:
    """Why the side index cannot be caught up from the change sequence (None: it can)."""
    if meta is None:
        return f"no side index at {path}"
    recorded, gen, _ = state or _state(conn)
    if meta.get("format") != FORMAT or (recorded or normaliser()) != meta.get("normaliser"):
        return "the side index was built by another version of the code"
    if meta.get("generation") != gen:
        return "the side index predates the last rebuild of the search rows"
    return None


def catch_up(conn: Connection, path: Path, limit: int | None = None) -> int:
    """Bring the side index level with the archive; returns how many changes it applied. A missing or
    stale index of a small archive (at most SMALL versions: a new one, the tests') is rebuilt here;
    of a larger one, or more than `limit` changes behind, or being written by another process, it
    raises Unavailable (the database answers; `xxgk db reindex` rebuilds it)."""
    from archive.search import index

    limit = CATCH_UP if limit is None else limit
    meta = read_meta(path)
    state = _state(conn)
    why = _stale(conn, meta, path, state)
    if why is not None:
        if int(conn.exec_driver_sql("SELECT count(*) FROM search_docs").scalar() or 0) <= SMALL:
            return rebuild(conn, path)
        raise Unavailable(f"{why}: run `xxgk db reindex`")
    assert meta is not None
    if state[2] <= meta["seq"] and not meta.get("gaps"):
        return 0
    changes = _changes(conn, meta, limit + 1)
    if len(changes) > limit:
        raise Unavailable(f"the side index is more than {limit} changes behind: run `xxgk db reindex`")
    if not changes:  # only gaps were asked for: forget those older than GAP_SECONDS
        kept = _gaps(meta, [], time.time())
        if kept != meta.get("gaps"):
            _write_meta(path, {**meta, "gaps": kept})
        return 0
    idx = _open(path)
    writer = _writer(idx)
    try:
        versions = sorted({vid for _, vid in changes})
        marks = ", ".join(str(v) for v in versions)
        flags = dict(
            conn.exec_driver_sql(
                f"SELECT version_id, is_latest FROM search_docs WHERE version_id IN ({marks})"
            ).all()
        )
        # By query: delete_documents_by_term takes a Python int as a signed term, never matching a u64.
        writer.delete_documents_by_query(tantivy.Query.term_set_query(idx.schema, "vid", versions))
        for latest in (True, False):
            for row in index.rows(
                conn, [v for v in versions if v in flags and bool(flags[v]) is latest], latest
            ):
                writer.add_document(document(row))
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        writer.rollback()
        raise
    now = time.time()
    seqs = [seq for seq, _ in changes]
    meta = {**meta, "seq": max(meta["seq"], *seqs), "gaps": _gaps(meta, seqs, now)}
    _write_meta(path, meta)
    idx.reload()
    return len(changes)


def try_catch_up(conn: Connection) -> str | None:
    """For the crawl's end: make what it stored searchable in the side index now. Never fails the
    crawl: a busy writer or a stale index is left to the next search (returns why, or None). An
    archive without a side index yet is left to its first search or `xxgk db reindex` (a crawl that
    nobody searches does not pay for building one)."""
    path = location(conn)
    if path is None or read_meta(path) is None:
        return None
    try:
        catch_up(conn, path)
    except Unavailable as exc:
        return str(exc)
    return None


# -- searching ---------------------------------------------------------------------------------------


def answers(filters: Filters) -> bool:
    """Whether the side index holds every filter: site, validity, kind, publish dates, version choice.
    Others (issuer or topic substrings, 文号, written dates, withdrawn, changed) go to the database,
    whose plan joins `search_docs` for them: an exact answer either way."""
    return (
        filters.issuer is None
        and filters.topic is None
        and filters.written_from is None
        and filters.written_to is None
        and filters.doc_number is None
        and filters.index_no is None
        and not filters.withdrawn
        and filters.changed_from is None
        and filters.changed_to is None
    )


@dataclass
class Answer:
    total: int
    ranked: bool
    page: list[tuple[int, float | None]]
    facets: dict[str, list[tuple[Any, int]]]


def _term_query(schema: tantivy.Schema, term: str) -> tantivy.Query:
    """True exactly when `term` is a substring of the title or the body; the title's score ×4."""
    parts = []
    for field, boost in (("title", TITLE_BOOST), ("body", 1.0)):
        if len(term) == 1:
            q = tantivy.Query.term_query(schema, field + "1", term)
        elif len(term) == 2:
            q = tantivy.Query.term_query(schema, field, term)
        elif len(term) == 3:
            q = tantivy.Query.term_query(schema, field + "3", term)
        else:
            q = tantivy.Query.phrase_query(schema, field + "3", _covering(term))
        parts.append(tantivy.Query.boost_query(q, boost) if boost != 1.0 else q)
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in parts])


def _covering(term: str) -> list[tuple[int, str]]:
    """The trigrams of a term over three characters that cover each of its characters, at their
    offsets: every third one and the last (高龄津 贴发放 放标准 for 高龄津贴发放标准). The text holds them
    there exactly when it holds the term, since the token at a position is the trigram starting
    there. A phrase of bigrams read the positions of 民政 and 政局 in every document for 民政局 (212 ms
    at a million); trigrams make a three-character term one posting list and a longer one a phrase of
    rarer, fewer terms."""
    offsets = sorted({*range(0, len(term) - 2, 3), len(term) - 3})
    return [(i, term[i : i + 3]) for i in offsets]


def _upper_bound(s: tantivy.Searcher, query: Query) -> int | None:
    """At most how many versions hold every included term (from the terms' document frequencies in the
    title and body fields, all versions, deleted documents still counted: an upper bound), without
    walking a posting list; None for a query of exclusions only."""
    bounds = []
    for term in query.include:
        grams = [g for _, g in _covering(term)] if len(term) > 3 else [term]
        suffix = {1: "1", 2: ""}.get(len(term), "3")
        bounds.append(min(s.doc_freq("title" + suffix, g) + s.doc_freq("body" + suffix, g) for g in grams))
    return min(bounds) if bounds else None


def _filter_queries(schema: tantivy.Schema, filters: Filters) -> list[tantivy.Query]:
    out = []
    if not filters.all_versions:
        out.append(tantivy.Query.term_query(schema, "latest", 1))
    for name in ("site", "validity", "kind"):
        value = getattr(filters, name)
        if value:
            out.append(tantivy.Query.term_query(schema, name, value.strip() if name == "validity" else value))
    if filters.published_from or filters.published_to:
        low = filters.published_from.toordinal() - _EPOCH if filters.published_from else None
        high = filters.published_to.toordinal() - _EPOCH if filters.published_to else None
        out.append(tantivy.Query.range_query(schema, "day", tantivy.FieldType.Integer, low, high))
    return [tantivy.Query.const_score_query(q, 0.0) for q in out]


def _query(schema: tantivy.Schema, query: Query, filters: Filters) -> tantivy.Query:
    clauses = [(tantivy.Occur.Must, _term_query(schema, t)) for t in query.include]
    clauses += [(tantivy.Occur.MustNot, _term_query(schema, t)) for t in query.exclude]
    clauses += [(tantivy.Occur.Must, q) for q in _filter_queries(schema, filters)]
    if not query.include:
        clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    return tantivy.Query.boolean_query(clauses)


def searcher(conn: Connection) -> tuple[tantivy.Index, tantivy.Searcher]:
    """The side index caught up with the archive, and a searcher over it (Unavailable: why not)."""
    path = location(conn)
    if path is None:
        raise Unavailable("no side index configured")
    try:
        catch_up(conn, path)
        idx = _open(path)
        key = str(path.resolve())
        seq = (read_meta(path) or {}).get("seq", -1)
        if _OPEN[key][1] != seq:  # another process committed: see its segments
            idx.reload()
            _OPEN[key] = (idx, seq)
        return idx, idx.searcher()
    except Unavailable:
        raise
    except (OSError, ValueError) as exc:  # unreadable or corrupt files
        _forget(path)
        raise Unavailable(
            f"the side index cannot be read ({type(exc).__name__}: {exc}): run `xxgk db reindex`"
        ) from exc


def answer(
    conn: Connection,
    query: Query,
    filters: Filters,
    *,
    limit: int,
    offset: int,
    facets: bool,
    newest_first: bool,
    population: int,
) -> Answer:
    """A page, its total and (when asked) facet counts, by the engine's rules (`engine.search`): ranked
    by BM25 unless the query is in more than half of the indexed versions (or `newest_first`), then
    newest first by publish date, ties by version id (a document key: pages never overlap)."""
    idx, s = searcher(conn)
    schema = idx.schema
    q = _query(schema, query, filters)
    ranked, newest = False, None
    bound = None if query.empty or newest_first else _upper_bound(s, query)
    if bound is not None and bound * 2 <= population:
        ranked = True  # in at most half of the versions, known without counting
    elif not query.empty and not newest_first:
        # Counted in newest-first order, which scores nothing (a scored count costs 2-3× as much);
        # without filters that walk is also the page of a query in most documents.
        if filters.metadata_free:
            newest = s.search(q, limit=limit, offset=offset, count=True, order_by_field="newest")
            everywhere = newest.count
        else:
            whole = _query(schema, query, Filters(all_versions=filters.all_versions))
            everywhere = s.search(whole, limit=1, count=True, order_by_field="newest").count
        ranked = everywhere * 2 <= population
    if ranked:
        total, page = _ranked_page(s, q, limit, offset)
    else:
        found = newest or s.search(q, limit=limit, offset=offset, count=True, order_by_field="newest")
        total, page = found.count, [(int(key) & 0xFFFFFFFF, None) for key, _ in found.hits]
    return Answer(total, ranked, page, _facets(s, q) if facets else {})


def _ranked_page(
    s: tantivy.Searcher, q: tantivy.Query, limit: int, offset: int
) -> tuple[int, list[tuple[int, float | None]]]:
    """The matches' total and the page by score, equal scores by version id, newest first (as the
    database's `ORDER BY score DESC, version_id DESC`). tantivy's top-N breaks ties by document address,
    which a merge or a rebuild changes: a page could then repeat or skip a match. So the top N is
    fetched with N growing until the last hit scores below the page's last one: then every match tied
    with the page's is in hand, and sorting by (score, version id) is the order the whole match set
    has (a page of 20 reads 20 and a few more; ties wider than the page double N)."""
    want = offset + limit
    if limit <= 0:
        return s.search(q, limit=1, count=True).count, []
    n, total = max(want + 1, 2 * want), None
    while True:
        found = s.search(q, limit=n, count=total is None)
        total = found.count if total is None else total
        hits = found.hits
        if len(hits) <= want or len(hits) < n or hits[-1][0] < hits[want - 1][0]:
            break
        n *= 4
    ids = s.fast_field_values("vid", [a for _, a in hits]) if hits else []
    ordered = sorted(((float(sc), int(v)) for v, (sc, _) in zip(ids, hits, strict=True)), reverse=True)
    return int(total or 0), [(v, sc) for sc, v in ordered[offset:want]]


def _facets(s: tantivy.Searcher, q: tantivy.Query) -> dict[str, list[tuple[Any, int]]]:
    """Every value's count per facet, from tantivy's terms aggregations over the fast columns (all
    values, sorted by the engine: tantivy's own top-N cut would break ties by term order)."""
    spec = {name: {"terms": {"field": name, "size": 100_000, "missing": _MISSING}} for name in FACET_FIELDS}
    result = s.aggregate(q, spec)
    return {
        name: [
            (None if b["key"] == _MISSING else b["key"], int(b["doc_count"])) for b in result[name]["buckets"]
        ]
        for name in FACET_FIELDS
    }


def matching_ids(conn: Connection, query: Query, filters: Filters) -> set[int]:
    """Every matching version id (what the benchmark and the tests compare with a substring scan)."""
    idx, s = searcher(conn)
    q = _query(idx.schema, query, filters)
    total = s.search(q, limit=1, count=True).count
    if not total:
        return set()
    found = s.search(q, limit=total, count=False, order_by_field="newest")
    return {int(key) & 0xFFFFFFFF for key, _ in found.hits}


# -- checking ----------------------------------------------------------------------------------------


def check(conn: Connection) -> Iterable[tuple[str, bool, str]]:
    """`xxgk db check`: is the side index there, of this generation, caught up, and holding one
    document per search row? (Nothing when the archive has none configured.)"""
    path = location(conn)
    if path is None:
        return []
    meta = read_meta(path)
    rows = int(conn.exec_driver_sql("SELECT count(*) FROM search_docs").scalar() or 0)
    why = _stale(conn, meta, path)
    if why is not None:
        if rows <= SMALL:
            return [("side index", True, f"{why}; the next search builds it (an archive this small)")]
        return [("side index", False, f"{why}; searches use the database's index")]
    assert meta is not None
    try:
        idx = _open(path)
        idx.reload()
        s = idx.searcher()
        held = s.num_docs
        latest = s.search(tantivy.Query.term_query(idx.schema, "latest", 1), limit=1, count=True).count
    except (OSError, ValueError, Unavailable) as exc:
        _forget(path)
        return [("side index", False, f"{path} cannot be read: {type(exc).__name__}: {exc}")]
    latest_rows = int(
        conn.execute(text("SELECT count(*) FROM search_docs WHERE is_latest = :t"), {"t": True}).scalar() or 0
    )
    behind = int(
        conn.execute(
            text("SELECT count(*) FROM search_changes WHERE seq > :s"), {"s": meta.get("seq", 0)}
        ).scalar()
        or 0
    )
    if behind > CATCH_UP:
        return [("side index", False, f"{path}: {behind} changes behind; searches use the database's index")]
    if not behind and (held, latest) != (rows, latest_rows):
        detail = f"holds {held} versions ({latest} latest); the archive {rows} ({latest_rows} latest)"
        return [("side index", False, f"{path}: {detail}")]
    note = f", {behind} changes to apply at the next search" if behind else ""
    return [("side index", True, f"{path}: {held} versions ({latest} latest){note}")]


def size_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file())
