"""Security headers on every route and every kind of response — API, embedded pages, the demo host, static
files, redirects and errors (docs/security.md, threats T8 and T9):

- ``Content-Security-Policy`` with ``frame-ancestors``: exactly the host's registered origins on the
  embedded pages of a session; on embedded pages outside a session (a used link, an ended session, an
  error page), which hold no case data, the registered hosts' origins — never ``*`` — so the practitioner
  reads the message inside their case system; ``'none'`` everywhere else (the API, the demo screen);
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` everywhere;
- ``Cache-Control: no-store`` on everything but static files (anything else may hold personal data);
- the session cookie only ever ``Secure; HttpOnly; SameSite=None; Partitioned``, and never set by the API.

The sample covers every route of the url_map (a new route without a sample fails the test).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from embed_pages import frame_ancestors
from flask import Flask
from security_helpers import CORE, NO_RECORD, EmbedSession
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.test import TestResponse

STATIC = ("/embed/static/", "/demo/static/", "/static/")
#: Embedded pages that show a session's form (framed by the host).
FRAMED = {"/embed/section/<section_id>", "/embed/check", "/embed/done", "/embed/saved"}
AUTOMATIC = {"HEAD", "OPTIONS"}


@dataclass
class Sample:
    """Responses from every route: label → (method, path, response, framed by the session's host?)."""

    app: Flask
    responses: dict[str, tuple[str, str, TestResponse, bool]] = field(default_factory=dict)

    def add(self, label: str, response: TestResponse, *, framed: bool = False) -> TestResponse:
        request = response.request
        self.responses[label] = (request.method, request.path, response, framed)
        return response

    def rules(self) -> set[tuple[str, str]]:
        """The (method, route) each sampled request reached."""
        adapter = self.app.url_map.bind("localhost")
        reached = set()
        for method, path, _, _ in self.responses.values():
            try:
                rule, _ = adapter.match(path, method=method, return_rule=True)
            except (NotFound, MethodNotAllowed):
                continue
            reached.add((method, rule.rule))
        return reached


def sample(app: Flask, host_a: Any, embed: Any, base_answers: dict[str, Any]) -> Sample:
    s = Sample(app)
    api = app.test_client()
    auth = host_a.auth

    def submit(answers: dict[str, Any], key: str, **options: Any) -> TestResponse:
        headers = {**auth, "Idempotency-Key": key, **options.pop("headers", {})}
        return api.post("/api/v1/records", json={"form_id": CORE, "answers": answers}, headers=headers, **options)

    record = s.add("POST records 201", submit(base_answers, "h1")).get_json()
    s.add("POST records replay", submit(base_answers, "h1"))
    s.add("POST records 409", submit({**base_answers, "share_method": "letter"}, "h2"))
    s.add("POST records 422", submit({}, "h3"))
    s.add("POST records 400 no key", api.post("/api/v1/records", json={}, headers=auth))
    s.add("POST records 415", api.post("/api/v1/records", data="x", headers={**auth, "Idempotency-Key": "h4"}))
    big = "x" * (app.config["SHAREWISE_MAX_BODY_BYTES"] + 10)
    s.add("POST records 413", api.post("/api/v1/records", data=big, headers={**auth, "Content-Type": "application/json"}))
    xml = api.get(f"/api/v1/records/{record['id']}", headers={**auth, "Accept": "application/xml"})
    for accept in ["application/json", "application/xml", "application/fhir+json", "application/fhir+xml", "text/html"]:
        s.add(f"GET record {accept}", api.get(f"/api/v1/records/{record['id']}", headers={**auth, "Accept": accept}))
    s.add("HEAD record", api.head(f"/api/v1/records/{record['id']}", headers=auth))
    s.add("GET record 404", api.get(f"/api/v1/records/{NO_RECORD}", headers=auth))
    s.add(
        "POST records XML 201",
        api.post(
            "/api/v1/records", data=xml.get_data(), headers={**auth, "Idempotency-Key": "h5", "Content-Type": "application/xml"}
        ),
    )
    s.add("GET feed", api.get("/api/v1/records", headers=auth))
    s.add("GET feed 422", api.get("/api/v1/records?limit=0", headers=auth))
    amend = {"answers": {**base_answers, "shared_with": "X"}, "reason": "r"}
    s.add(
        "POST amendment 201",
        api.post(f"/api/v1/records/{record['id']}/amendments", json=amend, headers={**auth, "Idempotency-Key": "h6"}),
    )
    s.add(
        "POST amendment 404",
        api.post(f"/api/v1/records/{NO_RECORD}/amendments", json=amend, headers={**auth, "Idempotency-Key": "h7"}),
    )
    s.add("GET forms", api.get("/api/v1/forms", headers=auth))
    s.add("GET form", api.get(f"/api/v1/forms/{CORE}", headers=auth))
    s.add("GET form 404", api.get("/api/v1/forms/nope", headers=auth))
    s.add("POST check", api.post(f"/api/v1/forms/{CORE}/check", json={"answers": base_answers}, headers=auth))
    s.add("POST check 422", api.post(f"/api/v1/forms/{CORE}/check", json={"nope": 1}, headers=auth))
    s.add("POST launch 201", api.post("/api/v1/launch", json={"form_id": CORE}, headers=auth))
    s.add("POST launch 404", api.post("/api/v1/launch", json={"form_id": "nope"}, headers=auth))
    s.add("GET records 401", api.get("/api/v1/records"))
    s.add("OPTIONS records 401", api.options("/api/v1/records"))
    s.add("DELETE records 405", api.delete("/api/v1/records", headers=auth))
    s.add("GET unknown API route", api.get("/api/v1/nothing", headers=auth))
    s.add("GET unknown route", api.get("/nothing/here"))
    s.add("GET healthz", api.get("/healthz"))
    s.add("GET livez", api.get("/livez"))
    s.add("GET openapi", api.get("/api/v1/openapi.json"))
    s.add("GET xsd", api.get("/api/v1/schemas/decision-record.xsd"))
    s.add("GET metrics", api.get("/metrics"))

    session: EmbedSession = embed(host_a, {"case_ref": "HEADERS-1"}, on=app, theme={"brand": "#123456"})
    s.add("GET embed launch 303", session.opened)
    s.add("GET embed launch 410", app.test_client().get(session.launch_path))
    s.add("GET embed section", session.get("/embed/section/request"), framed=True)
    s.add("GET embed section 404", session.get("/embed/section/nope"), framed=True)
    fields = session.section_fields("request", base_answers)
    s.add("POST embed section 422", session.post("/embed/section/request", {**fields, "purpose": ""}), framed=True)
    s.add("POST embed section 400 (CSRF)", session.post("/embed/section/request", {**fields, "csrf_token": "x"}), framed=True)
    s.add("POST embed section 303", session.post("/embed/section/request", fields))
    session.fill(base_answers)
    s.add("GET embed check", session.get("/embed/check"), framed=True)
    s.add("POST embed check 400 (CSRF)", session.post("/embed/check", {}), framed=True)
    s.add("POST embed section 413", session.post("/embed/section/request", {**fields, "purpose": big}), framed=True)
    s.add("POST embed check 303", session.post("/embed/check", {"csrf_token": session.csrf}))
    s.add("GET embed done", session.get("/embed/done"), framed=True)
    s.add("GET embed theme", session.get("/embed/theme.css"))
    saver = embed(host_a, {"case_ref": "HEADERS-2"}, on=app)
    saver.post("/embed/section/request", {**saver.section_fields("request", base_answers), "action": "save-and-leave"})
    s.add("GET embed saved", saver.get("/embed/saved"), framed=True)
    nobody = app.test_client()
    s.add("GET embed section 401 (no session)", nobody.get("/embed/section/request"))
    s.add("POST embed section 401 (no session)", nobody.post("/embed/section/request", data={}))
    s.add("GET embed check 401 (no session)", nobody.get("/embed/check"))
    s.add("POST embed check 401 (no session)", nobody.post("/embed/check", data={}))
    s.add("GET embed done 401 (no session)", nobody.get("/embed/done"))
    s.add("GET embed saved 401 (no session)", nobody.get("/embed/saved"))
    s.add("GET embed theme (no session)", nobody.get("/embed/theme.css"))
    s.add("GET embed static", nobody.get("/embed/static/sharewise.css"))
    s.add("GET embed static 404", nobody.get("/embed/static/nope.css"))
    s.add("GET app static 404", nobody.get("/static/nope.css"))
    s.add("PUT embed check 405", nobody.put("/embed/check"))

    home = s.add("GET demo", nobody.get("/"))
    token = re.search(r'name="token" value="([^"]+)"', home.get_data(as_text=True))
    assert token
    s.add("GET demo static", nobody.get("/demo/static/demo.css"))
    s.add("POST demo launch 400", nobody.post("/demo/launch", data={"form_id": CORE}))
    # the test client serves no HTTP, so the demo's own call to the launch API fails: its 502 page
    s.add("POST demo launch 502", nobody.post("/demo/launch", data={"form_id": CORE, "token": token[1]}))
    s.add("POST demo webhook 400", nobody.post("/demo/webhook", data=b"{}"))
    s.add("GET demo received", nobody.get("/demo/received"))
    return s


def cookie_flags(header: str) -> set[str]:
    """A Set-Cookie header's attributes, lower case without spaces: {"secure", "samesite=none", ...}."""
    return {part.strip().lower().replace(" ", "") for part in header.split(";")[1:]}


def test_every_response_carries_the_security_headers(demo_app, host_a, embed, base_answers, failures):
    s = sample(demo_app, host_a, embed, base_answers)
    origins = sorted(host_a.origins)
    registered = {origin for host in demo_app.extensions["sharewise"].hosts.list() for origin in host.origins}
    for label, (_, path, response, framed) in s.responses.items():
        with failures.case(f"{label} ({response.status_code})"):
            headers = response.headers
            policy = headers.get("Content-Security-Policy", "")
            assert "default-src 'none'" in policy, f"CSP: {policy!r}"
            if framed:
                assert sorted(frame_ancestors(response)) == origins, policy
            elif path.startswith("/embed/") and response.mimetype == "text/html" and not 300 <= response.status_code < 400:
                assert frame_ancestors(response) and set(frame_ancestors(response)) <= registered, policy
            else:
                assert frame_ancestors(response) == ["'none'"], policy
            assert headers.get("X-Content-Type-Options") == "nosniff"
            assert headers.get("Referrer-Policy") == "no-referrer"
            if not path.startswith(STATIC):
                assert "no-store" in headers.get("Cache-Control", ""), f"Cache-Control: {headers.get('Cache-Control')!r}"
            for cookie in headers.getlist("Set-Cookie"):
                assert not path.startswith("/api/"), f"the API set a cookie: {cookie}"
                assert {"secure", "httponly", "samesite=none", "partitioned"} <= cookie_flags(cookie), cookie
            if response.mimetype == "text/html":
                assert "charset=utf-8" in headers.get("Content-Type", "").lower()
            if "502" not in label:
                assert response.status_code < 500, response.get_data(as_text=True)[:200]
    failures.check()
    assert s.responses["GET embed launch 303"][2].status_code == 303, "the sample reached the form"
    served = {(method, rule.rule) for rule in demo_app.url_map.iter_rules() for method in (rule.methods or set()) - AUTOMATIC}
    assert served - s.rules() == set(), f"routes this test does not sample (add them): {sorted(served - s.rules())}"


def test_embedded_pages_name_only_their_own_hosts_origins(app, host_a, host_b, embed):
    """Host B's practitioner's pages may be framed by host B's origins only, never host A's."""
    page_a = embed(host_a).get("/embed/section/request")
    page_b = embed(host_b).get("/embed/section/request")

    assert sorted(frame_ancestors(page_a)) == sorted(host_a.origins)
    assert sorted(frame_ancestors(page_b)) == sorted(host_b.origins)
