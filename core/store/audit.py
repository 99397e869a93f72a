"""The append-only, hash-chained audit log.

Each entry's ``hash`` is ``sha256(prev_hash ‖ canonical JSON of {seq, at, action, record_id,
actor, detail})``. Appends are serialised by locking the single ``audit_head`` row, so sequence
numbers follow commit order and the chain never forks. ``verify`` walks the whole log in one
streaming pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from sharewise.core.canonical import GENESIS_HASH, chained_hash
from sharewise.core.store.schema import audit_head, audit_log

ACTIONS = frozenset({"created", "amended", "viewed", "exported", "delivered", "purged", "held", "released", "reviewed"})
CREATING = ("created", "amended")
STREAM_BATCH = 20_000


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the log."""

    seq: int
    at: dt.datetime
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
            "at": self.at.isoformat(timespec="microseconds"),
            "action": self.action,
            "record_id": self.record_id,
            "actor": self.actor,
            "detail": dict(self.detail),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def hashed_content(
    seq: int, at: dt.datetime, action: str, record_id: str | None, actor: str, detail: Mapping[str, Any]
) -> dict[str, Any]:
    """The part of an entry its hash covers."""
    return {
        "seq": seq,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "action": action,
        "record_id": record_id,
        "actor": actor,
        "detail": detail,
    }


def append(
    connection: Connection, action: str, *, record_id: str | None, actor: str, detail: Mapping[str, Any], at: dt.datetime
) -> AuditEntry:
    """Append one entry inside the caller's transaction (which commits it with the change it records)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    head = connection.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()).one()
    seq = head.seq + 1
    at = at.astimezone(dt.UTC)
    entry_hash = chained_hash(head.hash, hashed_content(seq, at, action, record_id, actor, detail))
    connection.execute(
        audit_log.insert().values(
            seq=seq,
            at=at,
            action=action,
            record_id=record_id,
            actor=actor,
            detail=dict(detail),
            prev_hash=head.hash,
            hash=entry_hash,
        )
    )
    connection.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=entry_hash))
    return AuditEntry(seq, at, action, record_id, actor, dict(detail), head.hash, entry_hash)


def entries(connection: Connection, *, record_id: str | None = None, limit: int | None = None) -> list[AuditEntry]:
    """Entries in order (for one record, or the last ``limit`` of the whole log)."""
    query = select(audit_log)
    if record_id is not None:
        query = query.where(audit_log.c.record_id == record_id).order_by(audit_log.c.seq)
    else:
        query = query.order_by(audit_log.c.seq.desc()).limit(limit) if limit else query.order_by(audit_log.c.seq)
    rows = [AuditEntry(**row._mapping) for row in connection.execute(query)]
    return sorted(rows, key=lambda entry: entry.seq)


@dataclass
class ChainReport:
    """What a walk of the chain found: the entry count, the hash each record should have, and the
    first problem (``None`` when intact)."""

    count: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    problem: str | None = None
    record_hashes: dict[str, str] | None = None
    disposed: dict[str, str | None] | None = None


def walk_chain(connection: Connection) -> ChainReport:
    """Check every entry's sequence, link and hash, in one streaming pass; collect each record's
    expected hash (from its created/amended entry, or from its purged entry after disposal)."""
    report = ChainReport(record_hashes={}, disposed={})
    expected_seq, prev = 1, GENESIS_HASH
    result = connection.execution_options(yield_per=STREAM_BATCH).execute(select(audit_log).order_by(audit_log.c.seq))
    for row in result:
        seq, entry_hash = row.seq, row.hash
        if seq != expected_seq:
            report.problem = (
                f"audit entry {expected_seq} is missing (deleted?): the next entry is {seq}"
                if seq > expected_seq
                else f"audit entry {seq} appears out of order after entry {expected_seq - 1}"
            )
            return report
        if row.prev_hash != prev:
            report.problem = f"audit entry {seq} does not follow entry {seq - 1}: the chain was reordered or an entry replaced"
            return report
        if chained_hash(prev, hashed_content(seq, row.at, row.action, row.record_id, row.actor, row.detail)) != entry_hash:
            report.problem = f"audit entry {seq} ({row.action}) has been altered: its content no longer matches its hash"
            return report
        if row.action in CREATING:
            report.record_hashes[row.record_id] = row.detail.get("record_hash")
        elif row.action == "purged":
            report.disposed[row.record_id] = row.detail.get("remaining_hash")
        report.count, prev, expected_seq = seq, entry_hash, seq + 1
    head = connection.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    report.head_seq, report.head_hash = head.seq, head.hash
    if (head.seq, head.hash) != (report.count, prev):
        report.problem = (
            f"the audit log ends at entry {report.count} but its head records entry {head.seq}: "
            "entries were removed from the end, or the head was altered"
        )
    return report
