"""Shown and required questions, and the findings they produce (FORMS.md, "Visibility, required-ness…").

"required if X": shown and required when X holds, hidden otherwise. "shown if X": shown and
optional when X holds, hidden otherwise. A value for a hidden question is an error on it (never
silently dropped). Conditions see only answers that are shown and valid; a comparison or
membership test on a missing answer is false.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from forms_md_tables import CORE_FORM, CORE_QUESTIONS, ENGINE_RULES

from sharewise.core import Engine, Evaluation, Finding

# The core form's questions in form order (FORMS.md tables).
FORM_ORDER = list(CORE_QUESTIONS)

NOT_SOUGHT = {"consent_not_sought_reason": None, "consent_not_sought_detail": None}
ADULT_TEST = {"adult_care_needs": True, "adult_experiencing_harm": True, "adult_unable_to_protect": True}
LAW_ENFORCEMENT = {
    "processing_regime": "law_enforcement",
    "le_basis": "s35_2_b_necessary_for_task",
    "art6_basis": None,
    "special_category_condition": None,
}


def problems(evaluation: Evaluation) -> set[tuple[str, str | None]]:
    """``(rule, field)`` of each engine answer finding; each must be an ``error``."""
    found = [f for f in evaluation.findings if f.rule in ENGINE_RULES]
    assert all(f.severity == "error" for f in found), found
    return {(f.rule, f.field) for f in found}


def required(*fields: str) -> set[tuple[str, str]]:
    return {("required", f) for f in fields}


def hidden(*fields: str) -> set[tuple[str, str]]:
    return {("hidden", f) for f in fields}


def in_form_order(fields: set[str] | list[str]) -> list[str]:
    return [q for q in FORM_ORDER if q in set(fields)]


def finding(evaluation: Evaluation, rule: str, field: str) -> Finding:
    (found,) = [f for f in evaluation.findings if f.rule == rule and f.field == field]
    return found


def assert_names_question(engine: Engine, found: Finding) -> None:
    label = engine.form(CORE_FORM).questions[found.field].label
    assert label in found.message, found.message
    assert found.plugin == "engine"
    for leak in ("<class", "Traceback", "object at 0x", "None"):
        assert leak not in found.message, found.message


def test_form_order_matches_the_form(engine: Engine) -> None:
    """The order this file assumes is the contract's (FORMS.md) and the form's."""
    assert [q.id for q in engine.form(CORE_FORM).iter_questions()] == FORM_ORDER


# --- "required if": required (and listed in missing) exactly when the condition holds ----------

REQUIRED_IF = [
    pytest.param({"trigger": "request_received"}, ["requesting_agency"], id="requesting_agency"),
    pytest.param(
        {"protected_persons": ["child", "adult_at_risk"]},
        ["adult_care_needs", "adult_experiencing_harm", "adult_unable_to_protect"],
        id="adult-at-risk-test",
    ),
    pytest.param({"third_parties_identifiable": True}, ["third_party_protection"], id="third_party_protection"),
    pytest.param({"consent_sought": True, **NOT_SOUGHT}, ["consent_outcome", "consent_date"], id="consent-sought"),
    pytest.param(
        {"consent_sought": True, **NOT_SOUGHT, "consent_outcome": "given", "consent_date": "2026-11-20"},
        ["consent_given_by", "consent_explicit"],
        id="consent-given",
    ),
    pytest.param(
        {"consent_sought": True, **NOT_SOUGHT, "consent_outcome": "partial", "consent_date": "2026-11-20"},
        ["consent_given_by", "consent_explicit", "consent_scope"],
        id="consent-partial",
    ),
    pytest.param(
        {
            "consent_sought": True,
            **NOT_SOUGHT,
            "consent_outcome": "given",
            "consent_date": "2026-11-20",
            "consent_given_by": "child_competent",
            "consent_explicit": True,
            "article8_justification": None,  # with consent: hidden
        },
        ["child_competence_assessed"],
        id="child-competent",
    ),
    pytest.param({**NOT_SOUGHT}, ["consent_not_sought_reason", "consent_not_sought_detail"], id="consent-not-sought"),
    pytest.param(
        {**LAW_ENFORCEMENT, "le_basis": None, "substantial_public_interest": None, "appropriate_policy_document": None},
        ["le_basis"],
        id="law-enforcement-basis",
    ),
    pytest.param({"art6_basis": None}, ["art6_basis"], id="general-basis"),
    pytest.param({"advice_from": None}, ["advice_from"], id="advice_from"),
    pytest.param(
        {"shared_information": None, "shared_with": None, "share_method": None, "shared_at": None},
        ["shared_information", "shared_with", "share_method", "shared_at"],
        id="sharing",
    ),
    pytest.param({"subject_not_informed_reason": None}, ["subject_not_informed_reason"], id="subject-not-informed"),
]


@pytest.mark.parametrize(("changes", "now_required"), REQUIRED_IF)
def test_required_if_question_is_required_when_its_condition_holds(
    engine: Engine, check: Callable[..., Evaluation], changes: dict[str, Any], now_required: list[str]
) -> None:
    evaluation = check(**changes)
    assert problems(evaluation) == required(*now_required)
    assert evaluation.outcome["missing"] == in_form_order(now_required)
    assert not evaluation.valid
    for field in now_required:
        assert_names_question(engine, finding(evaluation, "required", field))


def test_missing_lists_every_unanswered_required_question_in_form_order(check: Callable[..., Evaluation]) -> None:
    evaluation = check(decided_at=None, trigger=None, consent_not_sought_detail=None, purpose=None, share_method=None)
    expected = ["trigger", "purpose", "consent_not_sought_detail", "share_method", "decided_at"]
    assert evaluation.outcome["missing"] == expected
    assert problems(evaluation) == required(*expected)


# --- "required if" / "shown if": hidden when the condition does not hold ------------------------

HIDDEN_WHEN = [
    pytest.param({"consent_outcome": "given"}, ["consent_outcome"], id="consent_outcome-when-not-sought"),
    pytest.param({"consent_date": "2026-11-20"}, ["consent_date"], id="consent_date-when-not-sought"),
    pytest.param({"requesting_agency": "Police"}, ["requesting_agency"], id="requesting_agency-on-own-concern"),
    pytest.param(
        {"subject_roles": ["parent_carer"], "protected_persons": ["other"]},
        ["child_age"],
        id="child_age-with-no-child",
    ),
    pytest.param({"adult_care_needs": True}, ["adult_care_needs"], id="adult-test-with-no-adult-at-risk"),
    pytest.param({"third_party_protection": "Redacted"}, ["third_party_protection"], id="third_party_protection"),
    pytest.param({"le_basis": "s35_2_b_necessary_for_task"}, ["le_basis"], id="le_basis-under-general"),
    pytest.param({"law_enforcement_condition": "other"}, ["law_enforcement_condition"], id="le-condition-under-general"),
    pytest.param({"advice_sought": False}, ["advice_from"], id="advice_from-without-advice"),
    pytest.param({"subject_informed": "yes"}, ["subject_not_informed_reason"], id="not-informed-reason-when-informed"),
    pytest.param(
        {"decision": "do_not_share"},
        ["shared_information", "shared_with", "share_method", "shared_at", "article8_justification"],
        id="share-details-when-not-sharing",
    ),
    pytest.param(
        {"consent_override_reason": "Risk to the child"},
        ["consent_override_reason"],
        id="override-reason-when-consent-not-sought",
    ),
    pytest.param(
        {
            "consent_sought": True,
            **NOT_SOUGHT,
            "consent_outcome": "refused",
            "consent_date": "2026-11-20",
            "consent_given_by": "data_subject",
            "consent_explicit": True,
            "consent_scope": "Only the GP letter",
        },
        ["consent_given_by", "consent_explicit", "consent_scope"],
        id="consent-details-when-refused",
    ),
    pytest.param(
        {
            "consent_sought": True,
            **NOT_SOUGHT,
            "consent_outcome": "given",
            "consent_date": "2026-11-20",
            "consent_given_by": "parent_with_pr",
            "consent_explicit": True,
            "consent_scope": "Only the GP letter",
            "child_competence_assessed": True,
            "consent_override_reason": "Risk",
            "article8_justification": None,
        },
        ["consent_scope", "child_competence_assessed", "consent_override_reason"],
        id="partial-only-details-when-given",
    ),
    pytest.param(
        {"processing_regime": "law_enforcement", "le_basis": "s35_2_b_necessary_for_task"},
        ["art6_basis", "special_category_condition", "substantial_public_interest", "appropriate_policy_document"],
        id="general-regime-answers-under-law-enforcement",
    ),
]


@pytest.mark.parametrize(("changes", "now_hidden"), HIDDEN_WHEN)
def test_value_for_hidden_question_is_an_error(
    engine: Engine, check: Callable[..., Evaluation], changes: dict[str, Any], now_hidden: list[str]
) -> None:
    evaluation = check(**changes)
    assert problems(evaluation) == hidden(*now_hidden)
    assert evaluation.outcome["missing"] == []
    assert not evaluation.valid
    for field in now_hidden:
        assert_names_question(engine, finding(evaluation, "hidden", field))


@pytest.mark.parametrize(("changes", "now_hidden"), HIDDEN_WHEN)
def test_hidden_question_left_unanswered_is_fine(
    check: Callable[..., Evaluation], changes: dict[str, Any], now_hidden: list[str]
) -> None:
    evaluation = check(**{**changes, **dict.fromkeys(now_hidden)})
    assert problems(evaluation) == set()
    assert evaluation.outcome["missing"] == []


@pytest.mark.parametrize("value", ["not an option", 42, ["given"]], ids=repr)
def test_invalid_value_for_hidden_question_is_still_reported(check: Callable[..., Evaluation], value: Any) -> None:
    # Never silently dropped: exactly one error on the field, whether called hidden or malformed.
    evaluation = check(consent_outcome=value)
    (found,) = [f for f in evaluation.findings if f.field == "consent_outcome"]
    assert found.severity == "error"
    assert found.rule in {"hidden", "type", "option"}
    assert not evaluation.valid


def test_hidden_answer_is_not_passed_to_rules(check: Callable[..., Evaluation], hits: Callable) -> None:
    # art6_basis = consent would trigger ISD-1 and ISD-15, but it is hidden under law enforcement.
    evaluation = check(**{**LAW_ENFORCEMENT, "art6_basis": "consent"})
    assert ("hidden", "art6_basis") in problems(evaluation)
    assert hits(evaluation, "ISD-1") == []
    assert hits(evaluation, "ISD-15") == []


def test_shown_optional_questions_are_never_required(check: Callable[..., Evaluation]) -> None:
    evaluation = check(child_age=None, statutory_gateways=None, checks_confirmed=None, article8_justification=None)
    assert problems(evaluation) == set()
    assert evaluation.outcome["missing"] == []


def test_child_age_is_shown_when_child_is_only_a_subject(check: Callable[..., Evaluation]) -> None:
    evaluation = check(subject_roles=["child"], protected_persons=["other"])
    assert problems(evaluation) == set()


def test_child_age_is_shown_when_child_is_only_protected(check: Callable[..., Evaluation]) -> None:
    evaluation = check(subject_roles=["parent_carer"], protected_persons=["child"])
    assert problems(evaluation) == set()


def test_consent_override_reason_is_shown_but_optional_when_refused(check: Callable[..., Evaluation]) -> None:
    refused = {"consent_sought": True, **NOT_SOUGHT, "consent_outcome": "refused", "consent_date": "2026-11-20"}
    assert problems(check(**refused)) == set()
    assert problems(check(**refused, consent_override_reason="Risk to the child outweighs the refusal")) == set()
    assert problems(check(**{**refused, "consent_outcome": "withdrawn"}, consent_override_reason="Risk")) == set()


# --- an unanswered question makes a comparison or membership test false -------------------------


def test_unanswered_consent_sought_does_not_make_not_sought_reason_required(check: Callable[..., Evaluation]) -> None:
    evaluation = check(consent_sought=None, **NOT_SOUGHT)
    assert problems(evaluation) == required("consent_sought")
    assert evaluation.outcome["missing"] == ["consent_sought"]


def test_unanswered_consent_sought_hides_not_sought_reason(check: Callable[..., Evaluation]) -> None:
    # "consent_sought is false" does not hold when it is unanswered: the reasons are for a hidden question.
    evaluation = check(consent_sought=None)
    assert problems(evaluation) == required("consent_sought") | hidden("consent_not_sought_reason", "consent_not_sought_detail")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"trigger": None}, required("trigger"), id="trigger"),
        pytest.param(
            {"subject_informed": None},
            required("subject_informed") | hidden("subject_not_informed_reason"),
            id="subject_informed",
        ),
        pytest.param({"third_parties_identifiable": None}, required("third_parties_identifiable"), id="third_parties"),
        pytest.param({"advice_sought": None}, required("advice_sought") | hidden("advice_from"), id="advice_sought"),
        pytest.param(
            {"decision": None},
            required("decision")
            | hidden("shared_information", "shared_with", "share_method", "shared_at", "article8_justification"),
            id="decision",
        ),
        pytest.param(
            {"subject_roles": ["parent_carer"], "protected_persons": None},
            required("protected_persons") | hidden("child_age"),
            id="membership-on-missing-multi",
        ),
        pytest.param(
            {"information_categories": None},
            required("information_categories")
            | hidden("special_category_condition", "substantial_public_interest", "appropriate_policy_document"),
            id="membership-on-missing-categories",
        ),
        pytest.param(
            {"processing_regime": None},
            required("processing_regime")
            | hidden("art6_basis", "special_category_condition", "substantial_public_interest", "appropriate_policy_document"),
            id="regime",
        ),
    ],
)
def test_unanswered_question_makes_conditions_on_it_false(
    check: Callable[..., Evaluation], changes: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    evaluation = check(**changes)
    assert problems(evaluation) == expected
    assert evaluation.outcome["missing"] == in_form_order({f for r, f in expected if r == "required"})


# --- conditions see only answers that are shown and valid ---------------------------------------


@pytest.mark.parametrize("bad", ["yes", "true", 1, [True]], ids=repr)
def test_invalid_consent_sought_does_not_make_consent_outcome_required(check: Callable[..., Evaluation], bad: Any) -> None:
    evaluation = check(consent_sought=bad, **NOT_SOUGHT)
    assert problems(evaluation) == {("type", "consent_sought")}
    assert "consent_outcome" not in evaluation.outcome["missing"]
    assert "consent_not_sought_reason" not in evaluation.outcome["missing"]


def test_invalid_consent_sought_does_not_show_consent_outcome(check: Callable[..., Evaluation]) -> None:
    evaluation = check(consent_sought="yes", **NOT_SOUGHT, consent_outcome="given", consent_date="2026-11-20")
    assert problems(evaluation) == {("type", "consent_sought")} | hidden("consent_outcome", "consent_date")


def test_invalid_trigger_does_not_make_requesting_agency_required(check: Callable[..., Evaluation]) -> None:
    evaluation = check(trigger="request")
    assert problems(evaluation) == {("option", "trigger")}


def test_invalid_regime_makes_neither_basis_required(check: Callable[..., Evaluation]) -> None:
    evaluation = check(processing_regime="both", art6_basis=None, special_category_condition=None)
    assert problems(evaluation) == {("option", "processing_regime")} | hidden(
        "substantial_public_interest", "appropriate_policy_document"
    )
    assert evaluation.outcome["missing"] == []


def test_invalid_multi_does_not_drive_membership(check: Callable[..., Evaluation]) -> None:
    # A duplicate makes protected_persons invalid: the adult-at-risk questions are not required.
    evaluation = check(protected_persons=["adult_at_risk", "adult_at_risk"])
    assert problems(evaluation) == {("duplicate", "protected_persons")}
    evaluation = check(protected_persons=["adult_at_risk", "adult_at_risk"], **ADULT_TEST)
    assert problems(evaluation) == {("duplicate", "protected_persons")} | hidden(*ADULT_TEST)


def test_invalid_answer_is_not_passed_to_rules(check: Callable[..., Evaluation], hits: Callable) -> None:
    evaluation = check(minimum_necessary="no")
    assert problems(evaluation) == {("type", "minimum_necessary")}
    assert hits(evaluation, "ISD-8") == []


def test_hidden_consent_outcome_does_not_drive_other_questions(check: Callable[..., Evaluation]) -> None:
    # consent_sought is false, so consent_outcome is hidden; "partial" must not make the given/partial
    # questions (given_by, explicit, scope) required.
    evaluation = check(consent_outcome="partial")
    assert problems(evaluation) == hidden("consent_outcome")
    assert evaluation.outcome["missing"] == []


def test_hidden_consent_given_by_does_not_drive_competence(check: Callable[..., Evaluation]) -> None:
    evaluation = check(
        consent_sought=True,
        **NOT_SOUGHT,
        consent_outcome="refused",
        consent_date="2026-11-20",
        consent_given_by="child_competent",
    )
    assert problems(evaluation) == hidden("consent_given_by")


def test_hidden_special_category_condition_does_not_drive_para18_questions(check: Callable[..., Evaluation]) -> None:
    # Nothing sensitive: special_category_condition is hidden, so para 18 is not "relied on".
    evaluation = check(
        information_categories=["exposure_to_harm"], substantial_public_interest=None, appropriate_policy_document=None
    )
    assert problems(evaluation) == hidden("special_category_condition")
    evaluation = check(information_categories=["exposure_to_harm"])
    assert problems(evaluation) == hidden(
        "special_category_condition", "substantial_public_interest", "appropriate_policy_document"
    )


# --- substantial_public_interest --------------------------------------------------------------


@pytest.mark.parametrize("categories", [["health"], ["special_category_other"], ["health", "criminal_offence"]], ids=str)
def test_substantial_public_interest_required_for_para18_and_special_category(
    check: Callable[..., Evaluation], categories: list[str]
) -> None:
    evaluation = check(information_categories=categories, substantial_public_interest=None)
    assert problems(evaluation) == required("substantial_public_interest")
    assert evaluation.outcome["missing"] == ["substantial_public_interest"]


def test_substantial_public_interest_required_for_sch8_para4_and_special_category(check: Callable[..., Evaluation]) -> None:
    law_enforcement = {**LAW_ENFORCEMENT, "law_enforcement_condition": "sch8_para4_safeguarding"}
    assert problems(check(**law_enforcement)) == set()
    evaluation = check(**law_enforcement, substantial_public_interest=None)
    assert problems(evaluation) == required("substantial_public_interest")


def test_substantial_public_interest_optional_for_criminal_offence_data_only(check: Callable[..., Evaluation]) -> None:
    categories = ["criminal_offence", "exposure_to_harm"]
    # Shown: an answer is not a hidden-question error ...
    assert problems(check(information_categories=categories)) == set()
    # ... but optional (Sch 1 para 36): leaving it out is fine.
    evaluation = check(information_categories=categories, substantial_public_interest=None)
    assert problems(evaluation) == set()
    assert evaluation.outcome["missing"] == []


@pytest.mark.parametrize(
    "condition",
    ["sch1_para6_statutory_purposes", "sch1_para10_unlawful_acts", "art9_2_h_health_social_care", "explicit_consent", "other"],
)
def test_substantial_public_interest_hidden_without_para18(check: Callable[..., Evaluation], condition: str) -> None:
    evaluation = check(special_category_condition=condition)
    assert ("hidden", "substantial_public_interest") in problems(evaluation)
    evaluation = check(special_category_condition=condition, substantial_public_interest=None)
    assert not {f for r, f in problems(evaluation)} & {"substantial_public_interest"}


def test_substantial_public_interest_hidden_under_law_enforcement_for_criminal_offence_only(
    check: Callable[..., Evaluation],
) -> None:
    # Under Part 3 only special category is sensitive: no law_enforcement_condition is shown, so no para 18.
    evaluation = check(**LAW_ENFORCEMENT, information_categories=["criminal_offence"], appropriate_policy_document=None)
    assert problems(evaluation) == hidden("substantial_public_interest")


# --- appropriate_policy_document ---------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="para18"),
        pytest.param(
            {"special_category_condition": "sch1_para6_statutory_purposes", "substantial_public_interest": None}, id="para6"
        ),
        pytest.param(
            {
                "special_category_condition": "sch1_para6_statutory_purposes",
                "substantial_public_interest": None,
                "proposed_recipients": ["police"],
            },
            id="para6-to-police",
        ),
        pytest.param({**LAW_ENFORCEMENT, "law_enforcement_condition": "sch8_para4_safeguarding"}, id="sch8-para4"),
        pytest.param(
            {
                **LAW_ENFORCEMENT,
                "law_enforcement_condition": "sch8_para1_statutory_purposes",
                "substantial_public_interest": None,
            },
            id="sch8-para1",
        ),
        pytest.param(
            {**LAW_ENFORCEMENT, "law_enforcement_condition": "consent", "substantial_public_interest": None}, id="le-consent"
        ),
        pytest.param(
            {**LAW_ENFORCEMENT, "law_enforcement_condition": "other", "substantial_public_interest": None}, id="le-other"
        ),
        pytest.param(
            {"special_category_condition": "sch1_para10_unlawful_acts", "substantial_public_interest": None},
            id="para10-to-social-care",
        ),
        pytest.param(
            {
                "special_category_condition": "sch1_para10_unlawful_acts",
                "substantial_public_interest": None,
                "proposed_recipients": ["police", "children_social_care"],
            },
            id="para10-police-and-social-care",
        ),
        pytest.param(
            {
                "special_category_condition": "sch1_para10_unlawful_acts",
                "substantial_public_interest": None,
                "proposed_recipients": ["probation", "housing"],
            },
            id="para10-probation-and-housing",
        ),
    ],
)
def test_appropriate_policy_document_required(check: Callable[..., Evaluation], changes: dict[str, Any]) -> None:
    assert problems(check(**changes)) == set()
    evaluation = check(**changes, appropriate_policy_document=None)
    assert problems(evaluation) == required("appropriate_policy_document")
    assert evaluation.outcome["missing"] == ["appropriate_policy_document"]


@pytest.mark.parametrize(
    "recipients",
    [["police"], ["probation"], ["youth_justice"], ["police", "probation", "youth_justice"], ["youth_justice", "police"]],
    ids=str,
)
def test_appropriate_policy_document_optional_for_para10_to_competent_authorities(
    check: Callable[..., Evaluation], recipients: list[str]
) -> None:
    # DPA 2018 Sch 1 para 10(2): no APD needed when disclosing to a competent authority; still shown.
    para10 = {"special_category_condition": "sch1_para10_unlawful_acts", "substantial_public_interest": None}
    evaluation = check(**para10, proposed_recipients=recipients, appropriate_policy_document=None)
    assert problems(evaluation) == set()
    assert evaluation.outcome["missing"] == []
    assert problems(check(**para10, proposed_recipients=recipients)) == set()


@pytest.mark.parametrize("condition", ["art9_2_h_health_social_care", "explicit_consent", "vital_interests", "other"])
def test_appropriate_policy_document_hidden_otherwise(check: Callable[..., Evaluation], condition: str) -> None:
    evaluation = check(special_category_condition=condition, substantial_public_interest=None)
    assert problems(evaluation) == hidden("appropriate_policy_document")
    evaluation = check(special_category_condition=condition, substantial_public_interest=None, appropriate_policy_document=None)
    assert problems(evaluation) == set()


def test_appropriate_policy_document_hidden_under_law_enforcement_without_condition(check: Callable[..., Evaluation]) -> None:
    evaluation = check(**LAW_ENFORCEMENT, substantial_public_interest=None)
    assert problems(evaluation) == hidden("appropriate_policy_document")


# --- subject_not_informed_reason ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("informed", "is_required"),
    [
        ("yes", False),
        ("will_inform", False),
        ("no_would_increase_risk", True),
        ("no_would_prejudice_investigation", True),
        ("no_other", True),
    ],
)
def test_subject_not_informed_reason_required_iff_informed_starts_with_no(
    check: Callable[..., Evaluation], informed: str, is_required: bool
) -> None:
    without_reason = check(subject_informed=informed, subject_not_informed_reason=None)
    with_reason = check(subject_informed=informed)
    if is_required:
        assert problems(without_reason) == required("subject_not_informed_reason")
        assert without_reason.outcome["missing"] == ["subject_not_informed_reason"]
        assert problems(with_reason) == set()
    else:
        assert problems(without_reason) == set()
        assert problems(with_reason) == hidden("subject_not_informed_reason")
