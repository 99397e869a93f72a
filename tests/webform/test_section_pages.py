"""The pages of the form (issue 7, items 1 and 2), through the Flask test client as a browser without
JavaScript would use them: the launch opens the first page, pre-filled from the case; a page with errors
answers 422 with the GOV.UK error summary ("There is a problem", ``Error:`` in the title, a link to
each field matching its inline message); a valid page saves the draft and goes on (303); answers that
open questions on the same page show them (200) without errors; a refused answer keeps the earlier one
and shows what was typed; "save and come back later"; resuming the draft from the host; pages that do
not exist or do not apply.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from embed_pages import Page
from webform_helpers import CONTEXT, CORE, Browser, answers_as_fields

from sharewise.adapters.webform.presentation import anchor

REQUEST_PAGE = {
    "trigger": "own_concern",
    "processing_regime": "general",
    "proposed_recipients": ["children_social_care", "police"],
    "recipient_details": "MASH duty team",
    "purpose": "To assess the risk to the child.",
}


def assert_error_summary_matches_inline_messages(page: Page, form: Any) -> None:
    """Every summary link points at a control on the page, and its question has the same inline message."""
    assert page.summary_links, "no error summary"
    assert page.title.startswith("Error: "), f"the title does not start with 'Error: ': {page.title!r}"
    assert "There is a problem" in page.text
    for href, message in page.summary_links:
        assert href.startswith("#"), href
        target = href[1:]
        assert target in page.ids, f"the summary links to #{target}, which is not on the page"
        question_id = target.removesuffix("-day")
        assert anchor(form.questions[question_id]) == target, f"#{target} is not where {question_id}'s control is"
        inline = page.inline_errors.get(f"{question_id}-error")
        assert inline is not None, f"no inline message {question_id}-error for the summary's {message!r}"
        assert inline.endswith(message), f"inline {inline!r} differs from the summary's {message!r}"
    assert len(page.inline_errors) == len(page.summary_links), "an inline message without a summary link"


# ---- the launch and the first page ----------------------------------------------------------------


def test_the_launch_opens_the_first_page_prefilled_from_the_case(browser, host_a):
    opened = browser.launch(host_a)

    assert opened.headers["Location"].endswith("/embed/section/request")
    page = browser.page("request")
    assert page.h1 == "What is being considered"
    assert page.checked("sharer_agency_type") == ["health_gp"]
    assert page.checked("sharer_is_public_authority") == ["yes"]
    assert page.checked("trigger") == [], "nothing else is chosen for the practitioner"
    decision = browser.page("decision")
    assert decision.value("decision_maker_name") == CONTEXT["practitioner"]["name"]
    assert decision.value("decision_maker_role") == CONTEXT["practitioner"]["role"]


def test_the_first_page_numbers_itself_and_the_next_has_a_back_link(browser, host_a):
    browser.launch(host_a)

    first = browser.page("request")
    second = browser.page("subjects")

    assert "part 1 of 7" in first.text
    assert "part 2 of 7" in second.text
    assert ("/embed/section/request", "Back") in second.links
    assert not any(text == "Back" for _, text in first.links)


def test_the_follow_up_is_revealed_in_place_inside_its_option(browser, host_a):
    browser.launch(host_a)

    page = browser.page("request")

    [control] = page.named("requesting_agency")
    assert "conditional-trigger-request_received" in control.within, (
        f"requesting_agency should sit in the conditional of the request_received option, not in {control.within}"
    )
    [option] = [c for c in page.named("trigger") if c.value == "request_received"]
    assert option.id == "trigger-request_received"
    assert "requesting_agency" in page.rendered


# ---- errors ---------------------------------------------------------------------------------------


def test_an_empty_first_page_is_422_with_the_error_summary(browser, host_a, engine):
    browser.launch(host_a)

    response = browser.fill("request", {})

    assert response.status_code == 422
    page = browser.last
    assert_error_summary_matches_inline_messages(page, engine.form(CORE))
    linked = {href for href, _ in page.summary_links}
    assert {"#trigger", "#processing_regime", "#proposed_recipients", "#recipient_details", "#purpose"} <= linked
    assert "#sharer_agency_type" not in linked, "pre-filled from the case, so answered"
    assert "#requesting_agency" not in linked, "not required until a request is chosen"


def test_an_empty_page_with_dates_links_to_the_day_box(browser, host_a, engine):
    browser.launch(host_a)

    response = browser.fill("decision", {"decision": "share"})  # shows the sharing questions
    response = browser.fill("decision", {})

    assert response.status_code == 422
    page = browser.last
    assert_error_summary_matches_inline_messages(page, engine.form(CORE))
    assert "#decided_at-day" in {href for href, _ in page.summary_links}, page.summary_links
    assert "#shared_at-day" in {href for href, _ in page.summary_links}


def test_a_required_follow_up_revealed_in_place_is_checked_with_its_page(browser, host_a, engine):
    browser.launch(host_a)

    response = browser.fill("request", {**REQUEST_PAGE, "trigger": "request_received"})

    assert response.status_code == 422
    assert [href for href, _ in browser.last.summary_links] == ["#requesting_agency"]
    assert browser.last.checked("trigger") == ["request_received"], "the choice is shown again"
    assert browser.draft().answers["trigger"] == "request_received", "what was valid is saved"


def test_an_answer_that_cannot_be_read_is_an_error_and_what_was_typed_is_shown_again(browser, host_a, engine):
    browser.launch(host_a)

    response = browser.fill(
        "consent", {"consent_sought": "yes", "consent_date-day": "31", "consent_date-month": "2", "consent_date-year": "2026"}
    )

    assert response.status_code == 422
    page = browser.last
    assert_error_summary_matches_inline_messages(page, engine.form(CORE))
    assert "When did you seek consent?" in page.inline_errors["consent_date-error"]
    assert (page.value("consent_date-day"), page.value("consent_date-month"), page.value("consent_date-year")) == (
        "31",
        "2",
        "2026",
    )
    assert "consent_date" not in browser.draft().answers


# ---- saving and moving on -------------------------------------------------------------------------


def test_a_valid_page_is_saved_and_leads_to_the_next(browser, host_a):
    browser.launch(host_a)

    response = browser.fill("request", REQUEST_PAGE)

    assert response.status_code == 303, browser.last and browser.last.summary_links
    assert response.headers["Location"].endswith("/embed/section/subjects")
    answers = browser.draft(host_a).answers
    assert answers["trigger"] == "own_concern"
    assert answers["processing_regime"] == "general"
    assert answers["proposed_recipients"] == ["children_social_care", "police"]
    assert answers["recipient_details"] == "MASH duty team"
    assert answers["sharer_agency_type"] == "health_gp", "the pre-filled answer is kept"
    again = browser.page("request")
    assert again.checked("proposed_recipients") == ["children_social_care", "police"]
    assert again.value("purpose") == REQUEST_PAGE["purpose"]


def test_answers_that_open_questions_on_the_same_page_show_them_without_errors(browser, host_a):
    browser.launch(host_a)
    fields = {
        "consent_sought": "yes",
        "consent_outcome": "given",
        "consent_date-day": "3",
        "consent_date-month": "11",
        "consent_date-year": "2026",
    }

    response = browser.fill("consent", fields)

    assert response.status_code == 200, response.status_code
    page = browser.last
    assert "More questions apply because of your answers" in page.text
    assert page.summary_links == [] and page.inline_errors == {}, "the new questions are not errors yet"
    assert not page.title.startswith("Error")
    assert {"consent_given_by", "consent_explicit"} <= set(page.rendered)
    assert browser.draft().answers["consent_outcome"] == "given"

    response = browser.fill("consent", {})  # the new questions left unanswered

    assert response.status_code == 422
    assert {href for href, _ in browser.last.summary_links} == {"#consent_given_by", "#consent_explicit"}


def test_posting_a_page_back_unchanged_changes_nothing(browser, host_a, base_answers, engine):
    browser.launch(host_a)
    saved = browser.save_answers(base_answers, host_a).answers

    for section in [s.id for s in engine.form(CORE).sections]:
        response = browser.fill(section, {})
        assert response.status_code == 303, f"{section}: {response.status_code} {browser.last and browser.last.summary_links}"
        assert dict(browser.draft().answers) == dict(saved), f"posting {section} back unchanged changed the draft"


def test_an_over_limit_answer_is_refused_and_the_earlier_answer_kept(browser, host_a):
    browser.launch(host_a)
    browser.fill("request", REQUEST_PAGE)
    too_long = "x" * 20_001

    response = browser.fill("request", {"purpose": too_long})

    assert response.status_code == 422
    page = browser.last
    assert [href for href, _ in page.summary_links] == ["#purpose"]
    assert "20,000" in page.inline_errors["purpose-error"], page.inline_errors
    assert page.value("purpose") == too_long, "what was typed is shown again"
    assert browser.draft().answers["purpose"] == REQUEST_PAGE["purpose"], "the earlier answer is kept"


def test_an_out_of_range_number_is_refused_and_what_was_typed_shown(browser, host_a):
    browser.launch(host_a)

    response = browser.fill("subjects", {"subject_roles": ["child"], "child_age": "1,000"})
    response = browser.fill("subjects", {"child_age": "1,000"})

    assert response.status_code == 422
    assert "#child_age" in {href for href, _ in browser.last.summary_links}
    assert browser.last.value("child_age") == "1,000"
    assert "child_age" not in browser.draft().answers


def test_hidden_answers_are_kept_in_the_draft_and_come_back(browser, host_a):
    browser.launch(host_a)
    browser.fill("request", {**REQUEST_PAGE, "trigger": "request_received", "requesting_agency": "Police"})

    browser.fill("request", {"trigger": "own_concern"})

    assert browser.draft().answers["requesting_agency"] == "Police", "a hidden answer is kept while the form is open"
    page = browser.page("request")
    assert page.checked("trigger") == ["own_concern"]
    assert page.value("requesting_agency") == "Police", "and is there again if the option is chosen again"


def test_a_change_link_returns_to_check_your_answers(browser, host_a, base_answers):
    browser.launch(host_a)
    browser.save_answers(base_answers, host_a)
    check = browser.get("/embed/check")
    assert check.status_code == 200
    change = [href for href, text in browser.last.links if href.startswith("/embed/section/risk?change=1")]
    assert change, "check your answers has change links"

    response = browser.fill("risk", {"urgency": "immediate"}, query="?change=1")

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/embed/check")
    assert browser.draft().answers["urgency"] == "immediate"


# ---- save and come back later; resuming -----------------------------------------------------------


def test_save_and_come_back_later(browser, host_a):
    browser.launch(host_a)

    response = browser.fill("request", {"purpose": "Half done"}, action="save-and-leave")

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/embed/saved")
    saved = browser.get("/embed/saved")
    assert saved.status_code == 200
    text = saved.get_data(as_text=True)
    assert "Your answers are saved" in text
    assert CONTEXT["case_ref"] in text, "tells the practitioner which case to reopen the form from"
    assert browser.draft().answers["purpose"] == "Half done"


def test_save_and_come_back_later_keeps_answers_even_with_errors_on_the_page(browser, host_a):
    browser.launch(host_a)

    response = browser.fill("request", {"purpose": "Only this", "trigger": None}, action="save-and-leave")

    assert response.status_code == 303
    assert browser.draft().answers["purpose"] == "Only this"


def test_a_relaunch_resumes_the_draft_at_the_first_page_still_to_complete(app, host_a):
    first = Browser(app)
    first.launch(host_a)
    first.fill("request", REQUEST_PAGE)
    first.fill("subjects", {"information_summary": "Started"}, action="save-and-leave")
    draft_id = first.draft_id

    later = Browser(app)  # another day, another browser: the host launches the form again
    opened = later.launch(host_a)

    assert opened.headers["Location"].endswith("/embed/section/subjects")
    assert later.draft_id == draft_id
    page = later.page("subjects")
    assert "Welcome back" in page.text
    assert page.value("information_summary") == "Started"
    assert later.page("request").value("purpose") == REQUEST_PAGE["purpose"]
    assert "Welcome back" not in later.page("subjects").text, "the welcome is shown once"


def test_a_relaunch_for_another_practitioner_or_case_starts_a_new_draft(app, host_a):
    first = Browser(app)
    first.launch(host_a)
    first.fill("request", REQUEST_PAGE)

    for context in [
        {**CONTEXT, "practitioner": {**CONTEXT["practitioner"], "id": "prac-2002"}},
        {**CONTEXT, "case_ref": "CASE-9999"},
        {key: value for key, value in CONTEXT.items() if key != "case_ref"},
        {**CONTEXT, "practitioner": {k: v for k, v in CONTEXT["practitioner"].items() if k != "id"}},
    ]:
        other = Browser(app)
        opened = other.launch(host_a, context)
        assert opened.headers["Location"].endswith("/embed/section/request"), context
        assert other.draft_id != first.draft_id, f"{context} resumed someone else's draft"
        assert other.page("request").value("purpose") == ""


def test_a_relaunch_with_a_complete_draft_goes_to_check_your_answers(app, host_a, base_answers):
    first = Browser(app)
    first.launch(host_a)
    first.save_answers(base_answers, host_a)

    opened = Browser(app).launch(host_a)

    assert opened.headers["Location"].endswith("/embed/check")


# ---- pages that do not exist or do not apply -------------------------------------------------------


@pytest.mark.parametrize("section", ["no-such-page", "early_help", "REQUEST", "request%20"])
def test_a_page_that_does_not_exist_is_404(browser, host_a, section):
    browser.launch(host_a)

    response = browser.get(f"/embed/section/{section}")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    posted = browser.post(f"/embed/section/{section}", browser.page("request").form_data())
    assert posted.status_code == 404, posted.status_code


def test_a_page_that_does_not_apply_is_404_with_a_link_to_check_your_answers(liverpool_app, host_a, base_answers):
    browser = Browser(liverpool_app)
    browser.launch(host_a)
    browser.save_answers(base_answers, host_a)  # concern_level: significant_harm

    response = browser.get("/embed/section/early_help")

    assert response.status_code == 404
    assert "does not apply" in response.get_data(as_text=True)
    assert ("/embed/check", "Check your answers") in browser.last.links

    browser.fill("risk", {"concern_level": "wellbeing_support"})
    assert browser.get("/embed/section/early_help").status_code == 200, "it applies to a wellbeing concern"
    assert browser.last.h1 == "Early Help (Liverpool)"
    assert "Local policy (Liverpool)" in browser.last.text, "Liverpool's guidance is labelled as local policy"


def test_the_decision_page_leads_to_the_early_help_page_when_it_applies(liverpool_app, host_a, base_answers):
    browser = Browser(liverpool_app)
    browser.launch(host_a)
    browser.save_answers({**base_answers, "concern_level": "wellbeing_support"}, host_a)

    response = browser.fill("decision", {})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/embed/section/early_help")


# ---- the whole form, page by page ------------------------------------------------------------------


def test_the_core_form_completed_page_by_page(browser, host_a, base_answers, engine):
    """Every page from the launch, each filled with scenario 01's answers; questions that appear are
    answered on the same page; a question that a later answer opens on an earlier page (choosing to share
    asks on the lawful basis page why the interference is justified) is reached by being sent back to
    that page, with its problem shown, and then on to check your answers."""
    form = engine.form(CORE)
    fields = answers_as_fields(form, base_answers)
    location = browser.launch(host_a).headers["Location"]
    visited = []
    while "/embed/section/" in location:
        target = urlsplit(location)
        section, query = target.path.rsplit("/", 1)[1], f"?{target.query}" if target.query else ""
        visited.append(section + query)
        if query:
            page = browser.get(location)
            assert "Your answers on a later page mean this page needs more" in page.get_data(as_text=True)
            assert [href for href, _ in browser.last.summary_links] == ["#article8_justification"]
        response = browser.fill(section, fields.get(section, {}), query=query)
        if response.status_code == 200:  # questions opened on this page: answer them too
            response = browser.fill(section, fields.get(section, {}), query=query)
        assert response.status_code == 303, f"{section}: {response.status_code} {browser.last and browser.last.summary_links}"
        location = response.headers["Location"]
        assert len(visited) < 20
    assert visited == ["request", "subjects", "risk", "consent", "basis", "principles", "decision", "basis?then=check"]
    for _ in range(3):  # fix what check your answers links to
        check = browser.get("/embed/check")
        links = [href for href, _ in browser.last.summary_links]
        if not links:
            break
        section = links[0].split("?")[0].rsplit("/", 1)[1]
        response = browser.fill(section, fields[section], query="?change=1")
        assert response.status_code == 303
    assert check.status_code == 200 and not browser.last.summary_links, browser.last.summary_links
    assert dict(browser.draft().answers) == base_answers, "the draft holds exactly the answers given on the pages"
