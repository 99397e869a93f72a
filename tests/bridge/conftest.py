"""Fixtures for the Flask bridge tests (issue 6): a production-mode app on this test's database (SQLite,
and PostgreSQL when SHAREWISE_TEST_POSTGRES_URL is set) with two registered host systems, helpers
that speak the HTTP API, and a real HTTP server for the few tests that need one.

- ``make_app(**overrides)``: ``create_app`` on this test's migrated database (production mode, a
  40-character secret key, a high rate limit unless overridden); closed afterwards.
- ``app`` / ``client`` / ``bridge_state``: the default app, its test client, its ``Bridge``.
- ``host_a`` / ``host_b``: two registered hosts (``HostKeys``: name, api_key, webhook_secret, origins).
- ``api``: ``Api`` over the test client (submit, get_record, feed, amend, launch, check_error…).
- ``live_server(app)``: the app served over real HTTP on 127.0.0.1 (werkzeug ``make_server``).
- ``no_run``: ``sharewise serve`` builds its app but does not serve it (the apps it built, cleaned up after).
- ``failures``: many cheap cases in one test (one database each), every failing case reported.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from sharewise.adapters.bridge import app as app_module
from sharewise.adapters.bridge import create_app
from sharewise.core import Engine
from sharewise.core.hosts import HostRegistry

CORE = "information-sharing-decision"
SECRET_KEY = "x" * 40
ORIGINS_A = ("https://cases-a.example", "https://portal-a.example:8443")
ORIGINS_B = ("https://cases-b.example",)
ERROR_KEYS = {"code", "status", "message", "errors"}


@dataclass(frozen=True)
class HostKeys:
    """A registered host and what ``hosts add`` showed once."""

    name: str
    api_key: str
    webhook_secret: str
    origins: tuple[str, ...]

    @property
    def auth(self) -> dict[str, str]:
        """The Authorization header of this host."""
        return {"Authorization": f"Bearer {self.api_key}"}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees SHAREWISE_* settings from the surrounding shell (the test database variables stay)."""
    for name in list(os.environ):
        if name.startswith("SHAREWISE_") and not name.startswith("SHAREWISE_TEST_"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _shared_engine(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    """Apps built without plugins share the session's engine (building one compiles every form)."""
    real = app_module.Engine

    def cached(plugins: Any = ()) -> Engine:
        return engine if not list(plugins) else real(plugins)

    monkeypatch.setattr(app_module, "Engine", cached)


@pytest.fixture
def make_app(database_url: str, store: Any) -> Iterator[Callable[..., Flask]]:
    """``make_app(**overrides)``: a production-mode bridge on this test's (migrated) database."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        config = {
            "database_url": database_url,
            "environment": "production",
            "secret_key": SECRET_KEY,
            "rate_limit_per_minute": 10_000,
            **overrides,
        }
        app = create_app(config)
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["sharewise"].store.close()


def _register(store: Any, name: str, origins: tuple[str, ...], **options: Any) -> HostKeys:
    credentials = HostRegistry(store).add(name, origins=origins, now=dt.datetime.now(dt.UTC), **options)
    return HostKeys(name, credentials.api_key, credentials.webhook_secret, origins)


@pytest.fixture
def host_a(store: Any) -> HostKeys:
    """Host system ``host-a`` (two origins, pull feed only)."""
    return _register(store, "host-a", ORIGINS_A)


@pytest.fixture
def host_b(store: Any) -> HostKeys:
    """Host system ``host-b`` (one origin, pull feed only)."""
    return _register(store, "host-b", ORIGINS_B)


@pytest.fixture
def app(make_app: Callable[..., Flask], host_a: HostKeys, host_b: HostKeys) -> Flask:
    """The default bridge, with both hosts registered."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Flask's test client on ``app``."""
    return app.test_client()


@pytest.fixture
def bridge_state(app: Flask) -> Any:
    """The app's ``Bridge`` (engine, store, clock…)."""
    return app.extensions["sharewise"]


@pytest.fixture
def no_run(monkeypatch: pytest.MonkeyPatch, store: Any) -> Iterator[list[Flask]]:
    """For ``sharewise serve``: ``Flask.run`` records the app instead of serving; afterwards stops any relay
    and restores logging levels — before this test's database goes (it depends on ``store`` for that
    order): a relay still polling while a PostgreSQL schema is dropped can deadlock the drop."""
    started: list[Flask] = []
    monkeypatch.setattr(Flask, "run", lambda self, **_: started.append(self))
    levels = {name: logging.getLogger(name).level for name in ("", "werkzeug", "httpx")}
    yield started
    for app in started:
        relay = app.extensions.get("sharewise-relay")
        if relay is not None:
            thread, stop = relay
            stop.set()
            thread.join(timeout=10)
        app.extensions["sharewise"].store.close()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


class Api:
    """The HTTP API through a test client."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    @staticmethod
    def key() -> str:
        """A fresh Idempotency-Key."""
        return f"test-{uuid.uuid4()}"

    def submit(
        self,
        host: HostKeys,
        answers: Mapping[str, Any],
        *,
        form_id: str = CORE,
        key: str | None = None,
        acknowledged: list[str] | None = None,
        context: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> TestResponse:
        body: dict[str, Any] = {"form_id": form_id, "answers": dict(answers)}
        if acknowledged is not None:
            body["acknowledged_warnings"] = acknowledged
        if context is not None:
            body["context"] = dict(context)
        sent = {**host.auth, "Idempotency-Key": key or self.key(), **(headers or {})}
        return self.client.post("/api/v1/records", json=body, headers=sent)

    def submit_raw(self, host: HostKeys, data: bytes | str, content_type: str | None, *, key: str | None = None) -> TestResponse:
        headers = {**host.auth, "Idempotency-Key": key or self.key()}
        if content_type is not None:
            headers["Content-Type"] = content_type
        return self.client.post("/api/v1/records", data=data, headers=headers)

    def created(self, host: HostKeys, answers: Mapping[str, Any], **options: Any) -> dict[str, Any]:
        """Submit and return the record (asserting 201)."""
        response = self.submit(host, answers, **options)
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    def get_record(self, host: HostKeys, record_id: str, accept: str | None = None) -> TestResponse:
        headers = dict(host.auth)
        if accept is not None:
            headers["Accept"] = accept
        return self.client.get(f"/api/v1/records/{record_id}", headers=headers)

    def feed(self, host: HostKeys, **params: Any) -> TestResponse:
        return self.client.get("/api/v1/records", query_string=params, headers=host.auth)

    def amend(
        self,
        host: HostKeys,
        record_id: str,
        answers: Mapping[str, Any],
        *,
        reason: str | None = "Wrong recipient recorded",
        key: str | None = None,
        acknowledged: list[str] | None = None,
    ) -> TestResponse:
        body: dict[str, Any] = {"answers": dict(answers)}
        if reason is not None:
            body["reason"] = reason
        if acknowledged is not None:
            body["acknowledged_warnings"] = acknowledged
        headers = {**host.auth, "Idempotency-Key": key or self.key()}
        return self.client.post(f"/api/v1/records/{record_id}/amendments", json=body, headers=headers)

    def launch(self, host: HostKeys, context: Mapping[str, Any] | None = None, *, form_id: str = CORE) -> TestResponse:
        body: dict[str, Any] = {"form_id": form_id}
        if context is not None:
            body["context"] = dict(context)
        return self.client.post("/api/v1/launch", json=body, headers=host.auth)

    @staticmethod
    def check_error(response: TestResponse, status: int) -> dict[str, Any]:
        """Assert ``response`` is an error with this status in the one shape ``{code, status, message?, errors?}``."""
        text = response.get_data(as_text=True)
        assert response.status_code == status, f"expected {status}, got {response.status_code}: {text[:500]}"
        assert response.mimetype == "application/json", f"errors are JSON, got {response.mimetype}: {text[:300]}"
        body = response.get_json()
        assert isinstance(body, dict), text
        assert set(body) <= ERROR_KEYS, f"unexpected keys in the error shape: {sorted(set(body) - ERROR_KEYS)}"
        assert body["code"] == status, body
        assert body["status"] == HTTP_STATUS_CODES[status], body
        assert "Traceback" not in text
        return body


@pytest.fixture
def api(client: FlaskClient) -> Api:
    """The HTTP API of ``app`` through its test client."""
    return Api(client)


@pytest.fixture
def check_error() -> Callable[[TestResponse, int], dict[str, Any]]:
    """``check_error(response, 422)``: assert the one error shape with this status; return the body."""
    return Api.check_error


class LiveServer:
    """An app served over real HTTP on 127.0.0.1 in a thread."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, name="bridge-test-server", daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server() -> Iterator[Callable[[Flask], str]]:
    """``live_server(app)``: serve ``app`` over real HTTP; return its base URL (stopped after the test)."""
    started: list[LiveServer] = []

    def start(app: Flask) -> str:
        server = LiveServer(app)
        started.append(server)
        return server.url

    yield start
    for server in started:
        server.stop()


class Failures:
    """Run many cheap cases in one test and report every one that fails (not only the first)."""

    def __init__(self) -> None:
        self.found: list[str] = []

    @contextlib.contextmanager
    def case(self, label: str) -> Iterator[None]:
        try:
            yield
        except AssertionError as exc:
            self.found.append(f"[{label}] {' '.join(str(exc).split())[:600] or 'assertion failed'}")

    def check(self) -> None:
        assert not self.found, f"{len(self.found)} case(s) failed:\n" + "\n".join(self.found)


@pytest.fixture
def failures() -> Failures:
    """``with failures.case("label"): ...`` for each case, then ``failures.check()``."""
    return Failures()
