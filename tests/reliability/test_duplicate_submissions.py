"""Duplicate submissions with one Idempotency-Key (issue 8, item 1): several clients send the same
decision with the same key at the same moment, over real HTTP, to the bridge under gunicorn with two
worker processes (so the duplicates race in different processes, on SQLite as on PostgreSQL).

Exactly one is recorded (201); every other gets that record back (200, ``Idempotent-Replayed``); one
record, one "created" entry, one outbox row per key. The same key with a different body is refused
with 422 in the one error shape — also when the two bodies race each other — and stores nothing more.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from bridge_processes import BridgeProcess, submission
from delivery_helpers import Receiver, rows

from sharewise.core.store.store import Store

CLIENTS = 8
ROUNDS = 4


def race(url: str, api_key: str, key: str, bodies: Sequence[dict[str, Any]]) -> list[httpx.Response]:
    """POST each body with the same key, all at once (each client's connection opened beforehand)."""
    start = threading.Barrier(len(bodies))
    headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": key}

    def send(body: dict[str, Any]) -> httpx.Response:
        with httpx.Client(trust_env=False, timeout=30) as client:
            assert client.get(f"{url}/livez").status_code == 200
            start.wait(30)
            return client.post(f"{url}/api/v1/records", json=body, headers=headers)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


def check_refused(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) <= {"code", "status", "message", "errors"} and body["code"] == 422, body
    assert "idempotency key" in body["message"], body


def test_one_key_sent_by_several_clients_at_once_records_one_decision(
    store: Store,
    database_url: str,
    add_host: Callable[..., Any],
    receiver: Receiver,
    start_bridge: Callable[..., BridgeProcess],
    base_answers: dict[str, Any],
) -> None:
    host = add_host(webhook=receiver.url)
    bridge = start_bridge(database_url, workers=2, threads=CLIENTS)
    record_of: dict[str, str] = {}

    for round_ in range(ROUNDS):
        key = f"same-{round_}"
        responses = race(bridge.url, host.api_key, key, [submission(base_answers, key)] * CLIENTS)
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * (CLIENTS - 1) + [201], [r.text[:200] for r in responses if r.status_code not in (200, 201)]
        assert len({r.json()["id"] for r in responses}) == 1, "the duplicates made more than one record"
        assert all(r.headers.get("Idempotent-Replayed") == "true" for r in responses if r.status_code == 200)
        assert len({r.content for r in responses}) == 1, "every client gets the same record back"
        record_of[key] = responses[0].json()["id"]

    # the same key, two different bodies, racing: one wins; the other body is refused
    bodies = [submission(base_answers, "version A" if n % 2 else "version B") for n in range(CLIENTS)]
    responses = race(bridge.url, host.api_key, "contested", bodies)
    (winner,) = [n for n, r in enumerate(responses) if r.status_code == 201]
    for body, response in zip(bodies, responses, strict=True):
        if body == bodies[winner]:
            assert response.status_code in (200, 201) and response.json()["id"] == responses[winner].json()["id"]
        else:
            check_refused(response)
    record_of["contested"] = responses[winner].json()["id"]
    assert store.get(record_of["contested"]).context == bodies[winner]["context"], "the winner's decision is the one kept"

    # the same key again later, with a different body
    with httpx.Client(trust_env=False, timeout=30) as client:
        later = client.post(
            f"{bridge.url}/api/v1/records",
            json=submission(base_answers, "another decision"),
            headers={"Authorization": f"Bearer {host.api_key}", "Idempotency-Key": "same-0"},
        )
    check_refused(later)

    stored = {record.id: record.idempotency_key for record in store.iter_records()}
    assert stored == {record_id: key for key, record_id in record_of.items()}, "one record per key, nothing more"
    created = collections.Counter(e.record_id for e in store.audit_entries() if e.action == "created")
    assert created == collections.Counter(record_of.values()), "one 'created' entry per record"
    assert sorted(d.record_id for d in rows(store)) == sorted(record_of.values()), "one delivery queued per record"
    result = store.verify()
    assert result.intact, result.problem
