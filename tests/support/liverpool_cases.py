"""The opt-in ``liverpool`` plugin as its tests see it (FORMS.md "Local plugin liverpool"): its questions
and their types, and Early Help answer sets built on the core form's base answers."""

from __future__ import annotations

from typing import Any

#: The questions of the plugin's section ``early_help``, in form order.
LIVERPOOL_IDS = (
    "early_help_episode",
    "ehat_reference",
    "ehat_consent_on_file",
    "family_agreement_recorded",
    "child_views_sought",
    "consent_review_on",
)
#: Each of the section's questions and its answer type.
LIVERPOOL_TYPES = {
    "early_help_episode": "yes_no",
    "ehat_reference": "text",
    "ehat_consent_on_file": "yes_no",
    "family_agreement_recorded": "yes_no",
    "child_views_sought": "yes_no",
    "consent_review_on": "date",
}
#: The Early Help section's answers for a complete episode (the child's views were sought).
EARLY_HELP: dict[str, Any] = {
    "early_help_episode": True,
    "ehat_reference": "EHAT-2026-0412",
    "ehat_consent_on_file": True,
    "family_agreement_recorded": True,
    "child_views_sought": True,
    "consent_review_on": "2027-05-14",
}
#: Scenario 01 (decided 2026-11-21, child aged 7) turned into an Early Help case with explicit consent
#: from a parent: no para 18, no Art 8 text.
WITH_CONSENT: dict[str, Any] = {
    "concern_level": "wellbeing_support",
    "urgency": "routine",
    "subject_roles": ["child"],
    "consent_sought": True,
    "consent_outcome": "given",
    "consent_given_by": "parent_with_pr",
    "consent_explicit": True,
    "consent_date": "2026-11-14",
    "consent_not_sought_reason": None,
    "consent_not_sought_detail": None,
    "special_category_condition": "art9_2_h_health_social_care",
    "substantial_public_interest": None,
    "appropriate_policy_document": None,
    "article8_justification": None,
    "statutory_gateways": ["children_act_1989_s17"],
    "subject_informed": "yes",
    "subject_not_informed_reason": None,
    **EARLY_HELP,
}
#: Not an Early Help episode: the follow-up questions go.
NO_EPISODE: dict[str, Any] = {"early_help_episode": False, **dict.fromkeys(LIVERPOOL_IDS[1:])}
