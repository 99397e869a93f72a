"""The Flask app factory: ``create_app(config=None)``.

Production: ``gunicorn -c python:sharewise.adapters.bridge.gunicorn_conf 'sharewise.adapters.bridge:create_app()'``
(configuration from ``SHAREWISE_*`` environment variables; outside development a secret key is
required; logs and metrics as docs/operations.md says). ``sharewise serve`` runs it in
development with an in-process delivery relay.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api

from sharewise.adapters.bridge import api_forms, api_launch, api_records, errors, observe, security
from sharewise.adapters.bridge.ratelimit import RateLimiter
from sharewise.adapters.bridge.settings import Settings, from_environment
from sharewise.adapters.bridge.state import Bridge, bridge
from sharewise.adapters.exports.formats import FormLookup
from sharewise.adapters.exports.record_xml import xsd_text
from sharewise.adapters.observability import logs
from sharewise.adapters.observability.metrics import Metrics, OutboxCollector
from sharewise.adapters.webform import demo, views
from sharewise.core import strict_json
from sharewise.core.engine import Engine
from sharewise.core.hosts import HostRegistry
from sharewise.core.plugins import sharewise_version
from sharewise.core.store import Store


class StrictJSONProvider(DefaultJSONProvider):
    """Request bodies are read as real JSON only: ``NaN``/``Infinity`` and repeated keys are bad input
    (400), never values that break hashing later."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse strictly (``InvalidInput`` is a ``ValueError``, which Flask turns into a 400)."""
        return strict_json.loads(s, source="the request body")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A configured bridge. ``config`` overrides the environment (keys are ``Settings`` fields)."""
    settings: Settings = from_environment(overrides=config)
    logs.configure(settings.log_format, logging.getLevelName(settings.log_level))
    app = Flask("sharewise.bridge")
    app.json = StrictJSONProvider(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SECRET_KEY_FALLBACKS=list(settings.secret_key_fallbacks),
        MAX_CONTENT_LENGTH=settings.max_body_bytes + 1,
        SHAREWISE_MAX_BODY_BYTES=settings.max_body_bytes,
        SESSION_COOKIE_NAME="sharewise_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=not settings.development,
        SESSION_COOKIE_SAMESITE="None" if not settings.development else "Lax",
        # framed in the host's pages: a partitioned (CHIPS) cookie still works where third-party cookies
        # are blocked; browsers accept Partitioned only with Secure, so not over development's plain http
        SESSION_COOKIE_PARTITIONED=not settings.development,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
        API_TITLE="sharewise",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
    )
    engine = Engine(list(settings.plugins))
    store = Store(settings.database_url)
    metrics = Metrics(live=[OutboxCollector(store, lambda: state.clock())])
    state = Bridge(
        settings=settings,
        engine=engine,
        store=store,
        recorder=observe.MeteredRecorder(engine, store, metrics=metrics),
        hosts=HostRegistry(store, key_cache_seconds=settings.auth_cache_seconds),
        forms=FormLookup(engine),
        limiter=RateLimiter(settings.rate_limit_per_minute),
        metrics=metrics,
    )
    state.recorder.clock = lambda: state.clock()  # tests travel in time by replacing state.clock
    app.extensions["sharewise"] = state
    security.install(app)
    observe.install(app, metrics)
    api = Api(app, spec_kwargs={"info": {"description": "Information-sharing decisions: check, record, deliver."}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    errors.install(app, pages=views.error_page)  # after flask-smorest's own handler: every error has the one shape
    for blueprint in (api_forms.blp, api_records.blp, api_launch.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(views.blp)
    if settings.demo_origins:
        demo.install(app, settings.demo_origins)
    _meta_routes(app)
    if settings.relay:
        _start_relay(app)
    return app


def _meta_routes(app: Flask) -> None:
    @app.get("/livez")
    def livez() -> Response:
        """Liveness only: the process answers (no database call)."""
        return Response("ok\n", mimetype="text/plain")

    @app.get("/healthz")
    def healthz() -> Response:
        """Liveness and database reachability (one constant-time query, whatever the number of records)."""
        bridge().store.ping()
        return jsonify({"status": "ok", "version": sharewise_version()})

    @app.get("/api/v1/schemas/decision-record.xsd")
    def xsd() -> Response:
        """The XSD of the XML format."""
        return Response(xsd_text(), mimetype="application/xml")


def _start_relay(app: Flask) -> None:
    from sharewise.adapters.delivery.relay import Relay

    state = bridge_of(app)
    stop = threading.Event()
    relay = Relay(state.store, state.engine, metrics=state.metrics)
    thread = threading.Thread(target=relay.run_until, args=(stop,), name="sharewise-relay", daemon=True)
    thread.start()
    app.extensions["sharewise-relay"] = (thread, stop)


def bridge_of(app: Flask) -> Bridge:
    """The ``Bridge`` of an app (outside a request)."""
    return app.extensions["sharewise"]
