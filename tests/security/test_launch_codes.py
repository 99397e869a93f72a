"""Launch codes (docs/security.md, threat T6): single use, expiring after the configured minutes (time
travelled through the Bridge's ``clock``), never redeemable twice even at the same instant, stored only as
a hash, and never written to a log, a cookie, a page or a redirect."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import threading
import zlib
from typing import Any

import httpx
from security_helpers import CORE, launch_rows, path_of, text_of

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
CONTEXT = {"case_ref": "CODE-CASE-1", "practitioner": {"id": "prac-1", "name": "Dr Code"}}


def launch(client: Any, host: Any) -> str:
    response = client.post("/api/v1/launch", json={"form_id": CORE, "context": CONTEXT}, headers=host.auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    return path_of(response.get_json()["url"])


def refused(response: Any) -> bool:
    return response.status_code == 410 and response.mimetype == "text/html"


def test_a_code_opens_the_form_once(app, host_a):
    path = launch(app.test_client(), host_a)
    first_browser, second_browser = app.test_client(), app.test_client()

    first = first_browser.get(path)
    again = first_browser.get(path)
    elsewhere = second_browser.get(path)

    assert first.status_code == 303
    assert refused(again), again.status_code
    assert refused(elsewhere), elsewhere.status_code
    assert second_browser.get("/embed/section/request").status_code == 401, "a refused code starts no session"
    assert first_browser.get("/embed/section/request").status_code == 200, "the first session carries on"


def test_a_code_expires_after_its_time_to_live(app, host_a, bridge_state):
    ttl = bridge_state.settings.launch_ttl
    bridge_state.clock = lambda: NOW
    client = app.test_client()
    just_in_time, on_the_dot, long_after = launch(client, host_a), launch(client, host_a), launch(client, host_a)

    bridge_state.clock = lambda: NOW + ttl - dt.timedelta(seconds=1)
    assert client.get(just_in_time).status_code == 303
    bridge_state.clock = lambda: NOW + ttl
    assert refused(app.test_client().get(on_the_dot))
    bridge_state.clock = lambda: NOW + dt.timedelta(days=2)
    assert refused(app.test_client().get(long_after))
    assert ttl <= dt.timedelta(minutes=60), "codes live minutes, not hours"


def test_a_shorter_configured_lifetime_is_honoured(make_app, host_a):
    app = make_app(launch_ttl=dt.timedelta(seconds=30))
    state = app.extensions["sharewise"]
    state.clock = lambda: NOW
    path = launch(app.test_client(), host_a)

    state.clock = lambda: NOW + dt.timedelta(seconds=31)

    assert refused(app.test_client().get(path))


def test_unknown_and_malformed_codes_are_refused_without_an_error(app, host_a, failures):
    real = launch(app.test_client(), host_a).rsplit("/", 1)[1]
    codes = {
        "unknown": "A" * 43,
        "one character changed": real[:-1] + ("A" if real[-1] != "A" else "B"),
        "a prefix": real[:20],
        "empty-looking": "%20",
        "very long": "x" * 5000,
        "NUL": "abc%00def",
        "non-ASCII": "%C3%A9t%C3%A9",
        "invalid UTF-8": "%FF%FE",
        "the code's stored hash": launch_rows(app)[0]["code_hash"],
    }
    for label, code in codes.items():
        with failures.case(label):
            response = app.test_client().get(f"/embed/launch/{code}")
            assert refused(response), f"{response.status_code}: {response.get_data(as_text=True)[:200]}"
    failures.check()
    assert app.test_client().get(f"/embed/launch/{real}").status_code == 303, "guessing left the real code alone"


def test_two_browsers_racing_with_one_code_get_one_session(make_app, host_a, live_server):
    app = make_app()
    base = live_server(app)
    path = launch(app.test_client(), host_a)
    statuses: list[int] = []
    start = threading.Barrier(8)

    def redeem() -> None:
        with httpx.Client(base_url=base, timeout=30) as browser:
            start.wait()
            statuses.append(browser.get(path, follow_redirects=False).status_code)

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(statuses) == [303] + [410] * 7, statuses


def test_codes_are_stored_only_as_hashes(app, host_a, database_url):
    paths = [launch(app.test_client(), host_a) for _ in range(3)]
    codes = [path.rsplit("/", 1)[1] for path in paths]

    stored = repr(launch_rows(app))

    assert len(launch_rows(app)) == 3
    assert not [code for code in codes if code in stored], "a launch code is stored as it was issued"
    if database_url.startswith("sqlite:///"):
        raw = open(database_url.removeprefix("sqlite:///"), "rb").read()  # noqa: SIM115 - read once
        assert not [code for code in codes if code.encode() in raw]


def decoded_cookie(value: str) -> str:
    """A Flask session cookie's payload (signed, not encrypted: anyone holding it can read it)."""
    payload = value.split(".")[1] if value.startswith(".") else value.split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(data) if value.startswith(".") else data).decode("utf-8", "replace")


def test_the_code_never_leaves_its_url(app, host_a, embed, caplog, capsys, base_answers):
    """Not in a log line, the session cookie, a redirect, a page or a header of what follows."""
    caplog.set_level(logging.DEBUG)
    session = embed(host_a, CONTEXT)
    session.fill(base_answers)
    session.submit()
    reused = app.test_client().get(session.launch_path)
    expired_path = launch(app.test_client(), host_a)
    app.extensions["sharewise"].clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    expired = app.test_client().get(expired_path)
    codes = [session.code, expired_path.rsplit("/", 1)[1]]

    assert session.opened.status_code == 303 and refused(reused) and refused(expired)
    logged = "\n".join(f"{r.getMessage()} {vars(r)!r}" for r in caplog.records)
    printed = capsys.readouterr()
    assert len(caplog.records) >= 10, "the flow was logged (else this test proves nothing)"
    for code in codes:
        assert code not in logged, "a launch code was logged"
        assert code not in printed.out + printed.err, "a launch code was printed"
    assert session.code not in decoded_cookie(session.cookie), "the session cookie holds the code"
    assert session.code not in session.opened.headers["Location"]
    for page in [*session.pages, reused, expired]:
        assert session.code not in text_of(page), f"the code is in a later response: {page.request.path}"
