"""Launch in context (issue 6 §4, with the embedded form of issue 7): ``POST /api/v1/launch`` gives a URL
with an opaque single-use code; its first use starts a session bound to the host and the case (303 to
the form's first page, ``/embed/section/request``, pre-filled from the context), later uses, expired and
unknown codes are refused (410); the form's pages may be framed only by the host's registered origins;
cookies are HttpOnly, Secure, SameSite=None and Partitioned outside development."""

from __future__ import annotations

import base64
import datetime as dt
import re
import zlib
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx
from embed_pages import Page, frame_ancestors, parse

CORE = "information-sharing-decision"
FIRST_PAGE = "/embed/section/request"
DECISION_PAGE = "/embed/section/decision"  # where the decision maker's name and role are asked
CODE = re.compile(r"^[A-Za-z0-9_-]{32,}$")
NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)

CONTEXT: dict[str, Any] = {
    "case_ref": "CASE-QX-771234",
    "subject": {"name": "Philomena Quattlebaum", "nhs_number": "9434765919", "dob": "2019-04-03", "address": "12 Yew Lane"},
    "practitioner": {"name": "Dr Octavia Brightwater", "role": "Named GP for safeguarding", "id": "prac-5521"},
}
PERSONAL = ["CASE-QX-771234", "Philomena", "Quattlebaum", "9434765919", "2019-04-03", "Yew Lane", "Octavia", "Brightwater"]


def launched(api: Any, host: Any, context: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    response = api.launch(host, CONTEXT if context is None else context, **options)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def path_of(url: str) -> str:
    return urlsplit(url).path


def page_at(client: Any, path: str) -> Page:
    response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return parse(response.get_data(as_text=True))


def set_cookie(response: Any) -> str:
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1, cookies
    return cookies[0]


def cookie_flags(header: str) -> dict[str, str]:
    parts = [part.strip() for part in header.split(";")][1:]
    return {name.lower(): value for name, _, value in (part.partition("=") for part in parts)}


def test_launch_returns_a_url_and_its_expiry(api, host_a, bridge_state):
    bridge_state.clock = lambda: NOW

    response = api.launch(host_a, CONTEXT)

    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"url", "expires_at"}
    assert dt.datetime.fromisoformat(body["expires_at"]) == NOW + bridge_state.settings.launch_ttl
    parts = urlsplit(body["url"])
    assert parts.scheme in ("http", "https") and parts.netloc
    assert parts.path.startswith("/embed/launch/")
    assert CODE.match(parts.path.rsplit("/", 1)[1])
    assert parts.query == "" and parts.fragment == ""


def test_the_url_holds_no_personal_data(api, host_a):
    urls = [launched(api, host_a)["url"] for _ in range(3)]

    assert len(set(urls)) == 3, "every launch gets its own code"
    for url in urls:
        for text in [url, unquote(url), unquote(unquote(url))]:
            for value in PERSONAL + [quote(v) for v in PERSONAL] + ["prac-5521", host_a.name]:
                assert value not in text, f"{value!r} appears in the launch URL {url}"


def test_the_launch_url_uses_the_public_url(make_app, host_a):
    app = make_app(public_url="https://sharewise.example.org")

    body = app.test_client().post("/api/v1/launch", json={"form_id": CORE, "context": CONTEXT}, headers=host_a.auth).get_json()

    assert body["url"].startswith("https://sharewise.example.org/embed/launch/")


def test_the_first_use_redeems_and_starts_a_session_with_safe_cookie_flags(api, host_a):
    url = launched(api, host_a)["url"]

    response = api.client.get(path_of(url))

    assert response.status_code == 303, response.get_data(as_text=True)
    assert urlsplit(response.headers["Location"]).path == FIRST_PAGE
    assert set_cookie(response).startswith("sharewise_session=")
    flags = cookie_flags(set_cookie(response))
    assert "httponly" in flags
    assert "secure" in flags, "outside development the session cookie is Secure"
    assert flags.get("samesite", "").lower() == "none", "the form is embedded cross-site"
    assert "partitioned" in flags, "a partitioned cookie still works where third-party cookies are blocked"
    page = api.client.get(FIRST_PAGE)
    assert page.status_code == 200
    assert page.mimetype == "text/html"


def test_the_form_page_is_prefilled_from_the_context(api, host_a):
    context = {
        **CONTEXT,
        "practitioner": {
            "name": "Dr Siân O'Brien",
            "role": "GP partner & safeguarding lead",
            "agency_type": "health_gp",
            "public_authority": True,
        },
    }
    api.client.get(path_of(launched(api, host_a, context)["url"]))

    first = page_at(api.client, FIRST_PAGE)
    decision = page_at(api.client, DECISION_PAGE)

    assert first.checked("sharer_agency_type") == ["health_gp"], "the sharer's agency is pre-filled"
    assert first.checked("sharer_is_public_authority") == ["yes"]
    assert decision.value("decision_maker_name") == "Dr Siân O'Brien"
    assert decision.value("decision_maker_role") == "GP partner & safeguarding lead"


def test_context_values_are_escaped_on_the_page(api, host_a):
    hostile = {
        "case_ref": "<img src=x onerror=alert(1)>",
        "practitioner": {"name": "<script>alert('x')</script>", "role": "\"'><b>"},
    }
    api.client.get(path_of(launched(api, host_a, hostile)["url"]))

    pages = [api.client.get(path).get_data(as_text=True) for path in (FIRST_PAGE, DECISION_PAGE, "/embed/saved")]

    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<b>" not in page
    assert parse(pages[1]).value("decision_maker_name") == "<script>alert('x')</script>"
    assert "case <img src=x onerror=alert(1)>" in parse(pages[2]).text, "the case reference is shown as text"


def test_a_code_works_once(api, host_a):
    path = path_of(launched(api, host_a)["url"])

    first = api.client.get(path)
    second = api.client.get(path)
    from_elsewhere = api.client.application.test_client().get(path)

    assert first.status_code == 303
    assert second.status_code == 410, second.get_data(as_text=True)
    assert from_elsewhere.status_code == 410
    assert "Set-Cookie" not in from_elsewhere.headers


def test_an_expired_code_is_410_and_a_fresh_one_works(api, host_a, bridge_state):
    bridge_state.clock = lambda: NOW
    path = path_of(launched(api, host_a)["url"])
    ttl = bridge_state.settings.launch_ttl

    bridge_state.clock = lambda: NOW + ttl + dt.timedelta(seconds=1)
    response = api.client.get(path)

    assert response.status_code == 410, response.get_data(as_text=True)
    assert "expired" in response.get_data(as_text=True)
    assert api.client.get(FIRST_PAGE).status_code == 401, "an expired code starts no session"

    bridge_state.clock = lambda: NOW
    path = path_of(launched(api, host_a)["url"])
    bridge_state.clock = lambda: NOW + ttl - dt.timedelta(seconds=1)
    assert api.client.get(path).status_code == 303, "a code works until it expires"


def test_the_launch_ttl_is_configurable(make_app, host_a):
    app = make_app(launch_ttl=dt.timedelta(seconds=45))
    state = app.extensions["sharewise"]
    state.clock = lambda: NOW
    client = app.test_client()
    body = client.post("/api/v1/launch", json={"form_id": CORE}, headers=host_a.auth).get_json()

    state.clock = lambda: NOW + dt.timedelta(seconds=46)

    assert dt.datetime.fromisoformat(body["expires_at"]) == NOW + dt.timedelta(seconds=45)
    assert client.get(path_of(body["url"])).status_code == 410


def test_without_a_valid_code_there_is_no_session(api, host_a, host_b, failures):
    registered = sorted({*host_a.origins, *host_b.origins})  # a message page holds no case data
    for code in ["A" * 43, "short", "x" * 500, "%00", "%FF%FE"]:
        with failures.case(code[:20]):
            response = api.client.get(f"/embed/launch/{code}")
            assert response.status_code == 410, f"expected 410, got {response.status_code}"
            assert "Set-Cookie" not in response.headers
            assert sorted(frame_ancestors(response)) == registered
    with failures.case("the form without a session"):
        response = api.client.get(FIRST_PAGE)
        assert response.status_code == 401
        assert response.mimetype == "text/html"
        assert "Your session has ended" in response.get_data(as_text=True)
        assert sorted(frame_ancestors(response)) == registered, "only registered hosts may frame a page without a session"
    failures.check()


def test_the_form_may_be_framed_only_by_the_hosts_origins(api, host_a, host_b, app):
    api.client.get(path_of(launched(api, host_a)["url"]))
    page_a = api.client.get(FIRST_PAGE)
    other = app.test_client()
    other.get(path_of(launched(api, host_b)["url"]))
    page_b = other.get(FIRST_PAGE)

    assert sorted(frame_ancestors(page_a)) == sorted(host_a.origins)
    assert sorted(frame_ancestors(page_b)) == sorted(host_b.origins)


def test_in_development_the_cookie_works_over_plain_http(make_app, host_a):
    app = make_app(environment="development")
    client = app.test_client()
    body = client.post("/api/v1/launch", json={"form_id": CORE, "context": CONTEXT}, headers=host_a.auth).get_json()

    flags = cookie_flags(set_cookie(client.get(path_of(body["url"]))))

    assert "httponly" in flags
    assert "secure" not in flags
    assert "partitioned" not in flags, "browsers accept Partitioned only with Secure"
    assert flags.get("samesite", "").lower() == "lax", "over plain http in development"
    assert client.get(FIRST_PAGE).status_code == 200


def test_the_session_cookie_holds_no_personal_data(api, host_a):
    response = api.client.get(path_of(launched(api, host_a)["url"]))
    value = set_cookie(response).split(";", 1)[0].split("=", 1)[1]

    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if value.startswith("."):
        raw = zlib.decompress(raw)
    readable = raw.decode("utf-8", "replace") + value
    for text in PERSONAL:
        assert text not in readable, f"{text!r} can be read from the session cookie (signed, not encrypted)"


def test_bad_launch_requests(api, check_error, host_a, failures):
    with failures.case("unknown form"):
        check_error(api.launch(host_a, CONTEXT, form_id="no-such-form"), 404)
    for label, body in {
        "no form": {"context": CONTEXT},
        "array": [],
        "context a list": {"form_id": CORE, "context": []},
        "practitioner a string": {"form_id": CORE, "context": {"practitioner": "Dr X"}},
        "unknown field": {"form_id": CORE, "colour": "red"},
    }.items():
        with failures.case(label):
            check_error(api.client.post("/api/v1/launch", json=body, headers=host_a.auth), 422)
    failures.check()


def test_launching_is_rate_limited(make_app, check_error, host_a, host_b):
    client = make_app(rate_limit_per_minute=3).test_client()

    def launch(host: Any) -> Any:
        return client.post("/api/v1/launch", json={"form_id": CORE}, headers=host.auth)

    allowed = [launch(host_a).status_code for _ in range(3)]
    refused = launch(host_a)

    assert allowed == [201, 201, 201]
    check_error(refused, 429)
    retry_after = refused.headers.get("Retry-After", "")
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 61, retry_after
    assert launch(host_b).status_code == 201, "each host has its own limit"


def test_launch_and_redeem_over_real_http(app, live_server, host_a):
    base = live_server(app)
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as http:
        body = http.post("/api/v1/launch", json={"form_id": CORE, "context": CONTEXT}, headers=host_a.auth).json()
        path = path_of(body["url"])
        first = http.get(path)
        cookie = first.headers["set-cookie"].split(";", 1)[0]
        page = http.get(FIRST_PAGE, headers={"Cookie": cookie})
        decision = http.get(DECISION_PAGE, headers={"Cookie": cookie})
        second = http.get(path)

    assert first.status_code == 303
    assert urlsplit(first.headers["location"]).path == FIRST_PAGE
    assert page.status_code == 200
    assert parse(decision.text).value("decision_maker_name") == "Dr Octavia Brightwater"
    assert sorted(frame_ancestors(page)) == sorted(host_a.origins)
    assert second.status_code == 410
