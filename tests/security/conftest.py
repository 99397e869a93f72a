"""Fixtures for the security tests (issue 8 item 2; the threat model is docs/security.md).

The bridge fixtures of tests/bridge/conftest.py are reused as they are (loaded from that file, not copied):
``make_app``, ``app``, ``client``, ``bridge_state``, ``host_a``, ``host_b``, ``api``, ``check_error``,
``live_server`` and ``failures`` — a production-mode bridge on this test's database (SQLite, and
PostgreSQL when SHAREWISE_TEST_POSTGRES_URL is set) with two registered host systems.

Added here:

- ``embed(host, context=None, on=app)``: launch the core form for ``host`` through the API and open it in
  a fresh browser (its own test client and cookie jar): an ``EmbedSession`` (security_helpers.py).
- ``demo_app``: the bridge with the demo host installed, as ``sharewise serve`` runs it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reused_fixtures import fixtures_of
from security_helpers import CORE, DEMO_ORIGINS, EmbedSession, path_of

# reused as they are (pytest registers the fixtures it finds in this module's namespace)
globals().update(
    fixtures_of(
        "bridge",
        "_clean_environment",
        "_shared_engine",
        "make_app",
        "host_a",
        "host_b",
        "app",
        "client",
        "bridge_state",
        "api",
        "check_error",
        "live_server",
        "failures",
    )
)


@pytest.fixture
def embed(request: pytest.FixtureRequest) -> Callable[..., EmbedSession]:
    """``embed(host, context=None, *, on=app, theme=None)``: launch the core form for ``host`` through the API
    and open it in a fresh browser (the default ``app`` unless ``on`` names another)."""

    def open_form(
        host: Any, context: Mapping[str, Any] | None = None, *, on: Flask | None = None, theme: Mapping[str, str] | None = None
    ) -> EmbedSession:
        target = on or request.getfixturevalue("app")
        body: dict[str, Any] = {"form_id": CORE, "context": dict(context or {"case_ref": "CASE-1"})}
        if theme:
            body["theme"] = dict(theme)
        launched = target.test_client().post("/api/v1/launch", json=body, headers=host.auth)
        assert launched.status_code == 201, launched.get_data(as_text=True)
        browser = target.test_client()
        path = path_of(launched.get_json()["url"])
        opened = browser.get(path)
        assert opened.status_code == 303, opened.get_data(as_text=True)[:300]
        session = EmbedSession(target, browser, path, opened)
        session.get(opened.headers["Location"])
        return session

    return open_form


@pytest.fixture
def demo_app(make_app: Callable[..., Flask], host_a: Any, host_b: Any) -> Flask:
    """The bridge with the demo host (``sharewise serve``'s pretend case screen) installed."""
    return make_app(demo_origins=DEMO_ORIGINS)
