"""A host endpoint down for hours (issue 8, item 1), travelled through in test time: decisions are
submitted through the bridge over real HTTP every 20 minutes while the host's webhook answers 503 for
five hours; the relay (on the same hand-moved clock) keeps retrying on the backoff schedule.

Once the host is back it receives every record — each exactly once, in the order the backoff had
scheduled them (not the order they were submitted), each within the backoff cap of its return, under
the one webhook-id it always had, signed, and exactly as stored. (tests/delivery covers the single
relay on a few records; this is many records, submitted while the host is down, and the order.)
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import httpx
from delivery_helpers import Clock, Receiver, delivered_entries, rows, verify
from time_travel import post_decision, settle, travel
from werkzeug import Response

from sharewise.adapters.delivery.relay import Relay
from sharewise.adapters.exports.record_json import record_to_json
from sharewise.core import outbox
from sharewise.core.store.store import Store

DOWN_FOR = dt.timedelta(hours=5)
EVERY = dt.timedelta(minutes=20)
ROUNDS, PER_ROUND = 8, 2
#: Clock readings are stored to the microsecond; allow for rounding when comparing waits.
SLACK = dt.timedelta(seconds=1)


def ceiling(attempts: int) -> dt.timedelta:
    """The longest wait after ``attempts`` failed attempts (docs: exponential from 30 s, capped at 6 h)."""
    return min(outbox.MAX_DELAY, outbox.BASE_DELAY * 2 ** (attempts - 1))


def test_a_host_down_for_hours_then_receives_everything_in_backoff_order_each_once(
    store: Store,
    relay: Relay,
    add_host: Callable[..., Any],
    receiver: Receiver,
    travelling_bridge: Any,
    clock: Clock,
    base_answers: dict[str, Any],
    http: httpx.Client,
) -> None:
    host = add_host(webhook=receiver.url)
    back_at = clock() + DOWN_FOR
    receiver.respond = lambda r: Response(status=503 if r.at < back_at else 204)
    submitted_at: dict[str, dt.datetime] = {}
    for round_ in range(ROUNDS):
        for n in range(PER_ROUND):
            record = post_decision(http, travelling_bridge.url, host.api_key, f"down-{round_}-{n}", base_answers)
            submitted_at[record["id"]] = clock()
        travel(relay, clock, store, clock() + EVERY)
    travel(relay, clock, store, back_at)
    waiting = sorted((d for d in rows(store) if d.state == outbox.PENDING), key=lambda d: (d.next_attempt_at, d.id))
    assert len(waiting) == len(submitted_at) and not receiver.by_webhook_id().keys() - {d.webhook_id for d in waiting}
    settle(relay, clock, store, within=outbox.MAX_DELAY + dt.timedelta(minutes=1))

    assert {d.state for d in rows(store)} == {outbox.DELIVERED}
    successes = [r for r in receiver.received if r.at >= back_at]
    assert [r.json()["id"] for r in successes] == [d.record_id for d in waiting], "delivered in the order of their backoff"
    assert [r.json()["id"] for r in successes] != list(submitted_at), "(this order differs from the submission order)"
    assert max(r.at for r in successes) <= back_at + outbox.MAX_DELAY, "each within the backoff cap of the host's return"
    webhook_id = {d.record_id: d.webhook_id for d in rows(store)}
    by_record = receiver.by_record()
    assert sorted(by_record) == sorted(submitted_at), "every record arrived"
    for record_id, arrivals in by_record.items():
        assert [a.at >= back_at for a in arrivals] == [False] * (len(arrivals) - 1) + [True], "received once, once back"
        assert arrivals[0].at == submitted_at[record_id], "first attempted when submitted"
        assert {a.webhook_id for a in arrivals} == {webhook_id[record_id]}, "one webhook-id for every attempt"
        assert {a.body for a in arrivals} == {arrivals[0].body}
        for attempts, (before, after) in enumerate(itertools.pairwise(arrivals), start=1):
            wait = after.at - before.at
            assert ceiling(attempts) / 2 - SLACK <= wait <= ceiling(attempts) + SLACK, (
                f"attempt {attempts + 1} came {wait} after attempt {attempts}: not on the backoff schedule"
            )
        assert arrivals[-1].json() == record_to_json(store.get(record_id)), "exactly as stored"
        verify(host.webhook_secret, arrivals[-1])
        (entry,) = delivered_entries(store, record_id)
        assert entry.detail["attempt"] == len(arrivals)
    assert len(receiver.received) > 5 * len(submitted_at), "retried while the host was down"
    result = store.verify()
    assert result.intact, result.problem
