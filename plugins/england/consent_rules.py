"""Rules for ``consent-record`` — a consent given, scoped, reviewed and withdrawn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sharewise.core.context import CheckContext
from sharewise.core.rules import RuleSet

rules = RuleSet("consent-record", plugin="england")


def _date(a: Mapping[str, Any], field: str) -> dt.date | None:
    value = a.get(field)
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


@rules.rule("CON-1", "warning", field="explicit", reference="UK GDPR Art 7; DfE myth-busting guide")
def con_1(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Consent that is not explicit, informed and freely given."""
    if a.get("explicit") is False:
        return (
            "Consent that is not explicit, informed and freely given cannot be relied on for sharing. "
            "Record another lawful basis if you share."
        )
    return None


@rules.rule("CON-2", "error", field="review_on", reference="UK GDPR Art 5(1)(e); LSCP procedures (seed): scheduled review")
def con_2(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """A review date that is not after the date consent was given."""
    given, review = _date(a, "given_on"), _date(a, "review_on")
    if given is not None and review is not None and review <= given:
        return "The review date must be after the date consent was given."
    return None


@rules.rule("CON-3", "error", field="withdrawn_on", reference="UK GDPR Art 7(3)")
def con_3(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """A withdrawal dated before the consent was given."""
    given, withdrawn = _date(a, "given_on"), _date(a, "withdrawn_on")
    if given is not None and withdrawn is not None and withdrawn < given:
        return "Consent cannot be withdrawn before it was given: check both dates."
    return None


@rules.rule(
    "CON-4",
    "error",
    field="child_competence_assessed",
    reference="Gillick v West Norfolk and Wisbech AHA [1986] AC 112 (Gillick competence)",
)
def con_4(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """A child's own consent recorded without assessing their understanding."""
    if a.get("child_competence_assessed") is False:
        return (
            "A child's own consent counts only if they have sufficient understanding to give it. Assess this, "
            "or record consent from someone with parental responsibility."
        )
    return None
