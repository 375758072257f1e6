"""How a replica site changes between crawls: replaying `replica.changes` records on a catalog.

Kept apart from `replica.catalog` (what a site is) because every change is a pure function of its
record and the catalog's state: publish, edit, withdraw, soft-404, restore, move.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from random import Random
from typing import TYPE_CHECKING, Any

from replica.documents import ReplicaDocument

if TYPE_CHECKING:
    from replica.catalog import BodyPlan, Column, SiteDeclaration

MOVE_BASE = 500_000  # moved documents get new ids above every generated one


class Changes:
    """Mixed into `replica.catalog.Catalog`, whose state it changes."""

    site: SiteDeclaration
    host: str
    columns: list[Column]
    documents: list[ReplicaDocument]
    by_path: dict[str, ReplicaDocument]
    by_column: dict[str, list[ReplicaDocument]]
    files: dict[str, Any]
    gone: dict[str, tuple[str, ReplicaDocument]]
    moved: dict[str, str]
    modified: dict[str, datetime]
    added_paragraphs: dict[str, list[str]]
    _plans: dict[str, BodyPlan]
    _detail_parts: Any

    def _generate(self, k: int, published: datetime | None = None) -> ReplicaDocument:
        raise NotImplementedError

    def planted_report(self, change: dict) -> list[ReplicaDocument]:
        raise NotImplementedError

    def column(self, path: str) -> Column | None:
        raise NotImplementedError

    def locate(self, column: Column, doc_id: int, url_day: Any) -> str:
        raise NotImplementedError

    def move_target(self, doc: ReplicaDocument, rng: Random) -> dict[str, Any] | None:
        """For `xxgk replica change --move`: another column of the same kind, and a new id."""
        reports = {c.path for c in self.columns if c.profile == "report"}
        if doc.column in reports or doc.kind == "seed" or not doc.index_no:
            return None  # a move keeps the 索引号: pages without one are never "moved", only replaced
        pool = [
            c.path for c in self.site.columns if c.path != doc.column and c.metadata_table and c.weight > 0
        ]
        if not pool:
            return None
        return {"column": rng.choice(pool), "doc_id": self.site.id_base + MOVE_BASE + rng.randrange(10**5)}

    def apply(self, change: dict) -> None:
        """Replay one recorded change (see `replica.changes`); each is a pure function of its record."""
        op, at = change["op"], datetime.fromisoformat(change["at"])
        if op == "publish":  # dated when it appears, unless the record says what date the page claims
            self._put(self._generate(int(change["k"]), published=claimed(change)))
            return
        if op == "report":
            for doc in self.planted_report(change):
                self._put(doc)
            return
        path = change["path"]
        if op == "restore":
            self._put(self.gone.pop(path)[1])
            self.modified[path] = at
            return
        doc = self.by_path[path]
        if op in ("withdraw", "soft404"):
            self._drop(doc)
            self.gone[path] = ("soft404" if op == "soft404" else str(change.get("status", 404)), doc)
            return
        if op == "move":
            self._move(doc, change, at)
            return
        if op != "edit":
            raise ValueError(f"unknown replica change {op!r}")
        what = change["what"]
        if what == "body":
            note = f"（{at:%Y年%m月%d日}更新：根据工作需要，对有关事项作进一步补充说明。）"
            self.added_paragraphs.setdefault(path, []).append(note)
        elif what == "validity":
            doc = replace(doc, validity="失效")
        elif what == "doc_number":
            doc = replace(doc, doc_number=change["value"])
        elif what == "title":
            doc = replace(doc, title=change["value"])
        elif what == "attachment":
            doc = replace(
                doc, attachments=tuple(replace(a, key=a.key + f":{at:%Y%m%d%H%M}") for a in doc.attachments)
            )
        elif what == "publish_date":  # the page's 发布日期 corrected (or quietly changed)
            doc = replace(doc, publish=datetime.fromisoformat(change["value"]))
        else:
            raise ValueError(f"unknown replica edit {what!r}")
        self._drop(doc)
        self._put(doc)
        self.modified[path] = at

    def moved_document(
        self, doc: ReplicaDocument, column_path: str, doc_id: int, at: datetime
    ) -> ReplicaDocument:
        """The document at its new place: same 索引号, fields, body and files; new column, id and URL.

        Files kept in the document's own directory move with it, as a CMS republishes them there (a
        page linking them relatively would otherwise point at nothing); their bytes stay the same."""
        column = self.column(column_path)
        assert column is not None, f"{self.host}: no column {column_path}"
        path = self.locate(column, doc_id, at.date())
        old_dir, new_dir = doc.path.rsplit("/", 1)[0] + "/", path.rsplit("/", 1)[0] + "/"
        files = tuple(
            replace(
                a,
                path=new_dir + a.path[len(old_dir) :],
                url=f"{self.site.scheme}://{self.host}{new_dir}{a.path[len(old_dir) :]}",
            )
            if a.path.startswith(old_dir)
            else a
            for a in doc.attachments
        )
        return replace(
            doc,
            url=f"{self.site.scheme}://{self.host}{path}",
            path=path,
            column=column.path,
            column_name=column.name,
            doc_id=doc_id,
            url_date=at.date(),
            attachments=files,
        )

    def _move(self, doc: ReplicaDocument, change: dict, at: datetime) -> None:
        new = self.moved_document(doc, change["column"], int(change["doc_id"]), at)
        self._drop(doc)
        self._plans[new.path] = self._plans[doc.path]
        if doc.path in self.added_paragraphs:
            self.added_paragraphs[new.path] = self.added_paragraphs[doc.path]
        self._put(new)
        self.gone[doc.path] = ("404", doc)  # the old URL is simply gone (never restored: see changes.py)
        self.moved[doc.path] = new.path
        self.modified[new.path] = at

    def _put(self, doc: ReplicaDocument) -> None:
        self.by_path[doc.path] = doc
        for records in (self.documents, self.by_column[doc.column]):
            records.append(doc)
            records.sort(key=lambda d: (d.publish, d.doc_id), reverse=True)
        self.files.update({a.path: (a, doc) for a in doc.attachments})
        self._detail_parts.cache_clear()
        self.changed()

    def _drop(self, doc: ReplicaDocument) -> None:
        self.by_path.pop(doc.path, None)
        for records in (self.documents, self.by_column[doc.column]):
            records[:] = [d for d in records if d.path != doc.path]
        for attachment in doc.attachments:
            self.files.pop(attachment.path, None)
        self._detail_parts.cache_clear()
        self.changed()

    def changed(self) -> None:
        """A hook for platforms that cache rendered lists."""


def claimed(change: dict) -> datetime:
    """The date a published page shows: `claims` when the record sets one (a backdated or postdated
    page), else the moment it appeared."""
    return datetime.fromisoformat(change.get("claims") or change["at"])
