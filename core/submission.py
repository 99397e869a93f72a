"""Turning checked answers into decision records: submit, amend, idempotency.

Only answers without error findings become a record, and every warning must be acknowledged by
its rule id. The record and its audit entry are written in one transaction: a process killed
mid-submit leaves both or neither.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sharewise.core import outbox
from sharewise.core.answer_fields import UNSTORABLE
from sharewise.core.answer_schema import is_unanswered
from sharewise.core.canonical import content_hash
from sharewise.core.dates import add_years
from sharewise.core.engine import Engine, Evaluation
from sharewise.core.errors import InvalidInput, SharewiseError
from sharewise.core.group_commit import GroupCommit
from sharewise.core.record import Record
from sharewise.core.store import audit
from sharewise.core.store.audit import ACTOR_LIMIT
from sharewise.core.store.rows import iso_utc
from sharewise.core.store.store import Store

KEY_LIMIT = 200
HOST_LIMIT = 100
#: Used only when no enabled plugin implements ``sharewise_retention``.
FALLBACK_RETENTION = ("unclassified", 6)


def utcnow() -> dt.datetime:
    """The current time, time-zone aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class SubmissionRefused(SharewiseError):
    """The answers cannot become a record yet: errors to fix, or warnings to acknowledge."""

    def __init__(
        self, message: str, evaluation: Evaluation, *, unacknowledged: Iterable[str] = (), unexpected: Iterable[str] = ()
    ) -> None:
        super().__init__(message)
        self.evaluation = evaluation
        self.unacknowledged = list(unacknowledged)
        self.unexpected = list(unexpected)


class IdempotencyConflict(SharewiseError):
    """An idempotency key was used again for a different submission."""


class AmendmentRefused(SharewiseError):
    """The record cannot be amended as asked (already amended, or disposed of)."""


@dataclass(frozen=True)
class Submitted:
    """A stored record, and whether it was an earlier submission returned again for its idempotency key."""

    record: Record
    replayed: bool = False


class Recorder:
    """Checks answers with an ``Engine`` and stores the records in a ``Store``.

    Checking happens in the caller's thread; storing goes through a ``GroupCommit``, so records
    submitted at the same time by threads of one process share a transaction (one lock on the audit
    head, one durable commit) — each still gets its own outcome. A batch is gathered once its leader
    has the store's turn to write, so records checked while another process writes join it.
    """

    def __init__(self, engine: Engine, store: Store, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock
        self._writes: GroupCommit[_Pending, Submitted | SharewiseError] = GroupCommit(self._write_batch, turn=store.writer_turn)

    def submit(
        self,
        form_id: str,
        answers: Any,
        *,
        acknowledged: Iterable[str] = (),
        idempotency_key: str | None = None,
        author: Mapping[str, Any] | None = None,
        host: str = "local",
        context: Mapping[str, Any] | None = None,
        version: int | None = None,
    ) -> Submitted:
        """Check and store a decision; raise ``SubmissionRefused`` naming what stops it."""
        return self._check_and_store(
            form_id,
            answers,
            acknowledged=acknowledged,
            idempotency_key=idempotency_key,
            author=author,
            host=host,
            context=context,
            version=version,
        )

    def _check_and_store(
        self,
        form_id: str,
        answers: Any,
        *,
        acknowledged: Iterable[str],
        idempotency_key: str | None,
        author: Mapping[str, Any] | None,
        host: str,
        context: Mapping[str, Any] | None,
        version: int | None,
        supersedes: Record | None = None,
        reason: str | None = None,
    ) -> Submitted:
        """``submit``, and ``amend`` once the original is checked (``supersedes``, ``reason``)."""
        _bounded("idempotency key", idempotency_key, KEY_LIMIT)
        _bounded("host name", host, HOST_LIMIT)
        _bounded("author id", (author or {}).get("id"), ACTOR_LIMIT)
        acknowledged = sorted(set(acknowledged))
        request_hash = _request_hash(
            form_id, version, answers, acknowledged, context, supersedes.id if supersedes else None, reason
        )
        now = self.clock()
        evaluation = self.engine.evaluate(form_id, answers, version=version, host=context, today=now.date())
        warnings = _check_acknowledgements(evaluation, acknowledged)
        record = self._record(
            evaluation, answers, warnings, acknowledged, author, host, context, now, supersedes, reason, idempotency_key
        )
        return self._writes.write(_Pending(record, request_hash, now, supersedes))

    def _write_batch(self, batch: Sequence[_Pending]) -> list[Submitted | SharewiseError]:
        """Store a batch of checked records in one transaction (see ``GroupCommit``): each is appended to the
        audit log and queued for delivery, unless its idempotency key was used before (a replay, or a
        conflict) or the record it amends has been amended already (refused)."""
        outcomes: list[Submitted | SharewiseError | _Pending | _SameKey] = []
        with self.store.writing() as connection:
            head = self.store.lock_for_append(connection)  # from here on, every earlier commit is visible
            earlier = self._used_keys(connection, batch)
            first_of_key: dict[tuple[str, str], _Pending] = {}
            amended_here: dict[str, str] = {}
            for pending in batch:
                record = pending.record
                key = (record.host, record.idempotency_key) if record.idempotency_key is not None else None
                try:
                    if key in earlier:
                        outcomes.append(_replay(earlier[key], pending.request_hash, key[1]))  # type: ignore[index]
                        continue
                    if key in first_of_key:  # the same key twice in this batch: the first one stands
                        outcomes.append(_SameKey(first_of_key[key], pending.request_hash, key[1]))  # type: ignore[index]
                        continue
                    if pending.supersedes is not None:
                        _check_not_amended(amended_here, pending.supersedes)
                        _check_still_latest(self.store, connection, pending.supersedes)
                        amended_here[pending.supersedes.id] = record.id
                except SharewiseError as refused:
                    outcomes.append(refused)
                    continue
                if key is not None:
                    first_of_key[key] = pending
                outcomes.append(pending)
            stored = self._append(connection, [outcome for outcome in outcomes if isinstance(outcome, _Pending)], head)
        return [_outcome(outcome, stored) for outcome in outcomes]

    def _used_keys(self, connection: Any, batch: Sequence[_Pending]) -> dict[tuple[str, str], tuple[Record, str | None]]:
        keys_by_host: dict[str, set[str]] = {}
        for pending in batch:
            if pending.record.idempotency_key is not None:
                keys_by_host.setdefault(pending.record.host, set()).add(pending.record.idempotency_key)
        return {
            (host, key): found
            for host, keys in keys_by_host.items()
            for key, found in self.store.find_idempotent_many(connection, host, keys).items()
        }

    def _append(self, connection: Any, accepted: list[_Pending], head: tuple[int, str]) -> dict[int, tuple[Record, str]]:
        """Audit entries, records and outbox rows for the accepted records; each stored record (with its
        audit sequence number) and request hash, by ``id()`` of its ``_Pending``."""
        if not accepted:  # only replays and refusals: nothing to write
            return {}
        entries = audit.append_many(connection, [_creation_entry(pending) for pending in accepted], head=head)
        stored = {
            id(pending): (replace(pending.record, created_seq=entry.seq), pending.request_hash)
            for pending, entry in zip(accepted, entries, strict=True)
        }
        self.store.insert_records(connection, list(stored.values()))
        outbox.enqueue(connection, [(pending.record.id, pending.record.host, pending.now) for pending in accepted])
        return stored

    def amend(
        self,
        record_id: str,
        answers: Any,
        *,
        reason: str,
        acknowledged: Iterable[str] = (),
        idempotency_key: str | None = None,
        author: Mapping[str, Any] | None = None,
        host: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Submitted:
        """Correct a record: a new record superseding it, with a reason; both stay readable."""
        if not reason or not reason.strip():
            raise InvalidInput("an amendment needs a reason: say what was wrong and what changed")
        if UNSTORABLE.search(reason):  # like a text answer: stored, and exported as XML, which cannot carry them
            raise InvalidInput("the amendment reason must not hold control characters such as NUL (tabs and new lines are fine)")
        original = self.store.get(record_id, host=host)
        if idempotency_key is not None:
            with self.store.reading() as connection:
                earlier = self.store.find_idempotent(connection, original.host, idempotency_key)
            if earlier is not None:
                acks = sorted(set(acknowledged))
                context = context if context is not None else original.context
                wanted = _request_hash(
                    original.form_id, original.form_version, answers, acks, context, original.id, reason.strip()
                )
                return _replay(earlier, wanted, idempotency_key)
        if original.disposal is not None:
            raise AmendmentRefused(f"record {record_id} has been disposed of under retention and cannot be amended")
        if original.superseded_by is not None:
            latest = self.store.chain(record_id, host=host)[-1].id
            raise _already_amended(record_id, latest)
        return self._check_and_store(
            original.form_id,
            answers,
            acknowledged=acknowledged,
            idempotency_key=idempotency_key,
            author=author,
            host=original.host,
            context=context if context is not None else original.context,
            version=original.form_version,
            supersedes=original,
            reason=reason.strip(),
        )

    def _record(
        self,
        evaluation: Evaluation,
        answers: Mapping[str, Any],
        warnings: list[str],
        acknowledged: list[str],
        author: Mapping[str, Any] | None,
        host: str,
        context: Mapping[str, Any] | None,
        now: dt.datetime,
        supersedes: Record | None,
        reason: str | None,
        idempotency_key: str | None,
    ) -> Record:
        retention = evaluation.outcome.get("retention") or {
            "class": FALLBACK_RETENTION[0],
            "review_on": add_years(now.date(), FALLBACK_RETENTION[1]).isoformat(),
        }
        fields: dict[str, Any] = {  # the content fields (CONTENT_FIELDS): hashed as Record.content() would be, built once
            "id": str(uuid.uuid4()),
            "form_id": evaluation.form_id,
            "form_version": evaluation.form_version,
            "answers": {key: value for key, value in answers.items() if not is_unanswered(value)},
            "findings": [finding.to_dict() for finding in evaluation.findings],
            "acknowledged_warnings": acknowledged,
            "outcome": dict(evaluation.outcome),
            "plugins": {info.name: info.version for info in self.engine.plugins},
            "author": dict(author or {}),
            "host": host,
            "context": dict(context or {}),
            "created_at": iso_utc(now),
            "review_required": bool(warnings),
            "retention_class": retention["class"],
            "review_on": retention["review_on"],
            "supersedes": supersedes.id if supersedes else None,
            "amendment_reason": reason,
        }
        return Record(**fields, idempotency_key=idempotency_key, content_hash=content_hash(fields))


def _request_hash(
    form_id: str,
    version: int | None,
    answers: Any,
    acknowledged: list[str],
    context: Mapping[str, Any] | None,
    supersedes: str | None,
    reason: str | None,
) -> str:
    """What identifies a request for its idempotency key: the same key with another request is a conflict."""
    request = {
        "form_id": form_id,
        "version": version,
        "answers": answers,
        "acknowledged": acknowledged,
        "context": dict(context or {}),
        "supersedes": supersedes,
        "reason": reason,
    }
    return content_hash(request)


def _check_acknowledgements(evaluation: Evaluation, acknowledged: list[str]) -> list[str]:
    """The warning rule ids; refuse if there are errors, unacknowledged warnings, or acknowledgements of
    warnings that are not there."""
    if not evaluation.valid:
        errors = evaluation.by_severity("error")
        raise SubmissionRefused(f"the answers have {len(errors)} error{'s' if len(errors) != 1 else ''} to correct", evaluation)
    warnings = list(dict.fromkeys(f.rule for f in evaluation.by_severity("warning")))
    missing = [rule for rule in warnings if rule not in acknowledged]
    unexpected = [rule for rule in acknowledged if rule not in warnings]
    if missing:
        raise SubmissionRefused(
            f"acknowledge each warning before submitting: {', '.join(missing)}",
            evaluation,
            unacknowledged=missing,
            unexpected=unexpected,
        )
    if unexpected:
        raise SubmissionRefused(
            f"these acknowledged rules gave no warning on these answers: {', '.join(unexpected)}",
            evaluation,
            unexpected=unexpected,
        )
    return warnings


@dataclass(frozen=True, eq=False)
class _Pending:
    """A checked record waiting to be stored, with what its idempotency key and amendment need."""

    record: Record
    request_hash: str
    now: dt.datetime
    supersedes: Record | None


def _creation_entry(pending: _Pending) -> audit.NewEntry:
    record = pending.record
    return audit.NewEntry(
        "amended" if pending.supersedes else "created",
        record_id=record.id,
        actor=str(record.author.get("id") or record.author.get("name") or record.host),
        detail={
            "record_hash": record.content_hash,
            "form_id": record.form_id,
            "form_version": record.form_version,
            "supersedes": record.supersedes,
        },
        at=pending.now,
    )


@dataclass(frozen=True)
class _SameKey:
    """A request whose idempotency key an earlier request of the same batch used."""

    first: _Pending
    request_hash: str
    key: str


def _outcome(
    outcome: Submitted | SharewiseError | _Pending | _SameKey, stored: Mapping[int, tuple[Record, str]]
) -> Submitted | SharewiseError:
    """What the caller gets: its stored record, or the record stored for the same key earlier in the batch
    (a replay, or a conflict if the requests differ), or its refusal."""
    if isinstance(outcome, _Pending):
        return Submitted(stored[id(outcome)][0])
    if isinstance(outcome, _SameKey):
        try:
            return _replay(stored[id(outcome.first)], outcome.request_hash, outcome.key)
        except IdempotencyConflict as conflict:
            return conflict
    return outcome


def _replay(earlier: tuple[Record, str | None], request_hash: str, key: str) -> Submitted:
    record, earlier_hash = earlier
    if earlier_hash != request_hash:
        raise IdempotencyConflict(f"idempotency key '{key}' was already used for a different submission (record {record.id})")
    return Submitted(record, replayed=True)


def _already_amended(record_id: str, latest: str) -> AmendmentRefused:
    return AmendmentRefused(f"record {record_id} has already been amended: amend the latest version, {latest}")


def _check_not_amended(amended_here: Mapping[str, str], original: Record) -> None:
    """Refuse a second amendment of the same record in one batch (the first one is its latest version)."""
    if original.id in amended_here:
        raise _already_amended(original.id, amended_here[original.id])


def _check_still_latest(store: Store, connection: Any, original: Record) -> None:
    current = store.get(original.id, connection=connection)
    while current.superseded_by is not None:
        current = store.get(current.superseded_by, connection=connection)
    if current.id != original.id:
        raise _already_amended(original.id, current.id)


def _bounded(what: str, value: Any, limit: int) -> None:
    """Refuse a value the database could not store, naming it."""
    if value is not None and (not isinstance(value, str) or not 1 <= len(value) <= limit):
        raise InvalidInput(f"the {what} must be text of 1 to {limit} characters")
    if value is not None and "\x00" in value:  # PostgreSQL cannot store NUL in text
        raise InvalidInput(f"the {what} must not hold NUL characters")
