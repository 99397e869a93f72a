"""National (England) rules on sharing, checks, gateways and the decision: ISD-7, 8, 10, 12, 13, 17,
18, 19, 25."""

from __future__ import annotations

import pytest
from answer_sets import GIVEN_EXPLICIT_CONSENT, NOT_SHARING
from finding_asserts import assert_finding, rule_ids

REQUIRED_CHECKS = ("necessary", "proportionate", "relevant", "accurate", "timely", "secure")
ALL_CHECKS = [*REQUIRED_CHECKS, "adequate"]
# --- ISD-7: checks before sharing; the message names what is lacking -------------------------------


def test_isd_7_fires_naming_missing_checks(check):
    confirmed = ["necessary", "proportionate", "relevant", "adequate", "accurate"]
    evaluation = check(checks_confirmed=confirmed)
    assert rule_ids(evaluation) == {"ISD-7"}
    finding = assert_finding(evaluation, "ISD-7", "warning", "checks_confirmed", "golden rule 6")
    message = finding.message.lower()
    assert "timely" in message and "secure" in message
    for done in ("necessary", "proportionate", "relevant", "accurate"):
        assert done not in message
    assert evaluation.valid
    assert evaluation.outcome["review_required"] is True


@pytest.mark.parametrize("lacking", REQUIRED_CHECKS)
def test_isd_7_fires_naming_the_single_missing_check(check, lacking):
    evaluation = check(checks_confirmed=[c for c in ALL_CHECKS if c != lacking])
    assert rule_ids(evaluation) == {"ISD-7"}
    message = assert_finding(evaluation, "ISD-7", "warning", "checks_confirmed").message.lower()
    assert lacking in message
    for other in REQUIRED_CHECKS:
        if other != lacking:
            assert other not in message


@pytest.mark.parametrize("unanswered", [None, []])
def test_isd_7_fires_naming_all_six_checks_when_unanswered(check, unanswered):
    evaluation = check(checks_confirmed=unanswered)
    assert rule_ids(evaluation) == {"ISD-7"}
    message = assert_finding(evaluation, "ISD-7", "warning", "checks_confirmed").message.lower()
    for name in REQUIRED_CHECKS:
        assert name in message
    assert "checks_confirmed" not in evaluation.outcome["missing"]  # optional question


def test_isd_7_does_not_fire_without_adequate(check):
    # "adequate" is not one of the checks the rule demands.
    evaluation = check(checks_confirmed=list(REQUIRED_CHECKS))
    assert evaluation.findings == ()


def test_isd_7_does_not_fire_when_not_sharing(check):
    evaluation = check(**NOT_SHARING, checks_confirmed=None)
    assert evaluation.findings == ()


def test_isd_7_fires_for_partial_sharing(check):
    evaluation = check(decision="share_partial", checks_confirmed=["necessary"])
    assert rule_ids(evaluation) == {"ISD-7"}


# --- ISD-8: minimum necessary -----------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["share", "share_partial"])
def test_isd_8_warns_when_sharing_more_than_minimum_necessary(check, decision):
    evaluation = check(decision=decision, minimum_necessary=False)
    assert rule_ids(evaluation) == {"ISD-8"}
    assert_finding(evaluation, "ISD-8", "warning", "minimum_necessary", "Caldicott principle 3")
    assert evaluation.valid


def test_isd_8_does_not_fire_when_not_sharing(check):
    assert check(**NOT_SHARING, minimum_necessary=False).findings == ()


def test_isd_8_does_not_fire_when_minimum_necessary(check):
    assert "ISD-8" not in rule_ids(check(minimum_necessary=True))


# --- ISD-10: Article 8 justification for a public authority sharing without consent ----------------


@pytest.mark.parametrize("decision", ["share", "share_partial"])
def test_isd_10_fires_when_public_authority_shares_without_consent_unjustified(check, decision):
    evaluation = check(decision=decision, article8_justification=None)
    assert rule_ids(evaluation) == {"ISD-10"}
    assert_finding(evaluation, "ISD-10", "error", "article8_justification", "ECHR Art 8(2)")
    assert not evaluation.valid


def test_isd_10_fires_when_consent_was_refused(check):
    evaluation = check(
        consent_sought=True,
        consent_outcome="refused",
        consent_date="2026-11-20",
        consent_override_reason="Risk of significant harm.",
        consent_not_sought_reason=None,
        consent_not_sought_detail=None,
        special_category_condition="sch1_para6_statutory_purposes",
        substantial_public_interest=None,
        article8_justification=None,
    )
    assert rule_ids(evaluation) == {"ISD-10"}


def test_isd_10_fires_when_justification_is_only_whitespace(check):
    evaluation = check(article8_justification="   ")
    assert rule_ids(evaluation) == {"ISD-10"}


def test_isd_10_does_not_fire_for_a_body_that_is_not_a_public_authority(check):
    evaluation = check(article8_justification=None, sharer_is_public_authority=False)
    assert evaluation.findings == ()


def test_isd_10_does_not_fire_when_sharing_with_explicit_consent(check):
    assert check(**GIVEN_EXPLICIT_CONSENT).findings == ()


def test_isd_10_does_not_fire_when_not_sharing(check):
    assert check(**NOT_SHARING).findings == ()


# --- ISD-12: PCSC Act 2022 s.16 does not cover health or social care, or bodies without the power ---


@pytest.mark.parametrize(
    "sharer",
    ["health_gp", "health_other", "adult_social_care", "children_social_care", "voluntary_sector", "other"],
)
def test_isd_12_fires_when_sharer_cannot_use_s16(check, sharer):
    evaluation = check(sharer_agency_type=sharer, statutory_gateways=["pcsc_act_2022_s16"])
    assert rule_ids(evaluation) == {"ISD-12", "ISD-25"}
    assert_finding(evaluation, "ISD-12", "error", "statutory_gateways", "PCSC Act 2022 s.16")
    assert not evaluation.valid


@pytest.mark.parametrize(
    "sharer",
    ["police", "probation", "youth_justice", "education", "housing", "local_authority_other"],
)
def test_isd_12_does_not_fire_for_specified_authorities(check, sharer):
    evaluation = check(sharer_agency_type=sharer, statutory_gateways=["pcsc_act_2022_s16"])
    assert rule_ids(evaluation) == {"ISD-25"}
    assert evaluation.valid


def test_isd_12_does_not_fire_when_not_sharing(check):
    evaluation = check(**NOT_SHARING, statutory_gateways=["pcsc_act_2022_s16"])
    assert rule_ids(evaluation) == {"ISD-25"}


def test_isd_12_does_not_fire_for_s17_only(check):
    evaluation = check(statutory_gateways=["pcsc_act_2022_s17"])
    assert "ISD-12" not in rule_ids(evaluation)


# --- ISD-13: not sharing despite significant harm ---------------------------------------------------


def test_isd_13_warns_when_not_sharing_despite_significant_harm(check):
    evaluation = check(**NOT_SHARING | {"concern_level": "significant_harm"})
    assert rule_ids(evaluation) == {"ISD-13"}
    assert_finding(evaluation, "ISD-13", "warning", "decision", "Children Act 1989", "Working Together", "2023")
    assert evaluation.valid  # the decision not to share must still be recordable
    assert evaluation.outcome["review_required"] is True


@pytest.mark.parametrize("concern", ["wellbeing_support", "serious_harm_adult", "crime_prevention"])
def test_isd_13_does_not_fire_for_other_concerns_when_not_sharing(check, concern):
    evaluation = check(**NOT_SHARING | {"concern_level": concern})
    assert "ISD-13" not in rule_ids(evaluation)


def test_isd_13_does_not_fire_when_sharing_part_despite_significant_harm(check):
    assert check(decision="share_partial").findings == ()


# --- ISD-17: do not let advice delay sharing in an emergency ----------------------------------------


def test_isd_17_advises_when_seeking_advice_in_immediate_danger(check):
    evaluation = check(urgency="immediate")
    assert rule_ids(evaluation) == {"ISD-17"}
    assert_finding(evaluation, "ISD-17", "advice", "advice_sought", "ICO 10-step guide")
    assert evaluation.valid
    assert evaluation.outcome["review_required"] is False


def test_isd_17_does_not_fire_when_no_advice_sought(check):
    assert check(urgency="immediate", advice_sought=False, advice_from=None).findings == ()


@pytest.mark.parametrize("urgency", ["within_24_hours", "routine"])
def test_isd_17_does_not_fire_when_not_immediate(check, urgency):
    assert check(urgency=urgency).findings == ()


# --- ISD-18: Crime and Disorder Act s.115 is a power, not a duty ------------------------------------


def test_isd_18_advises_on_crime_and_disorder_act_s115(check):
    evaluation = check(statutory_gateways=["children_act_1989_s47", "crime_and_disorder_act_1998_s115"])
    assert rule_ids(evaluation) == {"ISD-18"}
    assert_finding(evaluation, "ISD-18", "advice", "statutory_gateways", "CDA 1998 s.115")


def test_isd_18_advises_even_when_not_sharing(check):
    evaluation = check(**NOT_SHARING, statutory_gateways=["crime_and_disorder_act_1998_s115"])
    assert rule_ids(evaluation) == {"ISD-18"}


def test_isd_18_does_not_fire_for_other_gateways(check):
    evaluation = check(
        statutory_gateways=["children_act_1989_s17", "children_act_1989_s47", "children_act_2004_s11", "dvds", "csods"]
    )
    assert evaluation.findings == ()


# --- ISD-19: insecure share method ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["letter", "other"])
def test_isd_19_warns_on_letter_or_other_method(check, method):
    evaluation = check(share_method=method)
    assert rule_ids(evaluation) == {"ISD-19"}
    assert_finding(evaluation, "ISD-19", "warning", "share_method", "golden rule 6", "secure")
    assert evaluation.valid


@pytest.mark.parametrize("method", ["secure_email", "secure_portal", "phone", "face_to_face"])
def test_isd_19_does_not_fire_for_other_methods(check, method):
    assert check(share_method=method).findings == ()


# --- ISD-25: Serious Violence Duty gateways have their own form -------------------------------------


@pytest.mark.parametrize("gateway", ["pcsc_act_2022_s16", "pcsc_act_2022_s17"])
def test_isd_25_advises_serious_violence_duty_form(check, gateway):
    evaluation = check(sharer_agency_type="police", statutory_gateways=["children_act_1989_s47", gateway])
    assert rule_ids(evaluation) == {"ISD-25"}
    finding = assert_finding(evaluation, "ISD-25", "advice", "statutory_gateways", "s.16")
    assert "17" in finding.reference
    assert "serious-violence-duty" in finding.message
    assert evaluation.valid


def test_isd_25_advises_even_when_not_sharing(check):
    evaluation = check(**NOT_SHARING, statutory_gateways=["pcsc_act_2022_s17"])
    assert rule_ids(evaluation) == {"ISD-25"}


def test_isd_25_does_not_fire_without_pcsc_gateways(check):
    evaluation = check(statutory_gateways=["crime_and_disorder_act_1998_s115", "dvds"])
    assert "ISD-25" not in rule_ids(evaluation)


def test_isd_25_does_not_fire_when_no_gateway_given(check):
    assert check(statutory_gateways=None).findings == ()
