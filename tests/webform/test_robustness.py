"""No 500 anywhere in the embedded form (issue 7): junk form bodies, NUL bytes and broken characters,
huge values, repeated fields, ids the page never rendered, odd section ids and query strings, bad page
tokens — each answered with a page the practitioner can act on (4xx, or the page again), never an
internal error; and the draft stays usable afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from webform_helpers import Browser

from sharewise.core.drafts import Drafts

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def open_form(browser: Browser, host_a: Any) -> Browser:
    browser.launch(host_a)
    browser.page("request")
    return browser


def csrf(browser: Browser) -> str:
    with browser.client.session_transaction() as session:
        return session["csrf"]


def check_no_500(failures: Any, label: str, call: Callable[[], Any]) -> None:
    with failures.case(label):
        response = call()
        text = response.get_data(as_text=True)
        assert response.status_code < 500, f"{response.status_code}: {text[:300]}"
        assert "Traceback" not in text


def section_posts(browser: Browser) -> dict[str, Any]:
    """Form bodies for POST /embed/section/<id>, each with the session's CSRF token."""
    token = csrf(browser)
    request_rendered = [
        ("rendered", q) for q in ["trigger", "requesting_agency", "processing_regime", "proposed_recipients", "purpose"]
    ]
    consent_rendered = [("rendered", q) for q in ["consent_sought", "consent_date", "consent_outcome"]]
    decision_rendered = [("rendered", q) for q in ["decided_at", "decision", "decision_reasons"]]
    return {
        "NUL in every field": [
            ("csrf_token", token),
            *request_rendered,
            ("trigger", "\x00"),
            ("requesting_agency", "Police\x00"),
            ("processing_regime", "general\x00"),
            ("proposed_recipients", "\x00"),
            ("purpose", "\x00\x00"),
        ],
        "control characters in text": [("csrf_token", token), *request_rendered, ("purpose", "a\x01b\x1b[31mc\x7f")],
        "NUL in date parts": [
            ("csrf_token", token),
            *consent_rendered,
            ("consent_sought", "yes"),
            ("consent_date-day", "\x00"),
            ("consent_date-month", "1\x00"),
            ("consent_date-year", "2026"),
        ],
        "a 40-digit year": [
            ("csrf_token", token),
            *consent_rendered,
            ("consent_sought", "yes"),
            ("consent_date-day", "1"),
            ("consent_date-month", "1"),
            ("consent_date-year", "9" * 40),
        ],
        "a 30-digit hour": [
            ("csrf_token", token),
            *decision_rendered,
            ("decided_at-day", "1"),
            ("decided_at-month", "1"),
            ("decided_at-year", "2026"),
            ("decided_at-hour", "9" * 30),
            ("decided_at-minute", "00"),
        ],
        "year 10000": [
            ("csrf_token", token),
            *decision_rendered,
            ("decided_at-day", "1"),
            ("decided_at-month", "1"),
            ("decided_at-year", "10000"),
            ("decided_at-hour", "0"),
            ("decided_at-minute", "0"),
        ],
        "the last minute of year 9999": [
            ("csrf_token", token),
            *decision_rendered,
            ("decided_at-day", "31"),
            ("decided_at-month", "12"),
            ("decided_at-year", "9999"),
            ("decided_at-hour", "23"),
            ("decided_at-minute", "59"),
        ],
        "the first minute of year 1000": [
            ("csrf_token", token),
            *decision_rendered,
            ("decided_at-day", "1"),
            ("decided_at-month", "1"),
            ("decided_at-year", "1000"),
            ("decided_at-hour", "0"),
            ("decided_at-minute", "0"),
        ],
        "huge text": [("csrf_token", token), *request_rendered, ("purpose", "x" * 900_000)],
        "huge option": [("csrf_token", token), *request_rendered, ("trigger", "x" * 500_000)],
        "repeated fields": [
            ("csrf_token", token),
            ("csrf_token", "wrong"),
            *request_rendered,
            *request_rendered,
            ("trigger", "own_concern"),
            ("trigger", "request_received"),
            ("proposed_recipients", "police"),
            ("proposed_recipients", "police"),
            ("proposed_recipients", "nonsense"),
            ("action", "continue"),
            ("action", "save-and-leave"),
        ],
        "rendered 5,000 times": [("csrf_token", token), *[("rendered", "purpose")] * 5000, ("purpose", "ok")],
        "unknown and foreign rendered ids": [
            ("csrf_token", token),
            ("rendered", "no_such_question"),
            ("rendered", "decision"),
            ("rendered", ""),
            ("rendered", "\x00"),
            ("decision", "share"),
            ("no_such_question", "1"),
        ],
        "nothing rendered": [("csrf_token", token), ("trigger", "own_concern")],
        "only the token": [("csrf_token", token)],
        "unknown action": [("csrf_token", token), *request_rendered, ("action", "\x00delete-everything")],
        "integer junk": [
            ("csrf_token", token),
            ("rendered", "child_age"),
            ("rendered", "subject_roles"),
            ("subject_roles", "child"),
            ("child_age", "9" * 500),
        ],
    }


def test_junk_posted_to_a_page_never_gives_a_500(open_form, failures, host_a):
    for label, data in section_posts(open_form).items():
        section = {"NUL in date parts": "consent", "a 40-digit year": "consent"}.get(label, "request")
        if label.startswith(("a 30-digit", "year 10000", "the last", "the first")):
            section = "decision"
        if label == "integer junk":
            section = "subjects"
        check_no_500(failures, label, lambda data=data, section=section: open_form.post(f"/embed/section/{section}", data))
    failures.check()


def test_the_draft_is_still_usable_after_junk(open_form, host_a):
    for data in section_posts(open_form).values():
        open_form.post("/embed/section/request", data)

    assert open_form.get("/embed/section/request").status_code == 200
    draft = open_form.draft(host_a)
    state = open_form.state
    assert state.engine.shape_findings(draft.form_id, dict(draft.answers)) == [], "the draft holds only well-formed answers"
    assert Drafts(state.engine, state.store, clock=state.clock).get(draft.id, host=host_a.name).id == draft.id


def test_raw_bodies_never_give_a_500(open_form, failures):
    token = csrf(open_form).encode()
    client = open_form.client
    bodies: dict[str, tuple[bytes, str]] = {
        "binary junk": (b"\x00\xff\xfe&&&==&a=%ZZ&csrf_token=" + token, FORM),
        "invalid UTF-8": (b"csrf_token=" + token + b"&rendered=purpose&purpose=%FF%FE%FD", FORM),
        "an encoded surrogate": (b"csrf_token=" + token + b"&rendered=purpose&purpose=%ED%A0%80", FORM),
        "JSON": (b'{"csrf_token": "' + token + b'", "purpose": "x"}', "application/json"),
        "XML": (b"<a>&x;</a>", "application/xml"),
        "no content type": (b"csrf_token=" + token, ""),
        "broken multipart": (
            b'--x\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nhi',
            "multipart/form-data; boundary=x",
        ),
        "a field with no name": (b"=1&=2&csrf_token=" + token, FORM),
    }
    for label, (body, content_type) in bodies.items():
        check_no_500(
            failures,
            label,
            lambda body=body, content_type=content_type: client.post(
                "/embed/section/request", data=body, content_type=content_type
            ),
        )
    check_no_500(
        failures,
        "a file upload",
        lambda: client.post(
            "/embed/section/request",
            data={
                "csrf_token": token.decode(),
                "rendered": "purpose",
                "purpose": (__import__("io").BytesIO(b"x" * 100), "a.txt"),
            },
            content_type="multipart/form-data",
        ),
    )
    with failures.case("a body over the limit"):
        response = client.post("/embed/section/request", data=b"purpose=" + b"x" * (2 * 1024 * 1024), content_type=FORM)
        assert response.status_code == 413, response.status_code
    failures.check()


def test_odd_section_ids_and_queries_never_give_a_500(open_form, failures):
    client = open_form.client
    token = csrf(open_form)
    for section in ["%00", "..", "request%2F..%2Fcheck", "x" * 5000, "%C3%A9", "%FF", "request?change=1", " "]:
        check_no_500(failures, f"GET {section[:20]}", lambda section=section: client.get(f"/embed/section/{section}"))
        check_no_500(
            failures,
            f"POST {section[:20]}",
            lambda section=section: client.post(f"/embed/section/{section}", data={"csrf_token": token}),
        )
    for query in ["?change=%00", "?change=" + "1" * 10_000, "?change=1&change=2", "?%FF=%FF"]:
        check_no_500(
            failures,
            f"query {query[:20]}",
            lambda query=query: client.post(
                f"/embed/section/risk{query}", data={"csrf_token": token, "rendered": "urgency", "urgency": "routine"}
            ),
        )
    failures.check()


def test_junk_submitted_from_check_your_answers_never_gives_a_500(open_form, failures, base_answers, host_a):
    open_form.save_answers({**base_answers, "checks_confirmed": ["necessary"]}, host_a)
    token = csrf(open_form)
    cases = {
        "no acknowledgements": [("csrf_token", token)],
        "NUL": [("csrf_token", token), ("acknowledge", "\x00")],
        "huge": [("csrf_token", token), ("acknowledge", "ISD-" + "7" * 100_000)],
        "repeated 2,000 times": [("csrf_token", token), *[("acknowledge", "ISD-7")] * 2000, ("acknowledge", "x")],
        "empty": [("csrf_token", token), ("acknowledge", "")],
    }
    for label, data in cases.items():
        check_no_500(failures, label, lambda data=data: open_form.post("/embed/check", data))
    check_no_500(failures, "GET check", lambda: open_form.get("/embed/check"))
    failures.check()


def test_without_a_session_bad_page_tokens_never_give_a_500(app, failures):
    client = app.test_client()
    for label, data in {
        "a list of tokens": [("page_token", "a"), ("page_token", "b"), ("rendered", "purpose"), ("purpose", "x")],
        "NUL": [("page_token", "\x00")],
        "huge": [("page_token", "x" * 500_000)],
        "dots": [("page_token", "....")],
        "no token": [("purpose", "x")],
    }.items():
        check_no_500(failures, label, lambda data=data: Browser(app, client).post("/embed/section/request", data))
    for path in ["/embed/check", "/embed/done", "/embed/saved", "/embed/theme.css", "/embed/section/x"]:
        check_no_500(failures, f"GET {path}", lambda path=path: client.get(path))
    check_no_500(failures, "a forged cookie", lambda: _with_cookie(client, "sharewise_session", "e30.junk.junk"))
    failures.check()


def _with_cookie(client: Any, name: str, value: str) -> Any:
    client.set_cookie(name, value)
    return client.get("/embed/section/request")
