"""CSRF on every state-changing page outside the API (docs/security.md, threat T7). The session cookie is
``SameSite=None`` (the form lives in the host's iframe), so a page on any site can make the practitioner's
browser post to the form with that cookie: every such POST must carry the session's CSRF token, and a post
without it (missing, wrong, another session's, in the wrong place) is refused with nothing saved.

The list of routes comes from the app's url_map: a new POST route outside /api/ must be added here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from security_helpers import CORE, EmbedSession, drafts_of, launch_rows

EVIL = {"Origin": "https://evil.example", "Referer": "https://evil.example/page"}
MARKER = "CSRF-MARKER-3391"
#: POST routes outside the API that need no CSRF token, and why.
EXEMPT = {"/demo/webhook": "a server-to-server call authenticated by its Standard Webhooks signature"}
PROTECTED = {"/embed/section/<section_id>", "/embed/check", "/demo/launch"}


def test_every_state_changing_page_is_protected(demo_app):
    posts = {
        rule.rule
        for rule in demo_app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")
    }
    assert posts - set(EXEMPT) == PROTECTED, "a POST route outside the API needs a CSRF test here (or an exemption with a reason)"


def bad_tokens(
    session: EmbedSession, other: EmbedSession, other_host: EmbedSession
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """label → (extra form fields, request options) of a post that does not carry this session's token."""
    token = session.csrf
    return {
        "no token, from another site": ({}, {"headers": EVIL}),
        "an empty token": ({"csrf_token": ""}, {}),
        "a made-up token": ({"csrf_token": "A" * len(token)}, {}),
        "another practitioner's token": ({"csrf_token": other.csrf}, {}),
        "a token of another host's session": ({"csrf_token": other_host.csrf}, {}),
        "the token in the query string only": ({}, {"query_string": {"csrf_token": token}}),
        "the token in a header only": ({}, {"headers": {"X-CSRF-Token": token, "X-CSRFToken": token}}),
        "the token in another case": ({"csrf_token": token.swapcase()}, {}),
        "the token with a space": ({"csrf_token": f"{token} "}, {}),
        "the page token instead": ({"csrf_token": session.page_token}, {}),
    }


@pytest.fixture
def three(embed: Callable[..., EmbedSession], host_a: Any, host_b: Any) -> tuple[EmbedSession, EmbedSession, EmbedSession]:
    """A practitioner of host A, another of host A, and one of host B, each with a form open."""
    return embed(host_a, {"case_ref": "CSRF-1"}), embed(host_a, {"case_ref": "CSRF-2"}), embed(host_b, {"case_ref": "CSRF-3"})


def refused_page(response: Any) -> None:
    assert response.status_code == 400, f"{response.status_code}: {response.get_data(as_text=True)[:200]}"
    assert response.mimetype == "text/html"
    assert "expired" in response.get_data(as_text=True)


def test_a_page_posted_without_its_token_saves_nothing(app, three, base_answers, failures):
    session, other, other_host = three
    fields = session.section_fields("request", {**base_answers, "purpose": MARKER})
    fields.pop("csrf_token")
    before = [(d.id, d.answers) for d in drafts_of(app, "host-a")]
    for label, (extra, options) in bad_tokens(session, other, other_host).items():
        with failures.case(label):
            refused_page(session.client.post("/embed/section/request", data={**fields, **extra}, **options))
            assert [(d.id, d.answers) for d in drafts_of(app, "host-a")] == before, "the draft changed"
    failures.check()

    accepted = session.client.post("/embed/section/request", data={**fields, "csrf_token": session.csrf})
    assert accepted.status_code == 303, "positive control: with its token the page is saved"
    assert any(d.answers.get("purpose") == MARKER for d in drafts_of(app, "host-a"))


def test_a_decision_posted_without_its_token_is_not_recorded(app, three, base_answers, store, failures):
    session, other, other_host = three
    session.fill(base_answers)
    session.get("/embed/check")
    for label, (extra, options) in bad_tokens(session, other, other_host).items():
        with failures.case(label):
            refused_page(session.client.post("/embed/check", data=extra, **options))
            assert store.count() == 0, "a decision was recorded"
    failures.check()
    assert len(drafts_of(app, "host-a")) == 2, "both of host A's drafts are still there"

    assert session.client.post("/embed/check", data={"csrf_token": session.csrf}).status_code == 303, "positive control"
    assert store.count() == 1


def test_reading_pages_changes_nothing(app, embed, host_a, base_answers, store):
    """GET never saves or submits, whatever its query string carries."""
    session = embed(host_a)
    session.fill(base_answers)
    before = [(d.id, d.answers) for d in drafts_of(app, "host-a")]
    query = {"csrf_token": session.csrf, "purpose": MARKER, "rendered": "purpose", "acknowledge": "ISD-1", "action": "continue"}
    for path in ["/embed/section/request", "/embed/check", "/embed/done", "/embed/saved", "/embed/theme.css"]:
        assert session.client.get(path, query_string=query).status_code < 500
    assert [(d.id, d.answers) for d in drafts_of(app, "host-a")] == before
    assert store.count() == 0


def test_a_page_posted_after_the_session_ended_needs_its_signed_page_token(app, embed, host_a, base_answers, failures):
    """Without a session cookie only the page's own signed token saves what was typed (it is bound to one
    launch and draft, and an attacker's page cannot read it)."""
    session = embed(host_a)
    fields = session.section_fields("request", {**base_answers, "purpose": MARKER})
    before = [(d.id, d.answers) for d in drafts_of(app, "host-a")]
    foreign = URLSafeTimedSerializer("y" * 40, salt="sharewise.webform.page").dumps({"launch": "x", "draft": before[0][0]})
    cases = {
        "no page token": {**fields, "page_token": ""},
        "a made-up page token": {**fields, "page_token": "A" * len(session.page_token)},
        "a page token signed with another key": {**fields, "page_token": foreign},
        "the CSRF token instead": {**fields, "page_token": session.csrf},
    }
    for label, data in cases.items():
        with failures.case(label):
            response = app.test_client().post("/embed/section/request", data=data, headers=EVIL)
            assert response.status_code == 401 and response.mimetype == "text/html", response.status_code
            assert [(d.id, d.answers) for d in drafts_of(app, "host-a")] == before, "the draft changed"
    failures.check()

    saved = app.test_client().post("/embed/section/request", data=fields)
    assert saved.status_code == 401 and "saved" in saved.get_data(as_text=True), "positive control: the page token saves"
    assert drafts_of(app, "host-a")[0].answers.get("purpose") == MARKER


def demo_token(secret: str, *, age: int = 0, salt: str = "sharewise.demo.launch") -> str:
    class Aged(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    return URLSafeTimedSerializer(secret, salt=salt, signer=Aged).dumps("launch")


def test_the_demo_launch_needs_its_token(demo_app: Flask, live_server, failures):
    secret = demo_app.secret_key
    cases = {
        "no token": {"form_id": CORE},
        "a made-up token": {"form_id": CORE, "token": "launch.AAAA.BBBB"},
        "signed with another key": {"form_id": CORE, "token": demo_token("z" * 40)},
        "signed for another purpose": {"form_id": CORE, "token": demo_token(secret, salt="sharewise.webform.page")},
        "older than an hour": {"form_id": CORE, "token": demo_token(secret, age=3700)},
    }
    client = demo_app.test_client()
    for label, data in cases.items():
        with failures.case(label):
            response = client.post("/demo/launch", data=data, headers=EVIL)
            assert response.status_code == 400 and response.mimetype == "text/html", response.status_code
            assert launch_rows(demo_app) == [], "a form was launched"
    failures.check()

    base = live_server(demo_app)
    with httpx.Client(base_url=base, timeout=30) as browser:
        token = re.search(r'name="token" value="([^"]+)"', browser.get("/").text)
        assert token
        assert browser.post("/demo/launch", data={"form_id": CORE, "token": token[1]}).status_code == 200, "positive control"
    assert len(launch_rows(demo_app)) == 1


def test_the_demo_webhook_needs_a_valid_signature(demo_app):
    client = demo_app.test_client()
    body = b'{"id": "00000000-0000-4000-8000-000000000001", "form_id": "x", "answers": {"decision": "share"}}'
    for headers in [{}, {"webhook-id": "m", "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,AAAA"}]:
        assert client.post("/demo/webhook", data=body, headers={**headers, **EVIL}).status_code == 400
    assert client.get("/demo/received").get_json() == []
