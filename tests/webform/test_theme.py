"""The host's theme (issue 7, item 3): a launch may carry a ``theme`` object (brand, text, background,
focus and link colours, font, radius), checked by the launch API — anything else is a 422 in the
bridge's one error shape naming ``theme.<key>`` — and served to the session as CSS custom properties at
``/embed/theme.css``. The theme is display only: never in the draft's or the record's context.
"""

from __future__ import annotations

from typing import Any

import pytest
from webform_helpers import CONTEXT, CORE, Browser

from sharewise.adapters.webform.presentation import THEME_PROPERTIES, theme_css, theme_problems

THEME = {
    "brand": "#005eb8",
    "text": "#0b0c0c",
    "background": "#fff",
    "focus": "#FFDD00",
    "link": "#1d70b8",
    "font": 'Arial, "Helvetica Neue", sans-serif',
    "radius": "4px",
}


def launch_with(api: Any, host: Any, theme: Any) -> Any:
    return api.client.post("/api/v1/launch", json={"form_id": CORE, "context": CONTEXT, "theme": theme}, headers=host.auth)


def test_the_theme_is_served_as_css_custom_properties(browser, host_a):
    browser.launch(host_a, theme=THEME)

    response = browser.get("/embed/theme.css")

    assert response.status_code == 200
    assert response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    for name, value in THEME.items():
        assert f"{THEME_PROPERTIES[name]}: {value};" in css, f"{name} missing from {css!r}"
    assert 'href="/embed/theme.css"' in browser.get("/embed/section/request").get_data(as_text=True), "every page links it"


def test_without_a_theme_the_css_sets_nothing(browser, host_a, app):
    browser.launch(host_a)

    assert "--sw-" not in browser.get("/embed/theme.css").get_data(as_text=True)
    assert "--sw-" not in app.test_client().get("/embed/theme.css").get_data(as_text=True), "nor without a session"


def test_each_session_has_its_own_hosts_theme(app, host_a, host_b):
    a, b = Browser(app), Browser(app)
    a.launch(host_a, theme={"brand": "#111111"})
    b.launch(host_b, theme={"brand": "#222222"})

    assert "#111111" in a.get("/embed/theme.css").get_data(as_text=True)
    assert "#222222" in b.get("/embed/theme.css").get_data(as_text=True)
    assert "#111111" not in b.get("/embed/theme.css").get_data(as_text=True)


@pytest.mark.parametrize(
    ("theme", "named"),
    [
        ({"brand": "red; background:url(x)"}, "theme.brand"),
        ({"brand": "red"}, "theme.brand"),
        ({"text": "#12345"}, "theme.text"),
        ({"background": "url(https://evil.example/x.png)"}, "theme.background"),
        ({"link": "#1d70b8;}"}, "theme.link"),
        ({"focus": "#fff\n"}, "theme.focus"),
        ({"font": "Arial; } body { display:none"}, "theme.font"),
        ({"font": "x" * 121}, "theme.font"),
        ({"font": ""}, "theme.font"),
        ({"radius": "4"}, "theme.radius"),
        ({"radius": "100px"}, "theme.radius"),
        ({"radius": "4em"}, "theme.radius"),
        ({"radius": 4}, "theme.radius"),
        ({"brand": None}, "theme.brand"),
        ({"colour": "#fff"}, "theme.colour"),
        ({"brand": "#fff", "--sw-colour-brand": "#000"}, "theme.--sw-colour-brand"),
    ],
    ids=lambda value: repr(value)[:30],
)
def test_a_bad_theme_value_is_422_naming_it(api, check_error, host_a, theme, named):
    body = check_error(launch_with(api, host_a, theme), 422)

    assert named in str(body.get("errors")), f"the error should name {named}: {body}"


@pytest.mark.parametrize("theme", ["#fff", ["#fff"], 7, True])
def test_a_theme_that_is_not_an_object_is_422(api, check_error, host_a, theme):
    body = check_error(launch_with(api, host_a, theme), 422)

    assert "theme" in str(body.get("errors")), body


def test_a_refused_theme_issues_no_launch(api, host_a, browser):
    launch_with(api, host_a, {"brand": "red; background:url(x)"})

    assert browser.state.store.count() == 0
    assert api.client.get("/embed/theme.css").status_code == 200


def test_the_theme_is_never_in_the_draft_or_the_record(browser, host_a, base_answers):
    browser.launch(host_a, theme=THEME)

    assert "theme" not in browser.draft().context
    browser.save_answers(base_answers, host_a)
    browser.get("/embed/check")
    token = browser.last.hidden("csrf_token")[0]
    assert browser.post("/embed/check", [("csrf_token", token)]).status_code == 303
    record = browser.state.store.get(_only_record(browser), host=host_a.name)
    assert "theme" not in record.context, record.context
    assert dict(record.context) == CONTEXT
    assert "#005eb8" not in repr(record), "no trace of the theme in the record"


def test_theme_problems_and_theme_css_agree():
    assert theme_problems(THEME) == []
    assert theme_problems({}) == []
    assert theme_problems("x") == ["theme must be an object of display settings"]
    css = theme_css({**THEME, "brand": "red; x", "unknown": "#fff", "radius": 4})
    assert "red" not in css and "unknown" not in css and "--sw-border-radius" not in css, (
        "the CSS keeps only what the checks allow, even if a bad value got through"
    )
    assert css.startswith(":root {") and css.rstrip().endswith("}")


def _only_record(browser: Browser) -> str:
    from sqlalchemy import select

    from sharewise.core.store.schema import records

    with browser.state.store.reading() as connection:
        [record_id] = [row.id for row in connection.execute(select(records.c.id))]
    return record_id
