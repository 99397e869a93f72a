"""The ``csods-disclosure`` scheme form (Sarah's Law) and its national rules (FORMS.md "Scheme forms").

Contract under test: every listed field is required unless marked "if …"; the disclosure fields
(recipient_role, delivered_in_person, disclosure_date, the three warnings and the undertaking) are
shown only when decision is ``disclose``; proceeded_without_undertaking_considered and
proceed_reasons are shown and required only when undertaking_signed is false. Rules: disclosure not
delivered in person → warning on it; each of the three warnings false → warning on it; undertaking
not signed and proceeding not considered → warning on proceeded_without_undertaking_considered;
more than 45 days from application to disclosure → advice on disclosure_date. Retention: class
``safeguarding-decision``, reviewed 6 years after the decision date.
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

FORM = "csods-disclosure"
GUIDANCE = "Child Sex Offender Disclosure Scheme"
# LEGAL.md §5: the warnings, the undertaking and what follows its refusal come from the seed procedures.

# Scenario 18: a valid disclosure to a parent who signed the undertaking.
BASE: dict[str, Any] = {
    "applicant_relationship": "parent_carer_guardian",
    "application_date": "2026-10-01",
    "decision": "disclose",
    "recipient_role": "parent",
    "delivered_in_person": True,
    "warned_use_only_to_safeguard": True,
    "warned_confidential": True,
    "warned_legal_proceedings": True,
    "undertaking_signed": True,
    "disclosure_date": "2026-10-30",
    "decision_reasons": "The subject has convictions for sexual offences against children and unsupervised access.",
}
WARNINGS = ("warned_use_only_to_safeguard", "warned_confidential", "warned_legal_proceedings")
DISCLOSURE_FIELDS = ("recipient_role", "delivered_in_person", "disclosure_date", *WARNINGS, "undertaking_signed")
NO_DISCLOSURE: dict[str, Any] = {"decision": "no_disclosure", **dict.fromkeys(DISCLOSURE_FIELDS)}
ALWAYS_REQUIRED = ("applicant_relationship", "application_date", "decision", "decision_reasons")
NOT_SIGNED = {
    "undertaking_signed": False,
    "proceeded_without_undertaking_considered": True,
    "proceed_reasons": "The mother refused to sign; the risk to the child justified going ahead the same day.",
}
FOLLOW_UPS = ("proceeded_without_undertaking_considered", "proceed_reasons")
HIDDEN_VALUES: dict[str, Any] = {
    "recipient_role": "parent",
    "delivered_in_person": True,
    "disclosure_date": "2026-10-30",
    "warned_use_only_to_safeguard": True,
    "warned_confidential": True,
    "warned_legal_proceedings": True,
    "undertaking_signed": True,
}


@pytest.fixture
def csods(evaluate_changed: Callable[..., Callable[..., Evaluation]]) -> Callable[..., Evaluation]:
    """Evaluate BASE with some answers changed (``None`` removes one)."""
    return evaluate_changed(FORM, BASE)


# --- Base answer sets ---------------------------------------------------------------------------------


def test_base_disclosure_has_no_findings(csods):
    assert_clean_base(csods(), FORM)


def test_no_disclosure_without_disclosure_fields_has_no_findings(csods):
    evaluation = csods(**NO_DISCLOSURE)
    assert evaluation.findings == ()
    assert evaluation.outcome["missing"] == []


def test_undertaking_refused_considered_and_explained_has_no_findings(csods):
    evaluation = csods(**NOT_SIGNED)
    assert evaluation.findings == ()
    assert evaluation.outcome["missing"] == []


def test_police_reference_is_optional(csods):
    assert csods(police_reference="CSODS/2026/77").findings == ()


@pytest.mark.parametrize("relationship", ["parent_carer_guardian", "other_family", "third_party"])
@pytest.mark.parametrize("role", ["parent", "carer", "guardian", "other_best_placed"])
def test_applicant_and_recipient_options(csods, relationship, role):
    assert csods(applicant_relationship=relationship, recipient_role=role).findings == ()


# --- Visibility and required-ness -------------------------------------------------------------------


@pytest.mark.parametrize("field", ALWAYS_REQUIRED)
@pytest.mark.parametrize("disclose", [True, False])
def test_listed_fields_are_required_whatever_the_decision(csods, field, disclose):
    changes = {} if disclose and field != "decision" else dict(NO_DISCLOSURE)
    evaluation = csods(**{**changes, field: None})
    assert triples(evaluation) == [("required", "error", field)]
    assert evaluation.outcome["missing"] == [field]


@pytest.mark.parametrize("field", DISCLOSURE_FIELDS)
def test_disclosure_fields_are_required_when_disclosing(csods, field):
    evaluation = csods(**{field: None})
    assert triples(evaluation) == [("required", "error", field)]
    assert evaluation.outcome["missing"] == [field]


@pytest.mark.parametrize("field", DISCLOSURE_FIELDS)
def test_disclosure_fields_are_hidden_when_nothing_is_disclosed(csods, field):
    evaluation = csods(**{**NO_DISCLOSURE, field: HIDDEN_VALUES[field]})
    assert not evaluation.valid
    assert triples(evaluation) == [("hidden", "error", field)]


@pytest.mark.parametrize("field", FOLLOW_UPS)
def test_undertaking_follow_ups_are_hidden_when_nothing_is_disclosed(csods, field):
    evaluation = csods(**{**NO_DISCLOSURE, field: NOT_SIGNED[field]})
    assert triples(evaluation) == [("hidden", "error", field)]


@pytest.mark.parametrize("field", FOLLOW_UPS)
def test_undertaking_follow_ups_are_hidden_when_signed(csods, field):
    evaluation = csods(**{field: NOT_SIGNED[field]})
    assert triples(evaluation) == [("hidden", "error", field)]


@pytest.mark.parametrize("field", FOLLOW_UPS)
def test_undertaking_follow_ups_are_hidden_when_undertaking_unanswered(csods, field):
    evaluation = csods(**{"undertaking_signed": None, field: NOT_SIGNED[field]})
    assert triples(evaluation) == [("hidden", "error", field), ("required", "error", "undertaking_signed")]


@pytest.mark.parametrize("field", FOLLOW_UPS)
def test_undertaking_follow_ups_are_required_when_not_signed(csods, field):
    evaluation = csods(**{**NOT_SIGNED, field: None})
    assert triples(evaluation) == [("required", "error", field)]
    assert evaluation.outcome["missing"] == [field]


def test_scenario_14_proceed_reasons_required_when_undertaking_refused(csods):
    evaluation = csods(undertaking_signed=False, proceeded_without_undertaking_considered=True)
    assert not evaluation.valid
    assert triples(evaluation) == [("required", "error", "proceed_reasons")]
    assert evaluation.outcome["missing"] == ["proceed_reasons"]


def test_proceed_reasons_whitespace_only_counts_as_unanswered(csods):
    evaluation = csods(**{**NOT_SIGNED, "proceed_reasons": "   \n "})
    assert triples(evaluation) == [("required", "error", "proceed_reasons")]


# --- CSODS-1: the scheme delivers disclosures in person ---------------------------------------------


def test_csods_1_warns_when_not_delivered_in_person(csods):
    evaluation = csods(delivered_in_person=False)
    assert evaluation.valid
    assert triples(evaluation) == [("CSODS-1", "warning", "delivered_in_person")]
    assert_rule_finding(only(evaluation, "CSODS-1"), "warning", "delivered_in_person", GUIDANCE)
    assert evaluation.outcome["review_required"] is True


def test_csods_1_does_not_fire_when_delivered_in_person(csods):
    assert csods(delivered_in_person=True).findings == ()


def test_csods_1_does_not_fire_on_a_hidden_answer(csods):
    evaluation = csods(**{**NO_DISCLOSURE, "delivered_in_person": False})
    assert triples(evaluation) == [("hidden", "error", "delivered_in_person")]


# --- CSODS-2: the three warnings ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", WARNINGS)
def test_csods_2_warns_on_the_warning_not_given(csods, field):
    evaluation = csods(**{field: False})
    assert evaluation.valid
    assert triples(evaluation) == [("CSODS-2", "warning", field)]
    assert_rule_finding(only(evaluation, "CSODS-2"), "warning", field, "seed")


def test_csods_2_warns_once_on_each_warning_not_given(csods):
    evaluation = csods(**dict.fromkeys(WARNINGS, False))
    assert evaluation.valid
    assert triples(evaluation) == sorted(("CSODS-2", "warning", field) for field in WARNINGS)
    for finding in evaluation.findings:
        assert_rule_finding(finding, "warning", finding.field, "seed")


def test_csods_2_two_warnings_not_given(csods):
    evaluation = csods(warned_confidential=False, warned_legal_proceedings=False)
    assert triples(evaluation) == [
        ("CSODS-2", "warning", "warned_confidential"),
        ("CSODS-2", "warning", "warned_legal_proceedings"),
    ]


@pytest.mark.parametrize("field", WARNINGS)
def test_csods_2_does_not_fire_on_a_hidden_warning(csods, field):
    evaluation = csods(**{**NO_DISCLOSURE, field: False})
    assert triples(evaluation) == [("hidden", "error", field)]


# --- CSODS-3: police must consider whether to proceed without the undertaking -----------------------


def test_csods_3_warns_when_proceeding_without_undertaking_not_considered(csods):
    evaluation = csods(**{**NOT_SIGNED, "proceeded_without_undertaking_considered": False})
    assert evaluation.valid
    assert triples(evaluation) == [("CSODS-3", "warning", "proceeded_without_undertaking_considered")]
    assert_rule_finding(only(evaluation, "CSODS-3"), "warning", "proceeded_without_undertaking_considered", "seed")


def test_csods_3_and_missing_reasons_reported_together(csods):
    evaluation = csods(undertaking_signed=False, proceeded_without_undertaking_considered=False)
    assert triples(evaluation) == [
        ("CSODS-3", "warning", "proceeded_without_undertaking_considered"),
        ("required", "error", "proceed_reasons"),
    ]


def test_csods_3_does_not_fire_when_considered(csods):
    assert csods(**NOT_SIGNED).findings == ()


def test_csods_3_does_not_fire_on_a_hidden_follow_up(csods):
    # Undertaking signed: the follow-up is hidden, so its value must not trigger the rule.
    evaluation = csods(proceeded_without_undertaking_considered=False)
    assert triples(evaluation) == [("hidden", "error", "proceeded_without_undertaking_considered")]


# --- CSODS-4: 45 days from application to disclosure --------------------------------------------------


def test_csods_4_exactly_45_days_is_fine(csods):
    assert csods(disclosure_date=after(BASE["application_date"], 45)).findings == ()


def test_csods_4_46_days_is_advice_on_disclosure_date(csods):
    evaluation = csods(disclosure_date=after(BASE["application_date"], 46))
    # UNVERIFIED timescale: advice, so the record stays valid and needs no review.
    assert evaluation.valid
    assert triples(evaluation) == [("CSODS-4", "advice", "disclosure_date")]
    assert_rule_finding(only(evaluation, "CSODS-4"), "advice", "disclosure_date", GUIDANCE)
    assert evaluation.outcome["review_required"] is False


@pytest.mark.parametrize(
    ("application", "days", "fires"),
    [
        ("2026-12-01", 45, False),  # 2027-01-15, across the year end
        ("2026-12-01", 46, True),
        ("2028-01-20", 45, False),  # 2028-03-05, through a leap February
        ("2028-01-20", 46, True),
    ],
)
def test_csods_4_counts_calendar_days(csods, application, days, fires):
    evaluation = csods(application_date=application, disclosure_date=after(application, days))
    assert triples(evaluation) == ([("CSODS-4", "advice", "disclosure_date")] if fires else [])


@pytest.mark.parametrize("missing", ["application_date", "disclosure_date"])
def test_csods_4_no_finding_when_a_date_is_missing(csods, missing):
    evaluation = csods(**{"disclosure_date": "2027-06-01", missing: None})
    assert triples(evaluation) == [("required", "error", missing)]


def test_csods_4_ignores_a_hidden_disclosure_date(csods):
    evaluation = csods(**{**NO_DISCLOSURE, "disclosure_date": "2027-06-01"})
    assert triples(evaluation) == [("hidden", "error", "disclosure_date")]


def test_all_rules_together_are_reported_at_once(csods):
    evaluation = csods(
        delivered_in_person=False,
        warned_confidential=False,
        undertaking_signed=False,
        proceeded_without_undertaking_considered=False,
        proceed_reasons="Went ahead; the child was at immediate risk.",
        disclosure_date="2026-12-01",
    )
    assert evaluation.valid
    assert triples(evaluation) == [
        ("CSODS-1", "warning", "delivered_in_person"),
        ("CSODS-2", "warning", "warned_confidential"),
        ("CSODS-3", "warning", "proceeded_without_undertaking_considered"),
        ("CSODS-4", "advice", "disclosure_date"),
    ]


# --- Retention -------------------------------------------------------------------------------------------


def test_retention_six_years_after_the_disclosure(csods):
    evaluation = csods()
    assert evaluation.outcome["retention"] == {"class": "safeguarding-decision", "review_on": "2032-10-30"}


def test_retention_six_years_after_the_application_when_nothing_was_disclosed(csods):
    evaluation = csods(**NO_DISCLOSURE)
    assert evaluation.outcome["retention"] == {"class": "safeguarding-decision", "review_on": "2032-10-01"}


def test_retention_ignores_a_hidden_disclosure_date(csods):
    evaluation = csods(**{**NO_DISCLOSURE, "disclosure_date": "2026-12-01"})
    assert evaluation.outcome["retention"] == {"class": "safeguarding-decision", "review_on": "2032-10-01"}


def test_retention_does_not_depend_on_the_day_of_the_check(engine):
    evaluation = engine.evaluate(FORM, copy.deepcopy(BASE), today=dt.date(2030, 6, 1))
    assert evaluation.outcome["retention"]["review_on"] == "2032-10-30"
