"""What changed between two versions of a document, in the order a reader checks it.

Metadata first (field: old → new), then the body paragraph by paragraph, then attachments.
Paragraphs are aligned with `difflib` (a paragraph is the unit an editor changes); inside a changed
paragraph the marks are per character, because Chinese has no spaces and word diffs degenerate into
whole-line replacements. Character diffs use diff-match-patch with its semantic clean-up, which merges
the scattered one-character matches a raw LCS produces (常见 in CJK text, where the same characters
recur) into edits a person can read.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from diff_match_patch import diff_match_patch

from archive.records import FIELD_NAMES

# Fields compared, in display order (the field list's own); the body and attachments have their own
# sections.
METADATA_FIELDS = FIELD_NAMES


@dataclass
class Segment:
    """A run of text inside a changed paragraph: `equal`, `delete` or `insert`."""

    op: str
    text: str


@dataclass
class ParagraphChange:
    op: str  # delete | insert | replace
    old: str | None
    new: str | None
    segments: list[Segment] = field(default_factory=list)  # only for replace


@dataclass
class VersionDiff:
    document_id: int
    old_version: int
    new_version: int
    fields: list[dict[str, Any]]
    paragraphs: list[ParagraphChange]
    attachments: list[dict[str, Any]]

    @property
    def empty(self) -> bool:
        return not (self.fields or self.paragraphs or self.attachments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "fields": self.fields,
            "body": [
                {
                    "op": p.op,
                    "old": p.old,
                    "new": p.new,
                    "segments": [{"op": s.op, "text": s.text} for s in p.segments],
                }
                for p in self.paragraphs
            ],
            "attachments": self.attachments,
        }


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n") if p.strip()]


def char_segments(old: str, new: str) -> list[Segment]:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 1.0  # a pathological pair degrades to a coarser diff instead of stalling
    diffs = dmp.diff_main(old, new)
    dmp.diff_cleanupSemantic(diffs)
    names = {0: "equal", -1: "delete", 1: "insert"}
    return [Segment(names[op], text) for op, text in diffs]


def body_changes(old_body: str, new_body: str) -> list[ParagraphChange]:
    old, new = paragraphs(old_body), paragraphs(new_body)
    changes: list[ParagraphChange] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "delete":
            changes += [ParagraphChange("delete", p, None) for p in old[i1:i2]]
        elif tag == "insert":
            changes += [ParagraphChange("insert", None, p) for p in new[j1:j2]]
        else:
            # Pair replaced paragraphs in order; the surplus on either side is a plain delete/insert.
            pairs = min(i2 - i1, j2 - j1)
            for k in range(pairs):
                a, b = old[i1 + k], new[j1 + k]
                changes.append(ParagraphChange("replace", a, b, char_segments(a, b)))
            changes += [ParagraphChange("delete", p, None) for p in old[i1 + pairs : i2]]
            changes += [ParagraphChange("insert", None, p) for p in new[j1 + pairs : j2]]
    return changes


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"field": name, "old": old.get(name), "new": new.get(name)}
        for name in METADATA_FIELDS
        if old.get(name) != new.get(name)
    ]


def attachment_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """By URL: added, removed, or changed content (a different SHA-256)."""
    before = {a["url"]: a for a in old}
    after = {a["url"]: a for a in new}
    out: list[dict[str, Any]] = []
    for url in sorted(before.keys() | after.keys()):
        a, b = before.get(url), after.get(url)
        if a is None:
            out.append(
                {"change": "added", "url": url, "name": b and b.get("name"), "new_sha256": b and b["sha256"]}
            )
        elif b is None:
            out.append({"change": "removed", "url": url, "name": a.get("name"), "old_sha256": a["sha256"]})
        elif a["sha256"] != b["sha256"]:
            out.append(
                {
                    "change": "changed",
                    "url": url,
                    "name": b.get("name"),
                    "old_sha256": a["sha256"],
                    "new_sha256": b["sha256"],
                }
            )
    return out


def diff_records(old: dict[str, Any], new: dict[str, Any]) -> VersionDiff:
    """Diff two `archive.queries.show` records of the same document."""
    return VersionDiff(
        document_id=new["id"],
        old_version=old["version"],
        new_version=new["version"],
        fields=field_changes(old, new),
        paragraphs=body_changes(old.get("body") or "", new.get("body") or ""),
        attachments=attachment_changes(old.get("attachments") or [], new.get("attachments") or []),
    )
