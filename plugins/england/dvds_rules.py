"""Rules for ``dvds-disclosure`` — the Domestic Violence Disclosure Scheme (Clare's Law).

The scheme is a police common-law power with statutory guidance under the Domestic Abuse Act
2021 s.77 (2023). The 2023 recording requirements are UNVERIFIED, so DVDS-4 is a warning.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sharewise.core.context import CheckContext
from sharewise.core.rules import Hit, RuleSet
from sharewise.plugins.england.timescales import over

rules = RuleSet("dvds-disclosure", plugin="england")
GUIDANCE = "Domestic Violence Disclosure Scheme statutory guidance 2023 (Domestic Abuse Act 2021 s.77)"
DECISION_DAYS = 28
TESTS = {
    "pressing_need": "a pressing need",
    "necessary": "necessary",
    "proportionate": "proportionate",
}


@rules.rule("DVDS-1", "warning", field="pressing_need | necessary | proportionate", reference=f"{GUIDANCE}; ECHR Art 8(2)")
def dvds_1(a: Mapping[str, Any], c: CheckContext) -> Iterator[Hit]:
    """A disclosure made although a test for disclosure is not met."""
    if a.get("decision") != "disclose":
        return
    for field, words in TESTS.items():
        if a.get(field) is False:
            yield Hit(
                field,
                f"A disclosure must meet a pressing need and be necessary and proportionate; you recorded that it is "
                f"not {words}. Record why it was still disclosed, or reconsider.",
            )


@rules.rule("DVDS-2", "warning", field="recipient", reference=GUIDANCE)
def dvds_2(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Disclosure to a third-party applicant, who is not the person at risk."""
    if a.get("recipient") == "applicant" and a.get("applicant_relationship") == "third_party":
        return (
            "The applicant is a third party, not the person at risk. Disclose to the person best placed to "
            "safeguard the person at risk; a third-party applicant usually receives nothing."
        )
    return None


@rules.rule("DVDS-3", "warning", field="disclosure_date | forum_date", reference=f"{GUIDANCE}: 28 days (older pages said 35)")
def dvds_3(a: Mapping[str, Any], c: CheckContext) -> Hit | None:
    """More than 28 days from the application to the disclosure (or to the forum's decision when nothing was disclosed)."""
    field = "disclosure_date" if a.get("decision") == "disclose" else "forum_date"
    days = over(a, "application_date", field, DECISION_DAYS)
    if days is None:
        return None
    return Hit(
        field,
        f"{days} days passed from the application to this date; the scheme expects {DECISION_DAYS}. "
        "Record the reason for the delay.",
    )


@rules.rule("DVDS-4", "warning", field="confidentiality_explained", reference=f"{GUIDANCE} (recording requirements UNVERIFIED)")
def dvds_4(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """A disclosure made without explaining that it is confidential."""
    if a.get("decision") == "disclose" and a.get("confidentiality_explained") is False:
        return "Disclosure under the scheme is confidential: explain this to the recipient and record that you did."
    return None
