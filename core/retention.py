"""Retention: which records are due for review or disposal, and disposing of them.

Each record carries a retention class and review date (from the ``sharewise_retention`` hook).
What happens when it falls due is deployment policy, per class (``SHAREWISE_RETENTION_DISPOSAL``,
e.g. ``early_help=delete,safeguarding-decision=review``):

- ``review`` (the default for every class): a person decides — keep it until a later date, or
  dispose of it (``sharewise retention review``). Nothing is destroyed without that decision.
- ``delete``: the record is removed; its "purged" audit entry keeps its id, class and hash.
- ``anonymise``: free text (answers and any amendment reason), numbers, dates, the author and the
  case context are removed; the coded answers (choices, yes/no) and the outcome stay for statistics.

A record under legal hold is never disposed of. Every disposal and review is audited.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import delete, func, select, update

from sharewise.core.engine import Engine
from sharewise.core.errors import InvalidInput, SharewiseError, UnknownFormError
from sharewise.core.record import Record
from sharewise.core.store import audit
from sharewise.core.store.rows import record_from_row
from sharewise.core.store.schema import records, retention_reviews
from sharewise.core.store.store import Store

ENV_VARIABLE = "SHAREWISE_RETENTION_DISPOSAL"
DISPOSALS = ("review", "delete", "anonymise")
KEPT_WHEN_ANONYMISED = frozenset({"choice", "multi", "yes_no"})


def disposal_policy(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The disposal action per retention class from ``SHAREWISE_RETENTION_DISPOSAL`` (``class=action,…``)."""
    policy: dict[str, str] = {}
    for item in (part.strip() for part in environ.get(ENV_VARIABLE, "").split(",")):
        if not item:
            continue
        name, _, action = (piece.strip() for piece in item.partition("="))
        if not name or action not in DISPOSALS:
            raise InvalidInput(f"{ENV_VARIABLE}: '{item}' must be CLASS=ACTION with ACTION one of {', '.join(DISPOSALS)}")
        policy[name] = action
    return policy


class RetentionRefused(SharewiseError):
    """A retention action that cannot be taken (a legal hold, a record already disposed of)."""


@dataclass(frozen=True)
class Due:
    """A record due for review or disposal."""

    record_id: str
    form_id: str
    retention_class: str
    review_on: dt.date
    action: str
    hold: str | None

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "record_id": self.record_id,
            "form_id": self.form_id,
            "retention_class": self.retention_class,
            "review_on": self.review_on.isoformat(),
            "action": self.action,
            "legal_hold": self.hold,
        }


@dataclass
class Applied:
    """What ``apply`` did: disposed of, refused under legal hold, left for a person to review."""

    disposed: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    awaiting_review: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "disposed": [{"record_id": i, "action": a} for i, a in self.disposed],
            "refused": [{"record_id": i, "legal_hold": r} for i, r in self.refused],
            "awaiting_review": self.awaiting_review,
        }


class Retention:
    """Lists what is due, disposes of it per class, records reviews."""

    def __init__(
        self, engine: Engine, store: Store, *, policy: Mapping[str, str] | None = None, clock: Callable[[], dt.datetime]
    ) -> None:
        self.engine = engine
        self.store = store
        self.policy = dict(policy if policy is not None else disposal_policy())
        self.clock = clock

    def action_for(self, retention_class: str) -> str:
        """The disposal action for a class (``review`` unless configured)."""
        return self.policy.get(retention_class, "review")

    def due(self, as_of: dt.date) -> list[Due]:
        """Records not yet disposed of whose (reviewed) date has come, earliest first."""
        latest_review = (
            select(retention_reviews.c.record_id, func.max(retention_reviews.c.keep_until).label("keep_until"))
            .group_by(retention_reviews.c.record_id)
            .subquery()
        )
        effective = func.coalesce(latest_review.c.keep_until, records.c.review_on)
        query = (
            select(records.c.id, records.c.form_id, records.c.retention_class, effective.label("due_on"))
            .select_from(records.outerjoin(latest_review, latest_review.c.record_id == records.c.id))
            .where(records.c.disposal.is_(None), effective <= as_of)
            .order_by(effective, records.c.created_seq)
        )
        with self.store.reading() as connection:
            rows = connection.execute(query).all()
            holds = {row.id: self.store.active_hold(connection, row.id) for row in rows}
        return [
            Due(
                row.id,
                row.form_id,
                row.retention_class,
                _as_date(row.due_on),
                self.action_for(row.retention_class),
                _reason(holds[row.id]),
            )
            for row in rows
        ]

    def apply(self, as_of: dt.date, *, actor: str) -> Applied:
        """Dispose of every due record whose class says delete or anonymise; refuse those on hold."""
        report = Applied()
        for item in self.due(as_of):
            if item.action == "review":
                report.awaiting_review.append(item.record_id)
            elif item.hold is not None:
                report.refused.append((item.record_id, item.hold))
            else:
                self._dispose(
                    item.record_id,
                    item.action,
                    actor=actor,
                    reason=f"retention class {item.retention_class} due {item.review_on}",
                )
                report.disposed.append((item.record_id, item.action))
        return report

    def review(
        self, record_id: str, *, actor: str, reason: str, keep_until: dt.date | None = None, dispose: str | None = None
    ) -> None:
        """A person's retention review: keep the record until a later date, or dispose of it now."""
        if not reason.strip():
            raise InvalidInput("a retention review needs a reason")
        if (keep_until is None) == (dispose is None):
            raise InvalidInput("give either a date to keep the record until, or a disposal (delete or anonymise)")
        if dispose is not None:
            if dispose not in ("delete", "anonymise"):
                raise InvalidInput(f"disposal must be delete or anonymise, not {dispose!r}")
            self._dispose(record_id, dispose, actor=actor, reason=reason)
            return
        now = self.clock()
        assert keep_until is not None
        if keep_until <= now.date():
            raise InvalidInput(f"keep the record until a date after today ({now.date().isoformat()})")
        with self.store.writing() as connection:
            record = self.store.get(record_id, connection=connection)
            if record.disposal is not None:
                raise RetentionRefused(f"record {record_id} has already been disposed of")
            connection.execute(
                retention_reviews.insert().values(
                    record_id=record_id, reviewed_at=now, reviewed_by=actor, keep_until=keep_until, reason=reason
                )
            )
            audit.append(
                connection,
                "reviewed",
                record_id=record_id,
                actor=actor,
                detail={"keep_until": keep_until.isoformat(), "reason": reason},
                at=now,
            )

    def _dispose(self, record_id: str, action: str, *, actor: str, reason: str) -> None:
        now = self.clock()
        with self.store.writing() as connection:
            row = connection.execute(select(records).where(records.c.id == record_id)).first()
            if row is None:
                raise RetentionRefused(f"no record {record_id}")
            record = record_from_row(row)
            if record.disposal is not None:
                raise RetentionRefused(f"record {record_id} has already been disposed of")
            hold = self.store.active_hold(connection, record_id)
            if hold is not None:
                raise RetentionRefused(f"record {record_id} is under legal hold ({hold.reason}) and cannot be disposed of")
            detail: dict[str, Any] = {
                "disposal": action,
                "record_hash": record.content_hash,
                "retention_class": record.retention_class,
                "reason": reason,
            }
            if action == "delete":
                connection.execute(delete(records).where(records.c.id == record_id))
                detail["remaining_hash"] = None
            else:
                remaining = self._anonymised(record)
                connection.execute(
                    update(records)
                    .where(records.c.id == record_id)
                    .values(answers=dict(remaining.answers), context={}, author={}, amendment_reason=None, disposal="anonymised")
                )
                detail["remaining_hash"] = remaining.compute_hash()
            audit.append(connection, "purged", record_id=record_id, actor=actor, detail=detail, at=now)

    def _anonymised(self, record: Record) -> Record:
        try:
            types = {q.id: q.type for q in self.engine.form(record.form_id, record.form_version).iter_questions()}
        except UnknownFormError:
            types = {}
        kept = {key: value for key, value in record.answers.items() if types.get(key) in KEPT_WHEN_ANONYMISED}
        return replace(record, answers=kept, context={}, author={}, amendment_reason=None)


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _reason(hold: Any) -> str | None:
    return None if hold is None else hold.reason
