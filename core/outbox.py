"""The transactional outbox: a row per delivery target, written in the same transaction as the record,
so a record is never stored without its deliveries nor delivered without being stored.

Relays claim due rows with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several relays can
run; SQLite runs one), deliver them outside the transaction, and record the result. A row keeps its
``webhook_id`` for ever, so a host can de-duplicate redeliveries.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select, update

from sharewise.core.store.prepared import PreparedSet
from sharewise.core.store.schema import hosts, outbox
from sharewise.core.store.store import Store

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
#: Retry schedule: exponential from 30 s, capped at 6 h, each wait drawn between half and all of its
#: ceiling ("equal jitter"); 16 attempts span about two days.
BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=6)
MAX_ATTEMPTS = 16
LEASE = dt.timedelta(minutes=2)
# Run on every submission: compiled once, run on the driver's cursor (see ``store.prepared``).
_TARGETS_OF_HOST = PreparedSet(select(hosts.c.webhook_url, hosts.c.drop_dir).where(hosts.c.name == bindparam("name")))
_NEW_ROW = ("webhook_id", "record_id", "host", "target", "state", "attempts", "next_attempt_at", "created_at")
_INSERT_ROW = PreparedSet(outbox.insert(), keys=_NEW_ROW)


@dataclass(frozen=True)
class Delivery:
    """One outbox row: a record to deliver to one target of one host."""

    id: int
    webhook_id: str
    record_id: str
    host: str
    target: str
    state: str
    attempts: int
    next_attempt_at: dt.datetime
    last_status: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "id": self.id,
            "webhook_id": self.webhook_id,
            "record_id": self.record_id,
            "host": self.host,
            "target": self.target,
            "state": self.state,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "last_status": self.last_status,
            "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
        }


def _delivery(row: Any) -> Delivery:
    data = row._mapping
    return Delivery(**{name: data[name] for name in Delivery.__dataclass_fields__})


def enqueue(connection: Connection, new_records: Sequence[tuple[str, str, dt.datetime]]) -> int:
    """For each new record ``(record_id, host_name, now)``, add a row for each of its host's delivery
    targets (webhook, drop directory), in one statement; return how many rows."""
    targets_of_host = _TARGETS_OF_HOST.on(connection)
    targets = {
        name: [
            target
            for webhook_url, drop_dir in targets_of_host.rows(connection, {"name": name})
            for target, configured in (("webhook", webhook_url), ("drop", drop_dir))
            if configured
        ]
        for name in {host_name for _, host_name, _ in new_records}
    }
    rows = [
        {
            "webhook_id": f"msg_{uuid.uuid4().hex}",
            "record_id": record_id,
            "host": host_name,
            "target": target,
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for record_id, host_name, now in new_records
        for target in targets.get(host_name, [])
    ]
    _INSERT_ROW.on(connection).run(connection, rows)
    return len(rows)


def claim(store: Store, *, owner: str, now: dt.datetime, limit: int = 20, lease: dt.timedelta = LEASE) -> list[Delivery]:
    """Lease up to ``limit`` due rows for this relay (skipping rows other relays hold, and webhooks of
    hosts that answered 410 Gone)."""
    disabled = select(hosts.c.name).where(hosts.c.webhook_disabled_at.is_not(None))
    query = (
        select(outbox)
        .where(
            outbox.c.state == PENDING,
            outbox.c.next_attempt_at <= now,
            or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now),
            or_(outbox.c.target != "webhook", outbox.c.host.not_in(disabled)),
        )
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    with store.writing() as connection:
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=outbox)
        rows = [_delivery(row) for row in connection.execute(query)]
        if rows:
            connection.execute(
                update(outbox).where(outbox.c.id.in_([r.id for r in rows])).values(lease_owner=owner, lease_until=now + lease)
            )
    return rows


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """The wait before the next attempt after ``attempts`` failures: equal jitter on an exponential."""
    ceiling = min(MAX_DELAY, BASE_DELAY * (2 ** max(attempts - 1, 0)))
    return dt.timedelta(seconds=(rng or random).uniform(ceiling.total_seconds() / 2, ceiling.total_seconds()))


def _held(delivery: Delivery, owner: str) -> Any:
    """Rows this relay still holds: pending and leased to ``owner`` (a relay whose lease ran out, and
    whose row another relay then took, changes nothing)."""
    return and_(outbox.c.id == delivery.id, outbox.c.lease_owner == owner, outbox.c.state == PENDING)


def still_held(store: Store, delivery: Delivery, *, owner: str, now: dt.datetime) -> bool:
    """Whether this relay's lease on the row is still good, checked just before attempting it."""
    with store.reading() as connection:
        row = connection.execute(select(outbox.c.lease_until).where(_held(delivery, owner))).first()
    return row is not None and row.lease_until is not None and row.lease_until > now


def release(store: Store, delivery: Delivery, *, owner: str) -> None:
    """Give a claimed row back untouched (its host's webhook was disabled meanwhile)."""
    with store.writing() as connection:
        connection.execute(update(outbox).where(_held(delivery, owner)).values(lease_owner=None, lease_until=None))


def succeeded(connection: Connection, delivery: Delivery, *, owner: str, status: int | None, now: dt.datetime) -> bool:
    """Mark a row delivered; ``False`` if this relay no longer held it."""
    values = {
        "state": DELIVERED,
        "attempts": delivery.attempts + 1,
        "last_status": status,
        "last_error": None,
        "delivered_at": now,
    }
    return connection.execute(update(outbox).where(_held(delivery, owner)).values(**values, lease_until=None)).rowcount == 1


def failed(
    store: Store,
    delivery: Delivery,
    *,
    owner: str,
    status: int | None,
    error: str,
    now: dt.datetime,
    retry_after: dt.timedelta | None = None,
) -> str:
    """Record a failed attempt: schedule the next (honouring Retry-After), or dead-letter it after the last.
    Returns the row's new state (unchanged if this relay no longer held it)."""
    attempts = delivery.attempts + 1
    state = DEAD if attempts >= MAX_ATTEMPTS else PENDING
    wait = max(backoff(attempts), retry_after or dt.timedelta(0))
    values = {
        "state": state,
        "attempts": attempts,
        "last_status": status,
        "last_error": error[:500],
        "next_attempt_at": now + wait,
    }
    with store.writing() as connection:
        changed = connection.execute(update(outbox).where(_held(delivery, owner)).values(**values, lease_until=None)).rowcount
    return state if changed else delivery.state


def dead_letter(connection: Connection, delivery: Delivery, *, owner: str | None, status: int | None, error: str) -> None:
    """Dead-letter a row at once (its endpoint is gone, or it can never be delivered)."""
    condition = _held(delivery, owner) if owner is not None else outbox.c.id == delivery.id
    values = {"state": DEAD, "attempts": delivery.attempts + 1, "last_status": status, "last_error": error[:500]}
    connection.execute(update(outbox).where(condition).values(**values, lease_until=None))


def listing(store: Store, *, state: str | None = None, host: str | None = None, limit: int = 100) -> list[Delivery]:
    """Outbox rows, newest first."""
    query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
    if state is not None:
        query = query.where(outbox.c.state == state)
    if host is not None:
        query = query.where(outbox.c.host == host)
    with store.reading() as connection:
        return [_delivery(row) for row in connection.execute(query)]


def replay(store: Store, *, ids: list[int] | None, now: dt.datetime) -> int:
    """Put dead letters (these ids, or all) back in the queue with a fresh set of attempts."""
    condition = and_(outbox.c.state == DEAD, outbox.c.id.in_(ids)) if ids is not None else outbox.c.state == DEAD
    with store.writing() as connection:
        return connection.execute(
            update(outbox).where(condition).values(state=PENDING, attempts=0, next_attempt_at=now, lease_until=None)
        ).rowcount


@dataclass(frozen=True)
class Backlog:
    """What waits in the outbox: rows still to deliver, dead letters, and when the oldest waiting row
    was enqueued (``None`` when nothing waits)."""

    pending: int
    dead: int
    oldest_pending: dt.datetime | None


def backlog(store: Store) -> Backlog:
    """The outbox's backlog, in one query (read at each metrics scrape)."""
    query = (
        select(outbox.c.state, func.count(), func.min(outbox.c.created_at))
        .where(outbox.c.state.in_([PENDING, DEAD]))
        .group_by(outbox.c.state)
    )
    with store.reading() as connection:
        found = {state: (count, oldest) for state, count, oldest in connection.execute(query)}
    pending, oldest = found.get(PENDING, (0, None))
    return Backlog(pending=pending, dead=found.get(DEAD, (0, None))[0], oldest_pending=oldest)


def counts(store: Store) -> Mapping[str, int]:
    """How many rows are in each state."""
    with store.reading() as connection:
        return dict(connection.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all())
