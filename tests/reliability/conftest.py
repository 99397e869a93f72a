"""Fixtures for the reliability tests (issue 8, item 1): the bridge under gunicorn as a process that
can be killed, a private PostgreSQL cluster that can be crashed, the host's webhook endpoint as a real
threaded HTTP server, and the bridge in-process on a hand-moved clock for the tests that travel in time.

Every test on ``database_url`` / ``store`` runs on SQLite, and on PostgreSQL when
SHAREWISE_TEST_POSTGRES_URL is set (tests/conftest.py); the crash test makes its own cluster.
The delivery tests' helpers (clock, receiver, Standard Webhooks verification) are reused from
tests/delivery/delivery_helpers.py.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

HERE = Path(__file__).resolve().parent
for directory in (HERE, HERE.parent / "delivery"):
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))

from bridge_processes import SECRET_KEY, BridgeProcess, WorkerProcess  # noqa: E402
from delivery_helpers import Clock  # noqa: E402
from private_postgres import PrivateCluster, unavailable  # noqa: E402
from reused_fixtures import fixtures_of  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from sharewise.adapters.bridge import create_app  # noqa: E402
from sharewise.adapters.delivery.relay import Relay  # noqa: E402
from sharewise.core.engine import Engine  # noqa: E402
from sharewise.core.store.store import Store  # noqa: E402

REQUIRE_CLUSTER = "SHAREWISE_REQUIRE_POSTGRES_CLUSTER"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test (nor any process it starts) sees SHAREWISE_* settings from the surrounding shell."""
    for name in list(os.environ):
        if name.startswith("SHAREWISE_") and not name.startswith("SHAREWISE_TEST_") and name != REQUIRE_CLUSTER:
            monkeypatch.delenv(name, raising=False)


# The delivery tests' host-side fixtures, loaded from their conftest (not copied): the threaded receiving
# server, the hand-moved clock, the receiver and ``add_host``.
globals().update(fixtures_of("delivery", "make_httpserver", "clock", "receiver", "add_host"))


@pytest.fixture
def start_bridge(tmp_path: Path) -> Iterator[Callable[..., BridgeProcess]]:
    """``start_bridge(database_url, workers=1, threads=4, env=None)``: gunicorn serving the bridge, with
    ``env`` added to its environment (stopped afterwards)."""
    started: list[BridgeProcess] = []

    def start(database_url: str, *, workers: int = 1, threads: int = 4, env: dict[str, str] | None = None) -> BridgeProcess:
        directory = tmp_path / f"bridge{len(started)}"
        directory.mkdir()
        bridge = BridgeProcess(database_url, directory, workers=workers, threads=threads, env=env)
        started.append(bridge)
        bridge.start()
        return bridge

    yield start
    for bridge in started:
        bridge.stop()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[str], WorkerProcess]]:
    """``start_worker(database_url)``: a ``sharewise worker`` process (stopped afterwards)."""
    started: list[WorkerProcess] = []

    def start(database_url: str) -> WorkerProcess:
        worker = WorkerProcess(database_url, tmp_path / f"worker{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture(scope="module")
def private_cluster() -> Iterator[PrivateCluster]:
    """A PostgreSQL cluster of this module's own, running (each test makes its own database in it with
    ``new_database()``); removed afterwards. Skipped where initdb cannot run — but failed instead when
    SHAREWISE_REQUIRE_POSTGRES_CLUSTER=1 (CI)."""
    reason = unavailable()
    if reason is not None:
        if os.environ.get(REQUIRE_CLUSTER) == "1":
            pytest.fail(f"{REQUIRE_CLUSTER}=1 but a private PostgreSQL cluster cannot be made: {reason}")
        pytest.skip(f"a private PostgreSQL cluster cannot be made: {reason}")
    cluster = PrivateCluster()
    try:
        cluster.init().start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def relay(store: Store, engine: Engine, clock: Clock) -> Iterator[Relay]:
    """A relay in this process, on the hand-moved clock."""
    made = Relay(store, engine, clock=clock, owner="relay-under-test")
    yield made
    made.client.close()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """An HTTP client (no proxies from the environment)."""
    with httpx.Client(trust_env=False, timeout=15) as client:
        yield client


@dataclass(frozen=True)
class TravellingBridge:
    """The bridge in this process, served over real HTTP, its clock the test's ``clock``."""

    url: str
    app: Any


@pytest.fixture
def travelling_bridge(store: Store, database_url: str, clock: Clock) -> Iterator[TravellingBridge]:
    """``create_app`` (production settings) on the test database, with ``state.clock`` replaced by the
    hand-moved clock, served by a threaded werkzeug server on 127.0.0.1."""
    config = {"database_url": database_url, "environment": "production", "secret_key": SECRET_KEY}
    app = create_app({**config, "rate_limit_per_minute": 100_000})
    app.extensions["sharewise"].clock = clock
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield TravellingBridge(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        app.extensions["sharewise"].store.close()
