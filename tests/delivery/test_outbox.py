"""The transactional outbox (issue 6, item 5): a record and its delivery rows are written together,
one row per target; rows are claimed with a lease; failed attempts back off exponentially with
jitter, capped; the last attempt makes a dead letter; replay requeues it.

These tests drive ``sharewise.core.outbox`` directly (no HTTP); the relay is tested in the other files.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections.abc import Callable
from typing import Any

import pytest
from delivery_helpers import CORE, HOST, Clock, leases, rows

from sharewise.core import outbox
from sharewise.core.hosts import HostRegistry
from sharewise.core.record import Record
from sharewise.core.store.store import Store
from sharewise.core.submission import Recorder, SubmissionRefused

WEBHOOK = "https://cases.example.org/hooks/sharewise"


# ------------------------------------------------------------------------------ written with the record


def test_a_record_and_its_webhook_row_are_written_together(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], clock: Clock
) -> None:
    add_host(webhook=WEBHOOK)

    (record,) = submit()

    (row,) = rows(store)
    assert (row.record_id, row.host, row.target, row.state, row.attempts) == (record.id, HOST, "webhook", outbox.PENDING, 0)
    assert row.next_attempt_at == clock() == row.created_at, "due at once"
    assert row.webhook_id.startswith("msg_") and len(row.webhook_id) > 10
    assert row.last_status is None and row.last_error is None and row.delivered_at is None
    assert outbox.counts(store) == {outbox.PENDING: 1}


def test_one_row_per_target_webhook_and_drop(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], tmp_path: Any
) -> None:
    add_host(webhook=WEBHOOK, drop_dir=str(tmp_path))

    records = submit(3)

    found = rows(store)
    assert sorted((d.record_id, d.target) for d in found) == sorted((r.id, t) for r in records for t in ("webhook", "drop"))
    assert len({d.webhook_id for d in found}) == len(found) == 6, "every row has its own webhook id"


def test_a_drop_only_host_gets_one_drop_row(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], tmp_path: Any
) -> None:
    add_host(drop_dir=str(tmp_path))
    (record,) = submit()
    assert [(d.record_id, d.target) for d in rows(store)] == [(record.id, "drop")]


def test_a_host_without_targets_gets_no_rows(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]]
) -> None:
    add_host()  # pulls the feed instead
    submit(2)
    assert store.count() == 2
    assert rows(store) == []


def test_an_unregistered_host_gets_no_rows(store: Store, submit: Callable[..., list[Record]]) -> None:
    submit(1, host="local")
    assert store.count() == 1
    assert rows(store) == []


def test_rows_go_only_to_the_records_host(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]]
) -> None:
    add_host("host-a", webhook=WEBHOOK)
    add_host("host-b", webhook=WEBHOOK + "/b")
    (a,) = submit(1, host="host-a")
    (b,) = submit(1, host="host-b")
    assert sorted((d.host, d.record_id) for d in rows(store)) == sorted([("host-a", a.id), ("host-b", b.id)])


def test_a_refused_submission_writes_no_row(
    store: Store, add_host: Callable[..., Any], recorder: Recorder, base_answers: dict[str, Any]
) -> None:
    add_host(webhook=WEBHOOK)
    invalid = {key: value for key, value in base_answers.items() if key != "decision"}

    with pytest.raises(SubmissionRefused):
        recorder.submit(CORE, invalid, host=HOST, idempotency_key="refused-1")
    with pytest.raises(SubmissionRefused):  # an unacknowledged warning (ISD-19: sent by letter)
        recorder.submit(CORE, {**base_answers, "share_method": "letter"}, host=HOST, idempotency_key="refused-2")

    assert store.count() == 0
    assert rows(store) == []


def test_an_idempotent_replay_adds_no_row(
    store: Store, add_host: Callable[..., Any], recorder: Recorder, base_answers: dict[str, Any], tmp_path: Any
) -> None:
    add_host(webhook=WEBHOOK, drop_dir=str(tmp_path))
    first = recorder.submit(CORE, base_answers, host=HOST, idempotency_key="same-key")
    again = recorder.submit(CORE, base_answers, host=HOST, idempotency_key="same-key")

    assert again.replayed and again.record.id == first.record.id
    assert sorted(d.target for d in rows(store)) == ["drop", "webhook"]


def test_record_and_row_are_one_transaction(
    store: Store, add_host: Callable[..., Any], recorder: Recorder, base_answers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """If writing the outbox row fails, the record is not stored either (nor its audit entry)."""
    add_host(webhook=WEBHOOK)

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("outbox write failed")

    monkeypatch.setattr(outbox, "enqueue", broken)
    with pytest.raises(RuntimeError, match="outbox write failed"):
        recorder.submit(CORE, base_answers, host=HOST, idempotency_key="atomic")

    assert store.count() == 0
    assert [e.action for e in store.audit_entries()] == []
    assert rows(store) == []
    assert store.verify().intact

    monkeypatch.undo()
    record = recorder.submit(CORE, base_answers, host=HOST, idempotency_key="atomic").record  # the retry goes through
    assert [d.record_id for d in rows(store)] == [record.id]


# ------------------------------------------------------------------------------------------ leases


def test_claim_leases_rows_until_the_lease_ends(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], clock: Clock
) -> None:
    add_host(webhook=WEBHOOK)
    records = submit(3)
    start = clock()

    claimed = outbox.claim(store, owner="relay-a", now=start)
    assert sorted(d.record_id for d in claimed) == sorted(r.id for r in records)
    assert {leases(store)[d.id] for d in claimed} == {("relay-a", start + outbox.LEASE)}

    assert outbox.claim(store, owner="relay-b", now=start) == []
    assert outbox.claim(store, owner="relay-b", now=start + outbox.LEASE - dt.timedelta(seconds=1)) == []
    assert outbox.claim(store, owner="relay-a", now=start + outbox.LEASE / 2) == [], "not even the holder claims twice"

    later = start + outbox.LEASE + dt.timedelta(seconds=1)
    again = outbox.claim(store, owner="relay-b", now=later)
    assert sorted(d.id for d in again) == sorted(d.id for d in claimed)
    assert {d.webhook_id for d in again} == {d.webhook_id for d in claimed}, "the webhook id never changes"
    assert {leases(store)[d.id] for d in again} == {("relay-b", later + outbox.LEASE)}


def test_claim_respects_the_limit_and_takes_the_oldest_due_first(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], clock: Clock
) -> None:
    add_host(webhook=WEBHOOK)
    records = []
    for _ in range(5):
        records += submit()
        clock.advance(seconds=1)

    first = outbox.claim(store, owner="a", now=clock(), limit=2)
    second = outbox.claim(store, owner="b", now=clock(), limit=10)

    assert [d.record_id for d in first] == [r.id for r in records[:2]]
    assert [d.record_id for d in second] == [r.id for r in records[2:]]


def test_rows_not_yet_due_are_not_claimed(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], clock: Clock
) -> None:
    add_host(webhook=WEBHOOK)
    submit()
    assert outbox.claim(store, owner="a", now=clock() - dt.timedelta(seconds=1)) == []
    assert len(outbox.claim(store, owner="a", now=clock())) == 1


def test_delivered_rows_are_never_claimed_again(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], clock: Clock
) -> None:
    add_host(webhook=WEBHOOK)
    submit()
    (delivery,) = outbox.claim(store, owner="a", now=clock())
    with store.writing() as connection:
        outbox.succeeded(connection, delivery, owner="a", status=204, now=clock())

    (row,) = rows(store)
    assert (row.state, row.attempts, row.last_status, row.delivered_at) == (outbox.DELIVERED, 1, 204, clock())
    assert outbox.claim(store, owner="b", now=clock() + dt.timedelta(days=30)) == []


# ---------------------------------------------------------------------------------------- backoff


def ceiling(attempts: int) -> float:
    """The documented schedule: exponential from 30 s, capped at 6 h."""
    return min(outbox.MAX_DELAY.total_seconds(), outbox.BASE_DELAY.total_seconds() * 2 ** (attempts - 1))


def test_the_schedule_constants() -> None:
    assert dt.timedelta(seconds=30) == outbox.BASE_DELAY
    assert dt.timedelta(hours=6) == outbox.MAX_DELAY
    assert outbox.MAX_ATTEMPTS == 16
    # retries span hours: even with the shortest jitter every time, the last attempt comes > 12 h after the first
    shortest = sum(ceiling(n) / 2 for n in range(1, outbox.MAX_ATTEMPTS))
    assert shortest > 12 * 3600


@pytest.mark.parametrize("attempts", range(1, outbox.MAX_ATTEMPTS + 3))
def test_backoff_grows_exponentially_within_the_jitter_bounds_and_is_capped(attempts: int) -> None:
    rng = random.Random(attempts)
    waits = [outbox.backoff(attempts, rng).total_seconds() for _ in range(300)]

    top = ceiling(attempts)
    assert all(top / 2 <= w <= top for w in waits), (attempts, min(waits), max(waits), top)
    assert max(waits) <= outbox.MAX_DELAY.total_seconds()
    assert len(set(waits)) > 250, "jittered, not a fixed delay"
    assert max(waits) - min(waits) > top / 4, "the jitter spreads over the range"


def test_backoff_means_double_until_the_cap() -> None:
    rng = random.Random(7)
    means = [statistics.mean(outbox.backoff(n, rng).total_seconds() for _ in range(400)) for n in range(1, 12)]
    for earlier, later, n in zip(means, means[1:], range(2, 12), strict=False):
        if ceiling(n) < outbox.MAX_DELAY.total_seconds():
            assert 1.7 < later / earlier < 2.3, (n, earlier, later)
    assert means[-1] == pytest.approx(0.75 * outbox.MAX_DELAY.total_seconds(), rel=0.05)


def test_a_failed_attempt_is_rescheduled_by_the_backoff(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], clock: Clock
) -> None:
    add_host(webhook=WEBHOOK)
    submit()
    for attempt in range(1, 6):
        (delivery,) = outbox.claim(store, owner="a", now=clock())
        state = outbox.failed(store, delivery, owner="a", status=503, error="HTTP 503", now=clock())
        assert state == outbox.PENDING
        (row,) = rows(store)
        wait = (row.next_attempt_at - clock()).total_seconds()
        assert ceiling(attempt) / 2 <= wait <= ceiling(attempt), (attempt, wait)
        assert (row.attempts, row.last_status, row.last_error) == (attempt, 503, "HTTP 503")
        assert leases(store)[row.id] == ("a", None), "the lease is released"
        assert outbox.claim(store, owner="a", now=row.next_attempt_at - dt.timedelta(seconds=1)) == []
        clock.to(row.next_attempt_at)


def test_retry_after_longer_than_the_backoff_wins(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], clock: Clock
) -> None:
    add_host(webhook=WEBHOOK)
    submit()
    (delivery,) = outbox.claim(store, owner="a", now=clock())
    outbox.failed(store, delivery, owner="a", status=429, error="HTTP 429", now=clock(), retry_after=dt.timedelta(hours=3))
    (row,) = rows(store)
    assert row.next_attempt_at >= clock() + dt.timedelta(hours=3)


# ------------------------------------------------------------------------------ dead letters, replay


def fail_until_dead(store: Store, clock: Clock) -> list[str]:
    states = []
    for _ in range(outbox.MAX_ATTEMPTS + 5):
        claimed = outbox.claim(store, owner="a", now=clock())
        if not claimed:
            break
        (delivery,) = claimed
        states.append(outbox.failed(store, delivery, owner="a", status=500, error="HTTP 500", now=clock()))
        clock.to(rows(store)[0].next_attempt_at)
    return states


def test_dead_after_max_attempts(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], clock: Clock
) -> None:
    add_host(webhook=WEBHOOK)
    submit()

    states = fail_until_dead(store, clock)

    assert states == [outbox.PENDING] * (outbox.MAX_ATTEMPTS - 1) + [outbox.DEAD]
    (row,) = rows(store)
    assert (row.state, row.attempts, row.last_status) == (outbox.DEAD, outbox.MAX_ATTEMPTS, 500)
    assert outbox.claim(store, owner="a", now=clock() + dt.timedelta(days=365)) == [], "a dead letter is not retried"
    assert [d.id for d in outbox.listing(store, state=outbox.DEAD)] == [row.id]
    assert outbox.counts(store) == {outbox.DEAD: 1}


def test_replay_requeues_dead_letters_with_fresh_attempts(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], clock: Clock
) -> None:
    add_host(webhook=WEBHOOK)
    submit(3)
    for delivery in outbox.claim(store, owner="a", now=clock()):
        with store.writing() as connection:
            outbox.dead_letter(connection, delivery, owner="a", status=410, error="gone")
    dead = rows(store)
    assert {d.state for d in dead} == {outbox.DEAD}

    assert outbox.replay(store, ids=[dead[0].id], now=clock()) == 1
    assert [d.state for d in rows(store)] == [outbox.PENDING, outbox.DEAD, outbox.DEAD]
    assert outbox.replay(store, ids=None, now=clock()) == 2

    replayed = rows(store)
    assert {(d.state, d.attempts) for d in replayed} == {(outbox.PENDING, 0)}
    assert [d.webhook_id for d in replayed] == [d.webhook_id for d in dead], "the same webhook id after replay"
    assert sorted(d.id for d in outbox.claim(store, owner="b", now=clock())) == [d.id for d in dead]


def test_replay_touches_only_dead_letters(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], clock: Clock
) -> None:
    add_host(webhook=WEBHOOK)
    submit(2)
    first, second = outbox.claim(store, owner="a", now=clock())
    with store.writing() as connection:
        outbox.succeeded(connection, first, owner="a", status=200, now=clock())
    outbox.failed(store, second, owner="a", status=500, error="HTTP 500", now=clock())
    before = rows(store)

    assert outbox.replay(store, ids=[first.id, second.id], now=clock()) == 0
    assert outbox.replay(store, ids=None, now=clock()) == 0
    assert rows(store) == before


def test_a_host_webhook_disabled_is_skipped_but_its_drops_are_not(
    store: Store, add_host: Callable[..., Any], submit: Callable[..., list[Record]], clock: Clock, tmp_path: Any
) -> None:
    add_host(webhook=WEBHOOK, drop_dir=str(tmp_path))
    (record,) = submit()
    registry = HostRegistry(store)
    with store.writing() as connection:
        registry.disable_webhook(connection, HOST, clock())

    assert [(d.record_id, d.target) for d in outbox.claim(store, owner="a", now=clock())] == [(record.id, "drop")]
    registry.enable_webhook(HOST)
    assert [(d.record_id, d.target) for d in outbox.claim(store, owner="a", now=clock())] == [(record.id, "webhook")]
