"""Structured logs (issue 8 item 5): one JSON object per line with an allow-list of fields — request id,
host, route template, status, duration, the rule ids of findings; for deliveries the record id and the
webhook's host name — and never answers, names, case references, keys or URLs. (The same over real
processes: test_full_run.py.)"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import pytest
from delivery_helpers import Receiver
from observability_helpers import ANSWERS, CONTEXT, CORE, PERSONAL, leaks

from sharewise.adapters.bridge.settings import ConfigurationError
from sharewise.adapters.observability import logs


def record(message: str = "hello %s", *args: Any, exc_info: Any = None, **extra: Any) -> logging.LogRecord:
    args = args or (("world",) if "%s" in message else ())
    made = logging.LogRecord("sharewise.test", logging.WARNING, __file__, 1, message, args, exc_info)
    made.__dict__.update(extra)
    return made


def test_a_json_line_has_the_fields_and_only_the_allowed_extras():
    line = logs.JsonFormatter().format(
        record(request_id="r-1", host="host-a", route="/api/v1/records", status=201, rules=["ISD-19"], answers={"purpose": "x"})
    )
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["timestamp"].endswith("Z") and entry["level"] == "WARNING" and entry["logger"] == "sharewise.test"
    assert entry["message"] == "hello world"
    assert {k: entry[k] for k in ("request_id", "host", "route", "status", "rules")} == {
        "request_id": "r-1",
        "host": "host-a",
        "route": "/api/v1/records",
        "status": 201,
        "rules": ["ISD-19"],
    }
    assert "answers" not in entry, "a field outside the allow-list is never written"


def test_a_multi_line_message_stays_on_one_line():
    assert "\n" not in logs.JsonFormatter().format(record("first\nsecond %s", "third\r\n"))


def test_an_exception_is_logged_as_its_type_and_stack_never_its_message():
    try:
        raise ValueError(f"INSERT failed with parameters {CONTEXT['case_ref']}")
    except ValueError:
        info = sys.exc_info()
    for formatter in (logs.JsonFormatter(), logs.TextFormatter()):
        text = formatter.format(record("unexpected", exc_info=info))
        assert "ValueError" in text and "test_logs.py" in text
        assert CONTEXT["case_ref"] not in text


def test_the_text_format_reads_as_key_value_pairs():
    line = logs.TextFormatter().format(record(request_id="r-2", status=200, rules=["ISD-1", "ISD-19"]))
    assert line.endswith("WARNING sharewise.test hello world request_id=r-2 status=200 rules=ISD-1,ISD-19")


def test_the_format_defaults_to_json_and_text_in_development():
    assert logs.settings({}, development=False) == ("json", logging.INFO)
    assert logs.settings({}, development=True) == ("text", logging.INFO)
    assert logs.settings({"SHAREWISE_LOG_FORMAT": "JSON", "SHAREWISE_LOG_LEVEL": "warning"}, development=True) == (
        "json",
        logging.WARNING,
    )


@pytest.mark.parametrize(("key", "value"), [("log_format", "xml"), ("log_level", "LOUD")])
def test_an_unknown_format_or_level_stops_the_bridge(make_app, key, value):
    with pytest.raises(ConfigurationError, match="SHAREWISE_LOG_"):
        make_app(**{key: value})


def _formatted(caplog: pytest.LogCaptureFixture, logger: str) -> list[dict[str, Any]]:
    return [json.loads(logs.JsonFormatter().format(r)) for r in caplog.records if r.name == logger]


def test_the_request_line_carries_request_id_host_route_and_rule_ids(metered_app, host_a, base_answers, caplog):
    caplog.set_level(logging.INFO)
    client = metered_app.test_client()
    answers = {**base_answers, **ANSWERS, "share_method": "letter"}
    checked = client.post(
        f"/api/v1/forms/{CORE}/check",
        json={"answers": answers, "context": CONTEXT},
        headers={**host_a.auth, "X-Request-Id": "chk-1"},
    )
    created = client.post(
        "/api/v1/records",
        json={"form_id": CORE, "answers": answers, "context": CONTEXT, "acknowledged_warnings": ["ISD-19"]},
        headers={**host_a.auth, "Idempotency-Key": "k-1"},
    )
    refused = client.post(
        "/api/v1/records",
        json={"form_id": CORE, "answers": answers, "context": CONTEXT},
        headers={**host_a.auth, "Idempotency-Key": "k-2"},
    )
    assert (checked.status_code, created.status_code, refused.status_code) == (200, 201, 409)

    lines = _formatted(caplog, "sharewise.http")
    by_id = {line["request_id"]: line for line in lines}
    check_line = by_id["chk-1"]
    assert check_line | {"duration_ms": 0, "timestamp": ""} == {
        "timestamp": "",
        "level": "INFO",
        "logger": "sharewise.http",
        "message": "POST /api/v1/forms/<form_id>/check 200",
        "request_id": "chk-1",
        "host": "host-a",
        "method": "POST",
        "route": "/api/v1/forms/<form_id>/check",
        "status": 200,
        "duration_ms": 0,
        "rules": ["ISD-19"],
    }
    assert by_id[created.headers["X-Request-Id"]]["rules"] == ["ISD-19"]
    assert by_id[refused.headers["X-Request-Id"]]["rules"] == ["ISD-19"]
    assert by_id[created.headers["X-Request-Id"]]["status"] == 201
    assert leaks(json.dumps(lines) + caplog.text, [*PERSONAL, host_a.api_key]) == []


@pytest.mark.parametrize(
    "given",
    [f"{CONTEXT['subject']['name']}", "a b", "x" * 65, "<script>", "id;forged=line", "-leading-dash"],
)
def test_a_request_id_that_is_not_a_plain_id_is_replaced(metered_app, caplog, given):
    caplog.set_level(logging.INFO)
    response = metered_app.test_client().get("/livez", headers={"X-Request-Id": given})
    assert response.headers["X-Request-Id"] != given
    assert len(response.headers["X-Request-Id"]) == 16
    assert given not in caplog.text


def test_a_proxys_request_id_is_kept(metered_app, caplog):
    caplog.set_level(logging.INFO)
    given = "3f2a6c1e9b8d4a7f8e0c1b2a3d4e5f60"
    assert metered_app.test_client().get("/livez", headers={"X-Request-Id": given}).headers["X-Request-Id"] == given
    assert [line["request_id"] for line in _formatted(caplog, "sharewise.http")] == [given]


def test_relay_lines_name_the_record_and_the_webhooks_host_never_its_url(
    store, add_host, receiver: Receiver, make_relay, clock, submit, caplog
):
    caplog.set_level(logging.INFO)
    url_token = "hooktoken-QUOKKA-4471"
    host = add_host("case-system", webhook=f"{receiver.url}?token={url_token}")
    (delivered,) = submit(1, host="case-system")
    make_relay("relay-a").run_once()
    receiver.answer(503, body="busy")
    (failed,) = submit(1, host="case-system")
    make_relay("relay-b").run_once()

    lines = _formatted(caplog, "sharewise.relay")
    assert [(line["record_id"], line["outcome"], line.get("status")) for line in lines] == [
        (delivered.id, "delivered", 204),
        (failed.id, "failed", 503),
    ]
    for line in lines:
        assert line["host"] == "case-system" and line["target"] == "webhook" and line["attempt"] == 1
        assert line["webhook_host"] == "127.0.0.1"
    logged = json.dumps(lines) + caplog.text + "".join(str(vars(r)) for r in caplog.records)
    assert leaks(logged, [url_token, receiver.url, host.webhook_secret, host.api_key]) == []


@pytest.fixture
def submit(engine, store, clock, base_answers):
    """``submit(n, host)``: store ``n`` records for a host (the delivery tests' helper, on this test's clock)."""
    from sharewise.core.submission import Recorder

    recorder = Recorder(engine, store, clock=clock)
    counter = iter(range(1_000_000))

    def run(n: int, host: str) -> list[Any]:
        return [recorder.submit(CORE, base_answers, host=host, idempotency_key=f"k-{next(counter)}").record for _ in range(n)]

    return run


def test_gunicorn_builds_no_access_line_under_the_shipped_config():
    from gunicorn.config import Config

    from sharewise.adapters.bridge import gunicorn_conf

    config = Config()
    config.set("logconfig_dict", gunicorn_conf.logconfig_dict)
    gunicorn_logger = gunicorn_conf.logger_class(config)
    # gunicorn's own logger would read the request and response to build the line's fields (and fail on
    # these stand-ins); the shipped one does nothing at all
    assert gunicorn_logger.access(None, None, {}, None) is None
