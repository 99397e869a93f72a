"""Decision support for information-sharing-decision (FORMS.md "Outcome"): the sharing,
with_consent and sensitive flags, review_required, missing and suggested_conditions."""

from __future__ import annotations

import pytest
from answer_sets import ADULT_AT_RISK, GIVEN_EXPLICIT_CONSENT, LAW_ENFORCEMENT, NOT_SHARING, SOUGHT, STATUTORY_PURPOSES

PUBLIC_TASK = "UK GDPR Art 6(1)(e) public task"
LEGITIMATE_INTERESTS = "UK GDPR Art 6(1)(f) legitimate interests"
RECOGNISED_LEGITIMATE_INTEREST = "UK GDPR Art 6(1)(ea) recognised legitimate interest (safeguarding)"
SAFEGUARDING = "UK GDPR Art 9(2)(g) with DPA 2018 Sch 1 para 18"
EXPLICIT_CONSENT = "UK GDPR Art 9(2)(a) explicit consent"
HEALTH_SOCIAL_CARE = "UK GDPR Art 9(2)(h) with DPA 2018 Sch 1 para 2"
LE_TASK = "DPA 2018 s.35(2)(b)"
LE_SAFEGUARDING = "DPA 2018 s.35(5) with Sch 8 para 4"

PARTIAL = GIVEN_EXPLICIT_CONSENT | {"consent_outcome": "partial", "consent_scope": "The body map only."}
NOT_EXPLICIT = (
    GIVEN_EXPLICIT_CONSENT
    | STATUTORY_PURPOSES
    | {"consent_explicit": False, "article8_justification": "Protecting the child.", "appropriate_policy_document": "APD v3"}
)
REFUSED = SOUGHT | STATUTORY_PURPOSES | {"consent_outcome": "refused", "consent_override_reason": "Risk of harm."}
WITHDRAWN = REFUSED | {"consent_outcome": "withdrawn"}
NOT_PUBLIC = {"sharer_is_public_authority": False, "sharer_agency_type": "voluntary_sector", "art6_basis": "legitimate_interests"}


def suggestions(evaluation):
    return evaluation.outcome["suggested_conditions"]


# --- flags -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["share", "share_partial"])
def test_outcome_sharing_is_true_for_share_and_share_partial(check, decision):
    assert check(decision=decision).outcome["sharing"] is True


def test_outcome_sharing_is_false_for_do_not_share(check):
    evaluation = check(**NOT_SHARING)
    assert evaluation.valid
    assert evaluation.outcome["sharing"] is False


@pytest.mark.parametrize(
    ("consent", "expected"),
    [
        pytest.param({}, False, id="not_sought"),
        pytest.param(GIVEN_EXPLICIT_CONSENT, True, id="given_explicit"),
        pytest.param(PARTIAL, True, id="partial_explicit"),
        pytest.param(NOT_EXPLICIT, False, id="given_not_explicit"),
        pytest.param(REFUSED, False, id="refused"),
        pytest.param(WITHDRAWN, False, id="withdrawn"),
    ],
)
def test_outcome_with_consent_follows_the_shared_definition(check, consent, expected):
    evaluation = check(**consent)
    assert evaluation.valid, [f.to_dict() for f in evaluation.findings]
    assert evaluation.outcome["with_consent"] is expected


def test_outcome_with_consent_is_false_while_explicitness_is_unanswered(check):
    evaluation = check(**GIVEN_EXPLICIT_CONSENT | {"consent_explicit": None})
    assert evaluation.outcome["with_consent"] is False
    assert "consent_explicit" in evaluation.outcome["missing"]


@pytest.mark.parametrize(
    ("regime", "categories", "expected"),
    [
        ("general", ["health"], True),
        ("general", ["special_category_other"], True),
        ("general", ["criminal_offence"], True),
        ("general", ["exposure_to_harm", "family_circumstances"], False),
        ("law_enforcement", ["health"], True),
        ("law_enforcement", ["special_category_other", "criminal_offence"], True),
        ("law_enforcement", ["criminal_offence"], False),  # DPA 2018 s.35(8)
        ("law_enforcement", ["exposure_to_harm"], False),
    ],
)
def test_outcome_sensitive_depends_on_regime(check, regime, categories, expected):
    # Only the flag is asserted; the condition questions shown may differ between cases.
    changes = LAW_ENFORCEMENT if regime == "law_enforcement" else {}
    evaluation = check(**changes | {"information_categories": categories})
    assert evaluation.outcome["sensitive"] is expected


# --- review_required -----------------------------------------------------------------------------------


def test_outcome_review_required_is_false_without_warnings(check):
    assert check().outcome["review_required"] is False


def test_outcome_review_required_when_a_warning_exists(check):
    evaluation = check(minimum_necessary=False)
    assert [f.severity for f in evaluation.findings] == ["warning"]
    assert evaluation.outcome["review_required"] is True


def test_outcome_review_not_required_for_advice_only(check):
    evaluation = check(statutory_gateways=["crime_and_disorder_act_1998_s115"])
    assert [f.severity for f in evaluation.findings] == ["advice"]
    assert evaluation.outcome["review_required"] is False


def test_outcome_review_not_required_for_errors_only(check):
    evaluation = check(article8_justification=None)
    assert [f.severity for f in evaluation.findings] == ["error"]
    assert evaluation.outcome["review_required"] is False


def test_outcome_review_required_when_warning_and_error_together(check):
    evaluation = check(article8_justification=None, share_method="letter")
    assert evaluation.outcome["review_required"] is True
    assert not evaluation.valid


# --- missing ---------------------------------------------------------------------------------------


def test_outcome_missing_is_empty_for_complete_answers(check):
    assert check().outcome["missing"] == []


def test_outcome_missing_lists_unanswered_required_questions(check, hits):
    evaluation = check(purpose=None, decision_reasons=None)
    assert sorted(evaluation.outcome["missing"]) == ["decision_reasons", "purpose"]
    assert hits(evaluation, "required") == [("error", "purpose"), ("error", "decision_reasons")]


def test_outcome_missing_lists_newly_required_questions(check):
    evaluation = check(**SOUGHT | {"consent_date": None})
    assert sorted(evaluation.outcome["missing"]) == ["consent_date", "consent_outcome"]


def test_outcome_missing_lists_adult_at_risk_questions(check):
    evaluation = check(protected_persons=["adult_at_risk"])
    assert sorted(evaluation.outcome["missing"]) == ["adult_care_needs", "adult_experiencing_harm", "adult_unable_to_protect"]


def test_outcome_missing_ignores_hidden_questions(check):
    # Not sharing: shared_information, shared_with, share_method and shared_at are hidden.
    assert check(**NOT_SHARING).outcome["missing"] == []


@pytest.mark.parametrize("optional", ["statutory_gateways", "child_age", "article8_justification", "checks_confirmed"])
def test_outcome_missing_ignores_optional_questions(check, optional):
    assert optional not in check(**{optional: None}).outcome["missing"]


def test_outcome_missing_substantial_public_interest_only_for_special_category(check):
    health = check(substantial_public_interest=None)
    assert health.outcome["missing"] == ["substantial_public_interest"]
    # Criminal offence data alone: shown but optional (Sch 1 para 36).
    offences = check(substantial_public_interest=None, information_categories=["criminal_offence"])
    assert offences.outcome["missing"] == []


# --- suggested_conditions: general regime -------------------------------------------------------------


def test_outcome_suggests_public_task_safeguarding_and_health_care_for_the_base_case(check):
    assert set(suggestions(check())) == {PUBLIC_TASK, SAFEGUARDING, HEALTH_SOCIAL_CARE}


def test_outcome_public_authority_is_not_offered_legitimate_interests(check):
    found = suggestions(check())
    assert LEGITIMATE_INTERESTS not in found
    assert RECOGNISED_LEGITIMATE_INTEREST not in found


def test_outcome_suggests_legitimate_interests_and_rli_from_commencement(check):
    evaluation = check(**NOT_PUBLIC, decided_at="2026-02-05T09:00:00Z", shared_at="2026-02-05T10:00:00Z")
    found = suggestions(evaluation)
    assert LEGITIMATE_INTERESTS in found
    assert RECOGNISED_LEGITIMATE_INTEREST in found
    assert PUBLIC_TASK not in found


def test_outcome_does_not_suggest_rli_before_commencement(check):
    evaluation = check(**NOT_PUBLIC, decided_at="2026-02-04T09:00:00Z", shared_at="2026-02-04T10:00:00Z")
    found = suggestions(evaluation)
    assert LEGITIMATE_INTERESTS in found
    assert RECOGNISED_LEGITIMATE_INTEREST not in found


@pytest.mark.parametrize("sharer", ["health_gp", "health_other", "adult_social_care", "children_social_care"])
def test_outcome_suggests_art_9_2_h_for_health_and_social_care_sharers(check, sharer):
    assert HEALTH_SOCIAL_CARE in suggestions(check(sharer_agency_type=sharer))


@pytest.mark.parametrize("sharer", ["education", "police", "housing", "voluntary_sector"])
def test_outcome_does_not_suggest_art_9_2_h_for_other_sharers(check, sharer):
    found = suggestions(check(sharer_agency_type=sharer))
    assert HEALTH_SOCIAL_CARE not in found
    assert SAFEGUARDING in found


def test_outcome_suggests_explicit_consent_not_para_18_with_consent(check):
    found = suggestions(check(**GIVEN_EXPLICIT_CONSENT))
    assert EXPLICIT_CONSENT in found
    assert SAFEGUARDING not in found


def test_outcome_does_not_suggest_explicit_consent_without_consent(check):
    assert EXPLICIT_CONSENT not in suggestions(check())


def test_outcome_does_not_suggest_para_18_when_no_concern_identified(check):
    found = suggestions(check(**STATUTORY_PURPOSES, concern_level="none_identified"))
    assert SAFEGUARDING not in found
    assert PUBLIC_TASK in found


def test_outcome_does_not_suggest_para_18_when_nobody_protected_is_child_or_adult_at_risk(check):
    found = suggestions(check(**STATUTORY_PURPOSES, protected_persons=["other"]))
    assert SAFEGUARDING not in found


def test_outcome_suggests_para_18_for_a_qualifying_adult_at_risk(check):
    assert SAFEGUARDING in suggestions(check(**ADULT_AT_RISK))


def test_outcome_does_not_suggest_para_18_for_an_adult_not_at_risk(check):
    changes = ADULT_AT_RISK | STATUTORY_PURPOSES | {"adult_unable_to_protect": False}
    assert SAFEGUARDING not in suggestions(check(**changes))


def test_outcome_suggests_no_special_category_condition_for_non_sensitive_information(check):
    evaluation = check(
        information_categories=["exposure_to_harm"],
        special_category_condition=None,
        substantial_public_interest=None,
        appropriate_policy_document=None,
    )
    assert evaluation.findings == ()
    assert suggestions(evaluation) == [PUBLIC_TASK]


def test_outcome_suggests_para_18_via_para_36_for_criminal_offence_data(check):
    evaluation = check(sharer_agency_type="education", information_categories=["criminal_offence", "exposure_to_harm"])
    assert evaluation.valid
    via_36 = [s for s in suggestions(evaluation) if "via Sch 1 para 36" in s]
    assert via_36, suggestions(evaluation)
    assert all("Sch 1 para 18" in s for s in via_36)


def test_outcome_general_regime_never_suggests_law_enforcement_conditions(check):
    assert not [s for s in suggestions(check()) if "s.35" in s or "Sch 8" in s]


# --- suggested_conditions: law-enforcement regime -----------------------------------------------------


def test_outcome_law_enforcement_suggests_s35_2_b_and_sch8_para4(check):
    evaluation = check(**LAW_ENFORCEMENT)
    assert evaluation.findings == ()
    found = suggestions(evaluation)
    assert LE_TASK in found
    assert LE_SAFEGUARDING in found
    assert not [s for s in found if s.startswith("UK GDPR")]  # never mixed


def test_outcome_law_enforcement_criminal_offence_only_suggests_s35_2_b_only(check):
    evaluation = check(
        **LAW_ENFORCEMENT
        | {
            "law_enforcement_condition": None,
            "substantial_public_interest": None,
            "appropriate_policy_document": None,
            "information_categories": ["criminal_offence"],
        }
    )
    assert evaluation.findings == ()
    assert suggestions(evaluation) == [LE_TASK]


def test_outcome_law_enforcement_does_not_suggest_sch8_para4_when_not_protective(check):
    changes = LAW_ENFORCEMENT | {
        "law_enforcement_condition": "sch8_para1_statutory_purposes",
        "substantial_public_interest": None,
        "protected_persons": ["other"],
    }
    assert suggestions(check(**changes)) == [LE_TASK]


def test_outcome_law_enforcement_does_not_suggest_sch8_para4_with_consent(check):
    changes = (
        LAW_ENFORCEMENT
        | GIVEN_EXPLICIT_CONSENT
        | {
            "special_category_condition": None,
            "law_enforcement_condition": "consent",
            "appropriate_policy_document": "Force APD v2",
        }
    )
    evaluation = check(**changes)
    assert evaluation.valid, [f.to_dict() for f in evaluation.findings]
    assert LE_SAFEGUARDING not in suggestions(evaluation)
    assert LE_TASK in suggestions(evaluation)
