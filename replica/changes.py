"""Changes to the replica between crawls, like the real sites make them, recorded as a change log.

`xxgk replica change SITE --publish N --edit N --withdraw N --soft404 N --redirect-home N --restore N --move N`
picks its targets from the current replica (deterministically, from the seed and the log's length),
appends one record per change to the state directory and prints them. The records name their targets explicitly, so the log is
the ground truth a test compares the archive with, and replaying it rebuilds the same sites.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from random import Random
from typing import Any

from archive.text import CHINA
from replica.state import append_mutation, load_state, locked, save_state

EDITS = ("body", "validity", "doc_number", "title", "attachment")


def plan_changes(
    directory: Path, host: str, counts: dict[str, int], seed: int = 0, at: datetime | None = None
) -> list[dict[str, Any]]:
    """Choose and record the changes; returns the new change-log records."""
    state = load_state(directory)
    if state is None:
        raise FileNotFoundError(f"no replica state in {directory}; start `xxgk replica serve` first")
    replica = state.build()
    catalog = replica.catalogs.get(host)
    if catalog is None:
        raise ValueError(f"the replica has no site {host!r} (it has {', '.join(replica.hosts)})")
    moment = (at or datetime.now(CHINA)).astimezone(CHINA).replace(tzinfo=None, microsecond=0)
    rng = Random(f"{seed}:{host}:{len(state.mutations)}")
    published = sum(1 for m in state.mutations if m.get("op") == "publish" and m.get("host") == host)
    live = sorted(catalog.by_path)  # sorted: the choice must not depend on dict order
    records: list[dict[str, Any]] = []

    def take(n: int, pool: list[str]) -> list[str]:
        chosen = rng.sample(pool, min(n, len(pool)))
        for path in chosen:
            pool.remove(path)
        return chosen

    for i in range(counts.get("publish", 0)):
        k = state.docs + 10_000 + published + i
        records.append({"op": "publish", "k": k, "url": catalog._generate(k, published=moment).url})
    for path in take(counts.get("edit", 0), live):
        doc = catalog.by_path[path]
        what = rng.choice([e for e in EDITS if _editable(doc, e)])
        record: dict[str, Any] = {"op": "edit", "path": path, "url": doc.url, "what": what}
        if what == "doc_number":
            record["value"] = f"{doc.source[:2]}民发〔{moment.year}〕{rng.randrange(1, 99)}号"
        if what == "title":
            record["value"] = doc.title + "（修订）"
        records.append(record)
    reports = [p for p in live if catalog.by_path[p].kind == "annual_report" and _primary(catalog, p)]
    for path in take(counts.get("edit_report", 0), reports):
        records.append(report_edit(catalog.by_path[path], catalog.site.agency.name))
        live.remove(path)  # one change per document per call
    for path in take(counts.get("withdraw", 0), live):
        records.append({"op": "withdraw", "path": path, "url": catalog.by_path[path].url,
                        "status": rng.choice((404, 410))})  # fmt: skip
    for path in take(counts.get("redirect_home", 0), live):  # how many CMSs answer a deleted page
        records.append({"op": "withdraw", "path": path, "url": catalog.by_path[path].url, "status": 302})
    for path in take(counts.get("soft404", 0), live):
        records.append({"op": "soft404", "path": path, "url": catalog.by_path[path].url})
    # A moved document's old URL is gone for good: only withdrawn pages come back.
    restorable = sorted(p for p in catalog.gone if p not in catalog.moved)
    for path in take(counts.get("restore", 0), restorable):
        records.append({"op": "restore", "path": path, "url": catalog.gone[path][1].url})
    movable = [p for p in live if catalog.move_target(catalog.by_path[p], Random(p)) is not None]
    for path in take(counts.get("move", 0), movable):
        doc = catalog.by_path[path]
        target = catalog.move_target(doc, rng)
        assert target is not None
        new = catalog.moved_document(doc, target["column"], target["doc_id"], moment)
        records.append({"op": "move", "path": path, "url": doc.url, **target, "new_url": new.url,
                        "index_no": doc.index_no})  # fmt: skip
    for record in records:
        record.update(host=host, at=moment.isoformat())
        append_mutation(directory, record)
    return records


def _primary(catalog: Any, path: str) -> bool:
    """The page a change names for a document published at several URLs (gkmlpt's NFCMS twin)."""
    return catalog.twins(path)[0].path == path


def report_edit(doc: Any, agency: str) -> dict[str, Any]:
    """An annual report's numbers revised: the record carries the ground truth (year, the revision the
    page will show, and the cells that change from → to)."""
    from replica.annual_reports import REVISION, revision_of, truth

    match = re.search(r"(\d{4})年", doc.title)
    assert match is not None, f"{doc.url}: no year in the report's title {doc.title!r}"
    year = int(match.group(1))
    revision = revision_of(doc.key) + 1
    before, after = truth(agency, year, revision - 1).cells, truth(agency, year, revision).cells
    cells = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    return {"op": "edit", "path": doc.path, "url": doc.url, "what": "report_numbers", "year": year,
            "revision": revision, "key_suffix": REVISION, "cells": cells}  # fmt: skip


def _editable(doc: Any, what: str) -> bool:
    if what == "validity":
        return doc.validity == "有效"
    if what == "doc_number":
        return doc.index_no is not None
    if what == "attachment":
        return bool(doc.attachments)
    return True


def change_log(directory: Path) -> list[dict[str, Any]]:
    state = load_state(directory)
    return list(state.mutations) if state else []


def reset(directory: Path) -> int:
    """Forget every change; returns how many there were."""
    with locked(directory):
        state = load_state(directory)
        if state is None:
            return 0
        count, state.mutations = len(state.mutations), []
        save_state(directory, state)
        return count
