"""Bearer authentication and tenant isolation (issue 6 §2): 401 without a key, with a wrong or malformed
one, and with a key that was rotated away; a host sees only its own records (404 for another's) and
never another's records in its feed; the public endpoints need no key."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from cli_runs import run_main

CORE = "information-sharing-decision"
RECORD_ID = "00000000-0000-4000-8000-000000000000"

#: Every API call that needs a key: (method, path, JSON body).
PROTECTED = [
    ("GET", "/api/v1/forms", None),
    ("GET", f"/api/v1/forms/{CORE}", None),
    ("POST", f"/api/v1/forms/{CORE}/check", {"answers": {}}),
    ("POST", "/api/v1/records", {"form_id": CORE, "answers": {}}),
    ("GET", "/api/v1/records", None),
    ("GET", f"/api/v1/records/{RECORD_ID}", None),
    ("POST", f"/api/v1/records/{RECORD_ID}/amendments", {"answers": {}, "reason": "x"}),
    ("POST", "/api/v1/launch", {"form_id": CORE}),
]


def call(client: Any, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.open(path, method=method, json=body, headers={"Idempotency-Key": "auth-test", **headers})


def assert_unauthorised(response: Any, check_error: Any, *, invalid_token: bool) -> None:
    body = check_error(response, 401)
    assert body.get("message"), body
    challenge = response.headers.get("WWW-Authenticate", "")
    assert challenge.startswith("Bearer"), f"401 must carry a Bearer challenge, got {challenge!r}"
    if invalid_token:
        assert 'error="invalid_token"' in challenge, challenge


MALFORMED = {
    "scheme-only": "Bearer",
    "scheme-space": "Bearer ",
    "scheme-spaces": "Bearer    ",
    "basic": "Basic dXNlcjpwYXNz",
    "token-scheme": "Token {key}",
    "no-scheme": "{key}",
    "no-space": "Bearer{key}",
    "key-suffix": "Bearer {key}x",
    "key-prefix": "Bearer x{key}",
    "key-twice": "Bearer {key} {key}",
    "huge": "Bearer sw_" + "A" * 5000,
    "no-prefix": "Bearer not-a-sharewise-key",
    "non-ascii": "Bearer sw_é",
    "webhook-secret": "Bearer {secret}",
}


def test_every_api_call_without_a_key_is_401(client, check_error, failures):
    for method, path, body in PROTECTED:
        with failures.case(f"{method} {path}"):
            assert_unauthorised(call(client, method, path, body, {}), check_error, invalid_token=False)
    failures.check()


def test_every_api_call_with_a_wrong_key_is_401(client, check_error, host_a, failures):
    wrong = {"Authorization": f"Bearer sw_{secrets.token_urlsafe(32)}"}
    for method, path, body in PROTECTED:
        with failures.case(f"{method} {path}"):
            assert_unauthorised(call(client, method, path, body, wrong), check_error, invalid_token=True)
    failures.check()


def test_a_malformed_authorization_header_is_401(client, check_error, host_a, failures):
    for label, header in MALFORMED.items():
        with failures.case(label):
            value = header.format(key=host_a.api_key, secret=host_a.webhook_secret)
            response = client.get("/api/v1/records", headers={"Authorization": value})
            assert_unauthorised(response, check_error, invalid_token=False)
    failures.check()


def test_a_hosts_key_opens_its_own_records_only(client, host_a, host_b, api, base_answers):
    record = api.created(host_a, base_answers)

    assert api.get_record(host_a, record["id"]).status_code == 200
    assert api.get_record(host_b, record["id"]).status_code == 404
    lower = client.get(f"/api/v1/records/{record['id']}", headers={"Authorization": f"bearer {host_a.api_key}"})
    assert lower.status_code == 200, "the scheme is case-insensitive"


def test_after_rotate_key_the_old_key_is_401_and_the_new_key_works(
    client, check_error, host_a, host_b, api, base_answers, database_url, capsys
):
    record = api.created(host_a, base_answers)

    result = run_main(capsys, "--database", database_url, "hosts", "rotate-key", host_a.name, "--json")

    assert result.code == 0, result.err
    new_key = result.json()["api_key"]
    assert new_key != host_a.api_key
    old = client.get(f"/api/v1/records/{record['id']}", headers=host_a.auth)
    assert_unauthorised(old, check_error, invalid_token=True)
    new = client.get(f"/api/v1/records/{record['id']}", headers={"Authorization": f"Bearer {new_key}"})
    assert new.status_code == 200
    assert new.get_json()["id"] == record["id"]
    assert api.feed(host_b).status_code == 200, "rotating one host's key leaves the others working"


PUBLIC = {
    "/healthz": "application/json",
    "/api/v1/openapi.json": "application/json",
    "/api/v1/schemas/decision-record.xsd": "application/xml",
}


def test_public_endpoints_need_no_key(client, failures):
    for path, mimetype in PUBLIC.items():
        with failures.case(path):
            response = client.get(path)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            assert response.mimetype == mimetype
    failures.check()
    assert client.get("/healthz").get_json()["status"] == "ok"


# --- tenant isolation ----------------------------------------------------------------------------------


@pytest.fixture
def record_of_a(api, host_a, base_answers) -> dict[str, Any]:
    """A record of host A (with context that must never reach host B)."""
    return api.created(host_a, base_answers, context={"case_ref": "A-CASE-0001", "subject": {"name": "Only For A"}})


ACCEPTS = ["application/json", "application/xml", "application/fhir+json", "application/fhir+xml", "*/*", None]


def test_another_hosts_record_is_404_in_every_format(api, check_error, host_b, record_of_a, store, failures):
    before = [e.seq for e in store.audit_entries(record_id=record_of_a["id"])]
    for accept in ACCEPTS:
        with failures.case(f"Accept: {accept}"):
            response = api.get_record(host_b, record_of_a["id"], accept)
            body = check_error(response, 404)
            assert "Only For A" not in response.get_data(as_text=True)
            assert record_of_a["id"] not in body.get("message", ""), "the 404 must not confirm the record exists"
    failures.check()
    after = [e.seq for e in store.audit_entries(record_id=record_of_a["id"])]
    assert after == before, "a refused read is not an export of the record"
    theirs = api.get_record(host_b, record_of_a["id"])
    unknown = api.get_record(host_b, RECORD_ID)
    assert theirs.get_json() == unknown.get_json(), "another host's record and no record look the same"


def test_another_hosts_record_cannot_be_amended(api, check_error, host_a, host_b, record_of_a, base_answers, store):
    response = api.amend(host_b, record_of_a["id"], {**base_answers, "shared_with": "Host B's change"})

    check_error(response, 404)
    assert store.count() == 1
    assert api.get_record(host_a, record_of_a["id"]).get_json() == record_of_a
    assert store.get(record_of_a["id"]).superseded_by is None


def test_the_feed_shows_only_the_callers_records(api, host_a, host_b, base_answers):
    mine_a = [api.created(host_a, base_answers)["id"] for _ in range(3)]
    mine_b = [api.created(host_b, base_answers)["id"] for _ in range(2)]
    mine_a.append(api.created(host_a, base_answers)["id"])

    feed_a = api.feed(host_a).get_json()
    feed_b = api.feed(host_b).get_json()

    assert [r["id"] for r in feed_a["records"]] == mine_a
    assert [r["id"] for r in feed_b["records"]] == mine_b
    assert {r["host"] for r in feed_b["records"]} == {host_b.name}


def test_another_hosts_cursor_shows_nothing_of_theirs(api, host_a, host_b, base_answers):
    first_a = api.created(host_a, base_answers)
    api.created(host_a, base_answers)
    cursor = api.feed(host_a, limit=1).get_json()["next"]
    assert cursor is not None

    seen_by_b = api.feed(host_b, after=cursor).get_json()
    seen_by_b_from_start = api.feed(host_b, after=0).get_json()

    assert seen_by_b == {"records": [], "next": None}
    assert seen_by_b_from_start == {"records": [], "next": None}
    assert first_a["id"] not in str(seen_by_b)


def test_idempotency_keys_belong_to_one_host(api, host_a, host_b, base_answers, store):
    key = "shared-key-0001"
    from_a = api.submit(host_a, base_answers, key=key)
    from_b = api.submit(host_b, {**base_answers, "shared_with": "B's recipient"}, key=key)

    assert from_a.status_code == 201
    assert from_b.status_code == 201, "host B's first use of a key must not replay or conflict with host A's"
    assert "Idempotent-Replayed" not in from_b.headers
    assert from_b.get_json()["id"] != from_a.get_json()["id"]
    assert from_b.get_json()["host"] == host_b.name
    assert store.count() == 2


def test_records_are_stamped_with_the_authenticated_host(api, host_b, base_answers):
    record = api.created(host_b, base_answers, context={"host": "host-a"})

    assert record["host"] == host_b.name
