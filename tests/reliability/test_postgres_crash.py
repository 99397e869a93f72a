"""PostgreSQL stopped with ``pg_ctl stop -m immediate`` (issue 8, item 1), in a private cluster — never
the machine's shared server — while the bridge runs under gunicorn:

- under load: the cluster crashes twice while practitioners' systems submit over real HTTP, each
  decision retried with its Idempotency-Key until acknowledged; it is started again each time and the
  bridge, not restarted, carries on. Every acknowledged decision is then present exactly once, with its
  "created" audit entry and its outbox row; nothing unacknowledged was stored; the chain verifies.
- at one chosen moment: a submission whose checks are done when the database goes away (held there by
  a local plugin) is told to try again (503, the one error shape), not given a 500, and the retry with
  its key stores it once.
"""

from __future__ import annotations

import collections
import os
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from bridge_processes import RETRYABLE, BridgeProcess, Submitters, cli, real_now, submission, wait_for
from delivery_helpers import HOST, rows
from private_postgres import PrivateCluster

from sharewise.core.hosts import Credentials, HostRegistry
from sharewise.core.store.migrate import upgrade
from sharewise.core.store.store import Store

CRASHES = 2
SERVED_BEFORE_CRASH = 5
SERVED_AFTER_RECOVERY = 6
#: A local plugin (enabled by its dotted path) that holds the checks of a submission whose case reference
#: starts "hold-" until the test says go: the request has been authenticated and checked, not yet written.
HOLD_PLUGIN = """
import os, time
from pathlib import Path
from sharewise.core.hookspecs import hookimpl

GATES = Path(os.environ["RELIABILITY_GATES"])

@hookimpl
def sharewise_validate(form, answers, context):
    case = str(context.host.get("case_ref", ""))
    if case.startswith("hold-"):
        (GATES / f"{case}.held").touch()
        deadline = time.monotonic() + 30
        while not (GATES / f"{case}.go").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    return []
"""


def migrated(url: str) -> tuple[Store, Credentials]:
    store = Store(url)
    upgrade(store.engine)
    credentials = HostRegistry(store).add(
        HOST, origins=["https://cases.example.org"], webhook_url="https://cases.example.org/hook", now=real_now()
    )
    return store, credentials


def check_stored_once(store: Store, url: str, record_of: dict[str, str], context: str) -> None:
    """Exactly these records, each with one "created" entry and one outbox row; the chain verifies."""
    stored = {record.id: record for record in store.iter_records()}
    assert sorted(stored) == sorted(record_of.values()), f"stored records differ from those acknowledged ({context})"
    for key, record_id in record_of.items():
        assert stored[record_id].idempotency_key == key
    created = collections.Counter(e.record_id for e in store.audit_entries() if e.action == "created")
    assert created == collections.Counter(record_of.values()), "each record has exactly one 'created' entry"
    assert sorted(row.record_id for row in rows(store)) == sorted(record_of.values()), "one outbox row per record"
    verified = cli(url, "audit", "verify")
    assert verified.code == 0 and f" {len(record_of)} records" in verified.out, verified.out + verified.err


def test_nothing_acknowledged_is_lost_when_postgresql_stops_immediately_under_load(
    private_cluster: PrivateCluster, start_bridge: Callable[..., BridgeProcess], base_answers: dict[str, Any]
) -> None:
    seed = int(os.environ.get("SHAREWISE_TEST_SEED") or time.time_ns() % 1_000_000)
    rng = random.Random(seed)
    url = private_cluster.new_database()
    store, credentials = migrated(url)
    bridge = start_bridge(url, workers=2, threads=4)
    # only "try again" answers are retried: a 500 is a failure (see the next test)
    submitters = Submitters(bridge.url, credentials.api_key, base_answers, prefix="crash", threads=6, retryable=RETRYABLE).start()
    crashed_at: list[int] = []
    try:
        for _ in range(CRASHES):
            submitters.wait_for_more(SERVED_BEFORE_CRASH, 60, bridge.log)
            time.sleep(rng.uniform(0, 0.3))
            crashed_at.append(submitters.acknowledged())
            private_cluster.crash()
            time.sleep(rng.uniform(0.3, 1.0))  # the database is down: submissions are refused meanwhile
            private_cluster.start()
        submitters.wait_for_more(SERVED_AFTER_RECOVERY, 60, bridge.log)
    finally:
        acks = submitters.stop()
    context = f"seed {seed}; acknowledged before each crash {crashed_at}; outcomes {dict(submitters.seen)}"
    assert not submitters.problems, f"{context}\n" + "\n".join(submitters.problems[:10]) + bridge.logs()
    assert submitters.retries() >= CRASHES, f"no submission noticed the crashes: {context}"
    record_of = {ack.key: ack.record_id for ack in acks}
    assert len(record_of) == len(acks) == len(set(record_of.values())), context

    check_stored_once(store, url, record_of, context)
    result = store.verify()
    assert result.intact, result.problem
    store.close()


def test_a_submission_caught_between_its_checks_and_its_write_is_told_to_try_again(
    private_cluster: PrivateCluster, start_bridge: Callable[..., BridgeProcess], base_answers: dict[str, Any], tmp_path: Path
) -> None:
    gates, package = tmp_path / "gates", tmp_path / "plugins" / "reliability_gate"
    gates.mkdir()
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "hold.py").write_text(HOLD_PLUGIN)
    url = private_cluster.new_database()
    store, credentials = migrated(url)
    path = os.pathsep.join(filter(None, [str(tmp_path / "plugins"), os.environ.get("PYTHONPATH")]))
    plugin_env = {"SHAREWISE_PLUGINS": "reliability_gate.hold", "RELIABILITY_GATES": str(gates), "PYTHONPATH": path}
    bridge = start_bridge(url, workers=1, threads=4, env=plugin_env)
    headers = {"Authorization": f"Bearer {credentials.api_key}", "Idempotency-Key": "held-decision"}
    body = submission(base_answers, "hold-1")

    def post() -> httpx.Response:
        return httpx.post(f"{bridge.url}/api/v1/records", json=body, headers=headers, timeout=60, trust_env=False)

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(post)
        wait_for(lambda: (gates / "hold-1.held").exists(), 30, "the submission to be checked", bridge.log)
        private_cluster.crash()
        (gates / "hold-1.go").touch()
        response = pending.result(60)
    refused = (response.status_code, response.headers.get("content-type"), response.json().get("code"))
    private_cluster.start()
    retried = post()

    assert retried.status_code == 201, f"the first attempt stored nothing, so the retry is new: {retried.text}"
    check_stored_once(store, url, {"held-decision": retried.json()["id"]}, "one held submission")
    store.close()
    assert refused == (503, "application/json", 503), (
        f"the database went away after the checks: expected 503 (try again), got {response.status_code}: {response.text}"
        + bridge.logs()
    )
