"""Building answer sets: changing a base answer set, date arithmetic for date answers, and the coherent
groups of changes to the core form's base answers (scenario 01) that several rule tests share.

A value of ``None`` in a group of changes removes that answer (it is unanswered or hidden).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any


def changed(answers: Mapping[str, Any], *change_sets: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``answers`` with each change applied in turn (``None`` removes the answer)."""
    result = copy.deepcopy(dict(answers))
    for change in [*change_sets, changes]:
        for key, value in change.items():
            if value is None:
                result.pop(key, None)
            else:
                result[key] = value
    return result


def after(day: str, days: int) -> str:
    """The ISO date ``days`` days after the ISO date ``day``."""
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def before(day: str, days: int) -> str:
    """The ISO date ``days`` days before the ISO date ``day``."""
    return (dt.date.fromisoformat(day) - dt.timedelta(days=days)).isoformat()


# --- changes to the core form's base answers (a GP sharing a child's health information under para 18) ---

#: Law-enforcement regime by the police: the Sch 8 para 4 twin of the base answers.
LAW_ENFORCEMENT: dict[str, Any] = {
    "processing_regime": "law_enforcement",
    "sharer_agency_type": "police",
    "art6_basis": None,
    "special_category_condition": None,
    "le_basis": "s35_2_b_necessary_for_task",
    "law_enforcement_condition": "sch8_para4_safeguarding",
}
#: Statutory purposes (Sch 1 para 6) instead of para 18: no substantial-public-interest question.
STATUTORY_PURPOSES: dict[str, Any] = {
    "special_category_condition": "sch1_para6_statutory_purposes",
    "substantial_public_interest": None,
}
#: Deciding not to share: the sharing details go (the concern level stays as it was).
DO_NOT_SHARE: dict[str, Any] = {
    "decision": "do_not_share",
    "shared_information": None,
    "shared_with": None,
    "share_method": None,
    "shared_at": None,
    "article8_justification": None,
}
#: Deciding not to share a wellbeing concern (a serious concern left unshared would trigger ISD-13).
NOT_SHARING: dict[str, Any] = {**DO_NOT_SHARE, "concern_level": "wellbeing_support"}
#: An adult at risk, with no child involved.
ADULT_AT_RISK: dict[str, Any] = {
    "subject_roles": ["adult_at_risk"],
    "protected_persons": ["adult_at_risk"],
    "child_age": None,
    "concern_level": "serious_harm_adult",
    "adult_care_needs": True,
    "adult_experiencing_harm": True,
    "adult_unable_to_protect": True,
}
#: Consent sought: the "not sought" questions disappear.
SOUGHT: dict[str, Any] = {
    "consent_sought": True,
    "consent_date": "2026-11-20",
    "consent_not_sought_reason": None,
    "consent_not_sought_detail": None,
}
#: Explicit consent given by a parent, about the child only (para 18 still claimed: see ISD-4).
GIVEN: dict[str, Any] = SOUGHT | {
    "consent_outcome": "given",
    "consent_given_by": "parent_with_pr",
    "consent_explicit": True,
    "article8_justification": None,  # shown only when sharing without consent
    "subject_roles": ["child"],
}
#: Art 9(2)(a) explicit consent as the condition (needs no APD or substantial public interest).
EXPLICIT_CONSENT_CONDITION: dict[str, Any] = {
    "special_category_condition": "explicit_consent",
    "substantial_public_interest": None,
    "appropriate_policy_document": None,
}
#: With explicit consent given, and relying on it as the condition.
GIVEN_EXPLICIT_CONSENT: dict[str, Any] = GIVEN | EXPLICIT_CONSENT_CONDITION


#: A valid consent-record: a parent's written consent for three agencies (that form has no worked scenario).
CONSENT_RECORD: dict[str, Any] = {
    "subject_roles": ["child", "parent_carer"],
    "given_by": "parent_with_pr",
    "scope_agencies": ["children_social_care", "health_gp", "education"],
    "scope_purposes": "To share school attendance and health information for the Early Help assessment.",
    "explicit": True,
    "method": "written",
    "given_on": "2026-09-01",
    "review_on": "2027-03-01",
}
