"""Rotating ``SHAREWISE_SECRET_KEY`` with ``SHAREWISE_SECRET_KEY_FALLBACKS``: a form open when the servers
restart with the new key carries on — its session cookie and the page tokens on its open page were signed
with the old key, which is still accepted — while everything new is signed with the new key only. Without
the old key listed, the form ends as before ("Your session has ended"; the open page's answers are kept only
while its page token still verifies)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import BadSignature, URLSafeTimedSerializer
from webform_helpers import REQUEST_PAGE, Browser

from sharewise.adapters.webform.form_session import PAGE_TOKEN_SECONDS

OLD_KEY = "x" * 40  # the bridge tests' SECRET_KEY: what make_app() signs with
NEW_KEY = "n" * 40
COOKIE = "sharewise_session"
PAGE_SALT = "sharewise.webform.page"


def restarted(browser: Browser, app: Flask) -> Browser:
    """The same browser (its session cookie) on a server restarted as ``app``."""
    cookie = browser.client.get_cookie(COOKIE)
    assert cookie is not None, "the launch set a session cookie"
    client: FlaskClient = app.test_client()
    client.set_cookie(COOKIE, cookie.value)
    return Browser(app, client)


def signed_with(app: Flask, cookie: str, key: str) -> bool:
    """Whether a session cookie verifies with ``key`` alone (as Flask signs it: its serializer's salt and digest)."""
    interface = app.session_interface
    serializer = URLSafeTimedSerializer(
        key,
        salt=interface.salt,  # type: ignore[attr-defined]
        serializer=interface.serializer,  # type: ignore[attr-defined]
        signer_kwargs={"key_derivation": interface.key_derivation, "digest_method": interface.digest_method},  # type: ignore[attr-defined]
    )
    try:
        serializer.loads(cookie)
    except BadSignature:
        return False
    return True


def test_an_open_form_carries_on_after_a_restart_with_the_old_key_as_a_fallback(make_app: Any, host_a: Any) -> None:
    browser = Browser(make_app())
    browser.launch(host_a)
    page = browser.page("request")
    draft_id = browser.draft_id
    rotated = make_app(secret_key=NEW_KEY, secret_key_fallbacks=(OLD_KEY,))

    moved = restarted(browser, rotated)
    response = moved.fill("request", REQUEST_PAGE, page=page)

    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert moved.draft_id == draft_id, "the same session and draft"
    assert moved.draft().answers["purpose"] == REQUEST_PAGE["purpose"]
    assert moved.get("/embed/section/request").status_code == 200
    reissued = moved.client.get_cookie(COOKIE)
    assert reissued is not None and signed_with(rotated, reissued.value, NEW_KEY), (
        "the session cookie is now signed with the new key"
    )
    assert not signed_with(rotated, reissued.value, OLD_KEY)
    token = moved.page("request").hidden("page_token")[0]
    assert URLSafeTimedSerializer(NEW_KEY, salt=PAGE_SALT).loads(token, max_age=PAGE_TOKEN_SECONDS)["draft"] == draft_id
    try:
        URLSafeTimedSerializer(OLD_KEY, salt=PAGE_SALT).loads(token)
    except BadSignature:
        pass
    else:
        raise AssertionError("a new page token is signed with the new key only")


def test_a_page_token_signed_with_the_old_key_still_saves_the_open_page(make_app: Any, host_a: Any) -> None:
    browser = Browser(make_app())
    browser.launch(host_a)
    page = browser.page("request")
    rotated = make_app(secret_key=NEW_KEY, secret_key_fallbacks=(OLD_KEY,))

    response = Browser(rotated).fill("request", REQUEST_PAGE, page=page)  # the cookie is gone; the page token is not

    assert response.status_code == 401
    assert "have been saved" in response.get_data(as_text=True)
    assert browser.draft().answers["purpose"] == REQUEST_PAGE["purpose"]


def test_without_the_old_key_listed_the_open_form_ends_and_saves_nothing(make_app: Any, host_a: Any) -> None:
    browser = Browser(make_app())
    browser.launch(host_a)
    page = browser.page("request")
    rotated = make_app(secret_key=NEW_KEY)

    moved = restarted(browser, rotated)
    response = moved.fill("request", REQUEST_PAGE, page=page)

    assert response.status_code == 401
    text = response.get_data(as_text=True)
    assert "Your session has ended" in text and "have been saved" not in text
    assert "purpose" not in browser.draft().answers
