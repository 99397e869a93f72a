"""The ``serious-violence-duty`` scheme form (PCSC Act 2022 s.16 / s.17) and its national rules.

Contract under test (FORMS.md "Scheme forms", LEGAL.md §6): when the decision is to disclose, in
either mode, patient information → error on ``information_type`` (s.16(4)(a) / s.17(6)(a));
personal information with disclosing_function health or social_care, or disclosing_authority
integrated_care_board → error on ``information_type`` (s.16(4)(b) / s.17(6)(b)); ipa_restricted →
error on it (s.16(4)(d) / s.17(6)(d)). Mode s17: recipient_authority must be local_policing_body
(error on it). Declining: advice on ``decision`` — s.16 is permissive (mode s16), the s.17(4) duty
to comply subject to the s.17(6) exclusions (mode s17). data_protection_basis is always shown and
required for personal or patient information; recipient_authority is shown only when disclosing.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from finding_asserts import assert_clean_base, assert_rule_finding, only, triples

from sharewise.core import Evaluation

FORM = "serious-violence-duty"
AUTHORITIES = (
    "police",
    "probation",
    "youth_offending_team",
    "integrated_care_board",
    "local_authority",
    "local_policing_body",
    "educational",
    "prison",
    "youth_custody",
)
MODES = ("s16_disclosure", "s17_request_response")
# The subsection each mode's restriction cites.
RESTRICTION = {"s16_disclosure": "s.16(4)", "s17_request_response": "s.17(6)"}

# Scenario 19: police disclose personal information to a local authority under s.16.
BASE: dict[str, Any] = {
    "mode": "s16_disclosure",
    "disclosing_authority": "police",
    "disclosing_function": "other",
    "recipient_authority": "local_authority",
    "information_type": "personal",
    "data_protection_basis": "UK GDPR Art 6(1)(e); DPA 2018 Part 3 for police data.",
    "ipa_restricted": False,
    "decision": "disclose",
    "decision_reasons": "Needed to identify the places where knife crime among young people concentrates.",
}
# A local authority answers a local policing body's s.17 request.
S17: dict[str, Any] = {
    "mode": "s17_request_response",
    "disclosing_authority": "local_authority",
    "recipient_authority": "local_policing_body",
}
MODE_CHANGES = {"s16_disclosure": {}, "s17_request_response": S17}
DECLINE = {"decision": "decline", "recipient_authority": None}
ALWAYS_REQUIRED = (
    "mode",
    "disclosing_authority",
    "disclosing_function",
    "information_type",
    "ipa_restricted",
    "decision",
    "decision_reasons",
)
# Every way the Act's restrictions can be breached at once.
ALL_RESTRICTIONS = {"information_type": "patient", "disclosing_function": "health", "ipa_restricted": True}


@pytest.fixture
def svd(evaluate_changed: Callable[..., Callable[..., Evaluation]]) -> Callable[..., Evaluation]:
    """Evaluate BASE with some answers changed (``None`` removes one)."""
    return evaluate_changed(FORM, BASE)


# --- Base answer sets ---------------------------------------------------------------------------------


def test_base_s16_disclosure_has_no_findings(svd):
    assert_clean_base(svd(), FORM)


def test_base_s17_response_has_no_findings(svd):
    evaluation = svd(**S17)
    assert evaluation.findings == ()
    assert evaluation.outcome["missing"] == []


def test_request_reference_is_optional(svd):
    assert svd(request_reference="SVD-REQ-2026-014").findings == ()


@pytest.mark.parametrize("recipient", AUTHORITIES)
def test_s16_disclosure_may_go_to_any_specified_authority(svd, recipient):
    assert svd(recipient_authority=recipient).findings == ()


@pytest.mark.parametrize("authority", [a for a in AUTHORITIES if a != "integrated_care_board"])
def test_personal_information_from_any_authority_in_another_capacity_is_fine(svd, authority):
    assert svd(disclosing_authority=authority).findings == ()


# --- Visibility and required-ness -------------------------------------------------------------------


@pytest.mark.parametrize("field", ALWAYS_REQUIRED)
@pytest.mark.parametrize("disclose", [True, False])
def test_listed_fields_are_required_whatever_the_decision(svd, field, disclose):
    changes = {} if disclose and field != "decision" else dict(DECLINE)
    evaluation = svd(**{**changes, field: None})
    errors = [(f.rule, f.field) for f in evaluation.findings if f.severity == "error"]
    assert errors == [("required", field)]
    assert evaluation.outcome["missing"] == [field]


def test_recipient_authority_is_required_when_disclosing(svd):
    evaluation = svd(recipient_authority=None)
    assert triples(evaluation) == [("required", "error", "recipient_authority")]
    assert evaluation.outcome["missing"] == ["recipient_authority"]


@pytest.mark.parametrize("mode", MODES)
def test_recipient_authority_is_hidden_when_declining(svd, mode):
    evaluation = svd(**{**MODE_CHANGES[mode], "decision": "decline"})
    assert ("hidden", "error", "recipient_authority") in triples(evaluation)
    assert not evaluation.valid


@pytest.mark.parametrize("information_type", ["personal", "patient"])
@pytest.mark.parametrize("decision", ["disclose", "decline"])
def test_data_protection_basis_required_for_personal_or_patient_information(svd, information_type, decision):
    changes = {} if decision == "disclose" else dict(DECLINE)
    evaluation = svd(**{**changes, "information_type": information_type, "data_protection_basis": None})
    assert ("required", "error", "data_protection_basis") in triples(evaluation)
    assert evaluation.outcome["missing"] == ["data_protection_basis"]


def test_data_protection_basis_not_required_for_anonymised_information(svd):
    evaluation = svd(information_type="anonymised_aggregate", data_protection_basis=None)
    assert evaluation.findings == ()
    assert evaluation.outcome["missing"] == []


def test_data_protection_basis_still_shown_for_anonymised_information(svd):
    evaluation = svd(information_type="anonymised_aggregate")
    assert evaluation.findings == ()


def test_data_protection_basis_whitespace_counts_as_unanswered(svd):
    evaluation = svd(data_protection_basis="  ")
    assert triples(evaluation) == [("required", "error", "data_protection_basis")]


def test_unknown_authority_code_is_an_option_error(svd):
    assert triples(svd(disclosing_authority="nhs_trust")) == [("option", "error", "disclosing_authority")]


# --- SVD-1: patient information (s.16(4)(a), s.17(6)(a)) ---------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_svd_1_patient_information_is_an_error_on_information_type(svd, mode):
    evaluation = svd(**MODE_CHANGES[mode], information_type="patient")
    assert not evaluation.valid
    assert triples(evaluation) == [("SVD-1", "error", "information_type")]
    assert_rule_finding(only(evaluation, "SVD-1"), "error", "information_type", "PCSC Act 2022", f"{RESTRICTION[mode]}(a)")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("authority", ["police", "local_authority", "integrated_care_board"])
def test_svd_1_patient_information_is_an_error_from_any_authority(svd, mode, authority):
    evaluation = svd(**{**MODE_CHANGES[mode], "disclosing_authority": authority, "information_type": "patient"})
    assert ("SVD-1", "error", "information_type") in triples(evaluation)
    assert all(f.severity == "error" and f.field == "information_type" for f in evaluation.findings)


@pytest.mark.parametrize("information_type", ["personal", "anonymised_aggregate"])
def test_svd_1_does_not_fire_for_other_information(svd, information_type):
    assert svd(information_type=information_type).findings == ()


# --- SVD-2: personal information from a health or social care authority (s.16(4)(b), s.17(6)(b)) -----


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "changes",
    [
        {"disclosing_function": "health"},
        {"disclosing_function": "social_care"},
        {"disclosing_authority": "integrated_care_board"},
        {"disclosing_authority": "integrated_care_board", "disclosing_function": "health"},
        {"disclosing_authority": "police", "disclosing_function": "social_care"},
    ],
    ids=["health", "social_care", "icb", "icb_health", "police_social_care"],
)
def test_svd_2_personal_information_by_health_or_social_care_is_an_error(svd, mode, changes):
    evaluation = svd(**{**MODE_CHANGES[mode], **changes})
    assert not evaluation.valid
    assert triples(evaluation) == [("SVD-2", "error", "information_type")]
    assert_rule_finding(only(evaluation, "SVD-2"), "error", "information_type", "PCSC Act 2022", f"{RESTRICTION[mode]}(b)")


def test_svd_2_scenario_16_icb_discloses_personal_data(svd):
    evaluation = svd(disclosing_authority="integrated_care_board", disclosing_function="health")
    assert triples(evaluation) == [("SVD-2", "error", "information_type")]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "changes",
    [
        {"information_type": "anonymised_aggregate", "disclosing_function": "health"},
        {"information_type": "anonymised_aggregate", "disclosing_function": "social_care"},
        {"information_type": "anonymised_aggregate", "disclosing_authority": "integrated_care_board"},
        {"disclosing_authority": "local_authority", "disclosing_function": "other"},
    ],
    ids=["anonymised_health", "anonymised_social_care", "anonymised_icb", "personal_other_function"],
)
def test_svd_2_near_misses(svd, mode, changes):
    assert svd(**{**MODE_CHANGES[mode], **changes}).findings == ()


# --- SVD-3: Investigatory Powers Act 2016 (s.16(4)(d), s.17(6)(d)) ------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_svd_3_ipa_restricted_is_an_error_on_ipa_restricted(svd, mode):
    evaluation = svd(**MODE_CHANGES[mode], ipa_restricted=True)
    assert not evaluation.valid
    assert triples(evaluation) == [("SVD-3", "error", "ipa_restricted")]
    assert_rule_finding(only(evaluation, "SVD-3"), "error", "ipa_restricted", "PCSC Act 2022", f"{RESTRICTION[mode]}(d)")


@pytest.mark.parametrize("information_type", ["anonymised_aggregate", "personal"])
def test_svd_3_applies_to_any_information(svd, information_type):
    evaluation = svd(information_type=information_type, ipa_restricted=True)
    assert triples(evaluation) == [("SVD-3", "error", "ipa_restricted")]


def test_svd_3_does_not_fire_when_not_restricted(svd):
    assert svd(ipa_restricted=False).findings == ()


# --- All restrictions together, and none when declining ------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_every_restriction_reported_together(svd, mode):
    evaluation = svd(**{**MODE_CHANGES[mode], **ALL_RESTRICTIONS, "disclosing_authority": "integrated_care_board"})
    assert triples(evaluation) == [("SVD-1", "error", "information_type"), ("SVD-3", "error", "ipa_restricted")]


@pytest.mark.parametrize("mode", MODES)
def test_personal_information_from_icb_and_ipa_reported_together(svd, mode):
    evaluation = svd(**{**MODE_CHANGES[mode], "disclosing_authority": "integrated_care_board", "ipa_restricted": True})
    assert triples(evaluation) == [("SVD-2", "error", "information_type"), ("SVD-3", "error", "ipa_restricted")]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "changes",
    [
        {"information_type": "patient"},
        {"disclosing_function": "health"},
        {"disclosing_function": "social_care"},
        {"disclosing_authority": "integrated_care_board"},
        {"ipa_restricted": True},
        {**ALL_RESTRICTIONS, "disclosing_authority": "integrated_care_board"},
    ],
    ids=["patient", "health", "social_care", "icb", "ipa", "all"],
)
def test_no_restriction_error_when_declining(svd, mode, changes):
    evaluation = svd(**{**MODE_CHANGES[mode], **DECLINE, **changes})
    assert evaluation.valid
    assert [f.severity for f in evaluation.findings] == ["advice"]
    assert not [f for f in evaluation.findings if f.field in ("information_type", "ipa_restricted")]


# --- SVD-4 / SVD-6: declining ----------------------------------------------------------------------------------


def test_svd_4_declining_under_s16_is_advice_that_s16_is_permissive(svd):
    evaluation = svd(**DECLINE)
    assert evaluation.valid
    assert triples(evaluation) == [("SVD-4", "advice", "decision")]
    assert_rule_finding(only(evaluation, "SVD-4"), "advice", "decision", "PCSC Act 2022 s.16")
    assert evaluation.outcome["review_required"] is False


def test_svd_6_declining_a_s17_request_is_advice_on_the_duty_and_exclusions(svd):
    evaluation = svd(**{**S17, **DECLINE})
    assert evaluation.valid
    assert triples(evaluation) == [("SVD-6", "advice", "decision")]
    assert_rule_finding(only(evaluation, "SVD-6"), "advice", "decision", "PCSC Act 2022", "s.17(4)", "s.17(6)")
    assert evaluation.outcome["review_required"] is False


@pytest.mark.parametrize("mode", MODES)
def test_no_decline_advice_when_disclosing(svd, mode):
    evaluation = svd(**MODE_CHANGES[mode])
    assert not [f for f in evaluation.findings if f.field == "decision"]


# --- SVD-5: s.17 responses go to the local policing body -------------------------------------------------------


@pytest.mark.parametrize("recipient", [a for a in AUTHORITIES if a != "local_policing_body"])
def test_svd_5_s17_response_to_another_body_is_an_error_on_recipient_authority(svd, recipient):
    evaluation = svd(**{**S17, "recipient_authority": recipient})
    assert not evaluation.valid
    assert triples(evaluation) == [("SVD-5", "error", "recipient_authority")]
    assert_rule_finding(only(evaluation, "SVD-5"), "error", "recipient_authority", "PCSC Act 2022 s.17")


def test_svd_5_s17_response_to_the_local_policing_body_is_fine(svd):
    assert svd(**S17).findings == ()


def test_svd_5_does_not_apply_to_s16_disclosures(svd):
    assert svd(recipient_authority="police").findings == ()


def test_svd_5_not_reported_when_recipient_missing(svd):
    evaluation = svd(**{**S17, "recipient_authority": None})
    assert triples(evaluation) == [("required", "error", "recipient_authority")]


# --- Retention -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_retention_class_for_the_svd_form(svd, mode):
    evaluation = svd(**MODE_CHANGES[mode])
    assert evaluation.outcome["retention"]["class"] == "safeguarding-decision"


def test_retention_without_any_decision_date_counts_from_the_day_of_the_check(engine):
    # The form has none of the dated answers (disclosure_date, forum_date, given_on, application_date),
    # so the review is six years after the day the decision is checked and recorded.
    evaluation = engine.evaluate(FORM, copy.deepcopy(BASE), today=dt.date(2026, 11, 25))
    assert evaluation.outcome["retention"] == {"class": "safeguarding-decision", "review_on": "2032-11-25"}
