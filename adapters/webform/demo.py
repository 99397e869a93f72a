"""The demo host: a pretend case-management screen at ``/`` ("Case 123 — child aged 7") that launches forms in
an iframe through the real launch API and lists the records it receives through its real, signed webhook.

Only ``sharewise serve`` turns it on (``Settings.demo_origins``). At start it registers (or reconfigures) the
host ``demo`` for the server's own origins, takes a fresh API key, and keeps the key and the webhook secret
in memory, as a host's back end would. What it has received is kept in memory too, and lost on restart.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from flask import Blueprint, Flask, Response, current_app, jsonify, make_response, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from standardwebhooks import Webhook, WebhookVerificationError

from sharewise.adapters.webform.form_session import signing_keys
from sharewise.core.hosts import HostNotFound

HOST_NAME = "demo"
CASE = {
    "case_ref": "123",
    "subject": {"name": "Child A", "age": 7, "date_of_birth": "2019-03-14"},
    "practitioner": {
        "name": "Sam Patel",
        "role": "Social worker",
        "id": "sam.patel",
        "agency_type": "children_social_care",
        "public_authority": True,
    },
    "organisation": {"name": "Demo City Council", "ods_code": "X99"},
}
RECEIVED_LIMIT = 50

blp = Blueprint("demo", __name__, template_folder="templates", static_folder="static", static_url_path="/demo/static")


@dataclass
class DemoHost:
    """The demo host's secrets and the records it has received."""

    api_key: str
    webhook_secret: str
    received: collections.deque[dict[str, Any]] = field(default_factory=lambda: collections.deque(maxlen=RECEIVED_LIMIT))
    lock: threading.Lock = field(default_factory=threading.Lock)


def install(app: Flask, origins: Sequence[str]) -> None:
    """Register the demo host for ``origins`` (its webhook on the first) and serve its pages."""
    from sharewise.adapters.bridge.app import bridge_of

    state = bridge_of(app)
    registry = state.hosts
    webhook = f"{origins[0].rstrip('/')}/demo/webhook"
    now = state.clock()
    try:
        registry.get(HOST_NAME)
    except HostNotFound:
        credentials = registry.add(HOST_NAME, origins=list(origins), webhook_url=webhook, now=now)
    else:
        registry.configure(HOST_NAME, origins=list(origins), webhook_url=webhook)
        registry.enable_webhook(HOST_NAME)
        credentials = registry.rotate_key(HOST_NAME, now=now)
    app.extensions["sharewise-demo"] = DemoHost(credentials.api_key, credentials.webhook_secret)
    app.register_blueprint(blp)


def _demo() -> DemoHost:
    return current_app.extensions["sharewise-demo"]


def _forms() -> list[tuple[str, str]]:
    engine = current_app.extensions["sharewise"].engine
    return [(form_id, engine.form(form_id).title) for form_id in engine.forms.ids()]


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(), salt="sharewise.demo.launch")


def _page(*, frame_url: str | None = None, error: str | None = None, status: int = 200) -> Response:
    with _demo().lock:
        received = list(_demo().received)
    body = render_template(
        "demo/case.html",
        case=CASE,
        forms=_forms(),
        frame_url=frame_url,
        error=error,
        received=received,
        token=_signer().dumps("launch"),
    )
    response = make_response(body, status)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    return response


@blp.route("/")
def case_screen() -> Response:
    """The pretend case screen, with a button for each form and the records received so far."""
    return _page()


@blp.route("/demo/launch", methods=["POST"])
def launch() -> Response:
    """Launch a form for case 123 through the real launch API (over HTTP, with the demo host's key), and
    show it in the iframe."""
    try:
        _signer().loads(request.form.get("token", ""), max_age=3600)
    except BadSignature:
        return _page(error="This page has expired. Reload it and try again.", status=400)
    form_id = request.form.get("form_id", "")
    if form_id not in dict(_forms()):
        return _page(error="Choose one of the forms listed.", status=400)
    try:
        reply = httpx.post(
            f"{request.host_url}api/v1/launch",
            json={"form_id": form_id, "context": CASE},
            headers={"Authorization": f"Bearer {_demo().api_key}"},
            timeout=10.0,
        )
    except httpx.HTTPError:
        return _page(error="The form could not be opened: sharewise did not answer. Try again.", status=502)
    if reply.status_code != 201:
        return _page(error=f"The form could not be opened (sharewise answered {reply.status_code}).", status=502)
    return _page(frame_url=reply.json()["url"])


@blp.route("/demo/webhook", methods=["POST"])
def webhook() -> Response:
    """Receive a record from sharewise's relay: check its Standard Webhooks signature, keep a summary."""
    body = request.get_data()
    try:
        Webhook(_demo().webhook_secret).verify(body, dict(request.headers))
        record = json.loads(body)
    except (WebhookVerificationError, ValueError):
        return make_response(jsonify({"error": "the signature does not match"}), 400)
    if not isinstance(record, dict):
        return make_response(jsonify({"error": "the body is not a record"}), 400)
    summary = {
        "id": record.get("id"),
        "form": record.get("form_id"),
        "decision": (record.get("answers") or {}).get("decision"),
        "review_required": record.get("review_required"),
        "received_at": dt.datetime.now(dt.UTC).strftime("%H:%M:%S"),
    }
    with _demo().lock:
        if all(item["id"] != summary["id"] for item in _demo().received):
            _demo().received.appendleft(summary)
    return Response(status=204)


@blp.route("/demo/received")
def received() -> Response:
    """What the demo host has received (record ids and decisions only), for its panel to refresh."""
    with _demo().lock:
        return jsonify(list(_demo().received))
