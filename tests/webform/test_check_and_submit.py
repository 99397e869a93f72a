"""Check your answers, submitting, and the confirmation (issue 7, items 1 and 4): the check page lists
every answer with a change link, the errors still to fix, and each warning with a box to acknowledge it;
submitting with a warning not acknowledged is refused (422) naming it; with every warning acknowledged the
decision is recorded once (flagged for review, with the acknowledgements, the practitioner from the
launch as author, the host, the case context without the display theme) and the confirmation shows the
record id. Answers hidden by later changes stay in the draft but never reach the record.
"""

from __future__ import annotations

from typing import Any

import pytest
from webform_helpers import CONTEXT, Browser

WARNED = {"concern_level": "crime_prevention", "checks_confirmed": ["necessary", "proportionate"]}  # ISD-21, ISD-7


@pytest.fixture
def at_check(browser: Browser, host_a: Any, base_answers: dict[str, Any]) -> Browser:
    """A browser on "check your answers" with a complete answer set that gives two warnings."""
    browser.launch(host_a, theme={"brand": "#005eb8"})
    browser.save_answers({**base_answers, **WARNED}, host_a)
    response = browser.get("/embed/check")
    assert response.status_code == 200
    return browser


def submit(browser: Browser, acknowledged: list[str]) -> Any:
    page = browser.last
    assert page is not None
    data = [("csrf_token", page.hidden("csrf_token")[0])] + [("acknowledge", rule) for rule in acknowledged]
    return browser.post("/embed/check", data)


def test_check_your_answers_lists_the_answers_with_change_links(at_check, base_answers):
    page = at_check.last

    assert page.h1 == "Check your answers before you submit"
    assert "Preventing or detecting crime" in page.text, "answers in words, not codes"
    assert "21 November 2026, 09:30" in page.text, "dates and times in words, in UK time"
    assert base_answers["purpose"] in page.text
    changes = {href.split("#")[0] for href, text in page.links if text.startswith("Change")}
    assert changes == {
        f"/embed/section/{s}?change=1" for s in ["request", "subjects", "risk", "consent", "basis", "principles", "decision"]
    }
    assert page.summary_links == [], "a complete answer set has no errors"


def test_check_your_answers_lists_each_warning_with_a_box_to_acknowledge_it(at_check):
    page = at_check.last

    boxes = {c.value: c for c in page.named("acknowledge")}
    assert set(boxes) == {"ISD-7", "ISD-21"}
    assert all(box.type == "checkbox" and not box.checked for box in boxes.values())
    assert {box.id for box in boxes.values()} == {"acknowledge-ISD-7", "acknowledge-ISD-21"}
    assert "Warnings to confirm" in page.text


def test_submitting_with_a_warning_not_acknowledged_is_refused_naming_it(at_check):
    response = submit(at_check, ["ISD-21"])

    assert response.status_code == 422
    page = at_check.last
    assert [href for href, _ in page.summary_links] == ["#acknowledge-ISD-7"]
    assert "ISD-7" in page.summary_links[0][1]
    assert "acknowledge-ISD-7-error" in page.inline_errors
    assert page.checked("acknowledge") == ["ISD-21"], "the box already ticked stays ticked"
    assert at_check.state.store.count() == 0


def test_submitting_with_no_warning_acknowledged_names_each(at_check):
    response = submit(at_check, [])

    assert response.status_code == 422
    assert sorted(href for href, _ in at_check.last.summary_links) == ["#acknowledge-ISD-21", "#acknowledge-ISD-7"]


def test_a_refused_submission_prefixes_the_title_with_error(at_check):
    """GOV.UK pattern: whenever the error summary is shown, the page title starts with "Error: "."""
    submit(at_check, [])

    assert at_check.last.summary_links, "the error summary is shown"
    assert at_check.last.title.startswith("Error: "), f"the title of a refused submission is {at_check.last.title!r}"


def test_submitting_with_every_warning_acknowledged_records_the_decision(at_check, host_a, base_answers):
    response = submit(at_check, ["ISD-7", "ISD-21"])

    assert response.status_code == 303, at_check.last and at_check.last.summary_links
    assert response.headers["Location"].endswith("/embed/done")
    done = at_check.get("/embed/done")
    assert done.status_code == 200
    page = at_check.last
    store = at_check.state.store
    [record_id] = _record_ids(at_check)
    assert record_id in page.text
    record = store.get(record_id, host=host_a.name)
    assert record.review_required is True
    assert sorted(record.acknowledged_warnings) == ["ISD-21", "ISD-7"]
    assert dict(record.author) == CONTEXT["practitioner"], "the author is the practitioner the host launched the form for"
    assert record.host == host_a.name
    assert dict(record.context) == CONTEXT, "the case context, without the display theme"
    assert "theme" not in record.context
    assert dict(record.answers) == {**base_answers, **WARNED}


def test_the_confirmation_shows_the_record_id_and_announces_it_to_the_host(at_check):
    submit(at_check, ["ISD-7", "ISD-21"])

    response = at_check.get("/embed/done")

    [record_id] = _record_ids(at_check)
    text = response.get_data(as_text=True)
    page = at_check.last
    assert page.h1 == "Decision recorded"
    assert "sw-record-id" in page.ids
    shown = text.split('id="sw-record-id">')[1].split("<")[0]
    assert f'data-record-id="{shown}"' in text, "the page tells the host (postMessage) which record was made"
    assert shown == record_id
    assert "Review needed" in page.text and "Yes" in page.text


def test_submitting_twice_records_one_decision(at_check):
    page = at_check.last
    first = submit(at_check, ["ISD-7", "ISD-21"])
    at_check.last = page  # the same page submitted again (double click, back button)

    second = submit(at_check, ["ISD-7", "ISD-21"])

    assert first.status_code == 303
    assert second.status_code == 303, second.status_code
    assert second.headers["Location"].endswith("/embed/done"), "the second click shows the confirmation"
    assert at_check.state.store.count() == 1, "one decision, one record"


def test_after_submission_the_forms_pages_lead_to_the_confirmation(at_check, host_a):
    """The draft is gone once submitted: going back to any page of the form (the browser's Back button)
    shows the confirmation, never the answers again to edit."""
    submit(at_check, ["ISD-7", "ISD-21"])

    for path in ("/embed/section/request", "/embed/check", "/embed/saved"):
        response = at_check.get(path)
        assert response.status_code == 303 and response.headers["Location"].endswith("/embed/done"), path
    assert "Decision recorded" in at_check.get("/embed/done").get_data(as_text=True)


def test_hidden_answers_stay_in_the_draft_but_are_not_submitted(browser, host_a, base_answers):
    browser.launch(host_a)
    browser.save_answers(base_answers, host_a)
    browser.fill("request", {"trigger": "request_received", "requesting_agency": "Police"})
    browser.fill("request", {"trigger": "own_concern"})  # requesting_agency no longer applies
    assert browser.draft().answers["requesting_agency"] == "Police"
    browser.get("/embed/check")
    assert "Who asked you for the information?" not in browser.last.text, "a hidden answer is not listed"

    response = submit(browser, [])

    assert response.status_code == 303, browser.last and browser.last.summary_links
    [record] = [browser.state.store.get(rid, host=host_a.name) for rid in _record_ids(browser)]
    assert "requesting_agency" not in record.answers
    assert not record.review_required


def test_a_stale_acknowledgement_does_not_block_silently(at_check):
    """A warning acknowledged on a page opened earlier that no longer applies (the answers changed since)
    must either be ignored or be explained on the page; a 422 page with no message leaves the practitioner
    stuck without knowing why."""
    response = submit(at_check, ["ISD-7", "ISD-21", "ISD-13"])

    if response.status_code == 303:
        return
    assert response.status_code == 422, response.status_code
    assert at_check.last.summary_links, "refused (422) with no error summary saying why"


def test_done_without_a_submission_is_404(browser, host_a):
    browser.launch(host_a)

    response = browser.get("/embed/done")

    assert response.status_code == 404
    assert "Nothing has been submitted yet" in response.get_data(as_text=True)
    assert browser.get("/embed/section/request").status_code == 200, "the form is still open"


def test_reloading_the_confirmation_shows_it_again_without_telling_the_host_twice(at_check):
    submit(at_check, ["ISD-7", "ISD-21"])
    first = at_check.get("/embed/done")
    assert first.status_code == 200
    assert "data-record-id" in first.get_data(as_text=True)

    again = at_check.get("/embed/done")  # the practitioner reloads the page, or prints after a reload

    assert again.status_code == 200, f"reloading the confirmation answers {again.status_code}"
    assert at_check.last.h1 == "Decision recorded"
    [record_id] = _record_ids(at_check)
    assert record_id in at_check.last.text
    assert "data-record-id" not in again.get_data(as_text=True), "the host is told of the record once"
    assert 'print.css" media="print"' in again.get_data(as_text=True), "a print stylesheet"


def test_submitting_with_errors_is_refused_and_links_to_the_page_of_each(browser, host_a, base_answers):
    browser.launch(host_a)
    browser.save_answers({k: v for k, v in base_answers.items() if k not in ("purpose", "decided_at")}, host_a)
    browser.get("/embed/check")

    response = submit(browser, [])

    assert response.status_code == 422
    links = [href for href, _ in browser.last.summary_links]
    assert "/embed/section/request?change=1#purpose" in links
    assert "/embed/section/decision?change=1#decided_at-day" in links
    assert browser.state.store.count() == 0


def test_a_session_ended_before_submitting_records_nothing(at_check):
    token = at_check.last.hidden("csrf_token")[0]

    response = Browser(at_check.app).post(
        "/embed/check", [("csrf_token", token), ("acknowledge", "ISD-7"), ("acknowledge", "ISD-21")]
    )

    assert response.status_code == 401
    assert at_check.state.store.count() == 0


def _record_ids(browser: Browser) -> list[str]:
    from sqlalchemy import select

    from sharewise.core.store.schema import records

    with browser.state.store.reading() as connection:
        return [row.id for row in connection.execute(select(records.c.id))]
