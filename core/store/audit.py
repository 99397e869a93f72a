"""The append-only, hash-chained audit log.

Each entry stores ``body``, the canonical JSON of ``{seq, at, action, record_id, actor, detail}``,
and ``hash = sha256(prev_hash ‖ body)``. The columns ``seq``, ``at``, ``action``, ``record_id``
and ``actor`` repeat what the body says, for queries; verification checks that they agree with it.
Appends are serialised by locking the single ``audit_head`` row, so sequence numbers follow
commit order and the chain never forks. ``walk_chain`` checks the whole log in one streaming pass
over raw rows (about a million entries in seconds).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Text, bindparam, func, select, type_coerce, update

from sharewise.core.canonical import GENESIS_HASH, canonical_json
from sharewise.core.errors import InvalidInput
from sharewise.core.store.prepared import PreparedSet
from sharewise.core.store.schema import audit_head, audit_log

ACTIONS = frozenset(
    {"created", "amended", "imported", "viewed", "exported", "delivered", "purged", "held", "released", "reviewed"}
)
#: The entries that bring a record into this database, holding its content hash.
CREATING = frozenset({"created", "amended", "imported"})
STREAM_BATCH = 20_000
# Run on every submission: compiled once, run on the driver's cursor (see ``prepared``).
_INSERT_ENTRY = PreparedSet(audit_log.insert(), keys=[column.key for column in audit_log.columns])
_LOCK_HEAD = PreparedSet(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update())
_MOVE_HEAD = PreparedSet(
    update(audit_head).where(audit_head.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
ACTOR_LIMIT = 200


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the log."""

    seq: int
    at: str
    action: str
    record_id: str | None
    actor: str
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "seq": self.seq,
            "at": self.at,
            "action": self.action,
            "record_id": self.record_id,
            "actor": self.actor,
            "detail": dict(self.detail),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def entry_body(seq: int, at: dt.datetime, action: str, record_id: str | None, actor: str, detail: Mapping[str, Any]) -> str:
    """The canonical JSON text an entry's hash covers."""
    content = {
        "seq": seq,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "action": action,
        "record_id": record_id,
        "actor": actor,
        "detail": dict(detail),
    }
    return canonical_json(content).decode("utf-8")


def link(prev_hash: str, body: str) -> str:
    """``sha256(prev_hash ‖ body)`` as 64 hex digits."""
    return hashlib.sha256((prev_hash + body).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class NewEntry:
    """An entry to append: what happened, to which record, by whom, when."""

    action: str
    record_id: str | None
    actor: str
    detail: Mapping[str, Any]
    at: dt.datetime

    def check(self) -> None:
        """Refuse an unknown action or an actor's name the log cannot hold."""
        if self.action not in ACTIONS:
            raise ValueError(f"unknown audit action {self.action!r}")
        if not self.actor or len(self.actor) > ACTOR_LIMIT:
            raise InvalidInput(f"the actor's name for the audit log must be 1–{ACTOR_LIMIT} characters, not {len(self.actor)}")


def append(
    connection: Connection, action: str, *, record_id: str | None, actor: str, detail: Mapping[str, Any], at: dt.datetime
) -> AuditEntry:
    """Append one entry inside the caller's transaction (which commits it with the change it records)."""
    return append_many(connection, [NewEntry(action, record_id, actor, detail, at)])[0]


def lock_head(connection: Connection) -> tuple[int, str]:
    """Lock the head of the log for this transaction (appends queue behind it); its sequence number and hash."""
    (seq, head_hash), *_ = _LOCK_HEAD.on(connection).rows(connection)
    return int(seq), head_hash


def append_many(
    connection: Connection, new_entries: Sequence[NewEntry], *, head: tuple[int, str] | None = None
) -> list[AuditEntry]:
    """Append entries in order inside the caller's transaction: the head is locked, read and moved once
    (``head``: what ``lock_head`` returned earlier in this transaction, if the caller took the lock)."""
    for new in new_entries:
        new.check()
    seq, prev_hash = head if head is not None else lock_head(connection)
    rows, appended = [], []
    for new in new_entries:
        seq += 1
        at = new.at.astimezone(dt.UTC)
        body = entry_body(seq, at, new.action, new.record_id, new.actor, new.detail)
        entry_hash = link(prev_hash, body)
        rows.append(
            {"seq": seq, "at": at, "action": new.action, "record_id": new.record_id, "actor": new.actor, "body": body}
            | {"prev_hash": prev_hash, "hash": entry_hash}
        )
        appended.append(_entry(seq, body, prev_hash, entry_hash))
        prev_hash = entry_hash
    if rows:
        _INSERT_ENTRY.on(connection).run(connection, rows)
        _MOVE_HEAD.on(connection).run(connection, [{"new_seq": seq, "new_hash": prev_hash}])
    return appended


def _entry(seq: int, body: str, prev_hash: str, entry_hash: str) -> AuditEntry:
    content = json.loads(body)
    return AuditEntry(
        seq, content["at"], content["action"], content["record_id"], content["actor"], content["detail"], prev_hash, entry_hash
    )


def entries(connection: Connection, *, record_id: str | None = None, limit: int | None = None) -> list[AuditEntry]:
    """Entries in order (for one record, or the last ``limit`` of the whole log)."""
    columns = select(audit_log.c.seq, audit_log.c.body, audit_log.c.prev_hash, audit_log.c.hash)
    if record_id is not None:
        query = columns.where(audit_log.c.record_id == record_id).order_by(audit_log.c.seq)
    elif limit:
        query = columns.order_by(audit_log.c.seq.desc()).limit(limit)
    else:
        query = columns.order_by(audit_log.c.seq)
    return sorted((_entry(*row) for row in connection.execute(query)), key=lambda entry: entry.seq)


@dataclass
class ChainReport:
    """What a walk of the chain found: how many entries, the head, the first problem (``None`` when
    intact), each record's expected hash (from its created/amended entry) and, for records disposed
    of, the hash of what remains (``None`` when deleted)."""

    count: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    problem: str | None = None
    record_hashes: dict[str, str] = field(default_factory=dict)
    disposed: dict[str, str | None] = field(default_factory=dict)


def walk_chain(connection: Connection) -> ChainReport:
    """Check every entry's sequence, link, hash and columns against its body, in one pass."""
    report = ChainReport()
    expected_seq, prev = 1, GENESIS_HASH
    at_text, as_stored = _time_as_text(connection)
    raw = connection.execution_options(stream_results=True, yield_per=STREAM_BATCH).execute(
        select(
            audit_log.c.seq,
            at_text,
            audit_log.c.action,
            audit_log.c.record_id,
            audit_log.c.actor,
            audit_log.c.body,
            audit_log.c.prev_hash,
            audit_log.c.hash,
        ).order_by(audit_log.c.seq)
    )
    for seq, at, action, record_id, actor, body, prev_hash, entry_hash in raw:
        if seq != expected_seq:
            report.problem = (
                f"audit entry {expected_seq} is missing (deleted?): the next entry is {seq}"
                if seq > expected_seq
                else f"audit entry {seq} appears out of order after entry {expected_seq - 1}"
            )
            return report
        if prev_hash != prev:
            report.problem = f"audit entry {seq} does not follow entry {seq - 1}: the chain was reordered or an entry replaced"
            return report
        if link(prev, body) != entry_hash:
            report.problem = f"audit entry {seq} has been altered: its content no longer matches its hash"
            return report
        content = json.loads(body)
        written = (content["seq"], as_stored(content["at"]), content["action"], content["record_id"], content["actor"])
        if written != (seq, at, action, record_id, actor):
            report.problem = f"audit entry {seq} has been altered: its columns no longer match its hashed content"
            return report
        if action in CREATING:
            report.record_hashes[record_id] = content["detail"].get("record_hash")
        elif action == "purged":
            report.disposed[record_id] = content["detail"].get("remaining_hash")
        report.count, prev, expected_seq = seq, entry_hash, seq + 1
    head = connection.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    report.head_seq, report.head_hash = head.seq, head.hash
    if (head.seq, head.hash) != (report.count, prev):
        report.problem = (
            f"the audit log ends at entry {report.count} but its head records entry {head.seq}: "
            "entries were removed from the end, or the head was altered"
        )
    return report


def _time_as_text(connection: Connection) -> tuple[Any, Callable[[str], str]]:
    """The ``at`` column as text, and how to write a body's ISO time the same way — compared as
    strings, because converting a million timestamps to datetimes would dominate verification."""
    if connection.dialect.name == "postgresql":
        text = func.to_char(func.timezone("UTC", audit_log.c.at), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
        return text, _same
    return type_coerce(audit_log.c.at, Text), _sqlite_time


def _same(iso: str) -> str:
    return iso


def _sqlite_time(iso: str) -> str:
    """``2026-11-25T09:30:00.000000+00:00`` as SQLite stores UTC times: ``2026-11-25 09:30:00.000000``."""
    return iso[:10] + " " + iso[11:26] if iso.endswith("+00:00") and len(iso) == 32 else iso
