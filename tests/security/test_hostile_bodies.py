"""Bad input on every endpoint that takes a body (docs/security.md, threat T11): oversized, truncated,
wrongly typed, NUL-laden, invalid UTF-8, deeply nested, not-quite-JSON (NaN, repeated keys) and
wrong content types. The JSON API answers a 4xx in the one error shape; the embedded form answers a clear
HTML page; nothing answers a 500, and nothing half-read is stored. Hypothesis adds open-ended bodies
(bounded examples).

The endpoints come from the app's url_map: a new POST route needs a valid body here.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from security_helpers import CORE, NO_RECORD, EmbedSession, is_error_shape
from werkzeug.test import TestResponse

FORMATS = ["application/json", "application/xml", "application/fhir+json", "application/fhir+xml"]
HYPOTHESIS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def valid_bodies(record_id: str, answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A body each JSON endpoint accepts (path → body)."""
    return {
        "/api/v1/records": {"form_id": CORE, "answers": answers, "context": {"case_ref": "B-1"}, "acknowledged_warnings": []},
        f"/api/v1/records/{record_id}/amendments": {
            "answers": {**answers, "shared_with": "Someone else"},
            "reason": "Wrong recipient",
        },
        f"/api/v1/forms/{CORE}/check": {"answers": answers, "context": {"case_ref": "B-1"}},
        "/api/v1/launch": {
            "form_id": CORE,
            "context": {"case_ref": "B-1", "practitioner": {"name": "Dr B"}},
            "theme": {"brand": "#005eb8"},
        },
    }


def _nan_inside(text: str) -> bytes:
    """The body with NaN as a value inside its answers (or, for a launch, inside the context's subject)."""
    if '"child_age": 7' in text:
        return text.replace('"child_age": 7', '"child_age": NaN').encode()
    return text.replace('"context": {', '"context": {"subject": {"score": NaN}, ', 1).encode()


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def malformed(valid: dict[str, Any]) -> dict[str, tuple[bytes, str]]:
    """label → (body, content type) of a request that is not what the endpoint takes."""
    text = json.dumps(valid)
    first_key = next(iter(valid))
    return {
        "an empty body": (b"", "application/json"),
        "whitespace": (b"  \n ", "application/json"),
        "truncated in the middle": (text[: len(text) // 2].encode(), "application/json"),
        "truncated after one character": (text[:1].encode(), "application/json"),
        "a top-level array": (b"[]", "application/json"),
        "a top-level string": (b'"x"', "application/json"),
        "a top-level number": (b"1", "application/json"),
        "null": (b"null", "application/json"),
        "a raw NUL byte": (text.replace('": ', '":\x00 ', 1).encode(), "application/json"),
        "only NUL bytes": (b"\x00" * 64, "application/json"),
        "invalid UTF-8": (
            text.replace(first_key, first_key + "\udcff", 1).encode("utf-8", "surrogateescape"),
            "application/json",
        ),
        "Latin-1 declared as JSON": (text.replace(first_key, "caf\u00e9", 1).encode("latin-1"), "application/json"),
        "nested 50,000 deep": (deep(50_000).encode(), "application/json"),
        "a field nested 990 deep": (
            json.dumps({**valid, first_key: None}).replace("null", deep(990)).encode(),
            "application/json",
        ),
        "a field nested 5,000 deep": (
            json.dumps({**valid, first_key: None}).replace("null", deep(5_000)).encode(),
            "application/json",
        ),
        "NaN": (json.dumps({**valid, first_key: None}).replace("null", "NaN").encode(), "application/json"),
        "Infinity inside": (text.replace("{", '{"x": -Infinity, ', 1).encode(), "application/json"),
        "NaN in an answer or the context": (_nan_inside(text), "application/json"),
        "a repeated key": (text.replace("{", f'{{"{first_key}": 1, ', 1).encode(), "application/json"),
        "a 5,000-digit number": (
            json.dumps({**valid, first_key: None}).replace("null", "9" * 5_000).encode(),
            "application/json",
        ),
        "a number too large for a float": (
            json.dumps({**valid, first_key: None}).replace("null", "1e400").encode(),
            "application/json",
        ),
        "as text/plain": (text.encode(), "text/plain"),
        "as a form": (b"form_id=" + CORE.encode(), "application/x-www-form-urlencoded"),
        "as multipart without a boundary": (b"--x\r\n", "multipart/form-data"),
        "with no content type": (text.encode(), ""),
    }


def wrongly_typed(valid: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """label → the valid body with one field of another JSON type."""
    others: list[Any] = [None, 7, 1.5, True, "text", [], [None], {}, {"": None}]
    cases = {}
    for key, value in valid.items():
        for other in others:
            if type(other) is not type(value):
                cases[f"{key} = {json.dumps(other)}"] = {**valid, key: other}
    cases["an unknown field"] = {**valid, "unexpected": 1}
    return cases


def assert_error(response: TestResponse, *, low: int = 400) -> None:
    text = response.get_data(as_text=True)
    assert low <= response.status_code < 500, f"{response.status_code}: {text[:300]}"
    if response.status_code >= 400:
        assert is_error_shape(response), f"not the one error shape: {text[:300]}"
        assert "Traceback" not in text


@pytest.fixture
def target(app: Flask, api: Any, host_a: Any, base_answers: dict[str, Any]) -> tuple[Flask, dict[str, dict[str, Any]]]:
    """The app, and a valid body for each JSON endpoint (the amendment is of a real record of host A)."""
    record = api.created(host_a, base_answers)
    return app, valid_bodies(record["id"], base_answers)


def post(app: Flask, host: Any, path: str, data: bytes, content_type: str, **headers: str) -> TestResponse:
    sent = {**host.auth, "Idempotency-Key": f"bad-{uuid.uuid4()}", **headers}
    if content_type:
        sent["Content-Type"] = content_type
    return app.test_client().post(path, data=data, headers=sent)


def test_every_body_taking_endpoint_has_a_valid_body(target):
    app, bodies = target
    taking = {rule.rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ()) and rule.rule.startswith("/api/")}
    named = {path.replace(NO_RECORD, "<record_id>") for path in bodies}
    named = {"/api/v1/records/<record_id>/amendments" if "/amendments" in p else p for p in named}
    named = {p.replace(CORE, "<form_id>") for p in named}
    assert taking == named, "every POST route of the API needs a valid body in valid_bodies()"


def test_the_valid_bodies_are_accepted(target, host_a):
    """The positive control: each endpoint takes its valid body."""
    app, bodies = target
    for path, body in bodies.items():
        response = post(app, host_a, path, json.dumps(body).encode(), "application/json")
        assert response.status_code in (200, 201), f"{path}: {response.get_data(as_text=True)[:300]}"


def test_malformed_json_bodies_are_a_4xx_in_the_error_shape(target, host_a, store, failures):
    app, bodies = target
    before = store.count()
    for path, valid in bodies.items():
        for label, (data, content_type) in malformed(valid).items():
            with failures.case(f"{path}: {label}"):
                assert_error(post(app, host_a, path, data, content_type))
    failures.check()
    assert store.count() == before, "a malformed body was stored"


def test_wrongly_typed_fields_are_a_4xx_in_the_error_shape(target, host_a, store, failures):
    app, bodies = target
    before = store.count()
    for path, valid in bodies.items():
        for label, body in wrongly_typed(valid).items():
            with failures.case(f"{path}: {label}"):
                assert_error(post(app, host_a, path, json.dumps(body).encode(), "application/json"))
    failures.check()
    assert store.count() == before


def test_an_oversized_body_is_413_on_every_endpoint(make_app, target, host_a, failures):
    """(A chunked body over the limit: tests/bridge/test_security.py, over real HTTP.)"""
    _, bodies = target
    app = make_app(max_body_bytes=4096)
    for path, valid in bodies.items():
        with failures.case(path):
            response = post(app, host_a, path, json.dumps({**valid, "padding": "x" * 5000}).encode(), "application/json")
            assert response.status_code == 413 and is_error_shape(response), response.status_code
    failures.check()


def test_nul_characters_in_json_strings_never_break_a_record(target, host_a, failures):
    """``\\u0000`` is valid JSON: in every string of a body it is refused with a 4xx, or accepted — and then
    every format of the record it made still renders."""
    app, bodies = target

    def with_nul(value: Any) -> Any:
        if isinstance(value, str):
            return f"{value}\x00"
        if isinstance(value, dict):
            return {f"{k}\x00" if k in ("case_ref", "name") else k: with_nul(v) for k, v in value.items()}
        if isinstance(value, list):
            return [with_nul(v) for v in value]
        return value

    for path, valid in bodies.items():
        for key in valid:
            with failures.case(f"{path}: NUL in {key}"):
                response = post(app, host_a, path, json.dumps({**valid, key: with_nul(valid[key])}).encode(), "application/json")
                assert_error(response, low=200)
                if response.status_code == 201 and "/launch" not in path:
                    record_id = response.get_json()["id"]
                    for accept in FORMATS:
                        shown = app.test_client().get(f"/api/v1/records/{record_id}", headers={**host_a.auth, "Accept": accept})
                        assert shown.status_code == 200, f"{accept}: {shown.status_code}"
        with failures.case(f"{path}: NUL in the Idempotency-Key"):
            assert_error(
                post(app, host_a, path, json.dumps(valid).encode(), "application/json", **{"Idempotency-Key": "k\x00"}), low=200
            )
    failures.check()


def test_a_launch_context_that_is_not_json_never_breaks_the_submission(app, host_a, base_answers, store):
    """A host that sends NaN in a launch's context is refused at once (400), or the practitioner who opens
    the form can still submit it: their decision must never end in a 500 after the whole form is done."""
    body = json.dumps({"form_id": CORE, "context": {"case_ref": "NAN-1", "subject": {"score": None}}}).replace("null", "NaN")

    launched = post(app, host_a, "/api/v1/launch", body.encode(), "application/json")

    assert_error(launched, low=200)
    if launched.status_code == 201:
        browser = app.test_client()
        path = launched.get_json()["url"].split("localhost", 1)[1]
        opened = browser.get(path)
        session = EmbedSession(app, browser, path, opened)
        session.get(opened.headers["Location"])
        session.fill(base_answers)
        submitted = session.submit()
        assert submitted.status_code == 303, f"the practitioner's submission failed: {submitted.status_code}"
        assert store.count() == 1


def test_odd_paths_and_queries_are_4xx_in_the_error_shape(app, host_a, failures):
    client = app.test_client()
    cases = {
        "a NUL in a record id": f"/api/v1/records/{NO_RECORD[:-1]}%00",
        "a 5,000-character record id": f"/api/v1/records/{'a' * 5000}",
        "a non-ASCII record id": "/api/v1/records/%C3%A9",
        "invalid UTF-8 in a record id": "/api/v1/records/%FF%FE",
        "a NUL in a form id": "/api/v1/forms/a%00b",
        "a feed cursor of text": "/api/v1/records?after=x",
        "a negative feed cursor": "/api/v1/records?after=-1",
        "a huge feed cursor": f"/api/v1/records?after={'9' * 40}",
        "a NUL feed limit": "/api/v1/records?limit=%00",
        "a repeated feed limit": "/api/v1/records?limit=1&limit=2",
        "invalid UTF-8 in the query": "/api/v1/records?after=%FF",
    }
    for label, path in cases.items():
        with failures.case(label):
            response = client.get(path, headers=host_a.auth)
            assert_error(response, low=200 if "repeated" in label else 400)
    failures.check()


# --- the embedded form and the demo host: form bodies ----------------------------------------------------


def parts(question: str, *values: str) -> dict[str, Any]:
    """The fields of a date (day, month, year) or a date and time (… hour, minute) question."""
    names = ("day", "month", "year", "hour", "minute")[: len(values)]
    return {"rendered": question, **{f"{question}-{name}": value for name, value in zip(names, values, strict=True)}}


def embed_cases(session: EmbedSession) -> dict[str, tuple[str, dict[str, Any]]]:
    """label → (path, test-client options) of a bad form post in a live session."""
    token = session.csrf
    form = "application/x-www-form-urlencoded"
    good = f"csrf_token={token}&rendered=purpose&purpose=x".encode()

    def page(fields: dict[str, Any], section: str = "request") -> tuple[str, dict[str, Any]]:
        return f"/embed/section/{section}", {"data": {"csrf_token": token, **fields}}

    return {
        "invalid UTF-8": ("/embed/section/request", {"data": good + b"%FF%FE\xff", "content_type": form}),
        "a raw NUL byte": ("/embed/section/request", {"data": good.replace(b"=x", b"=\x00x"), "content_type": form}),
        "a NUL in a value": page({"rendered": "purpose", "purpose": "a\x00b"}),
        "a NUL in a field name": page({"rendered": "purpose\x00", "purpose\x00": "x"}),
        "truncated multipart": (
            "/embed/section/request",
            {
                "data": f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n--B\r\nContent-Dis'.encode(),
                "content_type": "multipart/form-data; boundary=B",
            },
        ),
        "a file for a text answer": page({"rendered": "purpose", "purpose": (io.BytesIO(b"%PDF"), "a.pdf")}),
        "JSON instead of a form": ("/embed/section/request", {"json": {"csrf_token": token, "purpose": "x"}}),
        "20,000 fields": (
            "/embed/section/request",
            {"data": good + b"".join(b"&f%d=x" % n for n in range(20_000)), "content_type": form},
        ),
        "letters for a number": page({"rendered": "child_age", "child_age": "seven"}, "subjects"),
        "a 5,000-digit number": page({"rendered": "child_age", "child_age": "9" * 5000}, "subjects"),
        "an unknown option": page({"rendered": "trigger", "trigger": "nope"}),
        "an unknown option among many": page({"rendered": "proposed_recipients", "proposed_recipients": ["police", "nope"]}),
        "a day of 99999999999": page(parts("shared_at", "99999999999", "1", "2026", "9", "0"), "decision"),
        "a year of 99999999999": page(parts("consent_date", "1", "1", "99999999999"), "consent"),
        "a negative hour": page(parts("shared_at", "1", "1", "2026", "-1", "0"), "decision"),
        "a month of 13": page(parts("consent_date", "1", "13", "2026"), "consent"),
        "questions of another section": page({"rendered": ["decision", "purpose"], "decision": "share"}),
        "a 50,000-character answer": page({"rendered": "purpose", "purpose": "x" * 50_000}),
        "a repeated answer": (
            "/embed/section/request",
            {"data": {"csrf_token": token, "rendered": "trigger", "trigger": ["own_concern", "nope"]}},
        ),
        "an unknown section": page({"rendered": "purpose", "purpose": "x"}, "no-such-section"),
        "many acknowledgements": (
            "/embed/check",
            {"data": {"csrf_token": token, "acknowledge": [f"R-{n}\x00" for n in range(2000)]}},
        ),
        "invalid UTF-8 on check": (
            "/embed/check",
            {"data": f"csrf_token={token}&acknowledge=%FF".encode(), "content_type": form},
        ),
    }


def assert_page(response: TestResponse) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{response.status_code}: {text[:300]}"
    assert response.mimetype == "text/html", f"{response.status_code} {response.mimetype}, not a page: {text[:200]}"
    if response.status_code >= 400:
        assert "<h1" in text, "an error page says what happened"


def test_bad_form_posts_get_a_page_not_an_error(app, embed, host_a, failures):
    session = embed(host_a)
    for label, (path, options) in embed_cases(session).items():
        with failures.case(label):
            assert_page(session.client.post(path, **options))
    failures.check()


def test_an_oversized_form_post_gets_a_page(make_app, embed, host_a):
    """413 on the embedded form is a page the practitioner can read inside the frame, not JSON."""
    app = make_app(max_body_bytes=4096)
    session = embed(host_a, on=app)

    response = session.client.post(
        "/embed/section/request", data={"csrf_token": session.csrf, "rendered": "purpose", "purpose": "x" * 5000}
    )

    assert response.status_code == 413
    assert_page(response)


def test_bad_demo_posts_are_refused(demo_app, failures):
    client = demo_app.test_client()
    cases = {
        "invalid UTF-8": {"data": b"form_id=%FF&token=\xff", "content_type": "application/x-www-form-urlencoded"},
        "NUL bytes": {"data": {"form_id": "\x00", "token": "\x00"}},
        "JSON": {"json": {"form_id": CORE}},
        "a form id list": {"data": {"form_id": [CORE, CORE]}},
    }
    for label, options in cases.items():
        with failures.case(f"launch: {label}"):
            response = client.post("/demo/launch", **options)
            assert 400 <= response.status_code < 500 and response.mimetype == "text/html", response.status_code
    for label, body in {"not JSON": b"\xff\x00", "deep JSON": deep(50_000).encode(), "empty": b""}.items():
        with failures.case(f"webhook: {label}"):
            assert client.post("/demo/webhook", data=body).status_code == 400
    failures.check()


# --- open-ended bodies (hypothesis) ----------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=15,
)


@HYPOTHESIS
@given(data=st.data())
def test_any_json_value_in_any_field_is_never_a_500(target, host_a, data):
    app, bodies = target
    path = data.draw(st.sampled_from(sorted(bodies)), label="path")
    valid = bodies[path]
    body = dict(valid)
    for key in data.draw(st.lists(st.sampled_from([*valid, "extra"]), min_size=1, max_size=3, unique=True), label="fields"):
        body[key] = data.draw(JSON_VALUES, label=key)
    assert_error(post(app, host_a, path, json.dumps(body).encode(), "application/json"), low=200)


@HYPOTHESIS
@given(data=st.data(), body=st.binary(max_size=300) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_any_bytes_are_never_a_500(target, host_a, data, body):
    app, bodies = target
    path = data.draw(st.sampled_from(sorted(bodies)), label="path")
    content_type = data.draw(st.sampled_from(["application/json", "application/xml", "text/plain"]), label="type")
    assert_error(post(app, host_a, path, body, content_type), low=200)


@pytest.fixture
def practitioner(embed: Callable[..., EmbedSession], host_a: Any) -> EmbedSession:
    return embed(host_a)


@HYPOTHESIS
@given(data=st.data())
def test_any_form_post_to_the_embedded_form_gets_a_page(practitioner, data):
    session = practitioner
    form = session.form.form
    section = data.draw(st.sampled_from([s.id for s in form.sections]), label="section")
    names = [q.id for q in form.questions.values()] + [
        f"{q.id}-{p}" for q in form.questions.values() for p in ("day", "month", "year", "hour", "minute")
    ]
    fields = data.draw(
        st.dictionaries(st.sampled_from(names) | st.text(max_size=8), st.text(max_size=30), max_size=8), label="fields"
    )
    rendered = data.draw(st.lists(st.sampled_from(list(form.questions)), max_size=6), label="rendered")
    response = session.client.post(f"/embed/section/{section}", data={**fields, "rendered": rendered, "csrf_token": session.csrf})
    assert_page(response)
