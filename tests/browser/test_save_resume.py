"""Save, leave and resume in a real browser (issue 7, "never lose their work"): the practitioner answers two
pages, chooses "Save and come back later", and later opens the form again from the case in the host — a new
launch — to find a "Welcome back" banner, their answers kept, and the form ready to finish and submit."""

from __future__ import annotations

from typing import Any

import pytest
from forms_md_tables import CORE_FORM
from playwright.sync_api import expect

from sharewise.adapters.webform.fields import typed_value

pytestmark = pytest.mark.browser


def shown_answers(demo: Any) -> dict[str, Any]:
    """What the controls of the current page show, question by question, in ``typed_value``'s shape."""
    frame = demo.frame
    shown: dict[str, Any] = {}
    for question_id in frame.locator("input[name=rendered]").evaluate_all("inputs => inputs.map(input => input.value)"):
        question = demo.form.questions[question_id]
        if question.type in ("yes_no", "choice", "multi"):
            chosen = frame.locator(f"input[name='{question_id}']:checked").evaluate_all("inputs => inputs.map(i => i.value)")
            shown[question_id] = chosen if question.type == "multi" else (chosen[0] if chosen else "")
        elif question.type in ("date", "datetime"):
            parts = frame.locator(f"input[name^='{question_id}-']").evaluate_all("inputs => inputs.map(i => [i.name, i.value])")
            shown[question_id] = {name.rsplit("-", 1)[1]: value for name, value in parts if value}
        else:
            shown[question_id] = frame.locator(f"#{question_id}").input_value()
    return shown


def test_save_leave_and_resume_from_the_host(demo: Any, core_answers: dict[str, Any]) -> None:
    demo.launch(CORE_FORM)
    demo.fill_page(core_answers)
    demo.press("Save and continue")
    second = demo.section_id()
    demo.fill_page(core_answers)
    expected = {q: typed_value(demo.form.questions[q], core_answers[q]) for q in shown_answers(demo) if q in core_answers}
    demo.press("Save and come back later")
    expect(demo.frame.locator("h1"), "the page after saving").to_have_text("Your answers are saved")
    expect(demo.frame.locator("main"), "how to carry on").to_contain_text("open the form again from case 123")
    assert "saved" in demo.events(), f"the host heard no 'saved' message: {demo.events()}"

    demo.launch(CORE_FORM)  # later: a new launch from the same case, by the same practitioner
    banner = demo.frame.locator(".govuk-notification-banner")
    expect(banner, "the banner on resuming").to_contain_text("Welcome back")
    resumed_at = demo.section_id()
    order = [s.id for s in demo.form.sections]
    assert resumed_at is not None and order.index(resumed_at) > order.index(second), (
        f"resumed at {resumed_at!r}, not at the first page after the two completed"
    )

    with demo.frame.expect_navigation():
        demo.frame.get_by_role("link", name="Back").click()
    demo.visit()
    assert demo.section_id() == second, f"'Back' did not lead to the page saved before leaving: {demo.frame.url}"
    shown = shown_answers(demo)
    assert {q: shown.get(q) for q in expected} == expected, "the answers saved before leaving are not shown again"

    demo.complete(core_answers)
    record_id = demo.submit()
    demo.expect_delivered(record_id)
