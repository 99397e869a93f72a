"""A decision record: immutable evidence of one decision, with the form version and rules that
produced it. Stored by ``sharewise.core.store``; created by ``sharewise.core.submission``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sharewise.core.canonical import content_hash

#: Fields that are part of the record's content (and so of its hash).
CONTENT_FIELDS = (
    "id",
    "form_id",
    "form_version",
    "answers",
    "findings",
    "acknowledged_warnings",
    "outcome",
    "plugins",
    "author",
    "host",
    "context",
    "created_at",
    "review_required",
    "retention_class",
    "review_on",
    "supersedes",
    "amendment_reason",
)


@dataclass(frozen=True)
class Record:
    """One stored decision record.

    ``content_hash`` is the sha256 of the canonical JSON of the content fields; the audit log's
    "created" (or "amended") entry for the record holds the same hash. ``created_seq`` is the
    sequence number of that entry, which orders records in commit order. ``disposal`` is set when
    retention has anonymised the record (its content then hashes to the value in its "purged" entry).
    """

    id: str
    form_id: str
    form_version: int
    answers: Mapping[str, Any]
    findings: list[dict[str, Any]]
    acknowledged_warnings: list[str]
    outcome: Mapping[str, Any]
    plugins: Mapping[str, str]
    author: Mapping[str, Any]
    host: str
    context: Mapping[str, Any]
    created_at: str
    review_required: bool
    retention_class: str
    review_on: str
    supersedes: str | None = None
    amendment_reason: str | None = None
    content_hash: str = ""
    created_seq: int = 0
    idempotency_key: str | None = None
    disposal: str | None = None
    superseded_by: str | None = field(default=None, compare=False)

    def content(self) -> dict[str, Any]:
        """The hashed content: every content field, as JSON-ready data."""
        return {name: getattr(self, name) for name in CONTENT_FIELDS}

    def compute_hash(self) -> str:
        """The sha256 of the record's current content."""
        return content_hash(self.content())

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON: its content plus hash, sequence, disposal and the version chain link."""
        return {
            **self.content(),
            "content_hash": self.content_hash,
            "created_seq": self.created_seq,
            "disposal": self.disposal,
            "superseded_by": self.superseded_by,
        }
