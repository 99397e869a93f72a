"""National (England) rules on consent: ISD-1, 4, 6, 9, 15, 16, 22, 23, 26.

"With consent" (FORMS.md shared definitions): consent_sought is true, consent_outcome is given or
partial, and consent_explicit is true; anything else is "without consent".
"""

from __future__ import annotations

import pytest
from answer_sets import (
    EXPLICIT_CONSENT_CONDITION,
    GIVEN,
    GIVEN_EXPLICIT_CONSENT,
    LAW_ENFORCEMENT,
    NOT_SHARING,
    SOUGHT,
    STATUTORY_PURPOSES,
)
from finding_asserts import assert_finding, rule_ids

PARTIAL = GIVEN | {"consent_outcome": "partial", "consent_scope": "The body map only, not the appointment notes."}
NOT_EXPLICIT = GIVEN | {"consent_explicit": False, "article8_justification": "Protecting the child's health."}
REFUSED = SOUGHT | {"consent_outcome": "refused", "consent_override_reason": "The child is at risk of significant harm."}
WITHDRAWN = REFUSED | {"consent_outcome": "withdrawn"}


# --- ISD-1: consent as the Art 6 basis needs explicit consent given ---------------------------------

NOT_PUBLIC = {"sharer_is_public_authority": False, "art6_basis": "consent"}


@pytest.mark.parametrize(
    "consent",
    [
        pytest.param({}, id="not_sought"),
        pytest.param(REFUSED | STATUTORY_PURPOSES, id="refused"),
        pytest.param(WITHDRAWN | STATUTORY_PURPOSES, id="withdrawn"),
        pytest.param(NOT_EXPLICIT | STATUTORY_PURPOSES, id="given_not_explicit"),
    ],
)
def test_isd_1_fires_when_consent_basis_is_claimed_without_explicit_consent(check, consent):
    evaluation = check(**consent | NOT_PUBLIC)
    assert rule_ids(evaluation) == {"ISD-1"}
    assert_finding(evaluation, "ISD-1", "error", "art6_basis", "Art 6(1)(a)", "Art 7", "myth-busting")
    assert not evaluation.valid


@pytest.mark.parametrize("consent", [pytest.param(GIVEN_EXPLICIT_CONSENT, id="given"), pytest.param(PARTIAL, id="partial")])
def test_isd_1_does_not_fire_with_explicit_consent_given(check, consent):
    evaluation = check(**consent | NOT_PUBLIC | EXPLICIT_CONSENT_CONDITION)
    assert "ISD-1" not in rule_ids(evaluation)
    assert evaluation.valid


# --- ISD-4: para 18 is for sharing without consent --------------------------------------------------


def test_isd_4_fires_when_para_18_relied_on_although_consent_was_given(check):
    evaluation = check(**GIVEN)
    assert rule_ids(evaluation) == {"ISD-4"}
    assert_finding(evaluation, "ISD-4", "error", "special_category_condition", "para 18(1)(c)")
    assert not evaluation.valid


def test_isd_4_fires_on_law_enforcement_condition_under_law_enforcement(check):
    evaluation = check(**LAW_ENFORCEMENT | GIVEN)
    assert rule_ids(evaluation) == {"ISD-4"}
    assert_finding(evaluation, "ISD-4", "error", "law_enforcement_condition", "para 18(1)(c)")


def test_isd_4_does_not_fire_for_partial_consent(check):
    evaluation = check(**PARTIAL)
    assert "ISD-4" not in rule_ids(evaluation)


def test_isd_4_does_not_fire_when_given_consent_is_not_explicit(check):
    evaluation = check(**NOT_EXPLICIT)
    assert "ISD-4" not in rule_ids(evaluation)
    assert evaluation.valid


def test_isd_4_does_not_fire_when_explicit_consent_is_the_condition(check):
    assert check(**GIVEN_EXPLICIT_CONSENT).findings == ()


# --- ISD-6: para 18 needs one of its three reasons for not seeking consent --------------------------


def test_isd_6_fires_when_para_18_relied_on_with_another_lawful_basis_as_reason(check):
    evaluation = check(consent_not_sought_reason="other_lawful_basis")
    assert rule_ids(evaluation) == {"ISD-6"}
    assert_finding(evaluation, "ISD-6", "error", "consent_not_sought_reason", "para 18(2)")
    assert not evaluation.valid


def test_isd_6_fires_under_law_enforcement_with_sch8_para4(check):
    evaluation = check(**LAW_ENFORCEMENT | {"consent_not_sought_reason": "other_lawful_basis"})
    assert rule_ids(evaluation) == {"ISD-6"}


def test_isd_6_does_not_fire_with_another_lawful_basis_when_para_18_is_not_relied_on(check):
    evaluation = check(**STATUTORY_PURPOSES, consent_not_sought_reason="other_lawful_basis")
    assert evaluation.findings == ()


@pytest.mark.parametrize("reason", ["cannot_be_given", "cannot_reasonably_obtain", "would_prejudice_protection"])
def test_isd_6_does_not_fire_for_the_three_para_18_2_reasons(check, reason):
    assert check(consent_not_sought_reason=reason).findings == ()


# --- ISD-9: sharing after refusal or withdrawal needs the reason for overriding it -----------------


@pytest.mark.parametrize("consent", [pytest.param(REFUSED, id="refused"), pytest.param(WITHDRAWN, id="withdrawn")])
def test_isd_9_fires_when_sharing_over_refusal_without_override_reason(check, consent):
    evaluation = check(**consent | STATUTORY_PURPOSES | {"consent_override_reason": None})
    assert rule_ids(evaluation) == {"ISD-9"}
    assert_finding(evaluation, "ISD-9", "error", "consent_override_reason", "golden rule 4", "2018", "2024", "rule 3")
    assert not evaluation.valid


@pytest.mark.parametrize("consent", [pytest.param(REFUSED, id="refused"), pytest.param(WITHDRAWN, id="withdrawn")])
def test_isd_9_does_not_fire_when_override_reason_is_given(check, consent):
    assert check(**consent | STATUTORY_PURPOSES).findings == ()


def test_isd_9_fires_when_override_reason_is_only_whitespace(check):
    # A whitespace-only string counts as not answered (FORMS.md "Answer encoding").
    evaluation = check(**REFUSED | STATUTORY_PURPOSES | {"consent_override_reason": "  \n\t "})
    assert rule_ids(evaluation) == {"ISD-9"}
    assert evaluation.outcome["missing"] == []  # optional question: only the rule demands it


def test_isd_9_does_not_fire_when_not_sharing(check):
    evaluation = check(**REFUSED | STATUTORY_PURPOSES | NOT_SHARING | {"consent_override_reason": None})
    assert evaluation.findings == ()


def test_isd_9_does_not_fire_when_consent_not_sought(check):
    assert "ISD-9" not in rule_ids(check())


# --- ISD-15: public authorities and consent as the basis -------------------------------------------


def test_isd_15_warns_public_authority_relying_on_consent(check):
    evaluation = check(**GIVEN_EXPLICIT_CONSENT, art6_basis="consent")
    assert rule_ids(evaluation) == {"ISD-15"}
    assert_finding(evaluation, "ISD-15", "warning", "art6_basis", "2024", "golden rule 3")
    assert evaluation.valid
    assert evaluation.outcome["review_required"] is True


def test_isd_15_does_not_fire_when_not_a_public_authority(check):
    evaluation = check(**GIVEN_EXPLICIT_CONSENT, art6_basis="consent", sharer_is_public_authority=False)
    assert evaluation.findings == ()


def test_isd_15_does_not_fire_for_public_authority_on_public_task_with_consent(check):
    assert check(**GIVEN_EXPLICIT_CONSENT).findings == ()


# --- ISD-16: a child's own consent needs their competence assessed ---------------------------------

CHILD_CONSENTS = GIVEN_EXPLICIT_CONSENT | {"consent_given_by": "child_competent", "child_age": 15}


def test_isd_16_fires_when_child_competence_not_assessed(check):
    evaluation = check(**CHILD_CONSENTS, child_competence_assessed=False)
    assert rule_ids(evaluation) == {"ISD-16"}
    assert_finding(evaluation, "ISD-16", "error", "child_competence_assessed", "Gillick competence")
    assert not evaluation.valid


def test_isd_16_does_not_fire_when_child_competence_assessed(check):
    assert check(**CHILD_CONSENTS, child_competence_assessed=True).findings == ()


def test_isd_16_does_not_fire_when_competence_question_is_unanswered(check):
    # Unanswered is a missing answer (engine error), not "false".
    evaluation = check(**CHILD_CONSENTS)
    assert rule_ids(evaluation) == {"required"}
    assert evaluation.outcome["missing"] == ["child_competence_assessed"]


# --- ISD-22: para 18 after consent was refused or withdrawn -----------------------------------------


@pytest.mark.parametrize("consent", [pytest.param(REFUSED, id="refused"), pytest.param(WITHDRAWN, id="withdrawn")])
def test_isd_22_warns_when_para_18_relied_on_after_refusal(check, consent):
    evaluation = check(**consent)
    assert rule_ids(evaluation) == {"ISD-22"}
    finding = assert_finding(evaluation, "ISD-22", "warning", "special_category_condition", "para 18(2)")
    assert "para 6" in finding.message  # suggests statutory purposes
    assert evaluation.valid  # a share that happened must be recordable


@pytest.mark.parametrize("consent", [pytest.param(REFUSED, id="refused"), pytest.param(WITHDRAWN, id="withdrawn")])
def test_isd_22_warns_on_law_enforcement_condition_under_law_enforcement(check, consent):
    evaluation = check(**LAW_ENFORCEMENT | consent)
    assert rule_ids(evaluation) == {"ISD-22"}
    assert_finding(evaluation, "ISD-22", "warning", "law_enforcement_condition", "para 18(2)")


def test_isd_22_does_not_fire_after_refusal_under_statutory_purposes(check):
    assert check(**REFUSED | STATUTORY_PURPOSES).findings == ()


def test_isd_22_does_not_fire_for_para_18_when_consent_not_sought(check):
    assert "ISD-22" not in rule_ids(check())


# --- ISD-23: a consent-based condition or basis without explicit consent ----------------------------


@pytest.mark.parametrize(
    "consent",
    [
        pytest.param({}, id="not_sought"),
        pytest.param(REFUSED, id="refused"),
        pytest.param(NOT_EXPLICIT, id="given_not_explicit"),
    ],
)
def test_isd_23_fires_for_explicit_consent_condition_without_consent(check, consent):
    evaluation = check(**consent | EXPLICIT_CONSENT_CONDITION)
    assert rule_ids(evaluation) == {"ISD-23"}
    assert_finding(evaluation, "ISD-23", "error", "special_category_condition", "Art 9(2)(a)")
    assert not evaluation.valid


def test_isd_23_fires_for_law_enforcement_consent_condition_without_consent(check):
    evaluation = check(**LAW_ENFORCEMENT | {"law_enforcement_condition": "consent", "substantial_public_interest": None})
    assert rule_ids(evaluation) == {"ISD-23"}
    assert_finding(evaluation, "ISD-23", "error", "law_enforcement_condition", "s.35(2)(a)")


def test_isd_23_fires_for_s35_2_a_basis_without_consent(check):
    evaluation = check(**LAW_ENFORCEMENT | {"le_basis": "s35_2_a_consent"})
    assert rule_ids(evaluation) == {"ISD-23"}
    assert_finding(evaluation, "ISD-23", "error", "le_basis", "s.35(2)(a)")


def test_isd_23_fires_once_on_each_consent_field_under_law_enforcement(check, hits):
    evaluation = check(
        **LAW_ENFORCEMENT
        | {"law_enforcement_condition": "consent", "le_basis": "s35_2_a_consent", "substantial_public_interest": None}
    )
    assert sorted(hits(evaluation, "ISD-23")) == [("error", "law_enforcement_condition"), ("error", "le_basis")]


def test_isd_23_does_not_fire_with_explicit_consent_given(check):
    assert check(**GIVEN_EXPLICIT_CONSENT).findings == ()


def test_isd_23_does_not_fire_under_law_enforcement_with_explicit_consent(check):
    evaluation = check(
        **LAW_ENFORCEMENT
        | GIVEN
        | {"law_enforcement_condition": "consent", "le_basis": "s35_2_a_consent", "substantial_public_interest": None}
    )
    assert evaluation.findings == ()


# --- ISD-26: consent from one person does not cover another's information ---------------------------


@pytest.mark.parametrize("consent", [pytest.param(GIVEN_EXPLICIT_CONSENT, id="given"), pytest.param(PARTIAL, id="partial")])
def test_isd_26_advises_when_consent_covers_more_than_one_role(check, consent):
    evaluation = check(**consent | EXPLICIT_CONSENT_CONDITION | {"subject_roles": ["child", "parent_carer"]})
    assert rule_ids(evaluation) == {"ISD-26"}
    finding = assert_finding(evaluation, "ISD-26", "advice", "consent_given_by")
    # FORMS.md: "consent from one person does not cover another's information".
    text = f"{finding.message} {finding.reference}".lower()
    assert "another" in text and "consent" in text
    assert evaluation.valid
    assert evaluation.outcome["review_required"] is False  # advice only


def test_isd_26_does_not_fire_with_consent_about_one_role(check):
    assert check(**GIVEN_EXPLICIT_CONSENT).findings == ()


def test_isd_26_does_not_fire_without_consent_for_several_roles(check):
    # The base answers: two roles, consent not sought.
    assert "ISD-26" not in rule_ids(check())
