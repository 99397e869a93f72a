"""End to end over real HTTP both ways (issue 6, item 7): the bridge served by a real server with its
in-process relay (``create_app({..., "relay": True})``), the host as pytest-httpserver. The host is
registered with ``sharewise hosts add``, submits a decision through ``POST /api/v1/records``, and its
webhook receives the record, signed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cli_runs import run_main
from delivery_helpers import CORE, HOST, Receiver, delivered_entries, rows
from standardwebhooks import Webhook
from werkzeug.serving import make_server

from sharewise.adapters.bridge import create_app
from sharewise.adapters.exports.record_json import record_to_json
from sharewise.core import outbox
from sharewise.core.store.store import Store

ENVIRONMENT = ("SHAREWISE_DATABASE_URL", "SHAREWISE_PLUGINS", "SHAREWISE_ENV", "SHAREWISE_SECRET_KEY", "SHAREWISE_PUBLIC_URL")


@dataclass(frozen=True)
class Bridge:
    url: str
    app: Any


@pytest.fixture
def bridge(store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bridge]:
    """The bridge with its relay thread, served on 127.0.0.1 by a real (threaded) werkzeug server."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    app = create_app({"database_url": database_url, "environment": "development", "secret_key": "s" * 40, "relay": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="bridge-server", daemon=True)
    thread.start()
    try:
        yield Bridge(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(10)
        relay_thread, stop = app.extensions["sharewise-relay"]
        stop.set()
        relay_thread.join(10)
        assert not relay_thread.is_alive(), "the relay thread did not stop"
        app.extensions["sharewise"].store.close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=15) as session:
        yield session


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


def register(capsys: pytest.CaptureFixture[str], database_url: str, webhook: str) -> dict[str, str]:
    result = run_main(
        capsys,
        "--database",
        database_url,
        "hosts",
        "add",
        HOST,
        "--origin",
        "https://cases.example.org",
        "--webhook",
        webhook,
        "--json",
    )
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_a_submission_through_the_api_arrives_at_the_hosts_webhook(
    bridge: Bridge,
    store: Store,
    database_url: str,
    receiver: Receiver,
    client: httpx.Client,
    base_answers: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    credentials = register(capsys, database_url, receiver.url)
    assert credentials["webhook_secret"].startswith("whsec_")
    auth = {"Authorization": f"Bearer {credentials['api_key']}"}

    created = client.post(
        f"{bridge.url}/api/v1/records",
        json={"form_id": CORE, "answers": base_answers},
        headers={**auth, "Idempotency-Key": "e2e-decision-1"},
    )
    assert created.status_code == 201, created.text
    record = created.json()

    wait_until(lambda: len(receiver.received) >= 1, 20, "the webhook to receive the record")
    (received,) = receiver.received
    headers = received.headers
    assert headers["content-type"].split(";")[0] == "application/json"
    verified = Webhook(credentials["webhook_secret"]).verify(received.body, headers)  # at the real time
    assert verified == record
    assert verified["id"] == record["id"] and verified["host"] == HOST
    assert verified == record_to_json(store.get(record["id"]))

    wait_until(lambda: outbox.counts(store) == {outbox.DELIVERED: 1}, 10, "the row to be marked delivered")
    (row,) = rows(store)
    assert (row.record_id, row.webhook_id) == (record["id"], headers["webhook-id"])
    assert len(delivered_entries(store, record["id"])) == 1
    assert store.verify().intact

    fetched = client.get(f"{bridge.url}/api/v1/records/{record['id']}", headers={**auth, "Accept": "application/json"})
    assert fetched.status_code == 200 and fetched.json() == verified


def test_a_retried_submission_is_delivered_once(
    bridge: Bridge,
    store: Store,
    database_url: str,
    receiver: Receiver,
    client: httpx.Client,
    base_answers: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    credentials = register(capsys, database_url, receiver.url)
    headers = {"Authorization": f"Bearer {credentials['api_key']}", "Idempotency-Key": "e2e-retried"}
    body = {"form_id": CORE, "answers": base_answers}

    first = client.post(f"{bridge.url}/api/v1/records", json=body, headers=headers)
    wait_until(lambda: len(receiver.received) >= 1, 20, "the first delivery")
    again = client.post(f"{bridge.url}/api/v1/records", json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    time.sleep(2.5)  # more than two relay polls
    assert len(receiver.received) == 1, "the retry was delivered again"
    assert len(rows(store)) == 1


def test_several_submissions_all_arrive_signed(
    bridge: Bridge,
    store: Store,
    database_url: str,
    receiver: Receiver,
    client: httpx.Client,
    base_answers: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    credentials = register(capsys, database_url, receiver.url)
    auth = {"Authorization": f"Bearer {credentials['api_key']}"}
    ids = []
    for n in range(5):
        response = client.post(
            f"{bridge.url}/api/v1/records",
            json={"form_id": CORE, "answers": base_answers},
            headers={**auth, "Idempotency-Key": f"e2e-many-{n}"},
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])

    wait_until(lambda: len(receiver.received) >= len(ids), 20, "every record to arrive")
    time.sleep(1.5)
    assert sorted(receiver.by_record()) == sorted(ids)
    assert set(receiver.by_webhook_id().values()) == {1}
    for received in receiver.received:
        Webhook(credentials["webhook_secret"]).verify(received.body, received.headers)
