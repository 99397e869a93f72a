"""Errors in a real browser (issue 7, GOV.UK error pattern): a page submitted empty, and a date that does not
exist, each come back with the error summary "There is a problem" holding focus, "Error: " before the page
title, a link per problem that moves focus to its field, inline messages that say the same; then the
practitioner fixes the answers and carries on."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from forms_md_tables import CORE_FORM
from playwright.sync_api import expect

from sharewise.adapters.webform.presentation import anchor

pytestmark = pytest.mark.browser


def check_error_page(demo: Any) -> list[tuple[str, str]]:
    """The page shows the GOV.UK error pattern; return its summary links (href, text)."""
    frame = demo.frame
    summary = frame.locator(".govuk-error-summary")
    expect(summary.locator("h2"), "the error summary's heading").to_have_text("There is a problem")
    assert frame.evaluate("document.activeElement === document.querySelector('.govuk-error-summary')"), (
        "the error summary does not have focus, so a screen reader user is not told about the problem; "
        f"focus is on {frame.evaluate('document.activeElement.outerHTML.slice(0, 120)')}"
    )
    assert frame.title().startswith("Error: "), f"the page title does not start with 'Error: ': {frame.title()!r}"
    links = demo.error_summary()
    assert links, "the error summary lists no problem"
    controls = {anchor(q): q for q in demo.form.questions.values()}
    for href, text in links:
        assert href[1:] in controls, f"summary link {text!r} points at {href!r}, not at a question's control"
        question = controls[href[1:]]
        frame.locator(".govuk-error-summary a", has_text=text).click()
        focused = frame.evaluate("document.activeElement.id")
        assert focused == href[1:], f"the link {text!r} moved focus to {focused!r}, not to its field {href[1:]!r}"
        inline = frame.locator(f"#{question.id}-error")
        expect(inline, f"the inline message of {question.id}").to_be_visible()
        said = (inline.text_content() or "").strip().removeprefix("Error:").strip()
        assert said == text, f"inline message {said!r} differs from the summary's {text!r} for {question.id}"
        described = frame.locator(f"#group-{question.id} [aria-describedby~='{question.id}-error']")
        assert described.count() == 1, f"{question.id}'s control or fieldset is not described by its error message"
    return links


def test_empty_first_page_then_fixed(demo: Any, core_answers: dict[str, Any]) -> None:
    demo.launch(CORE_FORM)
    first = demo.section_id()
    demo.press("Save and continue")
    assert demo.section_id() == first, f"an empty page moved on to {demo.frame.url}"

    links = check_error_page(demo)
    hrefs = [href for href, _ in links]
    for required in ("trigger", "purpose"):
        assert f"#{required}" in hrefs, f"no error for the unanswered required question {required}: {links}"
    assert hrefs == sorted(hrefs, key=lambda h: list(demo.form.questions).index(h[1:])), (
        f"the summary does not list the problems in the order of the page: {hrefs}"
    )

    demo.fill_page(core_answers)
    demo.press("Save and continue")
    assert demo.section_id() not in (None, first), f"fixing the answers did not lead on to the next page: {demo.frame.url}"
    assert not demo.error_summary(), f"the next page shows errors: {demo.error_summary()}"
    assert not demo.frame.title().startswith("Error: "), demo.frame.title()


def test_date_that_does_not_exist(demo: Any, consent_answers: dict[str, Any]) -> None:
    demo.launch("consent-record")
    while demo.section_id() != "dates":
        assert demo.section_id() is not None, f"never reached the dates page: {demo.frame.url}"
        demo.fill_page(consent_answers)
        demo.press("Save and continue")
    demo.fill_page(consent_answers)
    year = str(dt.date.today().year)
    for part, value in (("day", "31"), ("month", "2"), ("year", year)):
        demo.frame.locator(f"#given_on-{part}").fill(value)
    demo.press("Save and continue")

    links = check_error_page(demo)
    label = demo.form.questions["given_on"].label
    assert [href for href, _ in links] == ["#given_on-day"], f"expected one problem, on the date's day box: {links}"
    assert label in links[0][1], f"the message does not name the field {label!r}: {links[0][1]!r}"
    kept = [demo.frame.locator(f"#given_on-{part}").input_value() for part in ("day", "month", "year")]
    assert kept == ["31", "2", year], f"what was typed is not shown again to correct: {kept}"

    demo.fill_page(consent_answers)
    demo.press("Save and continue")
    assert demo.frame.url.endswith("/embed/check"), f"a real date did not lead on to check your answers: {demo.frame.url}"
    assert not demo.error_summary(), f"check your answers shows problems: {demo.error_summary()}"
