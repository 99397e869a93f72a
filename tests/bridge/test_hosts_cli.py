"""``sharewise hosts add|list|rotate-key|rotate-webhook-secret|enable-webhook`` (issue 6 §2): keys shown
once and stored hashed, never listed; bad input is exit 2 with one line; a rotated key stops working at
once; a rotated webhook secret keeps signing beside the new one for the overlap asked for."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cli_runs import Result, assert_one_line_error, run_main
from sqlalchemy import MetaData, select
from standardwebhooks import Webhook, WebhookVerificationError

from sharewise.adapters.delivery.webhook import signed_headers
from sharewise.core.errors import InvalidInput
from sharewise.core.hosts import HostRegistry

API_KEY = re.compile(r"^sw_[A-Za-z0-9_-]{40,}$")
WEBHOOK_SECRET = re.compile(r"^whsec_[A-Za-z0-9+/]+={0,2}$")


@pytest.fixture
def sw(capsys: pytest.CaptureFixture[str], database_url: str, store: Any) -> Any:
    """``sw("hosts", "list")``: the command line in-process on this test's migrated database."""

    def run(*args: str) -> Result:
        return run_main(capsys, "--database", database_url, *args)

    return run


def add(sw: Any, name: str = "clinic-one", *extra: str) -> dict[str, str]:
    result = sw("hosts", "add", name, "--origin", "https://a.example", "--webhook", "https://a.example/hook", *extra, "--json")
    assert result.code == 0, result.err
    return result.json()


def every_stored_value(store: Any) -> list[str]:
    """Every value in every table of the database, as text."""
    metadata = MetaData()
    metadata.reflect(bind=store.engine)
    values: list[str] = []
    with store.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                values += [json.dumps(value, default=str) if not isinstance(value, str) else value for value in row]
    return values


def test_add_prints_the_key_and_secret_once_as_json(sw):
    result = sw("hosts", "add", "clinic-one", "--origin", "https://a.example", "--webhook", "https://a.example/hook", "--json")

    assert result.code == 0, result.err
    shown = result.json()
    assert set(shown) == {"name", "api_key", "webhook_secret"}
    assert shown["name"] == "clinic-one"
    assert API_KEY.match(shown["api_key"]), shown["api_key"]
    assert WEBHOOK_SECRET.match(shown["webhook_secret"]), shown["webhook_secret"]
    assert len(base64.b64decode(shown["webhook_secret"].removeprefix("whsec_"))) >= 24
    assert result.err == ""


def test_without_json_both_are_printed_once_and_every_host_gets_its_own(sw):
    one = add(sw, "clinic-one")
    result = sw("hosts", "add", "clinic-two", "--origin", "https://b.example")

    assert result.code == 0, result.err
    keys = re.findall(r"sw_[A-Za-z0-9_-]{40,}", result.out)
    webhook_secrets = re.findall(r"whsec_\S+", result.out)
    assert len(keys) == 1 and len(webhook_secrets) == 1, result.out
    assert keys[0] != one["api_key"]
    assert webhook_secrets[0] != one["webhook_secret"]


def test_the_api_key_is_stored_hashed(sw, store, database_url):
    shown = add(sw)
    key = shown["api_key"]

    stored = every_stored_value(store)

    assert not any(key in value for value in stored), "the API key is stored as it was shown"
    assert not any(key[3:] in value for value in stored), "the random part of the API key is stored"
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        for file in [path, *path.parent.glob(path.name + "-*")]:
            assert key.encode() not in file.read_bytes(), f"the API key is in {file.name}"


def test_list_never_shows_keys_or_secrets(sw):
    assert sw("hosts", "list", "--json").json() == []
    shown = [add(sw, "clinic-one"), add(sw, "clinic-two")]

    text = sw("hosts", "list")
    as_json = sw("hosts", "list", "--json")

    assert text.code == 0 and as_json.code == 0
    for output in (text.out, as_json.out):
        for credentials in shown:
            assert credentials["api_key"] not in output
            assert credentials["webhook_secret"] not in output
            assert credentials["webhook_secret"].removeprefix("whsec_") not in output
        assert "sw_" not in output and "whsec_" not in output
    assert "clinic-one" in text.out and "https://a.example" in text.out
    listed = as_json.json()
    assert [host["name"] for host in listed] == ["clinic-one", "clinic-two"]
    assert listed[0]["origins"] == ["https://a.example"]
    assert listed[0]["webhook_url"] == "https://a.example/hook"
    assert not any(re.search("key|secret", field) for host in listed for field in host)


def test_add_records_origins_drop_dir_and_format(sw, store, tmp_path):
    result = sw(
        "hosts",
        "add",
        "clinic-three",
        "--origin",
        "https://Cases.Example.org",
        "--origin",
        "http://localhost:8080",
        "--drop-dir",
        str(tmp_path),
        "--format",
        "fhir-xml",
        "--json",
    )

    assert result.code == 0, result.err
    host = HostRegistry(store).get("clinic-three")
    assert sorted(host.origins) == ["http://localhost:8080", "https://cases.example.org"]
    assert host.drop_dir == str(tmp_path)
    assert host.webhook_format == "fhir-xml"
    assert host.webhook_url is None


def test_a_duplicate_name_is_exit_2_and_keeps_the_first_key(sw, make_app):
    first = add(sw, "clinic-one")

    result = sw("hosts", "add", "clinic-one", "--origin", "https://other.example", "--json")

    assert_one_line_error(result, "clinic-one")
    client = make_app().test_client()
    assert client.get("/api/v1/records", headers={"Authorization": f"Bearer {first['api_key']}"}).status_code == 200


BAD_INPUT = {
    "origin not a URL": (["clinic", "--origin", "not-a-url"], "not-a-url"),
    "origin with a path": (["clinic", "--origin", "https://a.example/path"], "https://a.example/path"),
    "origin ftp": (["clinic", "--origin", "ftp://a.example"], "ftp://a.example"),
    "origin with a query": (["clinic", "--origin", "https://a.example?x=1"], "https://a.example?x=1"),
    "one good one bad origin": (["clinic", "--origin", "https://a.example", "--origin", "javascript:x"], "javascript:x"),
    "webhook not a URL": (["clinic", "--origin", "https://a.example", "--webhook", "not a url"], "not a url"),
    "webhook file": (["clinic", "--origin", "https://a.example", "--webhook", "file:///etc/passwd"], "file:///etc/passwd"),
    "name upper case": (["Clinic", "--origin", "https://a.example"], "Clinic"),
    "name too short": (["c", "--origin", "https://a.example"], "'c'"),
    "name digit first": (["1clinic", "--origin", "https://a.example"], "1clinic"),
    "name underscore": (["clinic_one", "--origin", "https://a.example"], "clinic_one"),
    "name space": (["clinic one", "--origin", "https://a.example"], "clinic one"),
    "name too long": (["x" * 65, "--origin", "https://a.example"], "x" * 65),
}


def test_bad_input_is_exit_2_with_one_line(sw, store, failures):
    for label, (args, expected) in BAD_INPUT.items():
        with failures.case(label):
            assert_one_line_error(sw("hosts", "add", *args, "--json"), expected)
    failures.check()
    assert HostRegistry(store).list() == []


def test_a_bad_format_or_a_missing_origin_is_a_usage_error(sw, store, failures):
    for label, args in {
        "bad format": ["clinic", "--origin", "https://a.example", "--format", "yaml"],
        "no origin": ["clinic"],
        "no name": ["--origin", "https://a.example"],
    }.items():
        with failures.case(label):
            result = sw("hosts", "add", *args, "--json")
            assert result.code == 2, result.err
            assert result.out == ""
            assert "Traceback" not in result.err
            assert len([line for line in result.err_lines if line.startswith("Error:")]) == 1, result.err
    failures.check()
    assert HostRegistry(store).list() == []


def test_rotate_key_replaces_the_key_at_once(sw, make_app):
    shown = add(sw, "clinic-one")
    other = add(sw, "clinic-two")
    client = make_app().test_client()

    def status(key: str) -> int:
        return client.get("/api/v1/records", headers={"Authorization": f"Bearer {key}"}).status_code

    assert status(shown["api_key"]) == 200
    rotated = sw("hosts", "rotate-key", "clinic-one", "--json")

    assert rotated.code == 0, rotated.err
    new_key = rotated.json()["api_key"]
    assert API_KEY.match(new_key)
    assert "whsec_" not in rotated.out, "rotating the key does not show the webhook secret again"
    assert status(shown["api_key"]) == 401
    assert status(new_key) == 200
    assert status(other["api_key"]) == 200


def test_rotate_key_shows_the_new_key_once_and_keeps_the_webhook_secret(sw, store):
    shown = add(sw, "clinic-one")

    result = sw("hosts", "rotate-key", "clinic-one")

    assert result.code == 0, result.err
    assert len(re.findall(r"sw_[A-Za-z0-9_-]{40,}", result.out)) == 1
    assert shown["api_key"] not in result.out
    assert HostRegistry(store).get("clinic-one").webhook_secret == shown["webhook_secret"]


def test_rotate_webhook_secret_with_no_overlap_signs_with_the_new_secret_only(sw, store, make_app):
    shown = add(sw, "clinic-one")
    other = add(sw, "clinic-two")

    rotated = sw("hosts", "rotate-webhook-secret", "clinic-one", "--overlap", "0", "--json")

    assert rotated.code == 0, rotated.err
    secret = rotated.json()["webhook_secret"]
    assert secret.startswith("whsec_") and secret != shown["webhook_secret"]
    assert "sw_" not in rotated.out, "rotating the webhook secret does not show the API key"
    registry = HostRegistry(store)
    assert registry.get("clinic-one").webhook_secret == secret
    assert registry.get("clinic-two").webhook_secret == other["webhook_secret"], "only this host's secret changes"
    assert registry.authenticate(shown["api_key"]) is not None, "the API key still works"
    body, now = b'{"id": "r"}', dt.datetime.now(dt.UTC)
    assert rotated.json()["signing_overlap_until"] is None
    headers = signed_headers(registry.get("clinic-one").signing_secrets(now), "msg_1", body, "application/json", now)
    assert len(headers["webhook-signature"].split(" ")) == 1
    Webhook(secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(shown["webhook_secret"]).verify(body, headers)
    plain = sw("hosts", "rotate-webhook-secret", "clinic-one", "--overlap", "0")
    assert plain.code == 0 and len(re.findall(r"whsec_[A-Za-z0-9+/=]{40,}", plain.out)) == 1
    assert "no longer signs" in plain.out


def test_rotate_webhook_secret_keeps_the_old_one_signing_for_24_hours_by_default(sw, store):
    shown = add(sw, "clinic-one")
    before = dt.datetime.now(dt.UTC)

    rotated = sw("hosts", "rotate-webhook-secret", "clinic-one", "--json")

    assert rotated.code == 0, rotated.err
    new_secret, until = rotated.json()["webhook_secret"], dt.datetime.fromisoformat(rotated.json()["signing_overlap_until"])
    assert before + dt.timedelta(hours=24) - dt.timedelta(seconds=1) <= until <= dt.datetime.now(dt.UTC) + dt.timedelta(hours=24)
    host = HostRegistry(store).get("clinic-one")
    body, now = b'{"id": "r"}', dt.datetime.now(dt.UTC)
    headers = signed_headers(host.signing_secrets(now), "msg_1", body, "application/json", now)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new_secret).verify(body, headers) == {"id": "r"}, "a host that has switched accepts it"
    assert Webhook(shown["webhook_secret"]).verify(body, headers) == {"id": "r"}, "a host that has not yet switched too"
    listed = sw("hosts", "list")
    assert "old webhook secret also signs until" in listed.out and "whsec_" not in listed.out
    assert sw("hosts", "list", "--json").json()[0]["signing_overlap_until"] == host.previous_secret_until.isoformat()

    after = host.previous_secret_until + dt.timedelta(seconds=1)
    late = signed_headers(host.signing_secrets(after), "msg_2", body, "application/json", after)
    assert len(late["webhook-signature"].split(" ")) == 1, "after the overlap the old secret signs nothing"
    assert host.signing_secrets(after) == (new_secret,)


def test_rotate_webhook_secret_with_an_overlap_in_hours_and_again_during_it(sw, store):
    first = add(sw, "clinic-one")["webhook_secret"]

    second = sw("hosts", "rotate-webhook-secret", "clinic-one", "--overlap", "2", "--json").json()["webhook_secret"]
    host = HostRegistry(store).get("clinic-one")
    now = dt.datetime.now(dt.UTC)
    assert host.signing_secrets(now) == (second, first)
    assert host.previous_secret_until is not None
    assert dt.timedelta(hours=2) - dt.timedelta(minutes=1) < host.previous_secret_until - now <= dt.timedelta(hours=2)

    third = sw("hosts", "rotate-webhook-secret", "clinic-one", "--json").json()["webhook_secret"]

    assert HostRegistry(store).get("clinic-one").signing_secrets(dt.datetime.now(dt.UTC)) == (third, second), (
        "only the secret replaced last overlaps: the first one stops"
    )


def test_rotate_webhook_secret_refuses_an_overlap_out_of_range_as_a_usage_error(sw, store, failures):
    shown = add(sw, "clinic-one")
    for overlap in ["-1", "721", "two", "1.5"]:
        with failures.case(overlap):
            result = sw("hosts", "rotate-webhook-secret", "clinic-one", "--overlap", overlap)
            assert result.code == 2 and result.out == "" and "Traceback" not in result.err, result.err
            errors = [line for line in result.err_lines if line.startswith("Error:")]
            assert len(errors) == 1 and "--overlap" in errors[0] and overlap in errors[0], result.err
    assert HostRegistry(store).get("clinic-one").webhook_secret == shown["webhook_secret"], "nothing changed"
    failures.check()


def test_the_registry_refuses_an_overlap_out_of_range_and_signing_needs_a_tuple_of_secrets(sw, store, failures):
    shown = add(sw, "clinic-one")
    registry, now = HostRegistry(store), dt.datetime.now(dt.UTC)
    for overlap in [dt.timedelta(seconds=-1), dt.timedelta(days=30, seconds=1)]:
        with failures.case(str(overlap)), pytest.raises(InvalidInput, match="between 0 and 720 hours"):
            registry.rotate_webhook_secret("clinic-one", now=now, overlap=overlap)
    assert registry.get("clinic-one").webhook_secret == shown["webhook_secret"], "nothing changed"
    for secrets in [shown["webhook_secret"], ()]:
        with failures.case(repr(secrets)), pytest.raises(ValueError, match="tuple of one or more"):
            signed_headers(secrets, "msg_1", b"{}", "application/json", now)  # type: ignore[arg-type]
    failures.check()


def test_enable_webhook_after_a_410(sw, store):
    add(sw, "clinic-one")
    with store.writing() as connection:
        HostRegistry(store).disable_webhook(connection, "clinic-one", dt.datetime.now(dt.UTC))
    assert sw("hosts", "list", "--json").json()[0]["webhook_disabled"] is True
    assert "410" in sw("hosts", "list").out

    result = sw("hosts", "enable-webhook", "clinic-one")

    assert result.code == 0, result.err
    assert "clinic-one" in result.out
    assert sw("hosts", "list", "--json").json()[0]["webhook_disabled"] is False


def test_an_unknown_host_is_exit_2_with_one_line(sw, failures):
    for command in ["rotate-key", "rotate-webhook-secret", "enable-webhook"]:
        with failures.case(command):
            assert_one_line_error(sw("hosts", command, "no-such-host"), "no-such-host")
    failures.check()
