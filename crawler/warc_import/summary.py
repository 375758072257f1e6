"""What an import did: counts by outcome and reason, the unresolved revisits, the damaged files.

One object serves three readers: the command's summary (`--format table|json`), the run's stats in
the keys `xxgk runs` reads of a crawl's, and the tests.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Summary:
    """What an import did; also the run's stats (`xxgk runs`) and `--format json`."""

    files: list[str] = field(default_factory=list)
    records_read: int = 0
    bytes_read: int = 0
    captures_new: int = 0
    documents_new: int = 0
    versions_new: int = 0
    attachments: int = 0  # files of imported pages taken from the same WARC
    revisits_resolved: int = 0
    revisits_unresolved: list[dict[str, str]] = field(default_factory=list)
    already_imported: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    software: list[str] = field(default_factory=list)
    damaged: list[dict[str, Any]] = field(default_factory=list)
    run_id: int | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "files": self.files,
            "records_read": self.records_read,
            "bytes_read": self.bytes_read,
            "captures_new": self.captures_new,
            "documents_new": self.documents_new,
            "versions_new": self.versions_new,
            "attachments": self.attachments,
            "revisits_resolved": self.revisits_resolved,
            "revisits_unresolved": self.revisits_unresolved,
            "already_imported": self.already_imported,
            "outcomes": dict(self.outcomes),
            "skipped": dict(self.skipped),
            "software": self.software,
            "damaged": self.damaged,
            "seconds": round(self.seconds, 3),
        }

    def run_stats(self) -> dict[str, Any]:
        """The run's stats in the keys `xxgk runs` reads (as a crawl's), plus the summary."""
        stats: dict[str, Any] = {f"xxgk/{kind}": n for kind, n in self.outcomes.items()}
        stats["response_received_count"] = sum(self.outcomes.values())
        summary = self.as_dict()
        # A deduplicated WARC imported without its originals can hold thousands: the run keeps 100.
        summary["revisits_unresolved"] = self.revisits_unresolved[:100]
        summary["revisits_unresolved_count"] = len(self.revisits_unresolved)
        stats["xxgk/import"] = summary
        return stats
