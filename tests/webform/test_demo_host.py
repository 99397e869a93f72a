"""The demo host (issue 7, item 5): with ``demo_origins`` the bridge registers (or, on a restart,
reconfigures) the host ``demo`` for those origins with its webhook at ``/demo/webhook`` and a fresh API
key; ``/`` is a pretend case screen ("Case 123 — child aged 7") with one launch button per form;
``/demo/launch`` launches through the real API over HTTP; ``/demo/webhook`` accepts only deliveries with
a good Standard Webhooks signature and ``/demo/received`` lists them. Without ``demo_origins`` there is
no demo. ``sharewise serve`` turns it on for the origins a browser reaches it at; ``--no-demo`` turns it
off.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
import uuid
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cli_runs import run_main
from embed_pages import frame_ancestors, parse
from flask import Flask
from standardwebhooks import Webhook
from webform_helpers import CORE, Browser
from werkzeug.serving import make_server

from sharewise.adapters.cli.serve_cmd import demo_origins
from sharewise.core.hosts import HostRegistry

ORIGIN = "http://127.0.0.1:5000"


def demo_of(app: Flask) -> Any:
    return app.extensions["sharewise-demo"]


def signed(secret: str, body: bytes, *, msg_id: str | None = None, at: dt.datetime | None = None) -> dict[str, str]:
    """Standard Webhooks headers for ``body``."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = at or dt.datetime.now(dt.UTC)
    signature = Webhook(secret).sign(msg_id, at, body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "Content-Type": "application/json",
    }


RECORD = {"id": "rec-0001", "form_id": "information-sharing-decision", "answers": {"decision": "share"}, "review_required": True}


# ---- registering the demo host --------------------------------------------------------------------


def test_the_demo_host_is_registered_for_its_origins_with_its_webhook(make_app, store):
    app = make_app(demo_origins=(ORIGIN,))

    host = HostRegistry(store).get("demo")
    assert host.origins == (ORIGIN,)
    assert host.webhook_url == f"{ORIGIN}/demo/webhook"
    demo = demo_of(app)
    authenticated = HostRegistry(store).authenticate(demo.api_key)
    assert authenticated is not None and authenticated.name == "demo", "the demo keeps a working API key"
    assert demo.webhook_secret == host.webhook_secret


def test_a_restart_reconfigures_the_demo_host_and_rotates_its_key(make_app, store):
    first = make_app(demo_origins=(ORIGIN,))
    old_key, secret = demo_of(first).api_key, demo_of(first).webhook_secret
    registry = HostRegistry(store)
    with store.writing() as connection:  # the webhook had answered 410 Gone and was switched off
        registry.disable_webhook(connection, "demo", dt.datetime.now(dt.UTC))

    second = make_app(demo_origins=("http://127.0.0.1:5001", "http://localhost:5001"))

    host = registry.get("demo")
    assert sorted(host.origins) == ["http://127.0.0.1:5001", "http://localhost:5001"]
    assert host.webhook_url == "http://127.0.0.1:5001/demo/webhook"
    assert host.webhook_disabled_at is None, "the restart switches the webhook back on"
    assert registry.authenticate(old_key) is None, "the old key stops working"
    assert registry.authenticate(demo_of(second).api_key).name == "demo"
    assert demo_of(second).webhook_secret == secret == host.webhook_secret, "the webhook secret is kept"
    assert [h.name for h in registry.list()].count("demo") == 1


def test_without_demo_origins_there_is_no_demo(make_app, store, failures):
    app = make_app()
    client = app.test_client()

    assert "sharewise-demo" not in app.extensions
    assert all(host.name != "demo" for host in HostRegistry(store).list())
    for method, path in [("GET", "/"), ("POST", "/demo/launch"), ("POST", "/demo/webhook"), ("GET", "/demo/received")]:
        with failures.case(f"{method} {path}"):
            assert client.open(path, method=method).status_code == 404
    failures.check()


# ---- the case screen ------------------------------------------------------------------------------


def test_the_case_screen_has_one_launch_button_per_form(make_app, engine):
    app = make_app(demo_origins=(ORIGIN,))

    response = app.test_client().get("/")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    page = parse(text)
    assert "Case 123 — child aged 7" in page.text
    buttons = [c.value for c in page.named("form_id")]
    assert sorted(buttons) == sorted(engine.forms.ids()), "one button per form"
    assert len(page.named("token")) == len(buttons), "each launch form carries the page's token"
    assert frame_ancestors(response) == ["'none'"], "the pretend case screen itself is not framed"
    assert "Nothing yet" in page.text


def test_a_forged_or_missing_token_does_not_launch(make_app, store, failures):
    app = make_app(demo_origins=(ORIGIN,))
    client = app.test_client()
    token = parse(client.get("/").get_data(as_text=True)).named("token")[0].value

    for label, data in {
        "forged": {"token": token[:-4] + "AAAA", "form_id": "information-sharing-decision"},
        "missing": {"form_id": "information-sharing-decision"},
        "junk": {"token": "\x00" * 10, "form_id": "information-sharing-decision"},
    }.items():
        with failures.case(label):
            response = client.post("/demo/launch", data=data)
            assert response.status_code == 400, response.status_code
            assert "This page has expired" in response.get_data(as_text=True)
    with failures.case("unknown form"):
        response = client.post("/demo/launch", data={"token": token, "form_id": "no-such-form"})
        assert response.status_code == 400
    failures.check()
    assert store.count() == 0


def test_a_case_screen_opened_before_a_key_rotation_still_launches_with_the_old_key_as_a_fallback(make_app, store):
    before = make_app(demo_origins=(ORIGIN,))
    token = parse(before.test_client().get("/").get_data(as_text=True)).named("token")[0].value
    new_key = "n" * 40

    def answer(app: Any) -> str:
        # an unknown form: refused after the token is checked, so the message says which check refused it
        response = app.test_client().post("/demo/launch", data={"token": token, "form_id": "no-such-form"})
        assert response.status_code == 400
        return response.get_data(as_text=True)

    with_fallback = answer(make_app(demo_origins=(ORIGIN,), secret_key=new_key, secret_key_fallbacks=(before.secret_key,)))
    assert "Choose one of the forms listed" in with_fallback and "This page has expired" not in with_fallback
    assert "This page has expired" in answer(make_app(demo_origins=(ORIGIN,), secret_key=new_key))


def test_the_demo_launches_the_form_through_the_real_api(make_app, live_server):
    app = make_app(demo_origins=(ORIGIN,))
    base = live_server(app)

    with httpx.Client(base_url=base, timeout=30, follow_redirects=False, trust_env=False) as http:
        token = parse(http.get("/").text).named("token")[0].value
        shown = http.post("/demo/launch", data={"token": token, "form_id": CORE})
        assert shown.status_code == 200, shown.text[:500]
        frame = _iframe_sources(shown.text)
        assert len(frame) == 1, "the form is shown in one iframe"
        assert frame[0].startswith(f"{base}/embed/launch/")
        opened = http.get(urlsplit(frame[0]).path)
        assert opened.status_code == 303
        assert opened.headers["location"].endswith("/embed/section/request")
        cookie = opened.headers["set-cookie"].split(";", 1)[0]
        page = http.get("/embed/section/request", headers={"Cookie": cookie})
    assert page.status_code == 200
    assert frame_ancestors(page) == [ORIGIN], "the demo host's origin may frame the form"
    assert parse(page.text).checked("sharer_agency_type") == ["children_social_care"], "pre-filled from the demo case"


# ---- the webhook ----------------------------------------------------------------------------------


def test_a_delivery_with_a_good_signature_is_received_and_listed(make_app):
    app = make_app(demo_origins=(ORIGIN,))
    client = app.test_client()
    body = json.dumps(RECORD).encode()
    headers = signed(demo_of(app).webhook_secret, body, msg_id="msg_1")

    first = client.post("/demo/webhook", data=body, headers=headers)
    again = client.post("/demo/webhook", data=body, headers=headers)  # delivered twice (a retry)

    assert first.status_code == 204
    assert again.status_code == 204
    received = client.get("/demo/received").get_json()
    assert [item["id"] for item in received] == ["rec-0001"], "listed once"
    assert received[0]["form"] == "information-sharing-decision"
    assert received[0]["decision"] == "share"
    assert received[0]["review_required"] is True
    assert "rec-0001" in client.get("/").get_data(as_text=True), "shown on the case screen"


def test_a_delivery_with_a_bad_signature_is_refused(make_app, failures):
    app = make_app(demo_origins=(ORIGIN,))
    client = app.test_client()
    secret = demo_of(app).webhook_secret
    body = json.dumps(RECORD).encode()
    good = signed(secret, body)
    other_secret = "whsec_" + "A" * 43 + "="
    cases = {
        "no headers": (body, {"Content-Type": "application/json"}),
        "another secret": (body, signed(other_secret, body)),
        "body changed": (json.dumps({**RECORD, "id": "rec-evil"}).encode(), good),
        "signature garbled": (body, {**good, "webhook-signature": "v1,AAAA"}),
        "signature without a version": (body, {**good, "webhook-signature": "garbage"}),
        "timestamp an hour old": (body, signed(secret, body, at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))),
        "timestamp not a number": (body, {**good, "webhook-timestamp": "soon"}),
        "invalid UTF-8": (b"\xff\xfe", signed(secret, b"{}")),
    }
    for label, (data, headers) in cases.items():
        with failures.case(label):
            response = client.post("/demo/webhook", data=data, headers=headers)
            assert response.status_code == 400, response.status_code
    failures.check()
    assert client.get("/demo/received").get_json() == []


def test_a_signed_delivery_that_is_not_a_record_is_refused_not_a_500(make_app, failures):
    app = make_app(demo_origins=(ORIGIN,))
    client = app.test_client()
    secret = demo_of(app).webhook_secret
    for label, body in {"a JSON list": b"[1, 2]", "a JSON string": b'"record"', "not JSON": b"<record/>"}.items():
        with failures.case(label):
            response = client.post("/demo/webhook", data=body, headers=signed(secret, body))
            assert response.status_code == 400, f"expected 400, got {response.status_code}"
    failures.check()


# ---- the whole flow: serve with the demo, complete the form, the webhook receives the record ----------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _iframe_sources(html: str) -> list[str]:
    import re

    return [value.replace("&amp;", "&") for value in re.findall(r'<iframe[^>]* src="([^"]+)"', html)]


def test_the_demo_receives_the_record_of_a_form_completed_in_it(make_app, base_answers):
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    app = make_app(demo_origins=(origin,), relay=True, environment="development")
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=origin, timeout=30, trust_env=False) as http:
            token = parse(http.get("/").text).named("token")[0].value
            [frame] = _iframe_sources(http.post("/demo/launch", data={"token": token, "form_id": CORE}).text)
        path = urlsplit(frame).path
        browser = Browser(app)
        assert browser.client.get(path).status_code == 303
        browser.save_answers(base_answers, SimpleNamespace(name="demo"))
        browser.get("/embed/check")
        response = browser.post("/embed/check", [("csrf_token", browser.last.hidden("csrf_token")[0])])
        assert response.status_code == 303, browser.last and browser.last.summary_links
        deadline = time.monotonic() + 20
        received: list[Any] = []
        while time.monotonic() < deadline and not received:
            received = app.test_client().get("/demo/received").get_json()
            time.sleep(0.1)
        assert len(received) == 1, "the relay delivered the record to the demo host's webhook"
        assert received[0]["form"] == "information-sharing-decision"
        assert received[0]["decision"] == base_answers["decision"]
    finally:
        server.shutdown()
        thread.join(10)
        relay_thread, stop = app.extensions["sharewise-relay"]
        stop.set()
        relay_thread.join(10)


# ---- sharewise serve ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bind", "port", "expected"),
    [
        ("127.0.0.1", 8000, ("http://127.0.0.1:8000", "http://localhost:8000")),
        ("localhost", 8000, ("http://127.0.0.1:8000", "http://localhost:8000")),
        ("0.0.0.0", 80, ("http://127.0.0.1:80", "http://localhost:80")),
        ("::", 8080, ("http://127.0.0.1:8080", "http://localhost:8080")),
        ("192.168.1.20", 8000, ("http://127.0.0.1:8000", "http://localhost:8000", "http://192.168.1.20:8000")),
        ("::1", 8000, ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000")),
        ("cases.internal", 9000, ("http://127.0.0.1:9000", "http://localhost:9000", "http://cases.internal:9000")),
    ],
)
def test_demo_origins(bind, port, expected):
    assert demo_origins(bind, port) == expected


@pytest.mark.parametrize("bind", ["127.0.0.1", "0.0.0.0", "192.168.1.20", "::1", "cases.internal"])
def test_every_demo_origin_is_one_a_host_may_register(make_app, store, bind):
    make_app(demo_origins=demo_origins(bind, 8000))

    assert sorted(HostRegistry(store).get("demo").origins) == sorted(demo_origins(bind, 8000))


def test_serve_turns_on_the_demo_host(no_run, database_url, store, capsys):
    result = run_main(capsys, "--database", database_url, "serve", "--port", "8123")

    assert result.code == 0, result.err
    [app] = no_run
    assert app.extensions["sharewise"].settings.demo_origins == demo_origins("127.0.0.1", 8123)
    assert "sharewise-demo" in app.extensions
    assert app.test_client().get("/").status_code == 200
    assert sorted(HostRegistry(store).get("demo").origins) == sorted(demo_origins("127.0.0.1", 8123))


def test_serve_no_demo_turns_it_off(no_run, database_url, store, capsys):
    result = run_main(capsys, "--database", database_url, "serve", "--no-demo")

    assert result.code == 0, result.err
    [app] = no_run
    assert app.extensions["sharewise"].settings.demo_origins == ()
    assert "sharewise-demo" not in app.extensions
    assert app.test_client().get("/").status_code == 404
    assert all(host.name != "demo" for host in HostRegistry(store).list())
