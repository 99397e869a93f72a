"""The form as pages (issue 7, ``adapters/webform/pages.py``): one page per section the answers so far
show; simple follow-ups (one choosing question on the same page, one option opening them) revealed in
place under that option, anything else shown once its answers are saved; the first page still to
complete; the pages before and after a page. Run on the real core form, and with the Liverpool plugin's
Early Help section.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sharewise.adapters.webform.pages import FormPages, Reveal
from sharewise.core import Engine

CORE = "information-sharing-decision"
CORE_PAGES = ["request", "subjects", "risk", "consent", "basis", "principles", "decision"]


@pytest.fixture(scope="module")
def core_pages() -> FormPages:
    return FormPages(Engine().forms.get(CORE))


@pytest.fixture(scope="module")
def liverpool_pages() -> FormPages:
    return FormPages(Engine(["liverpool"]).forms.get(CORE))


def page_ids(pages: FormPages, answers: dict[str, Any]) -> list[str]:
    return [s.id for s in pages.sections(pages.visibility(answers))]


def reveals(pages: FormPages, section_id: str, answers: dict[str, Any]) -> dict[str, Reveal]:
    section = pages.section(section_id)
    assert section is not None, section_id
    return dict(pages.page(section, answers).reveals)


def test_requesting_agency_is_revealed_in_place_under_a_request_received(core_pages):
    for answers in ({}, {"trigger": "own_concern"}, {"trigger": "request_received"}):
        page = core_pages.page(core_pages.section("request"), answers)

        assert page.reveals.get("requesting_agency") == Reveal("trigger", "request_received"), answers
        assert "requesting_agency" in page.ids, "a follow-up revealed in place is on the page whatever is chosen"
        assert [q.id for q in page.revealed_under("trigger", "request_received")] == ["requesting_agency"]
        assert page.revealed_under("trigger", "own_concern") == []


def test_every_simple_follow_up_is_revealed_under_its_one_option(core_pages):
    answers = {"consent_sought": True, "consent_outcome": "given", "third_parties_identifiable": True, "advice_sought": True}

    assert reveals(core_pages, "consent", answers) == {
        "consent_outcome": Reveal("consent_sought", "yes"),
        "consent_date": Reveal("consent_sought", "yes"),
        "consent_not_sought_reason": Reveal("consent_sought", "no"),
        "consent_not_sought_detail": Reveal("consent_sought", "no"),
        "child_competence_assessed": Reveal("consent_given_by", "child_competent"),
    }
    assert reveals(core_pages, "subjects", answers)["third_party_protection"] == Reveal("third_parties_identifiable", "yes")
    assert reveals(core_pages, "principles", answers) == {"advice_from": Reveal("advice_sought", "yes")}


def test_a_question_depending_on_another_page_is_not_revealed_in_place(core_pages):
    # art6_basis (page "basis") depends on processing_regime (page "request")
    basis = core_pages.section("basis")

    before = core_pages.page(basis, {})
    after = core_pages.page(basis, {"processing_regime": "general"})

    assert "art6_basis" not in before.ids, "not on the page until the answer on the other page opens it"
    assert "art6_basis" in after.ids
    assert "art6_basis" not in after.reveals, "shown as a question of its own, not under an option"
    assert "art6_basis" in [q.id for q in _top_level(after)]


def test_a_question_opened_by_several_options_or_several_questions_is_not_revealed_in_place(core_pages):
    # consent_given_by: opened by two options (given, partial); child_age: depends on two questions;
    # shared_at: opened by two decisions (share, share_partial)
    consent = reveals(core_pages, "consent", {"consent_sought": True, "consent_outcome": "given"})
    subjects = reveals(core_pages, "subjects", {"subject_roles": ["child"]})
    decision = reveals(core_pages, "decision", {"decision": "share"})

    assert "consent_given_by" not in consent and "consent_explicit" not in consent
    assert "child_age" not in subjects
    assert "shared_at" not in decision and "shared_information" not in decision


def test_a_follow_up_of_a_follow_up_is_not_revealed_in_place(core_pages):
    # consent_scope depends only on consent_outcome == 'partial', but consent_outcome is itself revealed in place
    page = core_pages.page(core_pages.section("consent"), {"consent_sought": True, "consent_outcome": "partial"})

    assert page.reveals.get("consent_outcome") == Reveal("consent_sought", "yes")
    assert "consent_scope" not in page.reveals
    assert "consent_scope" in page.ids, "it is on the page once its answer is saved"


def test_a_question_not_yet_opened_is_not_on_the_page(core_pages):
    page = core_pages.page(core_pages.section("consent"), {"consent_sought": True})

    assert "consent_given_by" not in page.ids, "opened only once consent_outcome is given or partial"
    assert "consent_scope" not in page.ids


def test_the_core_form_has_seven_pages_whatever_the_answers(core_pages, base_answers):
    assert page_ids(core_pages, {}) == CORE_PAGES
    assert page_ids(core_pages, base_answers) == CORE_PAGES
    assert page_ids(core_pages, {**base_answers, "concern_level": "wellbeing_support"}) == CORE_PAGES, (
        "the Early Help section exists only with the Liverpool plugin"
    )
    assert core_pages.section("early_help") is None


def test_the_early_help_page_only_with_liverpool_and_a_wellbeing_concern(liverpool_pages, base_answers):
    for concern in ["significant_harm", "serious_harm_adult", "crime_prevention", "none_identified"]:
        assert "early_help" not in page_ids(liverpool_pages, {**base_answers, "concern_level": concern}), concern
    assert "early_help" not in page_ids(liverpool_pages, {}), "not before the concern is given"

    pages = page_ids(liverpool_pages, {**base_answers, "concern_level": "wellbeing_support"})

    assert pages == [*CORE_PAGES, "early_help"]


def test_first_incomplete(core_pages, base_answers):
    assert core_pages.first_incomplete({}).id == "request"
    request_done = {
        key: base_answers[key]
        for key in ["trigger", "sharer_agency_type", "sharer_is_public_authority", "processing_regime", "proposed_recipients"]
        + ["recipient_details", "purpose"]
    }
    assert core_pages.first_incomplete(request_done).id == "subjects"
    assert core_pages.first_incomplete({**request_done, "trigger": "request_received"}).id == "request", (
        "the follow-up it opens is required"
    )
    assert core_pages.first_incomplete(base_answers) is None

    without_decision_reasons = {k: v for k, v in base_answers.items() if k != "decision_reasons"}
    assert core_pages.first_incomplete(without_decision_reasons).id == "decision"

    opened_later = copy.deepcopy(base_answers)
    opened_later["consent_sought"] = True  # now consent_outcome and consent_date are required
    assert core_pages.first_incomplete(opened_later).id == "consent"


def test_first_incomplete_includes_the_early_help_page_when_it_applies(liverpool_pages, base_answers):
    assert liverpool_pages.first_incomplete(base_answers) is None
    assert liverpool_pages.first_incomplete({**base_answers, "concern_level": "wellbeing_support"}).id == "early_help"


def test_first_incomplete_ignores_answers_of_the_wrong_shape(core_pages, base_answers):
    broken = {**base_answers, "decision_reasons": 12, "trigger": "not-an-option"}

    assert core_pages.first_incomplete(broken).id == "request", "an answer that fails the shape checks counts as missing"


def test_neighbours(core_pages, base_answers, liverpool_pages):
    def ids(result):
        before, after, number, total = result
        return (before and before.id, after and after.id, number, total)

    assert ids(core_pages.neighbours(core_pages.section("request"), {})) == (None, "subjects", 1, 7)
    assert ids(core_pages.neighbours(core_pages.section("consent"), {})) == ("risk", "basis", 4, 7)
    assert ids(core_pages.neighbours(core_pages.section("decision"), base_answers)) == ("principles", None, 7, 7)

    wellbeing = {**base_answers, "concern_level": "wellbeing_support"}
    early_help = liverpool_pages.section("early_help")
    assert ids(liverpool_pages.neighbours(liverpool_pages.section("decision"), wellbeing)) == ("principles", "early_help", 7, 8)
    assert ids(liverpool_pages.neighbours(early_help, wellbeing)) == ("decision", None, 8, 8)
    assert ids(liverpool_pages.neighbours(early_help, base_answers)) == (None, None, 0, 7), "a page that does not apply"


def test_valid_keeps_only_answers_of_the_right_shape(core_pages):
    assert core_pages.valid({"trigger": "own_concern", "child_age": "seven", "no_such_question": 1}) == {"trigger": "own_concern"}


def _top_level(page):
    return [q for q in page.questions if q.id not in page.reveals]


def test_follow_ups_in_the_early_help_section_are_revealed_in_place(liverpool_pages, base_answers):
    """The section's own condition (a wellbeing concern) does not stop its simple follow-ups being revealed
    in place; a follow-up that also depends on another page's answer is not."""
    answers = {**base_answers, "concern_level": "wellbeing_support", "early_help_episode": True}

    found = reveals(liverpool_pages, "early_help", answers)

    assert found == {
        "ehat_reference": Reveal("early_help_episode", "yes"),
        "ehat_consent_on_file": Reveal("early_help_episode", "yes"),
        "family_agreement_recorded": Reveal("early_help_episode", "yes"),
        "consent_review_on": Reveal("early_help_episode", "yes"),
    }
    page = liverpool_pages.page(liverpool_pages.section("early_help"), answers)
    assert "child_views_sought" in page.ids, "shown (the subjects include a child), as a question of its own"
