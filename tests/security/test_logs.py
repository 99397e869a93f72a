"""No personal data and no secrets in the logs (docs/security.md, threat T12): a whole working day through
every part — registering a host, launching, the embedded form page by page (with errors, a refused CSRF
token, save and resume, a post after the session ended, submitting), the API in every format and every
error, XML and hostile XML, amending, the pull feed, the relay delivering (and failing to), rotating the
key — with every log record (caplog, all loggers at DEBUG) and everything printed (capsys) captured.

None of the case's values (names, NHS number, case reference, date of birth, address, free-text answers,
the amendment reason) nor any secret (API keys, webhook secret, launch codes, the session cookie, the CSRF
and page tokens) may appear.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from typing import Any

from cli_runs import run_main
from pytest_httpserver import HTTPServer
from security_helpers import CORE, EmbedSession, path_of

from sharewise.adapters.delivery.relay import Relay

CONTEXT: dict[str, Any] = {
    "case_ref": "CASEREF-LQ-55012",
    "subject": {
        "name": "Evangelina Throckmorton-Adeyemi",
        "nhs_number": "9434765870",
        "date_of_birth": "2018-06-19",
        "address": "14 Larkspur Mews, Quayside",
    },
    "practitioner": {"name": "Dr Leopold Fairweather-Nakamura", "role": "Named nurse", "id": "PRAC-ID-70215"},
}
ANSWERS = {
    "purpose": "Purpose marker TANGERINE-HERON-6604 to protect the child.",
    "decision_reasons": "Reasons marker COBALT-WALRUS-1187 outweigh confidentiality.",
    "shared_with": "Recipient Duty Worker Ottoline Quarrington",
    "decision_maker_name": "Dr Ignatius Pemberton-Okafor",
}
PERSONAL = [
    "CASEREF-LQ-55012",
    "Evangelina",
    "Throckmorton",
    "9434765870",
    "2018-06-19",
    "Larkspur",
    "Leopold",
    "Fairweather",
    "PRAC-ID-70215",
    "TANGERINE-HERON-6604",
    "COBALT-WALRUS-1187",
    "Ottoline",
    "Quarrington",
    "Ignatius",
    "Pemberton",
    "AMENDMENT-MARKER-PUFFIN-2231",
    "XML-MARKER-GANNET-4410",
]


def everything_in(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter()
    texts = []
    for record in records:
        texts += [record.getMessage(), repr(record.args), repr(vars(record))]
        if record.exc_info:
            texts.append(formatter.formatException(record.exc_info))
        if record.stack_info:
            texts.append(record.stack_info)
    return "\n".join(texts)


class Printed:
    """Everything printed (what run_main drops before a command is kept here first)."""

    def __init__(self, capsys: Any) -> None:
        self.capsys, self.text = capsys, ""

    def collect(self) -> None:
        captured = self.capsys.readouterr()
        self.text += captured.out + captured.err

    def command(self, *args: Any) -> Any:
        """Run a command whose output is meant to show a secret once (not a log): kept out of ``text``."""
        self.collect()
        return run_main(self.capsys, *args)


def test_no_personal_data_or_secrets_in_the_logs_of_a_working_day(
    make_app, database_url, store, engine, base_answers, httpserver: HTTPServer, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    printed = Printed(capsys)
    hook = httpserver.url_for("/hook")
    added = printed.command(
        "--database", database_url, "hosts", "add", "host-log", "--origin", "https://log.example", "--webhook", hook, "--json"
    )
    assert added.code == 0, added.err
    credentials = added.json()
    secrets_seen = [credentials["api_key"], credentials["webhook_secret"]]
    auth = {"Authorization": f"Bearer {credentials['api_key']}"}
    app = make_app()
    api = app.test_client()
    answers = {**base_answers, **ANSWERS}

    # the practitioner: launch, pages with an error, a refused token, save and leave, resume, submit
    def launch() -> EmbedSession:
        launched = api.post(
            "/api/v1/launch", json={"form_id": CORE, "context": CONTEXT, "theme": {"brand": "#336699"}}, headers=auth
        )
        assert launched.status_code == 201
        path = path_of(launched.get_json()["url"])
        secrets_seen.append(path.rsplit("/", 1)[1])
        browser = app.test_client()
        session = EmbedSession(app, browser, path, browser.get(path, headers={"X-Request-Id": "Evangelina Throckmorton"}))
        session.get(session.opened.headers["Location"])
        return session

    first = launch()
    fields = first.section_fields("request", answers)
    assert first.post("/embed/section/request", {**fields, "purpose": ""}).status_code == 422
    assert first.post("/embed/section/request", {**fields, "csrf_token": "wrong"}).status_code == 400
    assert first.post("/embed/section/request", {**fields, "action": "save-and-leave"}).status_code == 303
    assert first.get("/embed/saved").status_code == 200
    secrets_seen += [first.csrf, first.page_token, first.cookie]
    assert app.test_client().post("/embed/section/request", data=fields).status_code == 401  # session ended, page token saves
    second = launch()
    second.fill(answers)
    assert second.submit().status_code == 303
    assert second.get("/embed/done").status_code == 200
    secrets_seen += [second.csrf, second.page_token, second.cookie]

    # the host system: the API in every format and every error
    body = {"form_id": CORE, "answers": answers, "context": CONTEXT}
    created = api.post("/api/v1/records", json=body, headers={**auth, "Idempotency-Key": "log-1"})
    assert created.status_code == 201
    record_id = created.get_json()["id"]
    api.post("/api/v1/records", json=body, headers={**auth, "Idempotency-Key": "log-1"})
    api.post(
        "/api/v1/records",
        json={**body, "answers": {**answers, "purpose": "Evangelina again"}},
        headers={**auth, "Idempotency-Key": "log-1"},
    )
    api.post(
        "/api/v1/records", json={**body, "answers": {**answers, "purpose": None}}, headers={**auth, "Idempotency-Key": "log-2"}
    )
    api.post(
        "/api/v1/records",
        json={**body, "answers": {**answers, "share_method": "letter"}},
        headers={**auth, "Idempotency-Key": "log-3"},
    )
    xml = api.get(f"/api/v1/records/{record_id}", headers={**auth, "Accept": "application/xml"}).get_data(as_text=True)
    marked = xml.replace("CASEREF-LQ-55012", "XML-MARKER-GANNET-4410")
    xml_headers = {**auth, "Content-Type": "application/xml"}
    assert api.post("/api/v1/records", data=marked, headers={**xml_headers, "Idempotency-Key": "log-4"}).status_code == 201
    hostile = marked.replace("<record ", '<!DOCTYPE r [<!ENTITY x "XML-MARKER-GANNET-4410">]>\n<record ', 1)
    api.post("/api/v1/records", data=hostile, headers={**xml_headers, "Idempotency-Key": "log-5"})
    api.post(
        "/api/v1/records",
        data=json.dumps(body).replace('"case_ref"', '"n": NaN, "case_ref"'),
        headers={**auth, "Idempotency-Key": "log-6", "Content-Type": "application/json"},
    )
    api.post(f"/api/v1/forms/{CORE}/check", json={"answers": answers, "context": CONTEXT}, headers=auth)
    for accept in ["application/json", "application/xml", "application/fhir+json", "application/fhir+xml", "text/html"]:
        api.get(f"/api/v1/records/{record_id}", headers={**auth, "Accept": accept})
    api.get("/api/v1/records", headers=auth)
    reason = {"answers": answers, "reason": "AMENDMENT-MARKER-PUFFIN-2231 Evangelina"}
    assert (
        api.post(f"/api/v1/records/{record_id}/amendments", json=reason, headers={**auth, "Idempotency-Key": "log-7"}).status_code
        == 201
    )
    api.post(f"/api/v1/records/{record_id}/amendments", json=reason, headers={**auth, "Idempotency-Key": "log-8"})
    wrong = f"sw_{secrets.token_urlsafe(32)}"
    secrets_seen.append(wrong)
    assert api.get("/api/v1/records", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
    api.get("/api/v1/records/CASEREF-LQ-55012", headers=auth)

    # the relay: one delivery refused by the host, then all delivered
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("Evangelina? no", status=500)
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    relay = Relay(store, engine)
    relay.run_once()
    relay.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=1)  # past the retry's backoff
    while relay.run_once():
        pass
    assert any(r.name == "sharewise.relay" and r.levelno == logging.WARNING for r in caplog.records), "the failure was logged"
    assert len(httpserver.log) >= 5, "the relay delivered"

    rotated = printed.command("--database", database_url, "hosts", "rotate-key", "host-log", "--json")
    secrets_seen.append(rotated.json()["api_key"])
    assert api.get("/api/v1/records", headers={"Authorization": f"Bearer {secrets_seen[-1]}"}).status_code == 200
    printed.collect()

    access = [r for r in caplog.records if r.name == "sharewise.http"]
    assert len(access) >= 40, f"the access log has a line per request (else this test proves nothing): {len(access)}"
    logged = everything_in(caplog.records)
    leaks = [text for text in PERSONAL + [s for s in secrets_seen if s] if text in logged]
    assert leaks == [], f"found in the logs: {leaks}"
    shown = [text for text in PERSONAL + [s for s in secrets_seen if s] if text in printed.text]
    assert shown == [], f"printed to stdout/stderr: {shown}"
