"""The ``dvds-disclosure`` scheme form (Clare's Law) and its national rules (FORMS.md "Scheme forms").

Contract under test: every listed field is required unless marked "if …"; the disclosure fields
(recipient, disclosure_date, confidentiality_explained and the implementation's disclosure_method)
are shown only when decision is ``disclose``; applicant_relationship only for right_to_ask;
safety_plan_offered is required whatever the decision. Rules: a disclosure with a failed test →
warning on each false test; recipient ``applicant`` when the applicant is a third party → warning
on ``recipient``; more than 28 days from application_date to disclosure_date (forum_date when
nothing was disclosed) → warning on that date; disclosure without confidentiality_explained →
warning on it. Retention: class ``safeguarding-decision``, reviewed 6 years after the decision date.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from answer_sets import after
from finding_asserts import assert_clean_base, assert_rule_finding, only, triples

from sharewise.core import Evaluation

FORM = "dvds-disclosure"
GUIDANCE = "Domestic Violence Disclosure Scheme"

# Scenario 17: a valid Right to Ask disclosure to the person at risk.
BASE: dict[str, Any] = {
    "route": "right_to_ask",
    "applicant_relationship": "person_at_risk",
    "application_date": "2026-10-01",
    "forum_date": "2026-10-14",
    "pressing_need": True,
    "necessary": True,
    "proportionate": True,
    "decision": "disclose",
    "recipient": "person_at_risk",
    "disclosure_date": "2026-10-20",
    "confidentiality_explained": True,
    "safety_plan_offered": True,
    "decision_reasons": "Previous convictions for violence against partners; pressing need to protect the applicant.",
}
NO_DISCLOSURE = {"decision": "no_disclosure", "recipient": None, "disclosure_date": None, "confidentiality_explained": None}
DISCLOSURE_FIELDS = ("recipient", "disclosure_date", "confidentiality_explained")
ALWAYS_REQUIRED = (
    "route",
    "application_date",
    "forum_date",
    "pressing_need",
    "necessary",
    "proportionate",
    "decision",
    "safety_plan_offered",
    "decision_reasons",
)
TESTS = ("pressing_need", "necessary", "proportionate")
HIDDEN_VALUES = {
    "recipient": "person_at_risk",
    "disclosure_date": "2026-10-20",
    "confidentiality_explained": True,
    "disclosure_method": "in_person",
}


@pytest.fixture
def dvds(evaluate_changed: Callable[..., Callable[..., Evaluation]]) -> Callable[..., Evaluation]:
    """Evaluate BASE with some answers changed (``None`` removes one)."""
    return evaluate_changed(FORM, BASE)


# --- Base answer sets ---------------------------------------------------------------------------------


def test_base_disclosure_has_no_findings(dvds):
    assert_clean_base(dvds(), FORM)


def test_no_disclosure_without_disclosure_fields_has_no_findings(dvds):
    evaluation = dvds(**NO_DISCLOSURE)
    assert evaluation.findings == ()
    assert evaluation.outcome["missing"] == []


def test_right_to_know_without_applicant_has_no_findings(dvds):
    evaluation = dvds(route="right_to_know", applicant_relationship=None)
    assert evaluation.findings == ()


def test_implementation_added_fields_are_optional(dvds):
    assert dvds(police_reference="DVDS/2026/0412", disclosure_method="in_person").findings == ()
    assert dvds(police_reference=None, disclosure_method=None).findings == ()


# --- Visibility and required-ness -------------------------------------------------------------------


@pytest.mark.parametrize("field", ALWAYS_REQUIRED)
@pytest.mark.parametrize("decision", ["disclose", "no_disclosure"])
def test_listed_fields_are_required_whatever_the_decision(dvds, field, decision):
    changes = {} if decision == "disclose" else dict(NO_DISCLOSURE)
    if field == "decision":
        # Without a decision the disclosure fields are hidden too; answer none of them.
        changes = dict(NO_DISCLOSURE)
    if field == "route":
        # Without a route applicant_relationship is hidden too.
        changes["applicant_relationship"] = None
    evaluation = dvds(**{**changes, field: None})
    assert not evaluation.valid
    assert triples(evaluation) == [("required", "error", field)]
    assert evaluation.outcome["missing"] == [field]


def test_safety_plan_offered_is_required_when_nothing_is_disclosed(dvds):
    evaluation = dvds(**{**NO_DISCLOSURE, "safety_plan_offered": None})
    assert triples(evaluation) == [("required", "error", "safety_plan_offered")]
    assert evaluation.outcome["missing"] == ["safety_plan_offered"]


@pytest.mark.parametrize("field", DISCLOSURE_FIELDS)
def test_disclosure_fields_are_required_when_disclosing(dvds, field):
    evaluation = dvds(**{field: None})
    assert triples(evaluation) == [("required", "error", field)]
    assert evaluation.outcome["missing"] == [field]


@pytest.mark.parametrize("field", sorted(HIDDEN_VALUES))
def test_disclosure_fields_are_hidden_when_nothing_is_disclosed(dvds, field):
    evaluation = dvds(**{**NO_DISCLOSURE, field: HIDDEN_VALUES[field]})
    assert not evaluation.valid
    assert triples(evaluation) == [("hidden", "error", field)]
    assert field not in evaluation.outcome["missing"]


def test_all_disclosure_fields_answered_without_disclosure_are_each_an_error(dvds):
    evaluation = dvds(decision="no_disclosure", disclosure_method="phone")
    assert triples(evaluation) == sorted(("hidden", "error", field) for field in HIDDEN_VALUES)


def test_applicant_relationship_is_required_for_right_to_ask(dvds):
    evaluation = dvds(applicant_relationship=None)
    assert triples(evaluation) == [("required", "error", "applicant_relationship")]
    assert evaluation.outcome["missing"] == ["applicant_relationship"]


@pytest.mark.parametrize("relationship", ["person_at_risk", "third_party", "agency"])
def test_applicant_relationship_is_hidden_for_right_to_know(dvds, relationship):
    evaluation = dvds(route="right_to_know", applicant_relationship=relationship)
    assert triples(evaluation) == [("hidden", "error", "applicant_relationship")]


@pytest.mark.parametrize("relationship", ["person_at_risk", "third_party", "agency"])
def test_applicant_relationship_options(dvds, relationship):
    assert dvds(applicant_relationship=relationship, recipient="person_best_placed_to_safeguard").findings == ()


@pytest.mark.parametrize("recipient", ["person_at_risk", "person_best_placed_to_safeguard", "applicant"])
def test_recipient_options(dvds, recipient):
    assert dvds(recipient=recipient).valid


def test_unknown_recipient_code_is_an_option_error(dvds):
    assert triples(dvds(recipient="neighbour")) == [("option", "error", "recipient")]


# --- DVDS-1: a disclosure must meet a pressing need and be necessary and proportionate --------------


@pytest.mark.parametrize("field", TESTS)
def test_dvds_1_warns_on_the_false_test(dvds, field):
    evaluation = dvds(**{field: False})
    assert evaluation.valid
    assert triples(evaluation) == [("DVDS-1", "warning", field)]
    assert_rule_finding(only(evaluation, "DVDS-1"), "warning", field, GUIDANCE)
    assert evaluation.outcome["review_required"] is True


def test_dvds_1_warns_once_on_each_false_test(dvds):
    evaluation = dvds(pressing_need=False, necessary=False, proportionate=False)
    assert evaluation.valid
    assert triples(evaluation) == sorted(("DVDS-1", "warning", field) for field in TESTS)
    for finding in evaluation.findings:
        assert_rule_finding(finding, "warning", finding.field, GUIDANCE)


def test_dvds_1_warns_on_two_false_tests_only(dvds):
    evaluation = dvds(pressing_need=False, proportionate=False)
    assert triples(evaluation) == [("DVDS-1", "warning", "pressing_need"), ("DVDS-1", "warning", "proportionate")]


def test_dvds_1_does_not_fire_when_nothing_is_disclosed(dvds):
    evaluation = dvds(**{**NO_DISCLOSURE, "pressing_need": False, "necessary": False, "proportionate": False})
    assert evaluation.findings == ()


def test_dvds_1_does_not_fire_on_an_unanswered_test(dvds):
    # A missing answer is not "false": only the required error.
    evaluation = dvds(necessary=None)
    assert triples(evaluation) == [("required", "error", "necessary")]


# --- DVDS-2: a third-party applicant is not the person at risk ----------------------------------------


def test_dvds_2_warns_on_recipient_when_third_party_applicant_is_told(dvds):
    evaluation = dvds(applicant_relationship="third_party", recipient="applicant")
    assert evaluation.valid
    assert triples(evaluation) == [("DVDS-2", "warning", "recipient")]
    assert_rule_finding(only(evaluation, "DVDS-2"), "warning", "recipient", GUIDANCE)


@pytest.mark.parametrize("relationship", ["person_at_risk", "agency"])
def test_dvds_2_does_not_fire_for_other_applicants(dvds, relationship):
    assert dvds(applicant_relationship=relationship, recipient="applicant").findings == ()


@pytest.mark.parametrize("recipient", ["person_at_risk", "person_best_placed_to_safeguard"])
def test_dvds_2_does_not_fire_when_third_party_is_not_the_recipient(dvds, recipient):
    assert dvds(applicant_relationship="third_party", recipient=recipient).findings == ()


def test_dvds_2_ignores_a_hidden_applicant_relationship(dvds):
    # Right to Know: applicant_relationship is hidden, so the rule must not see it.
    evaluation = dvds(route="right_to_know", applicant_relationship="third_party", recipient="applicant")
    assert triples(evaluation) == [("hidden", "error", "applicant_relationship")]


# --- DVDS-3: 28 days from application to disclosure (or to the forum when nothing was disclosed) -----


def test_dvds_3_exactly_28_days_to_disclosure_is_fine(dvds):
    evaluation = dvds(disclosure_date=after(BASE["application_date"], 28))
    assert evaluation.findings == ()


def test_dvds_3_29_days_to_disclosure_warns_on_disclosure_date(dvds):
    evaluation = dvds(disclosure_date=after(BASE["application_date"], 29))
    assert evaluation.valid
    assert triples(evaluation) == [("DVDS-3", "warning", "disclosure_date")]
    assert_rule_finding(only(evaluation, "DVDS-3"), "warning", "disclosure_date", GUIDANCE)


def test_dvds_3_when_disclosing_counts_to_the_disclosure_not_the_forum(dvds):
    # The forum sat in time but the disclosure came late: the finding is on disclosure_date only.
    evaluation = dvds(forum_date="2026-10-10", disclosure_date="2026-11-20")
    assert triples(evaluation) == [("DVDS-3", "warning", "disclosure_date")]


def test_dvds_3_exactly_28_days_to_forum_without_disclosure_is_fine(dvds):
    evaluation = dvds(**{**NO_DISCLOSURE, "forum_date": after(BASE["application_date"], 28)})
    assert evaluation.findings == ()


def test_dvds_3_29_days_to_forum_without_disclosure_warns_on_forum_date(dvds):
    evaluation = dvds(**{**NO_DISCLOSURE, "forum_date": after(BASE["application_date"], 29)})
    assert evaluation.valid
    assert triples(evaluation) == [("DVDS-3", "warning", "forum_date")]
    assert_rule_finding(only(evaluation, "DVDS-3"), "warning", "forum_date", GUIDANCE)


def test_dvds_3_ignores_a_hidden_disclosure_date_when_nothing_was_disclosed(dvds):
    evaluation = dvds(**{**NO_DISCLOSURE, "disclosure_date": "2027-03-01"})
    assert triples(evaluation) == [("hidden", "error", "disclosure_date")]


@pytest.mark.parametrize(
    ("application", "days", "fires"),
    [
        ("2026-12-15", 28, False),  # across the year end: 2027-01-12
        ("2026-12-15", 29, True),
        ("2028-02-01", 28, False),  # a leap February: 2028-02-29
        ("2028-02-01", 29, True),  # 2028-03-01
        ("2027-02-01", 28, False),  # a common February: 2027-03-01
        ("2027-02-01", 29, True),
    ],
)
def test_dvds_3_counts_calendar_days(dvds, application, days, fires):
    disclosure = after(application, days)
    evaluation = dvds(application_date=application, forum_date=application, disclosure_date=disclosure)
    expected = [("DVDS-3", "warning", "disclosure_date")] if fires else []
    assert triples(evaluation) == expected


@pytest.mark.parametrize("missing", ["application_date", "disclosure_date"])
def test_dvds_3_no_finding_when_a_date_is_missing_while_disclosing(dvds, missing):
    evaluation = dvds(**{"disclosure_date": "2027-06-01", missing: None})
    assert triples(evaluation) == [("required", "error", missing)]


def test_dvds_3_does_not_fall_back_to_the_forum_when_a_disclosure_is_undated(dvds):
    # Something was disclosed, so the timescale runs to disclosure_date; with it missing, no finding.
    evaluation = dvds(forum_date="2026-12-01", disclosure_date=None)
    assert triples(evaluation) == [("required", "error", "disclosure_date")]


@pytest.mark.parametrize("missing", ["application_date", "forum_date"])
def test_dvds_3_no_finding_when_a_date_is_missing_without_disclosure(dvds, missing):
    evaluation = dvds(**{**NO_DISCLOSURE, "forum_date": "2027-06-01", missing: None})
    assert triples(evaluation) == [("required", "error", missing)]


def test_dvds_3_no_finding_when_a_date_is_malformed(dvds):
    evaluation = dvds(application_date="2026-02-30", disclosure_date="2027-06-01")
    assert triples(evaluation) == [("type", "error", "application_date")]


# --- DVDS-4: disclosure is confidential -----------------------------------------------------------------


def test_dvds_4_warns_when_confidentiality_not_explained(dvds):
    evaluation = dvds(confidentiality_explained=False)
    # UNVERIFIED in LEGAL.md, so never an error.
    assert evaluation.valid
    assert triples(evaluation) == [("DVDS-4", "warning", "confidentiality_explained")]
    assert_rule_finding(only(evaluation, "DVDS-4"), "warning", "confidentiality_explained", GUIDANCE)


def test_dvds_4_does_not_fire_when_confidentiality_was_explained(dvds):
    assert dvds(confidentiality_explained=True).findings == ()


def test_dvds_4_does_not_fire_on_a_hidden_answer(dvds):
    evaluation = dvds(**{**NO_DISCLOSURE, "confidentiality_explained": False})
    assert triples(evaluation) == [("hidden", "error", "confidentiality_explained")]


def test_all_rules_together_are_reported_at_once(dvds):
    evaluation = dvds(
        applicant_relationship="third_party",
        recipient="applicant",
        necessary=False,
        disclosure_date="2026-11-15",
        confidentiality_explained=False,
        decision_reasons=None,
    )
    assert triples(evaluation) == [
        ("DVDS-1", "warning", "necessary"),
        ("DVDS-2", "warning", "recipient"),
        ("DVDS-3", "warning", "disclosure_date"),
        ("DVDS-4", "warning", "confidentiality_explained"),
        ("required", "error", "decision_reasons"),
    ]
    assert evaluation.outcome["review_required"] is True


# --- Retention -------------------------------------------------------------------------------------------


def test_retention_six_years_after_the_disclosure(dvds):
    evaluation = dvds()
    assert evaluation.outcome["retention"] == {"class": "safeguarding-decision", "review_on": "2032-10-20"}


def test_retention_six_years_after_the_forum_when_nothing_was_disclosed(dvds):
    evaluation = dvds(**NO_DISCLOSURE)
    assert evaluation.outcome["retention"] == {"class": "safeguarding-decision", "review_on": "2032-10-14"}


def test_retention_ignores_a_hidden_disclosure_date(dvds):
    evaluation = dvds(**{**NO_DISCLOSURE, "disclosure_date": "2026-12-01"})
    assert evaluation.outcome["retention"] == {"class": "safeguarding-decision", "review_on": "2032-10-14"}


def test_retention_falls_back_to_the_application_date(dvds):
    evaluation = dvds(**{**NO_DISCLOSURE, "forum_date": None})
    assert evaluation.outcome["retention"] == {"class": "safeguarding-decision", "review_on": "2032-10-01"}


def test_retention_does_not_depend_on_the_day_of_the_check(engine):
    evaluation = engine.evaluate(FORM, copy.deepcopy(BASE), today=dt.date(2031, 1, 1))
    assert evaluation.outcome["retention"]["review_on"] == "2032-10-20"


def test_retention_from_a_leap_day(dvds):
    evaluation = dvds(application_date="2028-02-10", forum_date="2028-02-20", disclosure_date="2028-02-29")
    assert evaluation.outcome["retention"] == {"class": "safeguarding-decision", "review_on": "2034-02-28"}
