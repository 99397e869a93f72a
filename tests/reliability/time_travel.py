"""Driving the relay through hours and days of test time: each attempt is made at the moment its row
falls due (the clock jumps from one due attempt to the next), as a relay polling without pause would.
And submitting through the bridge over real HTTP. (Importable from the tests: conftest.py puts this
directory on ``sys.path``.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import httpx
from bridge_processes import submission
from delivery_helpers import Clock, rows

from sharewise.adapters.delivery.relay import Relay
from sharewise.core import outbox
from sharewise.core.store.store import Store

#: More relay passes than any test here needs: a bound, so that a relay that never settles fails the test.
PASSES = 5_000
#: Rows claimed at once: more than any test here has due at one moment.
CLAIM = 1_000


def relay_pass(relay: Relay) -> int:
    """Attempt everything due now (as many claims as that takes); how many attempts were made."""
    total = attempted = relay.run_once(limit=CLAIM)
    while attempted == CLAIM:
        attempted = relay.run_once(limit=CLAIM)
        total += attempted
    return total


def travel(relay: Relay, clock: Clock, store: Store, until: dt.datetime) -> None:
    """Run the relay up to ``until``, moving the clock to each due attempt in turn; the clock ends at ``until``."""
    for _ in range(PASSES):
        relay_pass(relay)
        due = [d.next_attempt_at for d in rows(store) if d.state == outbox.PENDING]
        if not due or min(due) > until:
            clock.to(until)
            return
        clock.to(min(due))
    raise AssertionError(f"the relay did not get to {until} in {PASSES} passes")


def settle(relay: Relay, clock: Clock, store: Store, within: dt.timedelta) -> None:
    """Run the relay until nothing is pending (each row delivered or dead); fail if that takes longer than ``within``."""
    travel(relay, clock, store, clock() + within)
    pending = [d for d in rows(store) if d.state == outbox.PENDING]
    assert not pending, f"still pending after {within}: {[(d.record_id, d.attempts) for d in pending]}"


def post_decision(client: httpx.Client, url: str, api_key: str, key: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Submit a decision through ``POST /api/v1/records``; the record (asserting 201)."""
    headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": key}
    response = client.post(f"{url}/api/v1/records", json=submission(answers, key), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()
