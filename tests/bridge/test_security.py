"""Security (issue 6 §1 and §6, DESIGN.md §8): headers on every response, request ids, the body limit
(413), rate limits (429 with Retry-After), refusing to start without a secret key outside development,
clear configuration errors, and no personal data or secrets in the logs of a full run."""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cli_runs import run_main
from flask import Flask

from sharewise.adapters.bridge import create_app
from sharewise.adapters.bridge.settings import ConfigurationError

CORE = "information-sharing-decision"
SECRET = "s" * 40
REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def path_of(url: str) -> str:
    return urlsplit(url).path


# --- headers on every response -------------------------------------------------------------------------


def sample_responses(app: Flask, api: Any, host_a: Any, base_answers: dict[str, Any]) -> dict[str, tuple[Any, bool]]:
    """A response from every route, successes and errors: label → (response, returns a record or personal data)."""
    client = api.client
    auth = host_a.auth
    samples: dict[str, tuple[Any, bool]] = {}
    created = api.submit(host_a, base_answers, key="headers-1")
    record_id = created.get_json()["id"]
    samples["POST records 201"] = (created, True)
    samples["POST records replay 200"] = (api.submit(host_a, base_answers, key="headers-1"), True)
    samples["POST records 422"] = (api.submit(host_a, {k: v for k, v in base_answers.items() if k != "purpose"}), False)
    samples["POST records 409"] = (api.submit(host_a, {**base_answers, "share_method": "letter"}), False)
    samples["POST records 400"] = (client.post("/api/v1/records", json={"form_id": CORE, "answers": {}}, headers=auth), False)
    samples["POST records 415"] = (api.submit_raw(host_a, "x", "text/plain"), False)
    samples["POST records 413"] = (api.submit_raw(host_a, "x" * (2 * 1024 * 1024), "application/json"), False)
    for media_type in ["application/json", "application/xml", "application/fhir+json", "application/fhir+xml"]:
        samples[f"GET record {media_type}"] = (api.get_record(host_a, record_id, media_type), True)
    samples["GET record 406"] = (api.get_record(host_a, record_id, "text/html"), False)
    samples["GET record 404"] = (api.get_record(host_a, "00000000-0000-4000-8000-000000000000"), False)
    samples["GET feed"] = (api.feed(host_a), True)
    samples["GET feed 422"] = (api.feed(host_a, limit=0), False)
    samples["POST amendment 201"] = (api.amend(host_a, record_id, {**base_answers, "shared_with": "B"}), True)
    samples["POST amendment 409"] = (api.amend(host_a, record_id, {**base_answers, "shared_with": "C"}), False)
    samples["GET forms"] = (client.get("/api/v1/forms", headers=auth), False)
    samples["GET form"] = (client.get(f"/api/v1/forms/{CORE}", headers=auth), False)
    samples["GET form 404"] = (client.get("/api/v1/forms/nope", headers=auth), False)
    samples["POST check"] = (client.post(f"/api/v1/forms/{CORE}/check", json={"answers": base_answers}, headers=auth), False)
    samples["GET records 401"] = (client.get("/api/v1/records"), False)
    samples["GET records 401 wrong key"] = (client.get("/api/v1/records", headers={"Authorization": "Bearer sw_nope"}), False)
    samples["DELETE records 405"] = (client.delete("/api/v1/records", headers=auth), False)
    samples["GET unknown route 404"] = (client.get("/no/such/page"), False)
    samples["GET unknown api route 404"] = (client.get("/api/v1/nothing-here", headers=auth), False)
    samples["GET healthz"] = (client.get("/healthz"), False)
    samples["GET livez"] = (client.get("/livez"), False)
    samples["GET openapi"] = (client.get("/api/v1/openapi.json"), False)
    samples["GET xsd"] = (client.get("/api/v1/schemas/decision-record.xsd"), False)
    samples["GET metrics 404"] = (client.get("/metrics"), False)
    launched = api.launch(host_a, {"case_ref": "CASE-1", "practitioner": {"name": "Dr A"}})
    samples["POST launch 201"] = (launched, False)
    samples["POST launch 404"] = (api.launch(host_a, {}, form_id="nope"), False)
    path = path_of(launched.get_json()["url"])
    samples["GET embed launch 303"] = (client.get(path), False)
    samples["GET embed section 200"] = (client.get("/embed/section/request"), True)
    with client.session_transaction() as session:
        csrf = session["csrf"]
    empty = {"csrf_token": csrf, "rendered": "purpose"}
    samples["POST embed section 422"] = (client.post("/embed/section/request", data=empty), True)
    samples["POST embed section 400 no CSRF"] = (client.post("/embed/section/request", data={"purpose": "x"}), False)
    samples["GET embed section 404"] = (client.get("/embed/section/nope"), False)
    samples["GET embed saved 200"] = (client.get("/embed/saved"), True)
    samples["GET embed theme 200"] = (client.get("/embed/theme.css"), False)
    samples["GET embed static 200"] = (client.get("/embed/static/sharewise.css"), False)
    samples["GET embed done 404"] = (client.get("/embed/done"), False)
    samples["GET embed check 200"] = (client.get("/embed/check"), True)
    samples["POST embed check 422"] = (client.post("/embed/check", data={"csrf_token": csrf}), True)
    samples["GET embed launch 410"] = (client.get(path), False)
    samples["GET embed section 401"] = (app.test_client().get("/embed/section/request"), False)
    samples["POST embed section 401"] = (app.test_client().post("/embed/section/request", data={"purpose": "x"}), False)
    samples["GET embed check 401"] = (app.test_client().get("/embed/check"), False)
    samples["POST embed check 401"] = (app.test_client().post("/embed/check", data={}), False)
    return samples


def test_every_response_carries_the_security_headers(app, api, host_a, base_answers, failures):
    for label, (response, personal) in sample_responses(app, api, host_a, base_answers).items():
        with failures.case(f"{label} ({response.status_code})"):
            headers = response.headers
            policy = headers.get("Content-Security-Policy", "")
            assert "default-src" in policy and "frame-ancestors" in policy, f"CSP: {policy!r}"
            assert headers.get("X-Content-Type-Options") == "nosniff"
            assert headers.get("Referrer-Policy") in REFERRER_POLICIES, headers.get("Referrer-Policy")
            assert headers.get("X-Request-Id"), "every response has a request id"
            assert response.status_code < 500, response.get_data(as_text=True)[:200]
            if personal:
                assert "no-store" in headers.get("Cache-Control", ""), headers.get("Cache-Control")
    failures.check()


def test_every_error_has_a_message_in_the_one_shape(make_app, api, check_error, host_a, base_answers, failures):
    client = api.client
    record_id = api.created(host_a, base_answers)["id"]
    limited = make_app(rate_limit_per_minute=1).test_client()
    limited.post("/api/v1/launch", json={"form_id": CORE}, headers=host_a.auth)
    errors = {
        "400 no Idempotency-Key": (
            client.post("/api/v1/records", json={"form_id": CORE, "answers": {}}, headers=host_a.auth),
            400,
        ),
        "400 not JSON": (api.submit_raw(host_a, "{nope", "application/json"), 400),
        "401 no key": (client.get("/api/v1/records"), 401),
        "404 unknown record": (api.get_record(host_a, "00000000-0000-4000-8000-000000000000"), 404),
        "404 unknown form": (client.get("/api/v1/forms/nope", headers=host_a.auth), 404),
        "404 unknown route": (client.get("/api/v1/nothing-here", headers=host_a.auth), 404),
        "405 method": (client.delete("/api/v1/records", headers=host_a.auth), 405),
        "406 accept": (api.get_record(host_a, record_id, "text/html"), 406),
        "409 warnings": (api.submit(host_a, {**base_answers, "share_method": "letter"}), 409),
        "413 body": (api.submit_raw(host_a, "x" * (2 * 1024 * 1024), "application/json"), 413),
        "415 type": (api.submit_raw(host_a, "x", "text/plain"), 415),
        "422 findings": (api.submit(host_a, {k: v for k, v in base_answers.items() if k != "purpose"}), 422),
        "422 submission shape": (api.submit_raw(host_a, "[]", "application/json"), 422),
        "422 feed query": (api.feed(host_a, limit=0), 422),
        "422 amendment body": (api.amend(host_a, record_id, base_answers, reason=None), 422),
        "422 launch body": (client.post("/api/v1/launch", json={"colour": "red"}, headers=host_a.auth), 422),
        "429 rate limit": (limited.post("/api/v1/launch", json={"form_id": CORE}, headers=host_a.auth), 429),
    }
    for label, (response, status) in errors.items():
        with failures.case(label):
            body = check_error(response, status)
            assert isinstance(body.get("message"), str) and body["message"].strip(), f"no message: {body}"
    failures.check()


def test_the_sample_covers_every_route(app, api, host_a, base_answers):
    sample_responses(app, api, host_a, base_answers)
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    covered = {
        "/livez",
        "/metrics",
        "/healthz",
        "/api/v1/openapi.json",
        "/api/v1/schemas/decision-record.xsd",
        "/api/v1/forms",
        "/api/v1/forms/<form_id>",
        "/api/v1/forms/<form_id>/check",
        "/api/v1/records",
        "/api/v1/records/<record_id>",
        "/api/v1/records/<record_id>/amendments",
        "/api/v1/launch",
        "/embed/launch/<code>",
        "/embed/section/<section_id>",
        "/embed/check",
        "/embed/done",
        "/embed/saved",
        "/embed/theme.css",
        "/embed/static/<path:filename>",
    }
    assert rules <= covered, f"routes the header test does not sample: {sorted(rules - covered)}"


def test_the_request_id_is_echoed_or_generated(api, host_a, caplog):
    caplog.set_level(logging.INFO, logger="sharewise.http")

    echoed = api.client.get("/healthz", headers={"X-Request-Id": "req-4f2a-0001"})
    first = api.client.get("/healthz")
    second = api.client.get("/api/v1/records", headers=host_a.auth)

    assert echoed.headers["X-Request-Id"] == "req-4f2a-0001"
    assert first.headers["X-Request-Id"] and second.headers["X-Request-Id"]
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    logged = [getattr(r, "request_id", None) for r in caplog.records if r.name == "sharewise.http"]
    assert "req-4f2a-0001" in logged, "the access log carries the request id"
    assert second.headers["X-Request-Id"] in logged


# --- the body limit ------------------------------------------------------------------------------------


@pytest.fixture
def small_app(make_app: Callable[..., Flask], host_a: Any) -> Flask:
    return make_app(max_body_bytes=2048)


def test_a_body_over_the_limit_is_413(small_app, check_error, host_a, store, failures):
    client = small_app.test_client()
    big_json = json.dumps({"form_id": CORE, "answers": {"purpose": "x" * 4000}})
    headers = {**host_a.auth, "Idempotency-Key": "big-1"}
    cases = {
        "JSON submission": ("/api/v1/records", big_json, "application/json"),
        "XML submission": ("/api/v1/records", f"<record>{'x' * 4000}</record>", "application/xml"),
        "amendment": ("/api/v1/records/00000000-0000-4000-8000-000000000000/amendments", big_json, "application/json"),
        "check": (f"/api/v1/forms/{CORE}/check", big_json, "application/json"),
        "launch": ("/api/v1/launch", json.dumps({"form_id": CORE, "context": {"case_ref": "x" * 4000}}), "application/json"),
    }
    for label, (path, data, content_type) in cases.items():
        with failures.case(label):
            check_error(client.post(path, data=data, headers={**headers, "Content-Type": content_type}), 413)
    failures.check()
    assert store.count() == 0


def test_a_body_under_the_limit_is_read(small_app, host_a):
    client = small_app.test_client()

    response = client.post(f"/api/v1/forms/{CORE}/check", json={"answers": {"purpose": "x" * 1000}}, headers=host_a.auth)

    assert response.status_code == 200


BIG_BODY = json.dumps({"form_id": CORE, "answers": {"purpose": "x" * 50_000}}).encode()


def test_the_body_limit_holds_over_real_http(small_app, live_server, host_a, store):
    base = live_server(small_app)
    headers = {**host_a.auth, "Idempotency-Key": "big-2", "Content-Type": "application/json"}

    with httpx.Client(base_url=base, timeout=30) as http:
        declared = http.post("/api/v1/records", content=BIG_BODY, headers=headers)
        after = http.get("/healthz")

    assert declared.status_code == 413, declared.text[:300]
    assert declared.json()["code"] == 413
    assert after.status_code == 200, "the server keeps serving"
    assert store.count() == 0


def test_a_chunked_body_over_the_limit_is_413_not_truncated(small_app, live_server, host_a, store):
    base = live_server(small_app)
    headers = {**host_a.auth, "Idempotency-Key": "big-3", "Content-Type": "application/json"}

    def chunks():
        for start in range(0, len(BIG_BODY), 1024):
            yield BIG_BODY[start : start + 1024]

    with httpx.Client(base_url=base, timeout=30) as http:
        chunked = http.post("/api/v1/records", content=chunks(), headers=headers)

    assert chunked.request.headers.get("transfer-encoding") == "chunked"
    assert chunked.status_code == 413, f"expected 413, got {chunked.status_code}: {chunked.text[:300]}"
    assert store.count() == 0


def test_a_lying_content_length_does_not_hang_or_crash_the_server(small_app, live_server, host_a):
    base = live_server(small_app)
    address = urlsplit(base)
    request = (
        "POST /api/v1/records HTTP/1.1\r\n"
        f"Host: {address.netloc}\r\nAuthorization: Bearer {host_a.api_key}\r\nIdempotency-Key: lie-1\r\n"
        "Content-Type: application/json\r\nContent-Length: 99999999\r\nConnection: close\r\n\r\n{}"
    ).encode()
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(request)
        status_line = connection.recv(200).split(b"\r\n", 1)[0]

    assert b" 413 " in status_line, status_line
    assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200


# --- rate limits ---------------------------------------------------------------------------------------


def test_submitting_is_rate_limited_per_host(make_app, check_error, host_a, host_b, base_answers, store):
    client = make_app(rate_limit_per_minute=3).test_client()

    def submit(host: Any, n: int) -> Any:
        body = {"form_id": CORE, "answers": base_answers}
        return client.post("/api/v1/records", json=body, headers={**host.auth, "Idempotency-Key": f"{host.name}-{n}"})

    allowed = [submit(host_a, n).status_code for n in range(3)]
    refused = submit(host_a, 3)

    assert allowed == [201, 201, 201]
    body = check_error(refused, 429)
    assert body.get("message")
    retry_after = refused.headers.get("Retry-After", "")
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 61, retry_after
    assert refused.headers.get("X-Content-Type-Options") == "nosniff"
    assert submit(host_b, 0).status_code == 201, "each host has its own limit"
    assert store.count() == 4
    first_id = store.list(host=host_a.name)[0].id
    amendment = client.post(
        f"/api/v1/records/{first_id}/amendments",
        json={"answers": base_answers, "reason": "x"},
        headers={**host_a.auth, "Idempotency-Key": "amend-1"},
    )
    check_error(amendment, 429)


# --- starting up ---------------------------------------------------------------------------------------


def test_outside_development_a_secret_key_is_required(database_url, store, monkeypatch):
    for config in [{"database_url": database_url}, {"database_url": database_url, "environment": "production"}]:
        with pytest.raises(ConfigurationError) as refused:
            create_app(config)
        assert "SHAREWISE_SECRET_KEY" in str(refused.value)
        assert "\n" not in str(refused.value)

    monkeypatch.setenv("SHAREWISE_SECRET_KEY", SECRET)
    app = create_app({"database_url": database_url})
    assert app.secret_key == SECRET
    app.extensions["sharewise"].store.close()


def test_a_short_secret_key_is_refused(database_url, store, monkeypatch):
    with pytest.raises(ConfigurationError, match="32"):
        create_app({"database_url": database_url, "secret_key": "s" * 31})
    monkeypatch.setenv("SHAREWISE_SECRET_KEY", "short-secret")
    with pytest.raises(ConfigurationError, match="SHAREWISE_SECRET_KEY"):
        create_app({"database_url": database_url})


def test_earlier_secret_keys_come_from_the_environment_and_a_short_one_is_refused(database_url, store, monkeypatch):
    old, older = "o" * 40, "p" * 48
    monkeypatch.setenv("SHAREWISE_SECRET_KEY", SECRET)
    monkeypatch.setenv("SHAREWISE_SECRET_KEY_FALLBACKS", f" {old} ,{older},, ")
    app = create_app({"database_url": database_url})
    assert app.config["SECRET_KEY_FALLBACKS"] == [old, older]
    assert app.secret_key == SECRET, "the current key alone signs"
    app.extensions["sharewise"].store.close()

    monkeypatch.setenv("SHAREWISE_SECRET_KEY_FALLBACKS", f"{old},too-short-to-be-a-key")
    with pytest.raises(ConfigurationError) as refused:
        create_app({"database_url": database_url})
    message = str(refused.value)
    assert "SHAREWISE_SECRET_KEY_FALLBACKS" in message and "key 2" in message and "32" in message
    assert "too-short" not in message and old not in message, "a key is never shown"
    assert "\n" not in message
    monkeypatch.delenv("SHAREWISE_SECRET_KEY_FALLBACKS")
    with pytest.raises(ConfigurationError, match="list of earlier secret keys"):
        create_app({"database_url": database_url, "secret_key_fallbacks": "o" * 40})


def test_in_development_the_bridge_starts_without_a_secret_key(database_url, store, monkeypatch):
    first = create_app({"database_url": database_url, "environment": "development"})
    monkeypatch.setenv("SHAREWISE_ENV", "development")
    second = create_app({"database_url": database_url})

    assert len(first.secret_key) >= 32
    assert first.secret_key != second.secret_key, "a generated key is random"
    assert first.test_client().get("/healthz").status_code == 200
    for app in (first, second):
        app.extensions["sharewise"].store.close()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SHAREWISE_MAX_BODY_BYTES", "lots"),
        ("SHAREWISE_MAX_BODY_BYTES", "-1"),
        ("SHAREWISE_MAX_BODY_BYTES", "0"),
        ("SHAREWISE_MAX_BODY_BYTES", "1e6"),
        ("SHAREWISE_LAUNCH_TTL_SECONDS", "5"),
        ("SHAREWISE_LAUNCH_TTL_SECONDS", "ten"),
        ("SHAREWISE_LAUNCH_TTL_SECONDS", "999999"),
        ("SHAREWISE_RATE_LIMIT_PER_MINUTE", "0"),
        ("SHAREWISE_RATE_LIMIT_PER_MINUTE", "1.5"),
        ("SHAREWISE_RATE_LIMIT_PER_MINUTE", "٣"),
        ("SHAREWISE_AUTH_CACHE_SECONDS", "-1"),
        ("SHAREWISE_AUTH_CACHE_SECONDS", "61"),
        ("SHAREWISE_AUTH_CACHE_SECONDS", "soon"),
        ("SHAREWISE_ENV", "staging"),
    ],
)
def test_bad_settings_are_a_clear_error(tmp_path, monkeypatch, variable, value):
    monkeypatch.setenv("SHAREWISE_SECRET_KEY", SECRET)
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigurationError) as refused:
        create_app({"database_url": f"sqlite:///{tmp_path / 'x.db'}"})

    message = str(refused.value)
    assert variable in message and value in message, message
    assert "\n" not in message


def test_unknown_configuration_keys_are_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="max_body"):
        create_app({"database_url": f"sqlite:///{tmp_path / 'x.db'}", "secret_key": SECRET, "max_body": 10})


def test_settings_come_from_the_environment(database_url, store, host_a, monkeypatch, base_answers):
    monkeypatch.setenv("SHAREWISE_SECRET_KEY", SECRET)
    monkeypatch.setenv("SHAREWISE_DATABASE_URL", database_url)
    monkeypatch.setenv("SHAREWISE_MAX_BODY_BYTES", "8192")
    monkeypatch.setenv("SHAREWISE_LAUNCH_TTL_SECONDS", "60")
    monkeypatch.setenv("SHAREWISE_RATE_LIMIT_PER_MINUTE", "2")
    monkeypatch.setenv("SHAREWISE_PUBLIC_URL", "https://sharewise.example.org/")
    app = create_app()
    client = app.test_client()
    try:
        settings = app.extensions["sharewise"].settings
        assert (settings.max_body_bytes, settings.launch_ttl, settings.rate_limit_per_minute) == (
            8192,
            dt.timedelta(seconds=60),
            2,
        )
        launched = client.post("/api/v1/launch", json={"form_id": CORE}, headers=host_a.auth).get_json()
        assert launched["url"].startswith("https://sharewise.example.org/embed/launch/")
        big = client.post(f"/api/v1/forms/{CORE}/check", json={"answers": {"a": "x" * 9000}}, headers=host_a.auth)
        assert big.status_code == 413
        statuses = [
            client.post(
                "/api/v1/records",
                json={"form_id": CORE, "answers": base_answers},
                headers={**host_a.auth, "Idempotency-Key": f"e{n}"},
            ).status_code
            for n in range(3)
        ]
        assert statuses == [201, 201, 429]
    finally:
        app.extensions["sharewise"].store.close()


def test_serve_starts_in_development_without_a_secret_and_keeps_launch_codes_out_of_its_access_log(
    no_run, database_url, store, capsys
):
    result = run_main(capsys, "--database", database_url, "serve", "--port", "8123")

    assert result.code == 0, result.err
    assert len(no_run) == 1
    assert no_run[0].extensions["sharewise"].settings.development
    assert logging.getLogger("werkzeug").getEffectiveLevel() > logging.INFO, "werkzeug's access log prints request paths"


def test_serve_outside_development_without_a_secret_is_one_clear_line(no_run, database_url, store, capsys, monkeypatch):
    monkeypatch.setenv("SHAREWISE_ENV", "production")

    result = run_main(capsys, "--database", database_url, "serve")

    assert result.code == 2
    assert no_run == []
    assert "Traceback" not in result.err
    assert len(result.err_lines) == 1 and "SHAREWISE_SECRET_KEY" in result.err, result.err


# --- the logs of a full run ----------------------------------------------------------------------------

DISTINCTIVE_CONTEXT: dict[str, Any] = {
    "case_ref": "CASEREF-ZQ-90417",
    "subject": {
        "name": "Wilhelmina Zabriskie-Oyelaran",
        "nhs_number": "4857773456",
        "dob": "2018-02-27",
        "address": "77 Quillfeather Crescent",
    },
    "practitioner": {"name": "Dr Peregrine Ashcombe-Vantongeren", "role": "Designated Nurse Marigold", "id": "PRAC-ID-66123"},
}
DISTINCTIVE_ANSWERS = {
    "purpose": "Purpose marker ZEPHYRINE-QUILL-8841: protect the child from harm at home.",
    "decision_reasons": "Reasons marker MARMALADE-OSPREY-2290 outweigh confidentiality.",
    "shared_with": "Recipient marker Duty Social Worker Bartholomew Fenwick-Ugwu",
    "decision_maker_name": "Dr Thaddeus Wobblethorpe",
}
DISTINCTIVE_STRINGS = [
    "CASEREF-ZQ-90417",
    "Wilhelmina",
    "Zabriskie",
    "4857773456",
    "Quillfeather",
    "Peregrine",
    "Vantongeren",
    "Marigold",
    "PRAC-ID-66123",
    "ZEPHYRINE-QUILL-8841",
    "MARMALADE-OSPREY-2290",
    "Bartholomew",
    "Wobblethorpe",
    "AMENDMENT-REASON-KESTREL-5150",
    "XML-MARKER-PELICAN-3377",
]


def everything_logged(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter()
    texts = []
    for record in records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        texts.append(repr(vars(record)))
        if record.exc_info:
            texts.append(formatter.formatException(record.exc_info))
        if record.stack_info:
            texts.append(record.stack_info)
    return "\n".join(texts)


def test_no_personal_data_or_secrets_in_the_logs_of_a_full_run(make_app, database_url, store, base_answers, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    secrets_seen: list[str] = []

    added = run_main(capsys, "--database", database_url, "hosts", "add", "host-log", "--origin", "https://log.example", "--json")
    assert added.code == 0, added.err
    credentials = added.json()
    secrets_seen += [credentials["api_key"], credentials["webhook_secret"]]
    auth = {"Authorization": f"Bearer {credentials['api_key']}"}
    app = make_app(rate_limit_per_minute=10_000)
    client = app.test_client()

    launched = client.post("/api/v1/launch", json={"form_id": CORE, "context": DISTINCTIVE_CONTEXT}, headers=auth)
    assert launched.status_code == 201
    code_path = path_of(launched.get_json()["url"])
    secrets_seen.append(code_path.rsplit("/", 1)[1])
    assert client.get(code_path).status_code == 303
    assert client.get("/embed/section/request").status_code == 200
    assert client.get("/embed/section/decision").status_code == 200  # pre-filled with the practitioner's name
    assert client.get(code_path).status_code == 410

    answers = {**base_answers, **DISTINCTIVE_ANSWERS}
    body = {"form_id": CORE, "answers": answers, "context": DISTINCTIVE_CONTEXT}
    key = {"Idempotency-Key": "log-run-1"}
    created = client.post("/api/v1/records", json=body, headers={**auth, **key})
    assert created.status_code == 201, created.get_data(as_text=True)
    record_id = created.get_json()["id"]
    assert client.post("/api/v1/records", json=body, headers={**auth, **key}).status_code == 200
    conflict = {**body, "answers": {**answers, "shared_with": "Bartholomew again"}}
    assert client.post("/api/v1/records", json=conflict, headers={**auth, **key}).status_code == 422
    invalid = {**body, "answers": {k: v for k, v in answers.items() if k != "purpose"}}
    assert client.post("/api/v1/records", json=invalid, headers={**auth, "Idempotency-Key": "i2"}).status_code == 422
    warned = {**body, "answers": {**answers, "share_method": "letter"}}
    assert client.post("/api/v1/records", json=warned, headers={**auth, "Idempotency-Key": "i3"}).status_code == 409
    xml = (
        '<record xmlns="urn:sharewise:decision-record:1"><form id="information-sharing-decision" version="1"/>'
        '<context><member name="n" type="string">XML-MARKER-PELICAN-3377</member></context>'
        '<answers><answer question="purpose" type="text"><text>XML-MARKER-PELICAN-3377</text></answer></answers></record>'
    )
    client.post("/api/v1/records", data=xml, headers={**auth, "Idempotency-Key": "i4", "Content-Type": "application/xml"})
    hostile = f'<!DOCTYPE r [<!ENTITY x "XML-MARKER-PELICAN-3377">]>{xml}'
    client.post("/api/v1/records", data=hostile, headers={**auth, "Idempotency-Key": "i5", "Content-Type": "application/xml"})
    nan = json.dumps(body).replace('"case_ref"', '"score": NaN, "case_ref"')
    client.post("/api/v1/records", data=nan, headers={**auth, "Idempotency-Key": "i6", "Content-Type": "application/json"})
    client.post(f"/api/v1/forms/{CORE}/check", json={"answers": answers, "context": DISTINCTIVE_CONTEXT}, headers=auth)

    for media_type in ["application/json", "application/xml", "application/fhir+json", "application/fhir+xml", "text/html"]:
        client.get(f"/api/v1/records/{record_id}", headers={**auth, "Accept": media_type})
    assert client.get("/api/v1/records", headers=auth).status_code == 200
    amended = client.post(
        f"/api/v1/records/{record_id}/amendments",
        json={"answers": answers, "reason": "AMENDMENT-REASON-KESTREL-5150"},
        headers={**auth, "Idempotency-Key": "a1"},
    )
    assert amended.status_code == 201
    client.post(
        f"/api/v1/records/{record_id}/amendments",
        json={"answers": answers, "reason": "AMENDMENT-REASON-KESTREL-5150"},
        headers={**auth, "Idempotency-Key": "a2"},
    )
    wrong_key = f"sw_{secrets.token_urlsafe(32)}"
    secrets_seen.append(wrong_key)
    assert client.get(f"/api/v1/records/{record_id}", headers={"Authorization": f"Bearer {wrong_key}"}).status_code == 401
    client.get(f"/api/v1/records/{record_id}x", headers=auth)

    rotated = run_main(capsys, "--database", database_url, "hosts", "rotate-key", "host-log", "--json")
    secrets_seen.append(rotated.json()["api_key"])
    assert client.get("/api/v1/records", headers={"Authorization": f"Bearer {secrets_seen[-1]}"}).status_code == 200
    listed = run_main(capsys, "--database", database_url, "hosts", "list")
    assert listed.code == 0

    access_log = [r for r in caplog.records if r.name == "sharewise.http"]
    assert len(access_log) >= 20, "the access log records each request (the test would prove nothing otherwise)"
    logged = everything_logged(caplog.records)
    leaks = [text for text in DISTINCTIVE_STRINGS + secrets_seen if text in logged]
    assert leaks == [], f"found in the logs: {leaks}"
