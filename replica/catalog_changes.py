"""How a replica site changes between crawls: replaying `replica.changes` records on a catalog.

Kept apart from `replica.catalog` (what a built site is and how it answers) because every change is a
pure function of its record and the catalog's state: publish, edit, withdraw, soft-404, restore, move.
One replay for every platform: a platform that publishes one document at several URLs (gkmlpt and its
NFCMS twin) says so through `twins` and `gone_twins`, and a change then reaches every one of them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from random import Random
from typing import Any

from replica.documents import ReplicaDocument, page_order


class Changes:
    """Mixed into `replica.catalog.Catalog`, whose state it changes."""

    site: Any
    host: str
    documents: list[ReplicaDocument]
    by_path: dict[str, ReplicaDocument]
    by_column: dict[str, list[ReplicaDocument]]
    files: dict[str, Any]
    gone: dict[str, tuple[str, ReplicaDocument]]
    moved: dict[str, str]
    modified: dict[str, datetime]
    added_paragraphs: dict[str, list[str]]
    _plans: dict[str, Any]
    _detail_parts: Any

    # ---- the platform's part ----------------------------------------------------------------------

    def _generate(self, k: int, published: datetime | None = None) -> ReplicaDocument:
        raise NotImplementedError

    def planted_report(self, change: dict) -> list[ReplicaDocument]:
        raise NotImplementedError

    def published(self, k: int, at: datetime) -> list[ReplicaDocument]:
        """The pages of generated document k when `xxgk replica change --publish` publishes it."""
        return [self._generate(k, published=at)]

    def twins(self, path: str) -> list[ReplicaDocument]:
        """The live pages of the document at `path` (just that page, unless the platform publishes a
        document at several URLs; [] when a change to a twin already took them away)."""
        return [self.by_path[path]]

    def gone_twins(self, path: str) -> list[str]:
        """The withdrawn pages a restore of `path` brings back."""
        return [path]

    def moved_plan(self, plan: Any, new: ReplicaDocument, change: dict) -> Any:
        """What the moved page's body is generated from (the same body as before, by default)."""
        return plan

    def move_target(self, doc: ReplicaDocument, rng: Random) -> dict[str, Any] | None:
        """For `xxgk replica change --move`: where the document may move (its new column and id), or
        None when it never moves."""
        raise NotImplementedError

    def moved_document(self, doc: ReplicaDocument, column: Any, doc_id: int, at: datetime) -> ReplicaDocument:
        """The document at its new place (`move_target`'s column and id, moved at `at`)."""
        raise NotImplementedError

    def changed(self) -> None:
        """A hook for platforms that cache rendered lists."""

    # ---- the replay ---------------------------------------------------------------------------------

    def apply(self, change: dict) -> None:
        """Replay one recorded change (see `replica.changes`); each is a pure function of its record.
        A change of a document reaches all its pages (`twins`)."""
        op, at = change["op"], datetime.fromisoformat(change["at"])
        if op == "publish":  # dated when it appears, unless the record says what date the page claims
            for doc in self.published(int(change["k"]), claimed(change)):
                self._put(doc)
            return
        if op == "report":
            for doc in self.planted_report(change):
                self._put(doc)
            return
        path = change["path"]
        if op == "restore":
            for twin in self.gone_twins(path):
                self._put(self.gone.pop(twin)[1])
                self.modified[twin] = at
            return
        twins = self.twins(path)
        if not twins:  # its twin's withdrawal or move already took this page away
            return
        if op in ("withdraw", "soft404"):
            how = "soft404" if op == "soft404" else str(change.get("status", 404))
            for twin in twins:
                self._drop(twin)
                self.gone[twin.path] = (how, twin)
            return
        if op == "move":
            self._move(path, twins, change, at)
            return
        if op != "edit":
            raise ValueError(f"unknown replica change {op!r}")
        what = change["what"]
        if what == "body":
            note = f"（{at:%Y年%m月%d日}更新：根据工作需要，对有关事项作进一步补充说明。）"
            self.added_paragraphs.setdefault(twins[0].key, []).append(note)
        for twin in twins:
            new = edited(twin, what, change, at)
            self._drop(twin)
            self._put(new)
            self.modified[twin.path] = at

    def _move(self, path: str, twins: list[ReplicaDocument], change: dict, at: datetime) -> None:
        """The document's old URLs are simply gone (never restored: see changes.py); it lives at one
        new URL, with the same body."""
        doc = next(d for d in twins if d.path == path)
        new = self.moved_document(doc, change["column"], int(change["doc_id"]), at)
        self._plans[new.path] = self.moved_plan(self._plans[doc.path], new, change)
        for old in twins:
            self._drop(old)
            self.gone[old.path] = ("404", old)
            self.moved[old.path] = new.path
        self._put(new)
        self.modified[new.path] = at

    def _put(self, doc: ReplicaDocument) -> None:
        self.by_path[doc.path] = doc
        for records in (self.documents, self.by_column.setdefault(doc.column, [])):
            records.append(doc)
            records.sort(key=page_order, reverse=True)
        self.files.update({a.path: (a, doc) for a in doc.attachments})
        self._detail_parts.cache_clear()
        self.changed()

    def _drop(self, doc: ReplicaDocument) -> None:
        self.by_path.pop(doc.path, None)
        for records in (self.documents, self.by_column.get(doc.column, [])):
            records[:] = [d for d in records if d.path != doc.path]
        for attachment in doc.attachments:
            self.files.pop(attachment.path, None)
        self._detail_parts.cache_clear()
        self.changed()


def edited(doc: ReplicaDocument, what: str, change: dict, at: datetime) -> ReplicaDocument:
    """The page after an edit of `what`. A field the page has no place for stays as it is (no 有效性
    without one shown, no 文号 without a metadata table): only the page's date changes then."""
    if what == "body":  # the added paragraph is the catalog's (`added_paragraphs`), not the record's
        return doc
    if what == "validity":
        return replace(doc, validity="失效") if doc.validity is not None else doc
    if what == "doc_number":
        return replace(doc, doc_number=change["value"]) if doc.index_no is not None else doc
    if what == "title":
        return replace(doc, title=change["value"])
    if what == "attachment":
        return replace(
            doc, attachments=tuple(replace(a, key=a.key + f":{at:%Y%m%d%H%M}") for a in doc.attachments)
        )
    if what == "report_numbers":  # the report's numbers revised: its body and its file follow the key
        suffix = change.get("key_suffix", ":rev")
        files = tuple(
            replace(a, key=a.key + suffix) for a in doc.attachments if a.key.startswith("annual-report|")
        )
        others = tuple(a for a in doc.attachments if not a.key.startswith("annual-report|"))
        return replace(doc, key=doc.key + suffix, attachments=files + others)
    if what == "publish_date":  # the page's 发布日期 corrected (or quietly changed)
        return replace(doc, publish=datetime.fromisoformat(change["value"]))
    raise ValueError(f"unknown replica edit {what!r}")


def claimed(change: dict) -> datetime:
    """The date a published page shows: `claims` when the record sets one (a backdated or postdated
    page), else the moment it appeared."""
    return datetime.fromisoformat(change.get("claims") or change["at"])
