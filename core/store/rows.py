"""Converting between ``Record`` objects and rows of the ``records`` table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Row

from sharewise.core.record import Record


def record_values(record: Record, request_hash: str | None) -> dict[str, Any]:
    """The row to insert for ``record``."""
    return {
        "id": record.id,
        "form_id": record.form_id,
        "form_version": record.form_version,
        "answers": dict(record.answers),
        "findings": list(record.findings),
        "acknowledged_warnings": list(record.acknowledged_warnings),
        "outcome": dict(record.outcome),
        "plugins": dict(record.plugins),
        "author": dict(record.author),
        "host": record.host,
        "context": dict(record.context),
        "created_at": dt.datetime.fromisoformat(record.created_at),
        "review_required": record.review_required,
        "retention_class": record.retention_class,
        "review_on": dt.date.fromisoformat(record.review_on),
        "supersedes": record.supersedes,
        "amendment_reason": record.amendment_reason,
        "idempotency_key": record.idempotency_key,
        "request_hash": request_hash,
        "content_hash": record.content_hash,
        "created_seq": record.created_seq,
        "disposal": record.disposal,
    }


def record_from_row(row: Row[Any], superseded_by: str | None = None) -> Record:
    """The ``Record`` a row holds."""
    data = row._mapping
    return Record(
        id=data["id"],
        form_id=data["form_id"],
        form_version=data["form_version"],
        answers=data["answers"],
        findings=data["findings"],
        acknowledged_warnings=data["acknowledged_warnings"],
        outcome=data["outcome"],
        plugins=data["plugins"],
        author=data["author"],
        host=data["host"],
        context=data["context"],
        created_at=iso_utc(data["created_at"]),
        review_required=data["review_required"],
        retention_class=data["retention_class"],
        review_on=data["review_on"].isoformat(),
        supersedes=data["supersedes"],
        amendment_reason=data["amendment_reason"],
        content_hash=data["content_hash"],
        created_seq=data["created_seq"],
        idempotency_key=data["idempotency_key"],
        disposal=data["disposal"],
        superseded_by=superseded_by,
    )


def iso_utc(moment: dt.datetime) -> str:
    """A UTC instant as the ISO 8601 text records carry (microseconds, ``+00:00``)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
