"""Tables transcribed from shared/domain/FORMS.md and shared by the tests that check the forms against it:
the core form's questions, and option lists used by more than one form."""

from __future__ import annotations

#: The core form's id.
CORE_FORM = "information-sharing-decision"

#: The rules of the engine's own answer checks ("Answer encoding (JSON)" and "Visibility, required-ness…").
ENGINE_RULES = frozenset({"required", "hidden", "unknown", "type", "option", "duplicate", "limit"})

#: Option list ``agency`` (also the consent-record form's scope_agencies), in order.
AGENCY_CODES = (
    "children_social_care",
    "adult_social_care",
    "police",
    "health_gp",
    "health_other",
    "education",
    "probation",
    "youth_justice",
    "housing",
    "local_authority_other",
    "voluntary_sector",
    "other",
)

#: The roles a subject can have (subject_roles; also on the consent-record form), in order.
SUBJECT_ROLE_CODES = ("child", "parent_carer", "adult_posing_risk", "adult_at_risk", "other_family_member", "other")

# Transcribed from shared/domain/FORMS.md, form `information-sharing-decision` version 1:
# question id -> (section, type, "required / shown" column, option codes for choice and multi).
# The column is read as: required = always shown and required; required_if = shown and required
# when a condition holds; shown_if = shown and optional when a condition holds; shown = always
# shown, optional.
CORE_QUESTIONS: dict[str, tuple[str, str, str, tuple[str, ...] | None]] = {
    # request
    "trigger": ("request", "choice", "required", ("own_concern", "request_received")),
    "requesting_agency": ("request", "text", "required_if", None),
    "sharer_agency_type": ("request", "choice", "required", AGENCY_CODES),
    "sharer_is_public_authority": ("request", "yes_no", "required", None),
    "processing_regime": ("request", "choice", "required", ("general", "law_enforcement")),
    "proposed_recipients": ("request", "multi", "required", AGENCY_CODES),
    "recipient_details": ("request", "textarea", "required", None),
    "purpose": ("request", "textarea", "required", None),
    # subjects
    "subject_roles": ("subjects", "multi", "required", SUBJECT_ROLE_CODES),
    "protected_persons": ("subjects", "multi", "required", ("child", "adult_at_risk", "other")),
    "child_age": ("subjects", "integer", "shown_if", None),
    "adult_care_needs": ("subjects", "yes_no", "required_if", None),
    "adult_experiencing_harm": ("subjects", "yes_no", "required_if", None),
    "adult_unable_to_protect": ("subjects", "yes_no", "required_if", None),
    "information_categories": (
        "subjects",
        "multi",
        "required",
        (
            "health",
            "development",
            "exposure_to_harm",
            "family_circumstances",
            "criminal_offence",
            "special_category_other",
            "contact_identity",
            "education",
            "housing",
            "other",
        ),
    ),
    "information_summary": ("subjects", "textarea", "required", None),
    "third_parties_identifiable": ("subjects", "yes_no", "required", None),
    "third_party_protection": ("subjects", "textarea", "required_if", None),
    # risk
    "concern_level": (
        "risk",
        "choice",
        "required",
        ("significant_harm", "serious_harm_adult", "wellbeing_support", "crime_prevention", "none_identified"),
    ),
    "urgency": ("risk", "choice", "required", ("immediate", "within_24_hours", "routine")),
    # consent
    "consent_sought": ("consent", "yes_no", "required", None),
    "consent_outcome": ("consent", "choice", "required_if", ("given", "partial", "refused", "withdrawn")),
    "consent_given_by": (
        "consent",
        "choice",
        "required_if",
        ("data_subject", "child_competent", "parent_with_pr", "other_with_authority"),
    ),
    "child_competence_assessed": ("consent", "yes_no", "required_if", None),
    "consent_explicit": ("consent", "yes_no", "required_if", None),
    "consent_scope": ("consent", "textarea", "required_if", None),
    "consent_date": ("consent", "date", "required_if", None),
    "consent_override_reason": ("consent", "textarea", "shown_if", None),
    "consent_not_sought_reason": (
        "consent",
        "choice",
        "required_if",
        ("cannot_be_given", "cannot_reasonably_obtain", "would_prejudice_protection", "other_lawful_basis"),
    ),
    "consent_not_sought_detail": ("consent", "textarea", "required_if", None),
    # basis
    "art6_basis": (
        "basis",
        "choice",
        "required_if",
        (
            "public_task",
            "legal_obligation",
            "vital_interests",
            "consent",
            "recognised_legitimate_interest",
            "legitimate_interests",
        ),
    ),
    "le_basis": ("basis", "choice", "required_if", ("s35_2_a_consent", "s35_2_b_necessary_for_task")),
    "special_category_condition": (
        "basis",
        "choice",
        "shown_if",
        (
            "sch1_para18_safeguarding",
            "sch1_para6_statutory_purposes",
            "sch1_para10_unlawful_acts",
            "art9_2_h_health_social_care",
            "explicit_consent",
            "vital_interests",
            "other",
        ),
    ),
    "law_enforcement_condition": (
        "basis",
        "choice",
        "shown_if",
        ("sch8_para4_safeguarding", "sch8_para1_statutory_purposes", "consent", "other"),
    ),
    "substantial_public_interest": ("basis", "textarea", "required_if", None),
    "appropriate_policy_document": ("basis", "text", "required_if", None),
    "statutory_gateways": (
        "basis",
        "multi",
        "shown",
        (
            "children_act_1989_s17",
            "children_act_1989_s47",
            "children_act_2004_s11",
            "crime_and_disorder_act_1998_s115",
            "pcsc_act_2022_s16",
            "pcsc_act_2022_s17",
            "dvds",
            "csods",
        ),
    ),
    "article8_justification": ("basis", "textarea", "shown_if", None),
    # principles
    "checks_confirmed": (
        "principles",
        "multi",
        "shown",
        ("necessary", "proportionate", "relevant", "adequate", "accurate", "timely", "secure"),
    ),
    "minimum_necessary": ("principles", "yes_no", "required", None),
    "advice_sought": ("principles", "yes_no", "required", None),
    "advice_from": ("principles", "text", "required_if", None),
    # decision
    "decision": ("decision", "choice", "required", ("share", "share_partial", "do_not_share")),
    "decision_reasons": ("decision", "textarea", "required", None),
    "shared_information": ("decision", "textarea", "required_if", None),
    "shared_with": ("decision", "textarea", "required_if", None),
    "share_method": (
        "decision",
        "choice",
        "required_if",
        ("secure_email", "secure_portal", "phone", "face_to_face", "letter", "other"),
    ),
    "shared_at": ("decision", "datetime", "required_if", None),
    "subject_informed": (
        "decision",
        "choice",
        "required",
        ("yes", "will_inform", "no_would_increase_risk", "no_would_prejudice_investigation", "no_other"),
    ),
    "subject_not_informed_reason": ("decision", "textarea", "required_if", None),
    "decision_maker_name": ("decision", "text", "required", None),
    "decision_maker_role": ("decision", "text", "required", None),
    "decided_at": ("decision", "datetime", "required", None),
}
