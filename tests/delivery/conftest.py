"""Fixtures for the delivery tests (issue 6, items 5 and 7): a hand-moved clock, a real receiving
server (pytest-httpserver, threaded) standing in for the host, a host registered to it, a recorder
and relays on that clock.

Every test runs on SQLite, and on PostgreSQL when SHAREWISE_TEST_POSTGRES_URL is set (the
``database_url`` / ``store`` fixtures of tests/conftest.py).
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from delivery_helpers import CORE, HOST, Clock, Receiver

from sharewise.adapters.delivery.relay import Relay
from sharewise.core.engine import Engine
from sharewise.core.hosts import HostRegistry
from sharewise.core.record import Record
from sharewise.core.store.store import Store
from sharewise.core.submission import Recorder


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def make_httpserver() -> Iterator[HTTPServer]:
    """pytest-httpserver, threaded (a slow handler must not hold up other requests), on 127.0.0.1."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def receiver(httpserver: HTTPServer, clock: Clock) -> Receiver:
    """The host's webhook endpoint (answers 204 unless told otherwise)."""
    return Receiver(httpserver, clock)


@dataclass(frozen=True)
class RegisteredHost:
    name: str
    api_key: str
    webhook_secret: str


@pytest.fixture
def add_host(store: Store, clock: Clock) -> Callable[..., RegisteredHost]:
    """Register a host: ``add_host(name=HOST, webhook=URL, webhook_format="json", drop_dir=None)``."""

    def add(
        name: str = HOST, *, webhook: str | None = None, webhook_format: str = "json", drop_dir: str | None = None
    ) -> RegisteredHost:
        credentials = HostRegistry(store).add(
            name,
            origins=["https://cases.example.org"],
            webhook_url=webhook,
            webhook_format=webhook_format,
            drop_dir=drop_dir,
            now=clock(),
        )
        return RegisteredHost(name, credentials.api_key, credentials.webhook_secret)

    return add


@pytest.fixture
def host(add_host: Callable[..., RegisteredHost], receiver: Receiver) -> RegisteredHost:
    """A host whose webhook is the receiver (JSON)."""
    return add_host(webhook=receiver.url)


@pytest.fixture
def recorder(engine: Engine, store: Store, clock: Clock) -> Recorder:
    return Recorder(engine, store, clock=clock)


_keys = itertools.count(1)


@pytest.fixture
def submit(recorder: Recorder, base_answers: dict[str, Any]) -> Callable[..., list[Record]]:
    """``submit(n=1, host=HOST)``: store ``n`` valid records for a host, each with its own idempotency key."""

    def run(n: int = 1, host: str = HOST) -> list[Record]:
        return [recorder.submit(CORE, base_answers, host=host, idempotency_key=f"key-{next(_keys)}").record for _ in range(n)]

    return run


@pytest.fixture
def make_relay(store: Store, engine: Engine, clock: Clock) -> Iterator[Callable[..., Relay]]:
    """``make_relay(owner=None, relay_clock=None)``: a relay over the test store, on the test clock."""
    made: list[Relay] = []

    def make(owner: str | None = None, relay_clock: Callable[..., Any] | None = None) -> Relay:
        relay = Relay(store, engine, clock=relay_clock or clock, owner=owner)
        made.append(relay)
        return relay

    yield make
    for relay in made:
        relay.client.close()


@pytest.fixture
def relay(make_relay: Callable[..., Relay]) -> Relay:
    return make_relay("relay-under-test")
