"""``/metrics`` (issue 8 item 5): Prometheus text, every family ``sharewise_*``, counters that move by
exactly what was done, outbox gauges read from the database at scrape time, and a token to read any of
it (401 without it; 404 when no token is configured outside development)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cli_runs import run_main
from delivery_helpers import Receiver, rows
from observability_helpers import CORE, TOKEN, changes, labels, parse
from werkzeug.test import Client

from sharewise.adapters.bridge.settings import ConfigurationError
from sharewise.adapters.observability.endpoint import wsgi_app
from sharewise.adapters.observability.metrics import Metrics, OutboxCollector
from sharewise.core import outbox

# --- who may read /metrics ----------------------------------------------------------------------------


def test_without_a_token_metrics_are_not_served_outside_development(app):
    response = app.test_client().get("/metrics")
    assert response.status_code == 404
    assert b"sharewise_" not in response.data
    with_some_token = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert with_some_token.status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer sw_api_key"],
)
def test_with_a_token_metrics_need_it(metered_app, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = metered_app.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["code"] == 401
    assert b"sharewise_" not in response.data


def test_with_the_token_metrics_are_served_as_prometheus_text(metered_app, scrape):
    response = metered_app.test_client().get("/metrics", headers={"Authorization": f"bearer  {TOKEN} "})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "no-store" in response.headers["Cache-Control"]
    assert scrape(metered_app).value("sharewise_database_up") == 1


def test_host_api_keys_do_not_open_metrics(metered_app, host_a):
    assert metered_app.test_client().get("/metrics", headers=host_a.auth).status_code == 401


def test_in_development_metrics_are_open_without_a_token(make_app):
    development = make_app(environment="development")
    assert development.test_client().get("/metrics").status_code == 200
    guarded = make_app(environment="development", metrics_token=TOKEN)
    assert guarded.test_client().get("/metrics").status_code == 401


@pytest.mark.parametrize("token", ["short", "x" * 15])
def test_a_short_token_is_refused_at_startup(make_app, token):
    with pytest.raises(ConfigurationError, match="SHAREWISE_METRICS_TOKEN"):
        make_app(metrics_token=token)


def test_the_token_can_come_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("SHAREWISE_METRICS_TOKEN", TOKEN)
    served = make_app().test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert served.status_code == 200


# --- what the counters count --------------------------------------------------------------------------


def test_every_family_is_named_sharewise(metered_app, api, host_a, base_answers, scrape):
    client = metered_app.test_client()
    client.post("/api/v1/launch", json={"form_id": CORE}, headers=host_a.auth)
    client.post(
        "/api/v1/records", json={"form_id": CORE, "answers": base_answers}, headers={**host_a.auth, "Idempotency-Key": "k1"}
    )
    client.post(f"/api/v1/forms/{CORE}/check", json={"answers": {}}, headers=host_a.auth)
    client.get("/no/such/page")

    found = scrape(metered_app)

    assert found.families, "nothing was exposed"
    assert [name for name in found.families if not name.startswith("sharewise_")] == []
    for expected in (
        "sharewise_http_requests",
        "sharewise_http_request_duration_seconds",
        "sharewise_submissions",
        "sharewise_findings",
        "sharewise_launches",
        "sharewise_outbox_pending",
        "sharewise_outbox_dead_letters",
        "sharewise_delivery_lag_seconds",
        "sharewise_database_up",
    ):
        assert expected in found.families, f"{expected} missing from {sorted(found.families)}"


def test_the_counters_move_by_what_was_done(metered_app, host_a, host_b, base_answers, scrape):
    client = metered_app.test_client()
    a, b = host_a.auth, host_b.auth
    warned = {**base_answers, "share_method": "letter"}  # ISD-19, a warning
    missing = {k: v for k, v in base_answers.items() if k != "purpose"}  # a required answer missing: an error
    submit = lambda auth, key, answers, **more: client.post(  # noqa: E731
        "/api/v1/records", json={"form_id": CORE, "answers": answers, **more}, headers={**auth, "Idempotency-Key": key}
    )
    before = scrape(metered_app)

    assert client.post("/api/v1/launch", json={"form_id": CORE}, headers=a).status_code == 201
    assert client.post("/api/v1/launch", json={"form_id": CORE}, headers=a).status_code == 201
    assert client.post("/api/v1/launch", json={"form_id": CORE}, headers=b).status_code == 201
    checked = client.post(f"/api/v1/forms/{CORE}/check", json={"answers": missing}, headers=a)
    assert checked.status_code == 200
    created = submit(a, "one", warned, acknowledged_warnings=["ISD-19"])
    assert created.status_code == 201, created.get_data(as_text=True)
    assert submit(a, "one", warned, acknowledged_warnings=["ISD-19"]).status_code == 200  # replayed
    assert submit(a, "two", missing).status_code == 422  # refused: an error
    assert submit(a, "three", warned).status_code == 409  # refused: a warning not acknowledged
    assert submit(a, "one", base_answers).status_code == 422  # refused: the key was used for another submission
    assert submit(b, "one", base_answers).status_code == 201  # another host, the same key
    record_id = created.get_json()["id"]
    amended = client.post(
        f"/api/v1/records/{record_id}/amendments",
        json={"answers": base_answers, "reason": "the method was secure email"},
        headers={**a, "Idempotency-Key": "amend-1"},
    )
    assert amended.status_code == 201, amended.get_data(as_text=True)
    again = client.post(
        f"/api/v1/records/{record_id}/amendments",
        json={"answers": base_answers, "reason": "again"},
        headers={**a, "Idempotency-Key": "amend-2"},
    )
    assert again.status_code == 409  # refused: already amended

    after = scrape(metered_app)

    assert changes(before, after, "sharewise_submissions_total") == {
        labels(host="host-a", result="created"): 2,  # the decision and its amendment
        labels(host="host-a", result="replayed"): 1,
        labels(host="host-a", result="refused"): 4,
        labels(host="host-b", result="created"): 1,
    }
    assert changes(before, after, "sharewise_launches_total") == {labels(host="host-a"): 2, labels(host="host-b"): 1}
    check_findings = [(f["rule"], f["severity"]) for f in checked.get_json()["findings"]]
    assert check_findings == [("required", "error")]
    assert changes(before, after, "sharewise_findings_total") == {
        labels(rule="required", severity="error", source="check"): 1,
        labels(rule="ISD-19", severity="warning", source="submission"): 2,  # created, and refused unacknowledged
        labels(rule="required", severity="error", source="submission"): 1,
    }
    posted = changes(before, after, "sharewise_http_requests_total")
    assert posted[labels(route="/api/v1/records", method="POST", status="201")] == 2
    assert posted[labels(route="/api/v1/records", method="POST", status="200")] == 1
    assert posted[labels(route="/api/v1/records", method="POST", status="422")] == 2
    assert posted[labels(route="/api/v1/records", method="POST", status="409")] == 1
    assert posted[labels(route="/api/v1/records/<record_id>/amendments", method="POST", status="201")] == 1
    assert posted[labels(route="/api/v1/launch", method="POST", status="201")] == 3
    assert posted[labels(route="/metrics", method="GET", status="200")] == 1  # the first scrape
    timed = changes(before, after, "sharewise_http_request_duration_seconds_count")
    assert timed[labels(route="/api/v1/records", method="POST")] == 6


def test_unknown_routes_and_methods_do_not_grow_the_labels(metered_app, scrape):
    client = metered_app.test_client()
    before = scrape(metered_app)
    for n in range(5):
        client.get(f"/nothing/{n}?case_ref=CASEREF-1")
        client.open("/livez", method=f"BREW{n}")
    after = scrape(metered_app)

    moved = changes(before, after, "sharewise_http_requests_total")
    assert moved[labels(route="(no route)", method="GET", status="404")] == 5
    assert moved[labels(route="(no route)", method="OTHER", status="405")] == 5
    assert "CASEREF" not in str(after.samples)


# --- the outbox, read from the database ---------------------------------------------------------------


def test_delivery_lag_pending_and_dead_letters_reflect_the_database(
    metered_app, api, base_answers, add_host, receiver: Receiver, make_relay, clock, store, database_url, scrape, capsys
):
    state = metered_app.extensions["sharewise"]
    hook = add_host("case-system", webhook=receiver.url)
    gone = Receiver(receiver.server, clock, path="/retired")
    gone.answer(410)
    retired = add_host("retired-system", webhook=gone.url)
    client = metered_app.test_client()
    submit = lambda host, key: client.post(  # noqa: E731
        "/api/v1/records",
        json={"form_id": CORE, "answers": base_answers},
        headers={"Authorization": f"Bearer {host.api_key}", "Idempotency-Key": key},
    )
    empty = scrape(metered_app)
    assert (empty.value("sharewise_outbox_pending"), empty.value("sharewise_delivery_lag_seconds")) == (0, 0)

    assert submit(hook, "first").status_code == 201
    clock.advance(seconds=30)
    assert submit(hook, "second").status_code == 201
    assert submit(retired, "third").status_code == 201
    clock.advance(seconds=60)
    waiting = scrape(metered_app)
    assert waiting.value("sharewise_outbox_pending") == 3
    assert waiting.value("sharewise_delivery_lag_seconds") == pytest.approx(90)
    assert waiting.value("sharewise_outbox_dead_letters") == 0

    relay = make_relay("relay-under-test")
    relay.metrics = state.metrics  # as ``sharewise serve`` runs it: the relay in the bridge's process
    relay.run_once()
    delivered = scrape(metered_app)
    assert [d.state for d in rows(store)].count(outbox.DELIVERED) == 2
    assert delivered.value("sharewise_outbox_pending") == 0
    assert delivered.value("sharewise_delivery_lag_seconds") == 0
    assert delivered.value("sharewise_outbox_dead_letters") == 1
    assert changes(waiting, delivered, "sharewise_deliveries_total") == {
        labels(host="case-system", target="webhook", outcome="delivered"): 2,
        labels(host="retired-system", target="webhook", outcome="gone"): 1,
    }
    assert len(receiver.received) == 2 and len(gone.received) == 1

    # the database is the truth, whichever process changes it: an operator replays the dead letter
    replayed = run_main(capsys, "--database", database_url, "deliveries", "replay", "--all-dead")
    assert replayed.code == 0, replayed.err
    clock.advance(seconds=45)
    requeued = scrape(metered_app)
    assert requeued.value("sharewise_outbox_dead_letters") == 0
    assert requeued.value("sharewise_outbox_pending") == 1
    (row,) = [d for d in rows(store) if d.state == outbox.PENDING]
    assert requeued.value("sharewise_delivery_lag_seconds") == pytest.approx((clock() - row.created_at).total_seconds())


def test_a_scrape_answers_when_the_database_does_not():
    broken = OutboxCollector(_Unreadable(), lambda: dt.datetime.now(dt.UTC))
    found = parse(_render(Metrics(live=[broken])))
    assert found.value("sharewise_database_up") == 0
    assert "sharewise_outbox_pending" not in found.families


class _Unreadable:
    """A store whose database cannot be read (as when PostgreSQL is down)."""

    def reading(self) -> Any:
        raise OSError("connection refused")


def _render(metrics: Metrics) -> str:
    body, _ = metrics.render(None)
    return body.decode("utf-8")


# --- the worker's /metrics ----------------------------------------------------------------------------


def test_the_workers_metrics_endpoint_has_the_same_rule(store, clock):
    metrics = Metrics(live=[OutboxCollector(store, clock)])
    metrics.deliveries.labels("case-system", "webhook", "delivered").inc()
    guarded = Client(wsgi_app(metrics, TOKEN, development=False))
    assert guarded.get("/metrics").status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong-token-wrong-token"}).status_code == 401
    assert guarded.get("/other", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
    served = guarded.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert served.status_code == 200
    found = parse(served.get_data(as_text=True))
    assert found.value("sharewise_deliveries_total", host="case-system", target="webhook", outcome="delivered") == 1
    assert found.value("sharewise_outbox_pending") == 0
    assert all(name.startswith("sharewise_") for name in found.families)
    assert Client(wsgi_app(metrics, None, development=False)).get("/metrics").status_code == 404
    assert Client(wsgi_app(metrics, None, development=True)).get("/metrics").status_code == 200


def test_the_worker_refuses_a_metrics_port_without_a_token(capsys, database_url, monkeypatch):
    monkeypatch.delenv("SHAREWISE_METRICS_TOKEN", raising=False)
    result = run_main(capsys, "--database", database_url, "worker", "--metrics-port", "9")
    assert result.code == 2
    assert "SHAREWISE_METRICS_TOKEN" in result.err
