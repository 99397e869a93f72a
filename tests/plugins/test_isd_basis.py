"""National (England) rules on the lawful basis and conditions: ISD-2, 3, 5, 11, 14, 20, 21, 24.

Each case starts from the valid base answers (a GP sharing a 7-year-old's health information
without consent under DPA 2018 Sch 1 para 18) and changes only what the case needs, keeping the
answers coherent so the only findings are the ones under test (FORMS.md).
"""

from __future__ import annotations

import pytest
from answer_sets import ADULT_AT_RISK, LAW_ENFORCEMENT, NOT_SHARING, STATUTORY_PURPOSES
from finding_asserts import assert_finding, rule_ids

NON_SENSITIVE = ["exposure_to_harm", "family_circumstances"]
LE_NO_CONDITION = {
    **LAW_ENFORCEMENT,
    "law_enforcement_condition": None,
    "substantial_public_interest": None,
    "appropriate_policy_document": None,
}


def test_base_answers_are_valid_and_trigger_no_rule(check):
    evaluation = check()
    assert evaluation.valid
    assert evaluation.findings == ()


# --- ISD-2: sensitive general-regime sharing needs an Art 9 / Art 10 condition -------------------

NO_CONDITION = {"special_category_condition": None, "substantial_public_interest": None, "appropriate_policy_document": None}


@pytest.mark.parametrize(
    "categories",
    [["health"], ["special_category_other"], ["criminal_offence"], ["health", "criminal_offence", "exposure_to_harm"]],
)
def test_isd_2_fires_when_sharing_sensitive_information_without_a_condition(check, categories):
    evaluation = check(**NO_CONDITION, information_categories=categories)
    assert rule_ids(evaluation) == {"ISD-2"}
    assert_finding(evaluation, "ISD-2", "error", "special_category_condition", "Art 9(2)", "Art 10", "DPA 2018 Sch 1")
    assert not evaluation.valid


def test_isd_2_fires_for_partial_sharing_too(check):
    evaluation = check(**NO_CONDITION, decision="share_partial")
    assert rule_ids(evaluation) == {"ISD-2"}


def test_isd_2_does_not_fire_when_not_sharing(check):
    evaluation = check(**NO_CONDITION, **NOT_SHARING)
    assert "ISD-2" not in rule_ids(evaluation)
    assert evaluation.valid


def test_isd_2_does_not_fire_when_information_is_not_sensitive(check):
    evaluation = check(**NO_CONDITION, information_categories=NON_SENSITIVE)
    assert evaluation.findings == ()
    assert evaluation.outcome["sensitive"] is False


@pytest.mark.parametrize(
    "condition",
    ["sch1_para6_statutory_purposes", "art9_2_h_health_social_care", "vital_interests", "other"],
)
def test_isd_2_does_not_fire_when_a_condition_is_chosen(check, condition):
    changes = {"special_category_condition": condition, "substantial_public_interest": None}
    if condition != "sch1_para6_statutory_purposes":
        changes["appropriate_policy_document"] = None
    evaluation = check(**changes)
    assert "ISD-2" not in rule_ids(evaluation)
    assert evaluation.valid


def test_isd_2_does_not_fire_for_criminal_offence_data_under_law_enforcement(check):
    # Under Part 3 only special category data is sensitive (DPA 2018 s.35(8)).
    evaluation = check(**LE_NO_CONDITION, information_categories=["criminal_offence", "exposure_to_harm"])
    assert evaluation.findings == ()


# --- ISD-3: special category law-enforcement sharing needs a Sch 8 condition -----------------------


@pytest.mark.parametrize("categories", [["health"], ["special_category_other", "criminal_offence"]])
def test_isd_3_fires_when_law_enforcement_sharing_of_special_category_has_no_condition(check, categories):
    evaluation = check(**LE_NO_CONDITION, information_categories=categories)
    assert rule_ids(evaluation) == {"ISD-3"}
    assert_finding(evaluation, "ISD-3", "error", "law_enforcement_condition", "s.35(3)", "Sch 8")
    assert not evaluation.valid


def test_isd_3_does_not_fire_for_criminal_offence_data_only(check):
    evaluation = check(**LE_NO_CONDITION, information_categories=["criminal_offence"])
    assert "ISD-3" not in rule_ids(evaluation)
    assert evaluation.valid


def test_isd_3_does_not_fire_when_not_sharing(check):
    evaluation = check(**LE_NO_CONDITION, **NOT_SHARING)
    assert "ISD-3" not in rule_ids(evaluation)
    assert evaluation.valid


def test_isd_3_does_not_fire_when_a_schedule_8_condition_is_chosen(check):
    evaluation = check(
        **LAW_ENFORCEMENT | {"law_enforcement_condition": "sch8_para1_statutory_purposes", "substantial_public_interest": None}
    )
    assert evaluation.findings == ()


def test_isd_3_does_not_fire_under_the_general_regime(check):
    evaluation = check(**NO_CONDITION)
    assert "ISD-3" not in rule_ids(evaluation)


# --- ISD-5: para 18 protects a child or a qualifying adult at risk ---------------------------------


def test_isd_5_fires_when_nobody_protected_is_a_child_or_adult_at_risk(check):
    evaluation = check(protected_persons=["other"])
    assert rule_ids(evaluation) == {"ISD-5"}
    assert_finding(evaluation, "ISD-5", "error", "protected_persons", "para 18(1)(b)", "18(3)")


@pytest.mark.parametrize("failing", ["adult_care_needs", "adult_experiencing_harm", "adult_unable_to_protect"])
def test_isd_5_fires_when_the_adult_fails_one_part_of_the_at_risk_test(check, failing):
    evaluation = check(**ADULT_AT_RISK | {failing: False})
    assert rule_ids(evaluation) == {"ISD-5"}
    assert_finding(evaluation, "ISD-5", "error", "protected_persons")


def test_isd_5_fires_under_law_enforcement_with_sch8_para4(check):
    evaluation = check(**LAW_ENFORCEMENT, protected_persons=["other"])
    assert rule_ids(evaluation) == {"ISD-5"}
    assert_finding(evaluation, "ISD-5", "error", "protected_persons")


def test_isd_5_does_not_fire_for_an_adult_meeting_all_three_parts(check):
    evaluation = check(**ADULT_AT_RISK)
    assert evaluation.findings == ()


def test_isd_5_does_not_fire_when_other_people_are_protected_as_well_as_a_child(check):
    evaluation = check(protected_persons=["other", "child"])
    assert evaluation.findings == ()


def test_isd_5_does_not_fire_when_para_18_is_not_relied_on(check):
    evaluation = check(**STATUTORY_PURPOSES, protected_persons=["other"])
    assert evaluation.findings == ()


# --- ISD-11: public authorities cannot use (recognised) legitimate interests -----------------------


@pytest.mark.parametrize("basis", ["legitimate_interests", "recognised_legitimate_interest"])
def test_isd_11_fires_for_public_authority_relying_on_legitimate_interests(check, basis):
    evaluation = check(art6_basis=basis)
    assert rule_ids(evaluation) == {"ISD-11"}
    assert_finding(evaluation, "ISD-11", "error", "art6_basis", "Art 6(1) final para", "DUAA 2025")


@pytest.mark.parametrize("basis", ["legitimate_interests", "recognised_legitimate_interest"])
def test_isd_11_does_not_fire_for_a_body_that_is_not_a_public_authority(check, basis):
    evaluation = check(art6_basis=basis, sharer_is_public_authority=False, sharer_agency_type="voluntary_sector")
    assert evaluation.findings == ()


@pytest.mark.parametrize("basis", ["public_task", "legal_obligation", "vital_interests"])
def test_isd_11_does_not_fire_for_public_authority_on_other_bases(check, basis):
    assert "ISD-11" not in rule_ids(check(art6_basis=basis))


# --- ISD-14: the law-enforcement regime by a body that is not usually a competent authority --------


@pytest.mark.parametrize(
    "agency",
    [
        "children_social_care",
        "adult_social_care",
        "health_gp",
        "health_other",
        "education",
        "housing",
        "local_authority_other",
        "voluntary_sector",
        "other",
    ],
)
def test_isd_14_fires_when_non_competent_authority_uses_law_enforcement_regime(check, agency):
    evaluation = check(**LAW_ENFORCEMENT | {"sharer_agency_type": agency})
    assert rule_ids(evaluation) == {"ISD-14"}
    assert_finding(evaluation, "ISD-14", "warning", "processing_regime", "DPA 2018 Part 3", "s.30")
    assert evaluation.valid  # a warning does not block the record


@pytest.mark.parametrize("agency", ["police", "probation", "youth_justice"])
def test_isd_14_does_not_fire_for_police_probation_or_youth_justice(check, agency):
    evaluation = check(**LAW_ENFORCEMENT | {"sharer_agency_type": agency})
    assert evaluation.findings == ()


def test_isd_14_does_not_fire_for_a_gp_under_the_general_regime(check):
    evaluation = check(sharer_agency_type="education")
    assert "ISD-14" not in rule_ids(evaluation)


# --- ISD-20: para 18 needs a risk of harm ----------------------------------------------------------


def test_isd_20_fires_when_para_18_relied_on_with_no_risk_identified(check):
    evaluation = check(concern_level="none_identified")
    assert rule_ids(evaluation) == {"ISD-20"}
    assert_finding(evaluation, "ISD-20", "error", "concern_level", "Sch 1 para 18(1)(a)")
    assert not evaluation.valid


def test_isd_20_fires_under_law_enforcement_with_sch8_para4(check):
    evaluation = check(**LAW_ENFORCEMENT, concern_level="none_identified")
    assert rule_ids(evaluation) == {"ISD-20"}
    assert_finding(evaluation, "ISD-20", "error", "concern_level")


def test_isd_20_does_not_fire_without_para_18(check):
    evaluation = check(**STATUTORY_PURPOSES, concern_level="none_identified")
    assert evaluation.findings == ()


@pytest.mark.parametrize("concern", ["significant_harm", "wellbeing_support"])
def test_isd_20_does_not_fire_when_a_risk_is_identified(check, concern):
    assert "ISD-20" not in rule_ids(check(concern_level=concern))


# --- ISD-21: para 18 relied on for crime prevention -------------------------------------------------


def test_isd_21_fires_when_para_18_relied_on_for_crime_prevention(check):
    evaluation = check(concern_level="crime_prevention")
    assert rule_ids(evaluation) == {"ISD-21"}
    finding = assert_finding(evaluation, "ISD-21", "warning", "concern_level", "18(1)(a)", "para 10")
    # The message tells the practitioner the way out: say it is safeguarding, or use para 10.
    assert "para 10" in finding.message
    assert "safeguarding" in finding.message.lower()
    assert evaluation.valid


def test_isd_21_fires_under_law_enforcement_with_sch8_para4(check):
    evaluation = check(**LAW_ENFORCEMENT, concern_level="crime_prevention")
    assert rule_ids(evaluation) == {"ISD-21"}


def test_isd_21_does_not_fire_when_para_10_is_used_for_crime_prevention(check):
    evaluation = check(
        concern_level="crime_prevention",
        special_category_condition="sch1_para10_unlawful_acts",
        substantial_public_interest=None,
    )
    assert evaluation.findings == ()


def test_isd_21_does_not_fire_for_a_safeguarding_concern(check):
    assert "ISD-21" not in rule_ids(check(concern_level="wellbeing_support"))


# --- ISD-24: recognised legitimate interest only from 5 February 2026, date as written -------------

RLI = {
    "art6_basis": "recognised_legitimate_interest",
    "sharer_is_public_authority": False,
    "sharer_agency_type": "voluntary_sector",
}


def test_isd_24_fires_when_shared_the_day_before_commencement_as_written(check):
    # 2026-02-04T23:30-01:00 is 2026-02-05T00:30Z, but as written it is 4 February.
    evaluation = check(**RLI, decided_at="2026-02-04T23:00:00-01:00", shared_at="2026-02-04T23:30:00-01:00")
    assert rule_ids(evaluation) == {"ISD-24"}
    assert_finding(evaluation, "ISD-24", "error", "art6_basis", "DUAA 2025")
    assert not evaluation.valid


def test_isd_24_does_not_fire_when_shared_on_commencement_day_as_written(check):
    # 2026-02-05T00:30+01:00 is 2026-02-04T23:30Z, but as written it is 5 February.
    evaluation = check(**RLI, decided_at="2026-02-05T00:00:00+01:00", shared_at="2026-02-05T00:30:00+01:00")
    assert evaluation.findings == ()


def test_isd_24_uses_shared_at_not_decided_at_when_sharing(check):
    evaluation = check(**RLI, decided_at="2026-02-04T16:00:00Z", shared_at="2026-02-05T09:00:00Z")
    assert "ISD-24" not in rule_ids(evaluation)
    evaluation = check(**RLI, decided_at="2026-02-05T09:00:00Z", shared_at="2026-02-04T16:00:00Z")
    assert rule_ids(evaluation) == {"ISD-24"}


def test_isd_24_fires_on_decided_at_when_not_sharing(check):
    evaluation = check(**RLI, **NOT_SHARING, decided_at="2026-02-04T12:00:00Z")
    assert rule_ids(evaluation) == {"ISD-24"}
    assert_finding(evaluation, "ISD-24", "error", "art6_basis")


def test_isd_24_does_not_fire_on_decided_at_from_commencement_when_not_sharing(check):
    evaluation = check(**RLI, **NOT_SHARING, decided_at="2026-02-05T00:00:00Z")
    assert evaluation.findings == ()


def test_isd_24_does_not_fire_for_ordinary_legitimate_interests_before_commencement(check):
    evaluation = check(
        **RLI | {"art6_basis": "legitimate_interests"},
        decided_at="2026-01-10T09:00:00Z",
        shared_at="2026-01-10T10:00:00Z",
    )
    assert evaluation.findings == ()
