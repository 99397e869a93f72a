"""Embedding the form in a host (issue 7, item 3): the pages may be framed only by the host's registered
origins (CSP ``frame-ancestors``, never ``*``); the session cookie works when framed (``Secure;
HttpOnly; SameSite=None; Partitioned`` in production, ``SameSite=Lax`` without ``Secure`` in
development over plain http); every POST carries the session's CSRF token; a session belongs to one
host, which cannot reach another host's draft; an expired session never loses the answers on an open
page (its signed page token saves them), while a forged or stale page token saves nothing.
"""

from __future__ import annotations

import time
from typing import Any

from embed_pages import cookie_flags, frame_ancestors, parse, session_cookie
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from webform_helpers import CONTEXT, REQUEST_PAGE, Browser

from sharewise.adapters.webform.form_session import PAGE_TOKEN_SECONDS
from sharewise.core.drafts import Drafts


def drafts_of(browser: Browser, host: Any) -> list[Any]:
    state = browser.state
    return Drafts(state.engine, state.store, clock=state.clock).list(host=host.name)


# ---- framing --------------------------------------------------------------------------------------


def test_every_page_may_be_framed_only_by_the_hosts_origins(browser, host_a, failures):
    browser.launch(host_a)
    browser.fill("request", REQUEST_PAGE)
    paths = [
        "/embed/section/request",
        "/embed/section/subjects",
        "/embed/section/no-such-page",
        "/embed/check",
        "/embed/saved",
        "/embed/done",
    ]
    for path in paths:
        with failures.case(path):
            response = browser.get(path)
            assert response.mimetype == "text/html", response.mimetype
            ancestors = frame_ancestors(response)
            assert sorted(ancestors) == sorted(host_a.origins), f"{path}: frame-ancestors {ancestors}"
            assert "*" not in " ".join(ancestors)
    with failures.case("a page with errors"):
        response = browser.fill("request", {"trigger": None})
        assert response.status_code == 422
        assert sorted(frame_ancestors(response)) == sorted(host_a.origins)
    failures.check()


def test_each_hosts_pages_name_only_its_own_origins(app, host_a, host_b):
    a, b = Browser(app), Browser(app)
    a.launch(host_a)
    b.launch(host_b)

    page_a = a.get("/embed/section/request")
    page_b = b.get("/embed/section/request")

    assert sorted(frame_ancestors(page_a)) == sorted(host_a.origins)
    assert sorted(frame_ancestors(page_b)) == sorted(host_b.origins)
    body_a = page_a.get_data(as_text=True)
    assert all(origin not in body_a for origin in host_b.origins), "host A's page names host B's origin"


def test_without_a_session_only_registered_hosts_may_frame_the_message(app, host_a, host_b):
    """The "session ended" page holds no case data: any registered host may show it (so the practitioner
    reads it inside their case system), and no other page may."""
    response = app.test_client().get("/embed/section/request")

    assert response.status_code == 401
    assert sorted(frame_ancestors(response)) == sorted({*host_a.origins, *host_b.origins})
    assert "Your session has ended" in response.get_data(as_text=True)


# ---- the session cookie ---------------------------------------------------------------------------


def test_in_production_the_session_cookie_works_when_framed_cross_site(browser, host_a):
    flags = cookie_flags(session_cookie(browser.launch(host_a)))

    assert "secure" in flags, flags
    assert "httponly" in flags, flags
    assert flags.get("samesite", "").lower() == "none", flags
    assert "partitioned" in flags, "a partitioned (CHIPS) cookie still works where third-party cookies are blocked"


def test_in_development_the_session_cookie_works_over_plain_http(make_app, host_a):
    browser = Browser(make_app(environment="development"))

    flags = cookie_flags(session_cookie(browser.launch(host_a)))

    assert "secure" not in flags, "browsers drop a Secure cookie over plain http"
    assert "partitioned" not in flags, "browsers accept Partitioned only with Secure"
    assert flags.get("samesite", "").lower() == "lax", flags
    assert "httponly" in flags
    assert browser.get("/embed/section/request").status_code == 200


# ---- CSRF -----------------------------------------------------------------------------------------


def test_a_page_posted_without_or_with_a_wrong_csrf_token_is_refused_and_nothing_is_saved(browser, host_a, failures):
    browser.launch(host_a)
    before = dict(browser.draft().answers)
    page = browser.page("request")
    good = [(name, value) for name, value in page.form_data() if name != "csrf_token"]
    answers = [("trigger", "own_concern"), ("purpose", "Should not be saved")]

    for label, token in [("none", None), ("wrong", "x" * 43), ("empty", ""), ("another session's", None)]:
        with failures.case(label):
            data = [*good, *answers]
            if label == "another session's":
                other = Browser(browser.app)
                other.launch(host_a, {**CONTEXT, "practitioner": {"id": "someone-else"}})
                token = other.page("request").hidden("csrf_token")[0]
            if token is not None:
                data.append(("csrf_token", token))
            response = browser.post("/embed/section/request", data)
            assert response.status_code == 400, f"expected 400, got {response.status_code}"
            assert "This page has expired" in response.get_data(as_text=True)
            assert dict(browser.draft().answers) == before, "nothing is saved without the CSRF token"
    failures.check()


def test_submitting_without_the_csrf_token_records_nothing(browser, host_a, base_answers):
    browser.launch(host_a)
    browser.save_answers(base_answers, host_a)

    response = browser.post("/embed/check", [("acknowledge", "ISD-7")])

    assert response.status_code == 400
    assert browser.state.store.count() == 0, "no record without the CSRF token"


# ---- a session is one host's ----------------------------------------------------------------------


def test_another_hosts_session_cannot_read_or_post_this_draft(app, host_a, host_b):
    a = Browser(app)
    a.launch(host_a)
    a.fill("request", REQUEST_PAGE)
    a_draft = a.draft_id
    saved = dict(a.draft(host_a).answers)
    b = Browser(app)
    b.launch(host_b)
    token = b.page("request").hidden("csrf_token")[0]
    with b.client.session_transaction() as session:  # B's session pointed at A's draft
        session["draft"] = a_draft

    read = b.get("/embed/section/request")
    posted = b.post("/embed/section/request", [("csrf_token", token), ("rendered", "purpose"), ("purpose", "Overwritten by B")])
    checked = b.get("/embed/check")
    submitted = b.post("/embed/check", [("csrf_token", token)])

    for response in (read, posted, checked, submitted):
        assert response.status_code == 410, response.status_code
        text = response.get_data(as_text=True)
        assert "MASH duty team" not in text and "Duty team, children" not in text, "B sees A's answers"
    assert dict(a.draft(host_a).answers) == saved, "B changed A's draft"
    assert app.extensions["sharewise"].store.count() == 0


def test_a_relaunch_by_another_host_for_the_same_case_and_practitioner_starts_a_new_draft(app, host_a, host_b):
    a = Browser(app)
    a.launch(host_a)
    a.fill("request", REQUEST_PAGE)

    b = Browser(app)
    opened = b.launch(host_b)  # the same case_ref and practitioner id, another host

    assert opened.headers["Location"].endswith("/embed/section/request")
    assert b.draft_id != a.draft_id
    page = b.page("request")
    assert page.value("purpose") == "" and page.checked("trigger") == []
    assert "Welcome back" not in page.text


# ---- when the session has ended -------------------------------------------------------------------


def test_an_expired_session_still_saves_the_open_page_with_its_page_token(app, host_a):
    browser = Browser(app)
    browser.launch(host_a)
    page = browser.page("request")
    draft_id = browser.draft_id
    expired = Browser(app)  # the cookie is gone: a browser without it posts the open page

    response = expired.fill("request", REQUEST_PAGE, page=page)

    assert response.status_code == 401, response.status_code
    text = response.get_data(as_text=True)
    assert "Your session has ended" in text and "have been saved" in text
    answers = browser.draft().answers
    assert browser.draft_id == draft_id
    assert answers["purpose"] == REQUEST_PAGE["purpose"], "the answers on the open page were saved"
    assert answers["trigger"] == "request_received"
    assert answers["proposed_recipients"] == ["children_social_care"]
    assert "Set-Cookie" not in response.headers or "sharewise_session=;" in response.headers.get("Set-Cookie", ""), (
        "the page token starts no new session"
    )
    assert expired.get("/embed/section/request").status_code == 401


def test_a_forged_or_stale_page_token_saves_nothing(app, host_a, host_b, failures):
    browser = Browser(app)
    browser.launch(host_a)
    page = browser.page("request")
    before = dict(browser.draft().answers)
    genuine = page.hidden("page_token")[0]
    secret = app.secret_key
    payload = URLSafeTimedSerializer(secret, salt="sharewise.webform.page").loads(genuine)

    other = Browser(app)
    other.launch(host_b)
    other_draft = other.draft_id

    class LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - PAGE_TOKEN_SECONDS - 60

    tokens = {
        "altered": genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB"),
        "another salt": URLSafeTimedSerializer(secret, salt="something-else").dumps(payload),
        "another secret": URLSafeTimedSerializer("y" * 40, salt="sharewise.webform.page").dumps(payload),
        "older than a day": URLSafeTimedSerializer(secret, salt="sharewise.webform.page", signer=LongAgo).dumps(payload),
        "not a token": "hello",
        "empty": "",
    }
    for label, token in tokens.items():
        with failures.case(label):
            data = [(n, v) for n, v in page.form_data() if n != "page_token"] + [("page_token", token)]
            data = [(n, v) for n, v in data if n not in REQUEST_PAGE] + [
                (n, v) for n, vs in REQUEST_PAGE.items() for v in (vs if isinstance(vs, list) else [vs])
            ]
            response = Browser(app).post("/embed/section/request", data)
            assert response.status_code == 401, response.status_code
            assert "have been saved" not in response.get_data(as_text=True)
            assert dict(browser.draft().answers) == before, "a bad page token saved answers"
    with failures.case("this launch's token naming another host's draft"):
        signer = URLSafeTimedSerializer(secret, salt="sharewise.webform.page")
        crossed = signer.dumps({"launch": payload["launch"], "draft": other_draft})
        response = Browser(app).post(
            "/embed/section/request", [("page_token", crossed), ("rendered", "purpose"), ("purpose", "Written across hosts")]
        )
        assert response.status_code == 401
        assert "purpose" not in other.draft().answers, "a token for host A's launch wrote to host B's draft"
    failures.check()


def test_a_page_token_after_the_form_was_submitted_saves_nothing(browser, host_a, base_answers):
    browser.launch(host_a)
    page = browser.page("request")
    browser.save_answers(base_answers, host_a)
    check = parse(browser.get("/embed/check").get_data(as_text=True))
    assert browser.post("/embed/check", check.form_data(None)).status_code == 303

    response = Browser(browser.app).fill("request", {"purpose": "After submission"}, page=page)

    assert response.status_code == 401
    assert "have been saved" not in response.get_data(as_text=True)
    assert drafts_of(browser, host_a) == [], "no draft is brought back to life"
