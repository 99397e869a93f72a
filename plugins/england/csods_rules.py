"""Rules for ``csods-disclosure`` — the Child Sex Offender Disclosure Scheme (Sarah's Law).

Police guidance (April 2023). The 45-day timescale and the undertaking's wording and effect are
UNVERIFIED against the 2023 guidance, so those rules are advice or warnings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sharewise.core.context import CheckContext
from sharewise.core.rules import Hit, RuleSet
from sharewise.plugins.england.timescales import over

rules = RuleSet("csods-disclosure", plugin="england")
GUIDANCE = "Child Sex Offender Disclosure Scheme guidance (April 2023)"
SEED = "LSCP information sharing procedures (seed)"
DECISION_DAYS = 45
WARNINGS = {
    "warned_use_only_to_safeguard": "that the information may be used only to safeguard children",
    "warned_confidential": "that the information is confidential",
    "warned_legal_proceedings": "that legal proceedings could follow a breach of confidentiality",
}


@rules.rule("CSODS-1", "warning", field="delivered_in_person", reference=GUIDANCE)
def csods_1(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """A disclosure not delivered in person."""
    if a.get("decision") == "disclose" and a.get("delivered_in_person") is False:
        return "The scheme delivers disclosures in person. Record why this one was not."
    return None


@rules.rule(
    "CSODS-2",
    "warning",
    field="warned_use_only_to_safeguard | warned_confidential | warned_legal_proceedings",
    reference=f"{SEED}; {GUIDANCE}",
)
def csods_2(a: Mapping[str, Any], c: CheckContext) -> Iterator[Hit]:
    """A warning the recipient should be given was not given."""
    for field, what in WARNINGS.items():
        if a.get(field) is False:
            yield Hit(field, f"The recipient should be warned {what}. Give the warning and record it.")


@rules.rule(
    "CSODS-3",
    "warning",
    field="proceeded_without_undertaking_considered",
    reference=f"{SEED} (UNVERIFIED against the 2023 guidance)",
)
def csods_3(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """The undertaking was refused and whether to proceed was not considered."""
    if a.get("undertaking_signed") is False and a.get("proceeded_without_undertaking_considered") is False:
        return (
            "The recipient did not sign the confidentiality undertaking: the police must consider whether the "
            "disclosure should still take place. Record that consideration."
        )
    return None


@rules.rule(
    "CSODS-4",
    "advice",
    field="disclosure_date",
    reference="Child Sex Offender Disclosure Scheme, police force pages: 45 days (UNVERIFIED)",
)
def csods_4(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """More than 45 days from the application to the disclosure."""
    days = over(a, "application_date", "disclosure_date", DECISION_DAYS)
    if days is None:
        return None
    return (
        f"{days} days passed from the application to the disclosure; forces aim for {DECISION_DAYS}. "
        "Record the reason for the delay."
    )
