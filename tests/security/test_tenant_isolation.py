"""Tenant isolation over every endpoint (docs/security.md, threats T1–T5 and T13): a matrix of route × how host B is
kept away from host A's records, drafts, launches, sessions, theme and deliveries. Host B never sees nor
changes anything of host A's: another host's record is 404 exactly like no record (never 403, which would
confirm it exists), and every API call is 401 without a key or with anything that is not a live key.

The route list comes from the app's url_map, so a new route without a matrix entry fails
``test_the_matrix_covers_every_route``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from pytest_httpserver import HTTPServer
from scenario_files import SCENARIO_01
from security_helpers import CORE, NO_RECORD, EmbedSession, drafts_of, is_error_shape, path_of, text_of
from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError
from werkzeug.test import TestResponse

from sharewise.adapters.delivery.relay import Relay
from sharewise.core.hosts import HostRegistry
from sharewise.core.store.schema import hosts

#: Host A's case: host B launches the same case reference for a practitioner with the same id.
CASE = {"case_ref": "SHARED-CASE-7", "practitioner": {"id": "prac-7", "name": "Dr Same Name"}}
A_RECORD_MARKER = "A-RECORD-MARKER-5521"
A_SUBJECT = "Aurelia Onlyforhosta"
A_DRAFT_MARKER = "A-DRAFT-MARKER-8812"
A_THEME = {"brand": "#a1b2c3"}
A_IDEMPOTENCY_KEY = "a-key-0001"
#: Nothing of host A's may appear in a response to host B.
A_MARKERS = [A_RECORD_MARKER, A_SUBJECT, A_DRAFT_MARKER, A_THEME["brand"]]
ACCEPTS = ["application/json", "application/xml", "application/fhir+json", "application/fhir+xml", "*/*", None]
#: Methods Flask adds to every route by itself.
AUTOMATIC = {"HEAD", "OPTIONS"}


@dataclass
class World:
    """Host A with a record, a practitioner half-way through a form (a saved draft) and a theme; host B with
    a practitioner who opened the same case."""

    app: Flask
    a: Any
    b: Any
    record_a: dict[str, Any]
    session_a: EmbedSession
    session_b: EmbedSession
    draft_a: Any
    embed: Callable[..., EmbedSession]

    def fresh(self) -> World:
        """The same data, with new browsers: A's practitioner reopening the case (resuming A's draft), and B's."""
        session_a = self.embed(self.a, CASE, on=self.app, theme=A_THEME)
        session_b = self.embed(self.b, CASE, on=self.app)
        return World(self.app, self.a, self.b, self.record_a, session_a, session_b, self.draft_a, self.embed)

    def as_b(self, method: str, path: str, **options: Any) -> TestResponse:
        headers = {**self.b.auth, "Idempotency-Key": "b-key", **options.pop("headers", {})}
        return self.app.test_client().open(path, method=method, headers=headers, **options)

    def no_leak(self, *responses: TestResponse) -> None:
        for response in responses:
            assert response.status_code < 500, f"{response.status_code}: {response.get_data(as_text=True)[:300]}"
            found = [marker for marker in A_MARKERS + [self.record_a["id"], self.draft_a.id] if marker in text_of(response)]
            assert found == [], f"host A's data in a response to host B ({response.status_code}): {found}"

    def draft_a_unchanged(self) -> None:
        now = drafts_of(self.app, self.a.name)
        assert [(d.id, d.answers) for d in now] == [(self.draft_a.id, self.draft_a.answers)], "host A's draft changed"

    def records(self) -> int:
        return self.app.extensions["sharewise"].store.count()


@pytest.fixture
def world(demo_app: Flask, host_a: Any, host_b: Any, embed: Callable[..., EmbedSession], base_answers: dict[str, Any]) -> World:
    created = demo_app.test_client().post(
        "/api/v1/records",
        json={
            "form_id": CORE,
            "answers": base_answers,
            "context": {**CASE, "subject": {"name": A_SUBJECT}, "note": A_RECORD_MARKER},
        },
        headers={**host_a.auth, "Idempotency-Key": A_IDEMPOTENCY_KEY},
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    session_a = embed(host_a, CASE, on=demo_app, theme=A_THEME)
    saved = session_a.post(
        "/embed/section/request", session_a.section_fields("request", {**base_answers, "purpose": f"{A_DRAFT_MARKER} purpose"})
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)[:500]
    (draft_a,) = drafts_of(demo_app, host_a.name)
    assert A_DRAFT_MARKER in draft_a.answers["purpose"]
    session_b = embed(host_b, CASE, on=demo_app)
    return World(demo_app, host_a, host_b, created.get_json(), session_a, session_b, draft_a, embed)


# --- the checks, one per route -------------------------------------------------------------------------


def shared_definitions(world: World, path: str) -> None:
    """Form definitions are the same for every host and hold no tenant data."""
    as_a = world.app.test_client().get(path, headers=world.a.auth)
    as_b = world.as_b("GET", path)
    assert as_b.status_code == 200
    assert as_b.get_json() == as_a.get_json()
    world.no_leak(as_b)


def check_forms(world: World) -> None:
    shared_definitions(world, "/api/v1/forms")


def check_form(world: World) -> None:
    shared_definitions(world, f"/api/v1/forms/{CORE}")


def check_check(world: World) -> None:
    """Checking stores nothing and answers only from what B sent."""
    store = world.app.extensions["sharewise"].store
    before = (world.records(), len(store.audit_entries()))
    response = world.as_b("POST", f"/api/v1/forms/{CORE}/check", json={"answers": {"purpose": "B's"}, "context": CASE})
    assert response.status_code == 200
    world.no_leak(response)
    assert (world.records(), len(store.audit_entries())) == before


def check_launch(world: World) -> None:
    """B launching the same case for the same practitioner id gets a fresh draft of its own, never A's."""
    page = world.session_b.get("/embed/section/request")
    assert page.status_code == 200
    world.no_leak(page, world.session_b.opened)
    drafts_b = drafts_of(world.app, world.b.name)
    assert drafts_b and all(d.id != world.draft_a.id and d.host == world.b.name for d in drafts_b)
    world.draft_a_unchanged()


def check_submit(world: World) -> None:
    """Records are stamped with the authenticated host whatever the body says; idempotency keys are per host."""
    body = {"form_id": CORE, "answers": world.record_a["answers"], "context": {"host": world.a.name}}
    claimed = world.as_b("POST", "/api/v1/records", json=body, headers={"Idempotency-Key": "b-claims-a"})
    assert claimed.status_code == 201 and claimed.get_json()["host"] == world.b.name
    xml = world.app.test_client().get(
        f"/api/v1/records/{world.record_a['id']}", headers={**world.a.auth, "Accept": "application/xml"}
    )
    own = xml.get_data(as_text=True).replace(A_RECORD_MARKER, "B's note").replace(A_SUBJECT, "B's subject")
    as_xml = world.as_b(
        "POST",
        "/api/v1/records",
        data=own.encode(),
        headers={"Content-Type": "application/xml", "Idempotency-Key": "b-sends-a-xml"},
    )
    assert as_xml.status_code == 201, as_xml.get_data(as_text=True)[:300]
    assert as_xml.get_json()["host"] == world.b.name, "a <host> in an XML record must not choose the tenant"
    reused = world.as_b("POST", "/api/v1/records", json=body, headers={"Idempotency-Key": A_IDEMPOTENCY_KEY})
    assert reused.status_code == 201 and "Idempotent-Replayed" not in reused.headers
    assert reused.get_json()["id"] != world.record_a["id"]
    world.no_leak(claimed, reused)
    feed_a = world.app.test_client().get("/api/v1/records", headers=world.a.auth).get_json()
    assert [r["id"] for r in feed_a["records"]] == [world.record_a["id"]]


def check_feed(world: World) -> None:
    """B's feed holds only B's records, from any cursor."""
    mine = world.as_b("POST", "/api/v1/records", json={"form_id": CORE, "answers": world.record_a["answers"]}).get_json()
    seq = world.app.extensions["sharewise"].store.get(world.record_a["id"]).created_seq
    for after in (0, max(seq - 1, 0), seq):
        feed = world.as_b("GET", "/api/v1/records", query_string={"after": after})
        assert feed.status_code == 200
        assert all(r["host"] == world.b.name for r in feed.get_json()["records"])
        world.no_leak(feed)
    seen = [r["id"] for r in world.as_b("GET", "/api/v1/records", query_string={"limit": 200}).get_json()["records"]]
    stored = [r.id for r in world.app.extensions["sharewise"].store.list(host=world.b.name, limit=200)]
    assert mine["id"] in seen and seen == stored


def check_get_record(world: World) -> None:
    """404 in every format, exactly as for a record that does not exist, and no audit entry."""
    store = world.app.extensions["sharewise"].store
    before = len(store.audit_entries(record_id=world.record_a["id"]))
    for accept in ACCEPTS:
        headers = {"Accept": accept} if accept else {}
        theirs = world.as_b("GET", f"/api/v1/records/{world.record_a['id']}", headers=headers)
        nobody = world.as_b("GET", f"/api/v1/records/{NO_RECORD}", headers=headers)
        assert theirs.status_code == 404 and is_error_shape(theirs), (accept, theirs.status_code)
        assert theirs.get_json() == nobody.get_json(), "another host's record must look like no record"
        world.no_leak(theirs)
    assert len(store.audit_entries(record_id=world.record_a["id"])) == before, "a refused read is no export"


def check_amend(world: World) -> None:
    """B cannot amend A's record: 404, nothing stored, A's record not superseded."""
    before = world.records()
    body = {"answers": world.record_a["answers"], "reason": "B's correction"}
    response = world.as_b("POST", f"/api/v1/records/{world.record_a['id']}/amendments", json=body)
    nobody = world.as_b("POST", f"/api/v1/records/{NO_RECORD}/amendments", json=body)
    assert response.status_code == 404 and is_error_shape(response)
    assert response.get_json() == nobody.get_json()
    world.no_leak(response)
    assert world.records() == before
    assert world.app.extensions["sharewise"].store.get(world.record_a["id"]).superseded_by is None


def check_open_launch(world: World) -> None:
    """A used code opens nothing for anyone; redeeming B's code in a browser that held A's session replaces it."""
    reused = world.session_b.client.get(world.session_a.launch_path)
    assert reused.status_code == 410
    world.no_leak(reused)
    launched = world.app.test_client().post("/api/v1/launch", json={"form_id": CORE, "context": CASE}, headers=world.b.auth)
    opened = world.session_a.client.get(path_of(launched.get_json()["url"]))
    assert opened.status_code == 303
    world.no_leak(world.session_a.get("/embed/section/request"), world.session_a.get("/embed/check"))


def check_section_page(world: World) -> None:
    """B's session shows B's draft; even a forged session naming A's draft shows nothing of it."""
    world.no_leak(world.session_b.get("/embed/section/request"))
    world.session_b.forge(draft=world.draft_a.id)
    forged = world.session_b.get("/embed/section/request")
    assert forged.status_code in (404, 410), forged.status_code
    world.no_leak(forged)


def check_save_section(world: World, base_answers: dict[str, Any]) -> None:
    """A page posted in B's session saves into B's draft, even carrying A's page token; a forged session
    naming A's draft saves nothing into it."""
    fields = world.session_b.section_fields("request", {**base_answers, "purpose": "B's purpose"})
    fields["page_token"] = world.session_a.page_token
    saved = world.session_b.post("/embed/section/request", fields)
    assert saved.status_code == 303, saved.get_data(as_text=True)[:300]
    world.draft_a_unchanged()
    world.session_b.forge(draft=world.draft_a.id)
    forged = world.session_b.post("/embed/section/request", {**fields, "purpose": "overwritten by B"})
    assert forged.status_code in (404, 410), forged.status_code
    world.no_leak(saved, forged)
    world.draft_a_unchanged()


def check_check_page(world: World) -> None:
    world.no_leak(world.session_b.get("/embed/check"))
    world.session_b.forge(draft=world.draft_a.id)
    forged = world.session_b.get("/embed/check")
    assert forged.status_code in (404, 410)
    world.no_leak(forged)


def check_embed_submit(world: World) -> None:
    """A forged session naming A's draft submits nothing from it."""
    before = world.records()
    world.session_b.get("/embed/check")
    world.session_b.forge(draft=world.draft_a.id)
    forged = world.session_b.post("/embed/check", {"csrf_token": world.session_b.csrf})
    assert forged.status_code in (404, 410)
    world.no_leak(forged)
    assert world.records() == before
    world.draft_a_unchanged()


def check_done_page(world: World) -> None:
    """The confirmation shows only the session host's record, even if the session names A's record."""
    world.session_b.forge(record=world.record_a["id"])
    forged = world.session_b.get("/embed/done")
    assert forged.status_code == 404, forged.status_code
    world.no_leak(forged)


def check_saved_page(world: World) -> None:
    world.no_leak(world.session_b.get("/embed/saved"))
    world.session_b.forge(draft=world.draft_a.id)
    forged = world.session_b.get("/embed/saved")
    assert forged.status_code in (404, 410)
    world.no_leak(forged)


def check_theme(world: World) -> None:
    """Each session gets its own host's theme."""
    assert A_THEME["brand"] in world.session_a.get("/embed/theme.css").get_data(as_text=True), "positive control"
    world.no_leak(world.session_b.get("/embed/theme.css"))


def public_asset(prefix: str, name: str) -> Callable[[World], None]:
    def check(world: World) -> None:
        """Static files are the same for everyone (no tenant data); a path outside the folder is 404."""
        world.no_leak(world.as_b("GET", f"{prefix}/{name}"), world.as_b("GET", f"{prefix}/../app.py"))
        assert world.as_b("GET", f"{prefix}/%2e%2e/%2e%2e/app.py").status_code == 404

    return check


def public_meta(path: str) -> Callable[[World], None]:
    def check(world: World) -> None:
        """Public endpoints hold no tenant data (no records, no counts per host)."""
        response = world.app.test_client().get(path)
        assert response.status_code == 200
        world.no_leak(response)
        assert world.a.name not in response.get_data(as_text=True)

    return check


def check_metrics(world: World) -> None:
    """Metrics are for operators: a host's API key does not open them."""
    response = world.as_b("GET", "/metrics")
    assert response.status_code in (401, 404), response.status_code
    world.no_leak(response)


def check_demo_page(world: World) -> None:
    """The demo host's screen shows only what the demo host itself received."""
    world.no_leak(world.app.test_client().get("/"), world.app.test_client().get("/demo/received"))


def check_demo_webhook(world: World) -> None:
    """The demo webhook accepts only deliveries signed with the demo host's secret: A's record signed with A's
    secret is refused and not listed."""
    body = json.dumps(world.record_a).encode()
    secret = world.a.webhook_secret
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(dt.datetime.now(dt.UTC).timestamp()))}
    headers["webhook-signature"] = Webhook(secret).sign("msg_1", dt.datetime.now(dt.UTC), body.decode())
    response = world.app.test_client().post("/demo/webhook", data=body, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    world.no_leak(response, world.app.test_client().get("/demo/received"))


def check_demo_launch(world: World, live_server: Callable[[Flask], str]) -> None:
    """The demo launches with the demo host's own key: the form it opens belongs to the demo host."""
    base = live_server(world.app)
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as browser:
        token = re.search(r'name="token" value="([^"]+)"', browser.get("/").text)
        assert token
        page = browser.post("/demo/launch", data={"form_id": CORE, "token": token[1]})
        assert page.status_code == 200, page.text[:300]
        frame = re.search(r'src="([^"]*/embed/launch/[^"]+)"', page.text)
        assert frame, "the demo page frames the launched form"
    practitioner = world.app.test_client()  # the session cookie is Secure: httpx would not send it over http
    assert practitioner.get(path_of(frame[1])).status_code == 303
    form = practitioner.get("/embed/section/request")
    assert form.status_code == 200
    world.no_leak(form)
    assert [d.host for d in drafts_of(world.app, "demo")] == ["demo"]
    world.draft_a_unchanged()


#: (method, route) → the check that host B (or the demo host) cannot reach host A's data there.
MATRIX: dict[tuple[str, str], Callable[..., None]] = {
    ("GET", "/api/v1/forms"): check_forms,
    ("GET", "/api/v1/forms/<form_id>"): check_form,
    ("POST", "/api/v1/forms/<form_id>/check"): check_check,
    ("POST", "/api/v1/launch"): check_launch,
    ("POST", "/api/v1/records"): check_submit,
    ("GET", "/api/v1/records"): check_feed,
    ("GET", "/api/v1/records/<record_id>"): check_get_record,
    ("POST", "/api/v1/records/<record_id>/amendments"): check_amend,
    ("GET", "/embed/launch/<code>"): check_open_launch,
    ("GET", "/embed/section/<section_id>"): check_section_page,
    ("POST", "/embed/section/<section_id>"): check_save_section,
    ("GET", "/embed/check"): check_check_page,
    ("POST", "/embed/check"): check_embed_submit,
    ("GET", "/embed/done"): check_done_page,
    ("GET", "/embed/saved"): check_saved_page,
    ("GET", "/embed/theme.css"): check_theme,
    ("GET", "/embed/static/<path:filename>"): public_asset("/embed/static", "sharewise.css"),
    ("GET", "/static/<path:filename>"): public_asset("/static", "sharewise.css"),
    ("GET", "/demo/static/<path:filename>"): public_asset("/demo/static", "demo.css"),
    ("GET", "/healthz"): public_meta("/healthz"),
    ("GET", "/livez"): public_meta("/livez"),
    ("GET", "/api/v1/openapi.json"): public_meta("/api/v1/openapi.json"),
    ("GET", "/api/v1/schemas/decision-record.xsd"): public_meta("/api/v1/schemas/decision-record.xsd"),
    ("GET", "/metrics"): check_metrics,
    ("GET", "/"): check_demo_page,
    ("GET", "/demo/received"): check_demo_page,
    ("POST", "/demo/webhook"): check_demo_webhook,
    ("POST", "/demo/launch"): check_demo_launch,
}


def routes(app: Flask) -> set[tuple[str, str]]:
    """Every (method, route) the app serves, less the methods Flask adds by itself."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules() for method in (rule.methods or set()) - AUTOMATIC}


def test_the_matrix_covers_every_route(demo_app):
    missing = routes(demo_app) - set(MATRIX)
    assert missing == set(), f"routes without a tenant-isolation check (add them to MATRIX): {sorted(missing)}"


def test_host_b_never_sees_or_changes_host_a_data(world, request, failures):
    """Each check in turn, on the same data, each with new browsers (every route's failure is reported)."""
    served = routes(world.app)
    checked = 0
    for route, check in MATRIX.items():
        if route not in served:
            continue  # a route this build does not serve (say /metrics before it exists)
        with failures.case(f"{route[0]} {route[1]}"):
            extra = {name: request.getfixturevalue(name) for name in check.__code__.co_varnames[1 : check.__code__.co_argcount]}
            check(world.fresh(), **extra)
        checked += 1
    failures.check()
    assert checked >= 25


# --- authentication: 401 on every API route ----------------------------------------------------------

#: API routes anyone may read (no tenant data).
PUBLIC_API = {"/api/v1/openapi.json", "/api/v1/schemas/decision-record.xsd"}
SAMPLE_PARAMETERS = {"<form_id>": CORE, "<record_id>": NO_RECORD}


def api_calls(app: Flask) -> list[tuple[str, str]]:
    """Every API call that needs a key: (method, concrete path), from the url_map."""
    calls = []
    for method, rule in sorted(routes(app)):
        if rule.startswith("/api/") and rule not in PUBLIC_API:
            path = rule
            for parameter, value in SAMPLE_PARAMETERS.items():
                path = path.replace(parameter, value)
            assert "<" not in path, f"no sample value for a parameter of {rule}"
            calls.append((method, path))
    return calls


def stored_key_hash(app: Flask, name: str) -> str:
    with app.extensions["sharewise"].store.reading() as connection:
        return connection.execute(select(hosts.c.api_key_hash).where(hosts.c.name == name)).scalar_one()


def test_every_api_route_is_401_without_a_live_key(demo_app, host_a, host_b, failures):
    credentials = {
        "no header": None,
        "a made-up key": "Bearer sw_" + "A" * 43,
        "host A's key cut short": f"Bearer {host_a.api_key[:-1]}",
        "host A's key in upper case": f"Bearer {host_a.api_key.upper()}",
        "host A's webhook secret": f"Bearer {host_a.webhook_secret}",
        "host A's stored key hash (an insider with the database)": f"Bearer {stored_key_hash(demo_app, host_a.name)}",
        "host A's key as Basic": f"Basic {host_a.api_key}",
    }
    client = demo_app.test_client()
    calls = api_calls(demo_app)
    assert len(calls) >= 8
    for method, path in calls:
        for label, header in credentials.items():
            with failures.case(f"{method} {path} with {label}"):
                headers = {"Idempotency-Key": "k"} | ({"Authorization": header} if header else {})
                response = client.open(path, method=method, json={}, headers=headers)
                assert response.status_code == 401, f"{response.status_code}: {response.get_data(as_text=True)[:200]}"
                assert is_error_shape(response), response.get_data(as_text=True)[:200]
                assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")
    failures.check()


# --- deliveries ----------------------------------------------------------------------------------------


def test_deliveries_go_only_to_their_own_host(make_app, store, engine, httpserver: HTTPServer, tmp_path: Path):
    """The relay delivers each record only to its host's webhook, signed with that host's secret, and drops it
    only into that host's directory."""
    registry = HostRegistry(store)
    now = dt.datetime.now(dt.UTC)
    keys = {}
    for name in ("hook-a", "hook-b"):
        (tmp_path / name).mkdir()
        httpserver.expect_request(f"/{name}", method="POST").respond_with_data("", status=204)
        keys[name] = registry.add(
            name,
            origins=["https://x.example"],
            webhook_url=httpserver.url_for(f"/{name}"),
            drop_dir=str(tmp_path / name),
            now=now,
        )
    client = make_app().test_client()
    sent: dict[str, set[str]] = {"hook-a": set(), "hook-b": set()}
    answers = json.loads(SCENARIO_01.read_text(encoding="utf-8"))
    for n, name in enumerate(["hook-a", "hook-a", "hook-b", "hook-a"]):
        created = client.post(
            "/api/v1/records",
            json={"form_id": CORE, "answers": answers["answers"]},
            headers={"Authorization": f"Bearer {keys[name].api_key}", "Idempotency-Key": f"d{n}"},
        )
        assert created.status_code == 201
        sent[name].add(created.get_json()["id"])

    relay = Relay(store, engine)
    while relay.run_once():
        pass

    received: dict[str, set[str]] = {"hook-a": set(), "hook-b": set()}
    for request_made, _ in httpserver.log:
        name = request_made.path.strip("/")
        body = request_made.get_data()
        Webhook(keys[name].webhook_secret).verify(body, dict(request_made.headers))
        other = "hook-b" if name == "hook-a" else "hook-a"
        with pytest.raises(WebhookVerificationError):
            Webhook(keys[other].webhook_secret).verify(body, dict(request_made.headers))
        received[name].add(json.loads(body)["id"])
    assert received == sent
    for name in sent:
        dropped = {path.name.split(".")[0] for path in (tmp_path / name).iterdir() if not path.name.startswith(".")}
        assert dropped == sent[name], f"{name}'s drop directory"
