"""The bridge killed under load (issue 8, item 1): practitioners' systems submit concurrently over real
HTTP to the bridge under gunicorn, each decision retried with its Idempotency-Key until acknowledged,
while the whole gunicorn process group is SIGKILLed at random moments and restarted, K times; delivery
relays (``sharewise worker``: one on SQLite, two side by side on PostgreSQL) run throughout.

Afterwards every acknowledged decision is stored exactly once, with its "created" audit entry, and
nothing else is; ``sharewise audit verify`` passes; and the host's webhook received each record exactly
once, under the one webhook-id of its outbox row (with two relays on PostgreSQL: no double delivery).
"""

from __future__ import annotations

import collections
import os
import random
import time
from collections.abc import Callable
from typing import Any

from bridge_processes import BridgeProcess, Submitters, WorkerProcess, cli, real_now, wait_for
from delivery_helpers import Receiver, delivered_entries, rows, verify

from sharewise.adapters.exports.record_json import record_to_json
from sharewise.core import outbox
from sharewise.core.store.store import Store

KILLS = 3
#: Acknowledgements to wait for between (re)starting the bridge and killing it, and after the last restart.
SERVED_BEFORE_KILL = 3
SERVED_AT_THE_END = 6


def test_every_acknowledged_submission_survives_sigkill_of_the_bridge_and_is_delivered_once(
    store: Store,
    database_url: str,
    add_host: Callable[..., Any],
    receiver: Receiver,
    start_bridge: Callable[..., BridgeProcess],
    start_worker: Callable[[str], WorkerProcess],
    base_answers: dict[str, Any],
) -> None:
    seed = int(os.environ.get("SHAREWISE_TEST_SEED") or time.time_ns() % 1_000_000)
    rng = random.Random(seed)
    host = add_host(webhook=receiver.url)
    postgresql = store.engine.dialect.name == "postgresql"
    bridge = start_bridge(database_url, workers=1, threads=4)
    relays = [start_worker(database_url) for _ in range(2 if postgresql else 1)]
    submitters = Submitters(bridge.url, host.api_key, base_answers, prefix="killed", threads=4).start()
    kills: list[int] = []
    try:
        for _ in range(KILLS):
            submitters.wait_for_more(SERVED_BEFORE_KILL, 60, bridge.log)
            time.sleep(rng.uniform(0, 0.5))
            kills.append(submitters.acknowledged())
            bridge.kill()
            time.sleep(rng.uniform(0, 0.5))
            bridge.start()
        submitters.wait_for_more(SERVED_AT_THE_END, 60, bridge.log)
    finally:
        acks = submitters.stop()
    context = f"seed {seed}; acknowledged before each kill {kills}; outcomes {dict(submitters.seen)}"
    assert not submitters.problems, f"{context}\n" + "\n".join(submitters.problems[:10]) + bridge.logs()
    assert submitters.retries() >= KILLS, f"the kills never caught a submission: {context}"

    # stored exactly once, with the "created" entry, and nothing that was not acknowledged
    record_of = {ack.key: ack.record_id for ack in acks}
    assert len(record_of) == len(acks), "a key was acknowledged twice"
    assert len(set(record_of.values())) == len(acks), f"two decisions acknowledged as one record ({context})"
    stored = {record.id: record for record in store.iter_records()}
    assert sorted(stored) == sorted(record_of.values()), f"stored records differ from those acknowledged ({context})"
    for key, record_id in record_of.items():
        assert (stored[record_id].idempotency_key, stored[record_id].context) == (key, {"case_ref": key})
    created = collections.Counter(e.record_id for e in store.audit_entries() if e.action == "created")
    assert created == collections.Counter(record_of.values()), "each record has exactly one 'created' entry"
    verified = cli(database_url, "audit", "verify")
    assert verified.code == 0, verified.out + verified.err
    assert verified.out.startswith("intact:") and f" {len(acks)} records" in verified.out, verified.out

    # delivered, each once
    wait_for(
        lambda: outbox.counts(store) == {outbox.DELIVERED: len(acks)},
        60,
        f"the relays to deliver all {len(acks)} records",
        *(relay.log for relay in relays),
    )
    time.sleep(0.5)  # a second delivery by another relay would show up now
    assert [relay.stop() for relay in relays] == [0] * len(relays), "the relays stop cleanly on SIGTERM"
    webhook_id = {row.record_id: row.webhook_id for row in rows(store)}
    assert sorted(webhook_id) == sorted(record_of.values()), "one outbox row per record"
    by_record = receiver.by_record()
    assert sorted(by_record) == sorted(record_of.values()), "every acknowledged record reached the host"
    for record_id, arrivals in by_record.items():
        assert {a.webhook_id for a in arrivals} == {webhook_id[record_id]}, "a record delivered under two webhook-ids"
    assert receiver.by_webhook_id() == collections.Counter(webhook_id.values()), "a webhook-id delivered more than once"
    assert collections.Counter(e.record_id for e in delivered_entries(store)) == created, "one 'delivered' entry each"
    for arrival in receiver.received[:: max(1, len(receiver.received) // 5)]:
        verify(host.webhook_secret, arrival, at=real_now())
        assert arrival.json() == record_to_json(store.get(arrival.json()["id"])), "the record exactly as stored"
    for relay in relays:
        assert "Traceback" not in relay.log.read_text(), relay.log.read_text()
