"""Decision support for ``information-sharing-decision``: the conditions the answers suggest.

Suggestions never decide for the practitioner; they follow FORMS.md's "Outcome" section.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sharewise.core.context import CheckContext

HEALTH_AND_SOCIAL_CARE = ("health_gp", "health_other", "adult_social_care", "children_social_care")
RLI_COMMENCEMENT = "2026-02-05"

PUBLIC_TASK = "UK GDPR Art 6(1)(e) public task"
LEGITIMATE_INTERESTS = "UK GDPR Art 6(1)(f) legitimate interests"
RECOGNISED_LEGITIMATE_INTEREST = "UK GDPR Art 6(1)(ea) recognised legitimate interest (safeguarding)"
SAFEGUARDING_ART9 = "UK GDPR Art 9(2)(g) with DPA 2018 Sch 1 para 18"
EXPLICIT_CONSENT = "UK GDPR Art 9(2)(a) explicit consent"
HEALTH_SOCIAL_CARE = "UK GDPR Art 9(2)(h) with DPA 2018 Sch 1 para 2"
SAFEGUARDING_ART10 = "UK GDPR Art 10 with DPA 2018 Sch 1 para 18 via Sch 1 para 36"
HEALTH_SOCIAL_CARE_ART10 = "UK GDPR Art 10 with DPA 2018 Sch 1 para 2"
LE_TASK = "DPA 2018 s.35(2)(b)"
LE_SAFEGUARDING = "DPA 2018 s.35(5) with Sch 8 para 4"


def decision_date(answers: Mapping[str, Any], context: CheckContext) -> str:
    """The date of sharing as written (``shared_at``; ``decided_at`` when not sharing), else today."""
    when = answers.get("shared_at") if context.fact("sharing") else None
    when = when or answers.get("decided_at")
    return when[:10] if when else context.today.isoformat()


def suggested_conditions(answers: Mapping[str, Any], context: CheckContext) -> list[str]:
    """The lawful bases and conditions the answers point to, most usual first."""
    regime = answers.get("processing_regime")
    protective = context.fact("protects_child_or_adult_at_risk") and answers.get("concern_level") not in (None, "none_identified")
    care_sharer = answers.get("sharer_agency_type") in HEALTH_AND_SOCIAL_CARE
    suggestions: list[str] = []
    if regime == "general":
        if context.fact("public_authority"):
            suggestions.append(PUBLIC_TASK)
        elif answers.get("sharer_is_public_authority") is False:
            suggestions.append(LEGITIMATE_INTERESTS)
            if decision_date(answers, context) >= RLI_COMMENCEMENT:
                suggestions.append(RECOGNISED_LEGITIMATE_INTEREST)
        if context.fact("special_category"):
            suggestions += _sensitive(context, protective, care_sharer, SAFEGUARDING_ART9, EXPLICIT_CONSENT, HEALTH_SOCIAL_CARE)
        if context.fact("criminal_offence_data"):
            suggestions += _sensitive(context, protective, care_sharer, SAFEGUARDING_ART10, None, HEALTH_SOCIAL_CARE_ART10)
    elif regime == "law_enforcement":
        suggestions.append(LE_TASK)
        if context.fact("special_category") and context.fact("without_consent") and protective:
            suggestions.append(LE_SAFEGUARDING)
    return list(dict.fromkeys(suggestions))


def _sensitive(
    context: CheckContext, protective: bool, care_sharer: bool, safeguarding: str, consent: str | None, care: str
) -> list[str]:
    found = []
    if context.fact("without_consent") and protective:
        found.append(safeguarding)
    if context.fact("with_consent") and consent is not None:
        found.append(consent)
    if care_sharer:
        found.append(care)
    return found


def outcome(answers: Mapping[str, Any], context: CheckContext) -> dict[str, Any]:
    """The outcome items the national plugin adds for the core form."""
    return {
        "sharing": context.fact("sharing"),
        "with_consent": context.fact("with_consent"),
        "sensitive": context.fact("sensitive"),
        "suggested_conditions": suggested_conditions(answers, context),
    }
