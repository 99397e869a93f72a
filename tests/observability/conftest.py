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

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))

from observability_helpers import TOKEN, Scrape, parse
from reused_fixtures import fixtures_of

# reused as they are (pytest registers the fixtures it finds in this module's namespace)
globals().update(
    fixtures_of("bridge", "_clean_environment", "_shared_engine", "make_app", "host_a", "host_b", "app", "client")
    | fixtures_of("bridge", "bridge_state", "api")
    | fixtures_of("delivery", "clock", "make_httpserver", "receiver", "add_host", "make_relay")
)


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
