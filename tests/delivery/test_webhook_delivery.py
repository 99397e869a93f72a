"""Webhook delivery over real HTTP (issue 6, items 5 and 7): the relay POSTs each record to the host's
endpoint — a real pytest-httpserver — signed per Standard Webhooks and verified here with the
``standardwebhooks`` package; only 2xx is success; redirects are never followed; Retry-After is
honoured; 410 Gone disables the endpoint; the host down for hours receives everything once back,
with the same webhook-id on every redelivery; poison rows become dead letters that can be replayed.

The relay runs on a hand-moved clock (time travel, not sleeping).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
from cli_runs import run_main
from delivery_helpers import (
    HOST,
    Clock,
    Received,
    Receiver,
    deliver_until_settled,
    delivered_entries,
    free_port,
    rows,
    verify,
)
from lxml import etree
from pytest_httpserver import HTTPServer
from sqlalchemy import update
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from werkzeug import Response

from sharewise.adapters.delivery import webhook
from sharewise.adapters.delivery.relay import Relay
from sharewise.adapters.exports.formats import FormLookup, render
from sharewise.adapters.exports.record_json import record_to_json
from sharewise.core import outbox
from sharewise.core.engine import Engine
from sharewise.core.hosts import HostRegistry
from sharewise.core.record import Record
from sharewise.core.store.schema import hosts
from sharewise.core.store.store import Store

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


def cli(capsys: pytest.CaptureFixture[str], store: Store, *args: str) -> Any:
    """Run ``sharewise --database <the test database> ARGS`` in-process."""
    return run_main(capsys, "--database", str(store.engine.url.render_as_string(hide_password=False)), *args)


# --------------------------------------------------------------------------------- the delivery


def test_the_record_arrives_signed_and_is_marked_delivered(
    store: Store, host: Any, receiver: Receiver, relay: Relay, submit: Callable[..., list[Record]], clock: Clock
) -> None:
    (record,) = submit()

    assert relay.run_once() == 1

    (received,) = receiver.received
    (row,) = rows(store)
    assert received.path == "/hook"
    assert received.headers["content-type"].split(";")[0] == "application/json"
    assert received.json() == record_to_json(store.get(record.id)), "the record exactly as stored"
    assert received.webhook_id == row.webhook_id
    assert received.headers["webhook-timestamp"] == str(int(clock().timestamp()))
    assert received.headers["webhook-signature"].startswith("v1,")
    # verified exactly as a receiver would: with the real clock (the test clock started at the real time)
    assert Webhook(host.webhook_secret).verify(received.body, received.headers) == record_to_json(store.get(record.id))
    assert (row.state, row.attempts, row.last_status, row.delivered_at) == (outbox.DELIVERED, 1, 204, clock())
    assert outbox.counts(store) == {outbox.DELIVERED: 1}

    (entry,) = delivered_entries(store, record.id)
    assert entry.record_id == record.id
    assert entry.detail["webhook_id"] == row.webhook_id
    assert entry.detail["host"] == HOST and entry.detail["target"] == "webhook"
    assert HOST in entry.actor
    result = store.verify()
    assert result.intact, result.problem

    assert relay.run_once() == 0, "delivered once, not again"
    assert len(receiver.received) == 1


def test_a_wrong_secret_or_a_changed_body_does_not_verify(
    host: Any, receiver: Receiver, relay: Relay, submit: Callable[..., list[Record]], add_host: Callable[..., Any]
) -> None:
    other = add_host("other-host", webhook=receiver.url + "?other")
    submit()
    relay.run_once()
    (received,) = receiver.received

    verify(host.webhook_secret, received)
    with pytest.raises(WebhookVerificationError):
        verify(other.webhook_secret, received)
    tampered = Received(received.body.replace(b'"share"', b'"do_not_share"'), received.headers, received.at, received.path)
    assert tampered.body != received.body
    with pytest.raises(WebhookVerificationError):
        verify(host.webhook_secret, tampered)


def test_after_a_rotation_deliveries_verify_with_the_old_and_the_new_secret_until_the_overlap_ends(
    store: Store, host: Any, receiver: Receiver, relay: Relay, submit: Callable[..., list[Record]], clock: Clock
) -> None:
    """A host that has not yet switched to the new secret keeps accepting deliveries during the overlap;
    one that has switched accepts them too; after the overlap only the new secret signs."""
    new_secret = HostRegistry(store).rotate_webhook_secret(HOST, now=clock(), overlap=dt.timedelta(hours=6))
    submit()
    relay.run_once()
    clock.advance(dt.timedelta(hours=6))
    submit()
    relay.run_once()

    during, after = receiver.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    verify(host.webhook_secret, during)
    verify(new_secret, during)
    assert after.headers["webhook-signature"].count("v1,") == 1
    verify(new_secret, after)
    with pytest.raises(WebhookVerificationError):
        verify(host.webhook_secret, after)


def test_non_ascii_text_is_signed_over_the_bytes_sent(
    store: Store,
    host: Any,
    receiver: Receiver,
    relay: Relay,
    recorder: Any,
    base_answers: dict[str, Any],
) -> None:
    answers = {**base_answers, "decision_reasons": "Zoë’s safety — “significant harm” 👧; naïve café"}
    record = recorder.submit("information-sharing-decision", answers, host=HOST, idempotency_key="unicode").record

    relay.run_once()

    (received,) = receiver.received
    assert "Zoë’s safety".encode() in received.body, "sent as UTF-8"
    assert Webhook(host.webhook_secret).verify(received.body, received.headers) == record_to_json(store.get(record.id))


def test_each_host_has_its_own_secret(add_host: Callable[..., Any], receiver: Receiver) -> None:
    secrets = {add_host(f"host-{n}", webhook=receiver.url).webhook_secret for n in range(3)}
    assert len(secrets) == 3
    assert all(s.startswith("whsec_") for s in secrets)


@pytest.mark.parametrize(
    ("format_name", "media_type"),
    [
        ("json", "application/json"),
        ("xml", "application/xml"),
        ("fhir-json", "application/fhir+json"),
        ("fhir-xml", "application/fhir+xml"),
    ],
)
def test_the_hosts_chosen_format(
    format_name: str,
    media_type: str,
    store: Store,
    engine: Engine,
    add_host: Callable[..., Any],
    receiver: Receiver,
    relay: Relay,
    submit: Callable[..., list[Record]],
) -> None:
    registered = add_host(webhook=receiver.url, webhook_format=format_name)
    (record,) = submit()

    relay.run_once()

    (received,) = receiver.received
    assert received.headers["content-type"].split(";")[0].strip() == media_type
    verify(registered.webhook_secret, received)
    stored = store.get(record.id)
    if format_name == "json":
        assert received.json() == record_to_json(stored)
    elif format_name == "fhir-json":
        bundle = received.json()
        assert bundle == json.loads(render(stored, "fhir-json", FormLookup(engine)))
        assert bundle["resourceType"] == "Bundle"
    else:
        expected = etree.fromstring(render(stored, format_name, FormLookup(engine)))
        root = etree.fromstring(received.body)
        assert etree.tostring(root, method="c14n") == etree.tostring(expected, method="c14n")
        assert record.id in received.body.decode("utf-8")
        if format_name == "fhir-xml":
            assert root.tag == "{http://hl7.org/fhir}Bundle"
    assert rows(store)[0].state == outbox.DELIVERED


# --------------------------------------------------------------------------------- only 2xx


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_any_2xx_is_success(
    status: int, store: Store, host: Any, receiver: Receiver, relay: Relay, submit: Callable[..., list[Record]]
) -> None:
    receiver.answer(status)
    submit()
    relay.run_once()
    (row,) = rows(store)
    assert (row.state, row.last_status) == (outbox.DELIVERED, status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504])
def test_anything_else_is_retried(
    status: int,
    store: Store,
    host: Any,
    receiver: Receiver,
    relay: Relay,
    submit: Callable[..., list[Record]],
    clock: Clock,
) -> None:
    receiver.answer(status)
    submit()

    relay.run_once()

    (row,) = rows(store)
    assert (row.state, row.attempts) == (outbox.PENDING, 1)
    assert row.last_status == status
    assert row.next_attempt_at > clock()
    assert delivered_entries(store) == []

    receiver.answer(200)
    deliver_until_settled(relay, clock, store)
    (row,) = rows(store)
    assert (row.state, row.attempts) == (outbox.DELIVERED, 2)
    assert len(set(receiver.by_webhook_id())) == 1, "the same webhook id on the retry"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_never_followed(
    status: int,
    store: Store,
    host: Any,
    receiver: Receiver,
    httpserver: HTTPServer,
    relay: Relay,
    submit: Callable[..., list[Record]],
    clock: Clock,
) -> None:
    followed: list[str] = []

    def elsewhere(request: Any) -> Response:
        followed.append(request.method)
        return Response(status=200)

    httpserver.expect_request("/elsewhere").respond_with_handler(elsewhere)
    receiver.answer(status, headers={"Location": httpserver.url_for("/elsewhere")})
    submit()

    relay.run_once()

    (row,) = rows(store)
    assert (row.state, row.attempts, row.last_status) == (outbox.PENDING, 1, status), "a redirect is not success"
    assert followed == [], "the redirect target was requested"
    assert [request.path for request, _ in httpserver.log] == ["/hook"]

    clock.to(row.next_attempt_at)
    relay.run_once()
    assert followed == []
    assert rows(store)[0].attempts == 2


# ------------------------------------------------------------------------------------ Retry-After


def test_retry_after_in_seconds_pushes_the_next_attempt(
    store: Store, host: Any, receiver: Receiver, relay: Relay, submit: Callable[..., list[Record]], clock: Clock
) -> None:
    receiver.answer(503, headers={"Retry-After": "7200"})
    submit()
    sent_at = clock()

    relay.run_once()

    (row,) = rows(store)
    assert row.next_attempt_at >= sent_at + dt.timedelta(seconds=7200)
    receiver.answer(204)
    for minutes in (1, 30, 60, 119):
        clock.to(sent_at + dt.timedelta(minutes=minutes))
        assert relay.run_once() == 0, f"retried {minutes} min after Retry-After: 7200"
    clock.to(row.next_attempt_at)
    assert relay.run_once() == 1
    assert rows(store)[0].state == outbox.DELIVERED
    assert len(receiver.received) == 2


def test_retry_after_as_an_http_date_pushes_the_next_attempt(
    store: Store, host: Any, receiver: Receiver, relay: Relay, submit: Callable[..., list[Record]], clock: Clock
) -> None:
    until = clock() + dt.timedelta(hours=3)
    receiver.answer(429, headers={"Retry-After": email.utils.format_datetime(until, usegmt=True)})
    submit()

    relay.run_once()

    (row,) = rows(store)
    assert row.next_attempt_at >= until
    clock.to(until - dt.timedelta(seconds=1))
    assert relay.run_once() == 0
    receiver.answer(200)
    clock.to(row.next_attempt_at)
    assert relay.run_once() == 1
    assert rows(store)[0].state == outbox.DELIVERED


def test_a_short_retry_after_does_not_shorten_the_backoff(
    store: Store, host: Any, receiver: Receiver, relay: Relay, submit: Callable[..., list[Record]], clock: Clock
) -> None:
    receiver.answer(503, headers={"Retry-After": "0"})
    submit()
    relay.run_once()
    (row,) = rows(store)
    assert row.next_attempt_at - clock() >= outbox.BASE_DELAY / 2


@pytest.mark.parametrize("value", ["soon", "-5", "", "Wed, 99 Foo 2026 00:00:00 GMT"])
def test_a_malformed_retry_after_falls_back_to_the_backoff(
    value: str, store: Store, host: Any, receiver: Receiver, relay: Relay, submit: Callable[..., list[Record]], clock: Clock
) -> None:
    receiver.answer(503, headers={"Retry-After": value})
    submit()
    relay.run_once()
    (row,) = rows(store)
    assert (row.state, row.attempts) == (outbox.PENDING, 1)
    assert outbox.BASE_DELAY / 2 <= row.next_attempt_at - clock() <= outbox.BASE_DELAY


# ------------------------------------------------------------------------------------ 410 Gone


def test_410_gone_dead_letters_and_disables_the_webhook_until_enabled(
    store: Store,
    host: Any,
    receiver: Receiver,
    relay: Relay,
    submit: Callable[..., list[Record]],
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    receiver.answer(410)
    (first,) = submit()

    relay.run_once()

    (row,) = rows(store)
    assert (row.state, row.last_status) == (outbox.DEAD, 410)
    assert HostRegistry(store).get(HOST).webhook_disabled_at is not None
    listed = cli(capsys, store, "hosts", "list", "--json")
    assert listed.code == 0 and json.loads(listed.out)[0]["webhook_disabled"] is True

    receiver.answer(204)
    (second,) = submit()
    for _ in range(3):
        clock.advance(hours=1)
        assert relay.run_once() == 0, "a disabled webhook gets nothing"
    assert len(receiver.received) == 1
    assert [d.state for d in rows(store)] == [outbox.DEAD, outbox.PENDING], "nothing is lost meanwhile"

    enabled = cli(capsys, store, "hosts", "enable-webhook", HOST)
    assert enabled.code == 0, enabled.err
    assert HostRegistry(store).get(HOST).webhook_disabled_at is None
    assert relay.run_once() == 1
    assert receiver.received[-1].json()["id"] == second.id
    assert [d.state for d in rows(store)] == [outbox.DEAD, outbox.DELIVERED]

    replayed = cli(capsys, store, "deliveries", "replay", str(row.id))
    assert replayed.code == 0 and "1" in replayed.out
    clock.advance(minutes=5)  # the CLI requeues at the real time
    assert relay.run_once() == 1
    assert receiver.received[-1].json()["id"] == first.id
    assert receiver.received[-1].webhook_id == receiver.received[0].webhook_id
    assert {d.state for d in rows(store)} == {outbox.DELIVERED}


def test_after_410_the_rest_of_the_batch_is_not_sent_to_the_disabled_webhook(
    store: Store,
    host: Any,
    receiver: Receiver,
    relay: Relay,
    submit: Callable[..., list[Record]],
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Three records due together; the endpoint answers 410 to the first. Once it is disabled, the
    other two are not POSTed to it: they wait (pending) and go out once it is re-enabled."""
    receiver.answer(410)
    records = submit(3)

    relay.run_once()

    assert len(receiver.received) == 1, "requests were sent to a webhook already disabled by 410"
    states = sorted(d.state for d in rows(store))
    assert states == [outbox.DEAD, outbox.PENDING, outbox.PENDING], "records after the 410 were dead-lettered too"

    receiver.answer(204)
    assert cli(capsys, store, "hosts", "enable-webhook", HOST).code == 0
    relay.run_once()
    delivered = {d.record_id for d in rows(store) if d.state == outbox.DELIVERED}
    assert len(delivered) == 2 and delivered < {r.id for r in records}


def test_410_disables_only_that_hosts_webhook(
    store: Store,
    add_host: Callable[..., Any],
    receiver: Receiver,
    httpserver: HTTPServer,
    relay: Relay,
    submit: Callable[..., list[Record]],
) -> None:
    gone = Receiver(httpserver, receiver.clock, "/gone")
    gone.answer(410)
    add_host("gone-host", webhook=gone.url)
    add_host("live-host", webhook=receiver.url)
    submit(1, host="gone-host")
    relay.run_once()

    (live,) = submit(1, host="live-host")
    assert relay.run_once() == 1
    assert [r.json()["id"] for r in receiver.received] == [live.id]
    assert HostRegistry(store).get("live-host").webhook_disabled_at is None


# -------------------------------------------------------------------------- unreachable hosts


def test_connection_refused_is_retried_then_delivered_when_the_host_listens(
    store: Store, add_host: Callable[..., Any], relay: Relay, submit: Callable[..., list[Record]], clock: Clock
) -> None:
    port = free_port()
    registered = add_host(webhook=f"http://127.0.0.1:{port}/hook")
    (record,) = submit()

    relay.run_once()
    relay.run_once()

    (row,) = rows(store)
    assert (row.state, row.attempts, row.last_status) == (outbox.PENDING, 1, None)
    assert "ConnectError" in (row.last_error or "")

    server = HTTPServer(host="127.0.0.1", port=port, threaded=True)
    late = Receiver(server, clock)
    server.start()
    try:
        deliver_until_settled(relay, clock, store)
    finally:
        server.clear()
        server.stop()
    (received,) = late.received
    assert received.json()["id"] == record.id
    assert received.webhook_id == row.webhook_id
    verify(registered.webhook_secret, received)
    assert rows(store)[0].state == outbox.DELIVERED


def test_a_timeout_is_retried_with_the_same_webhook_id(
    store: Store,
    host: Any,
    receiver: Receiver,
    relay: Relay,
    submit: Callable[..., list[Record]],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import httpx

    monkeypatch.setattr(webhook, "TIMEOUT", httpx.Timeout(0.3))  # the real timeout is 10 s
    release = threading.Event()

    def slow_once(received: Received) -> Response:
        if len(receiver.received) == 1:
            release.wait(3)
        return Response(status=204)

    receiver.respond = slow_once
    try:
        submit()
        relay.run_once()
        (row,) = rows(store)
        assert (row.state, row.attempts, row.last_status) == (outbox.PENDING, 1, None)
        assert "Timeout" in (row.last_error or "")
    finally:
        release.set()

    deliver_until_settled(relay, clock, store)
    assert rows(store)[0].state == outbox.DELIVERED
    first, second = receiver.received
    assert first.webhook_id == second.webhook_id == row.webhook_id, "the host can de-duplicate"
    assert first.body == second.body
    verify(host.webhook_secret, second)


def test_a_host_without_a_reachable_name_is_retried(
    store: Store, add_host: Callable[..., Any], relay: Relay, submit: Callable[..., list[Record]]
) -> None:
    add_host(webhook="http://no-such-host.invalid/hook")
    submit()
    relay.run_once()
    (row,) = rows(store)
    assert (row.state, row.attempts) == (outbox.PENDING, 1)


def test_a_malformed_webhook_url_does_not_hold_up_other_deliveries(
    store: Store,
    add_host: Callable[..., Any],
    receiver: Receiver,
    relay: Relay,
    submit: Callable[..., list[Record]],
    clock: Clock,
) -> None:
    """A webhook URL httpx cannot use (here a mistyped port, written into the table directly: ``hosts add``
    now refuses it) must fail its own row — not break the relay pass and strand the rows claimed with it."""
    add_host("typo-host", webhook="http://cases.example.org:8080/hook")
    with store.writing() as connection:
        connection.execute(
            update(hosts).where(hosts.c.name == "typo-host").values(webhook_url="http://cases.example.org:80a/hook")
        )
    add_host("good-host", webhook=receiver.url)
    submit(1, host="typo-host")
    clock.advance(seconds=1)
    (good,) = submit(1, host="good-host")

    errors = []
    for _ in range(5):  # as run_until does: a pass that raises is logged, and the next pass comes
        try:
            relay.run_once()
        except Exception as exc:
            errors.append(type(exc).__name__)
        clock.advance(outbox.LEASE + dt.timedelta(seconds=1))

    assert [r.json()["id"] for r in receiver.received] == [good.id], f"the good host's record was not delivered ({errors})"
    assert errors == [], "a relay pass raised"
    typo = next(d for d in rows(store) if d.host == "typo-host")
    assert typo.attempts >= 1 and typo.last_error, "the failed attempt is recorded"


# -------------------------------------------------------------------------- down for hours, then back


def test_host_down_for_hours_then_back_receives_everything(
    store: Store, host: Any, receiver: Receiver, relay: Relay, submit: Callable[..., list[Record]], clock: Clock
) -> None:
    start = clock()
    back_at = start + dt.timedelta(hours=5)
    receiver.respond = lambda r: Response(status=503 if r.at < back_at else 200)

    records = submit(3)
    clock.advance(minutes=20)
    records += submit(2)  # more decisions while the host is down
    step = dt.timedelta(minutes=10)
    while clock() < start + dt.timedelta(hours=14):
        relay.run_once()
        clock.advance(step)

    assert {d.state for d in rows(store)} == {outbox.DELIVERED}, [(d.state, d.attempts) for d in rows(store)]
    by_record = receiver.by_record()
    assert sorted(by_record) == sorted(r.id for r in records), "every record arrived"
    webhook_ids = {d.record_id: d.webhook_id for d in rows(store)}
    for record in records:
        arrivals = by_record[record.id]
        assert len(arrivals) >= 3, "retried while the host was down"
        assert len(arrivals) < outbox.MAX_ATTEMPTS, "backed off rather than hammering"
        assert {a.webhook_id for a in arrivals} == {webhook_ids[record.id]}, "the same webhook-id on every redelivery"
        assert {a.body for a in arrivals} == {arrivals[0].body}, "the same body every time"
        assert arrivals[-1].json() == record_to_json(store.get(record.id)), "exactly as stored"
        assert [a.at >= back_at for a in arrivals] == [False] * (len(arrivals) - 1) + [True], "delivered once back, once"
        for arrival in arrivals:
            verify(host.webhook_secret, arrival)
        (entry,) = delivered_entries(store, record.id)
        assert entry.detail["attempt"] == len(arrivals)
    result = store.verify()
    assert result.intact, result.problem


# -------------------------------------------------------------------------------------- poison


def test_poison_becomes_a_dead_letter_listed_and_replayable(
    store: Store,
    host: Any,
    receiver: Receiver,
    relay: Relay,
    submit: Callable[..., list[Record]],
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    receiver.answer(500)
    (poison,) = submit()

    for _ in range(outbox.MAX_ATTEMPTS + 3):
        relay.run_once()
        (row,) = rows(store)
        clock.to(row.next_attempt_at + dt.timedelta(seconds=1))

    (row,) = rows(store)
    assert (row.state, row.attempts, row.last_status) == (outbox.DEAD, outbox.MAX_ATTEMPTS, 500)
    assert len(receiver.received) == outbox.MAX_ATTEMPTS, "no attempt after the last"
    assert set(receiver.by_webhook_id()) == {row.webhook_id}
    span = receiver.received[-1].at - receiver.received[0].at
    assert span > dt.timedelta(hours=12), f"retries should span hours, spanned {span}"

    listed = cli(capsys, store, "deliveries", "list", "--dead", "--json")
    assert listed.code == 0, listed.err
    (entry,) = json.loads(listed.out)
    assert entry["id"] == row.id and entry["record_id"] == poison.id and entry["state"] == "dead"
    assert entry["attempts"] == outbox.MAX_ATTEMPTS and entry["last_status"] == 500
    text = cli(capsys, store, "deliveries", "list", "--dead")
    assert text.code == 0 and poison.id in text.out and "dead" in text.out

    receiver.answer(204)  # the host is fixed
    replay = cli(capsys, store, "deliveries", "replay", "--all-dead")
    assert replay.code == 0, replay.err
    clock.advance(minutes=1)  # the CLI requeues at the real time
    assert relay.run_once() == 1

    (row,) = rows(store)
    assert row.state == outbox.DELIVERED
    assert receiver.received[-1].webhook_id == receiver.received[0].webhook_id
    assert receiver.received[-1].json() == record_to_json(store.get(poison.id))
    verify(host.webhook_secret, receiver.received[-1])
    assert json.loads(cli(capsys, store, "deliveries", "list", "--dead", "--json").out) == []
    assert len(delivered_entries(store, poison.id)) == 1


def test_replay_needs_ids_or_all_dead(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli(capsys, store, "deliveries", "replay")
    assert result.code == 2
    assert "Traceback" not in result.err


# ------------------------------------------------------------------------------- nothing secret logged


def test_no_secrets_or_personal_data_in_logs(
    store: Store,
    host: Any,
    receiver: Receiver,
    httpserver: HTTPServer,
    relay: Relay,
    submit: Callable[..., list[Record]],
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    base_answers: dict[str, Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    outcomes = iter([500, 503, 302, 200, 410])
    receiver.respond = lambda r: Response(status=next(outcomes, 200), headers={"Location": "/x", "Retry-After": "1"})
    submit(2)
    for _ in range(6):
        relay.run_once()
        clock.advance(hours=1)
    shown = cli(capsys, store, "deliveries", "list")

    assert any(r.name.startswith("sharewise") for r in caplog.records), "the relay logs what it does"
    logged = caplog.text + "".join(str(vars(r)) for r in caplog.records) + shown.out + shown.err
    assert host.webhook_secret not in logged
    assert host.webhook_secret.removeprefix("whsec_") not in logged
    assert host.api_key not in logged
    for received in receiver.received:
        assert received.headers["webhook-signature"] not in logged
    for field in ("purpose", "information_summary", "decision_reasons", "decision_maker_name"):
        assert base_answers[field] not in logged, f"personal data ({field}) logged"
