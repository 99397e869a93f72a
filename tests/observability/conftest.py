"""Fixtures for the observability tests (issue 8 item 5).

Reused as they are (loaded from their files, not copied): the bridge fixtures of tests/bridge/conftest.py
(``make_app``, ``host_a``, ``host_b``, ``app``, ``client``, ``bridge_state``, ``api``; a production-mode
bridge on this test's database — SQLite, and PostgreSQL when SHAREWISE_TEST_POSTGRES_URL is set) and the
delivery fixtures of tests/delivery/conftest.py (``clock``, ``receiver``, ``add_host``, ``make_relay``;
the host's webhook endpoint is pytest-httpserver). ``delivery_helpers`` is importable too.

Added here:

- ``metered_app``: the bridge with ``SHAREWISE_METRICS_TOKEN`` set, on the test clock.
- ``scrape(app)``: ``/metrics`` of an app, with the token, parsed (observability_helpers.Scrape).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))

from observability_helpers import TOKEN, Scrape, parse

HERE = Path(__file__).resolve().parent


def _load(directory: str) -> Any:
    path = HERE.parent / directory / "conftest.py"
    spec = importlib.util.spec_from_file_location(f"sharewise_observability_{directory}_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_bridge = _load("bridge")
_delivery = _load("delivery")
# Re-exported: pytest registers the fixtures it finds in this module's namespace.
_clean_environment = _bridge._clean_environment
_shared_engine = _bridge._shared_engine
make_app = _bridge.make_app
host_a = _bridge.host_a
host_b = _bridge.host_b
app = _bridge.app
client = _bridge.client
bridge_state = _bridge.bridge_state
api = _bridge.api
clock = _delivery.clock
make_httpserver = _delivery.make_httpserver
receiver = _delivery.receiver
add_host = _delivery.add_host
make_relay = _delivery.make_relay


@pytest.fixture
def metered_app(make_app: Callable[..., Flask], host_a: Any, host_b: Any, clock: Any) -> Flask:
    """The bridge with a metrics token, its clock the test clock (so the delivery lag can be set)."""
    made = make_app(metrics_token=TOKEN)
    made.extensions["sharewise"].clock = clock
    return made


@pytest.fixture
def scrape() -> Callable[[Flask], Scrape]:
    """``scrape(app)``: GET /metrics with the token; assert 200 in the Prometheus text format; parse it."""

    def read(target: Flask) -> Scrape:
        response = target.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert response.mimetype == "text/plain", response.content_type
        return parse(response.get_data(as_text=True))

    return read
