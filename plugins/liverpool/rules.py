"""Rules LIV-1 … LIV-4: Liverpool Safeguarding Children Partnership's Early Help consent guidance.

Local policy, stricter than the national law in places (LIV-1): a local plugin adds rules; it
never removes a national one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sharewise.core.context import CheckContext
from sharewise.core.rules import RuleSet

FORM_ID = "information-sharing-decision"
LSCP = "LSCP Early Help Assessment chapter"
rules = RuleSet(FORM_ID, plugin="liverpool")
CONSENTED = ("given", "partial")


@rules.rule("LIV-1", "warning", field="decision", reference=f"{LSCP}; Working Together to Safeguard Children 2023 ch.3")
def liv_1(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Sharing without consent within Early Help (local policy, stricter than para 18)."""
    if (
        a.get("early_help_episode") is True
        and c.fact("sharing")
        and c.fact("without_consent")
        and a.get("concern_level") == "wellbeing_support"
    ):
        return (
            "Early Help is consent-based: seek consent, or if you now believe the child is at risk of significant "
            "harm, refer to children's social care (this is then not Early Help)"
        )
    return None


@rules.rule("LIV-2", "warning", field="ehat_consent_on_file", reference=f"{LSCP}: consent and full participation")
def liv_2(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Consent given but not recorded on the EHAT."""
    if a.get("early_help_episode") is True and a.get("consent_outcome") in CONSENTED and a.get("ehat_consent_on_file") is False:
        return "Consent was given but is not on the EHAT. Record it on the Early Help Assessment."
    return None


@rules.rule("LIV-3", "advice", field="consent_review_on", reference=f"UK GDPR Art 7(3); {LSCP}")
def liv_3(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Consent within Early Help is reviewed at each EHAT review."""
    if a.get("early_help_episode") is True and a.get("consent_outcome") in CONSENTED:
        return "Review consent at each EHAT review. If consent is withdrawn, stop further sharing that relies on it."
    return None


@rules.rule(
    "LIV-4", "advice", field="child_views_sought", reference=f"{LSCP}: agreement of the child depending on age and understanding"
)
def liv_4(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """The child's views were not sought."""
    if a.get("child_views_sought") is False:
        return "The child's agreement depends on their age and understanding: seek and record their views."
    return None
