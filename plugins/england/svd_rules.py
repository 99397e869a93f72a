"""Rules for ``serious-violence-duty`` — PCSC Act 2022 s.16 disclosures and s.17 responses.

s.16(4) and s.17(6) (verified): neither section authorises (a) patient information, (b) personal
information disclosed by a health or social care authority, (c) a disclosure breaching data
protection law, (d) one barred by the Investigatory Powers Act 2016. The restrictions apply as
errors in both modes, when the decision is to disclose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sharewise.core.context import CheckContext
from sharewise.core.rules import RuleSet

rules = RuleSet("serious-violence-duty", plugin="england")
S16 = "PCSC Act 2022 s.16(4)"
S17 = "PCSC Act 2022 s.17(6)"
HEALTH_OR_SOCIAL_CARE = ("health", "social_care")


def _section(a: Mapping[str, Any]) -> str:
    return "section 17(6)" if a.get("mode") == "s17_request_response" else "section 16(4)"


@rules.rule("SVD-1", "error", field="information_type", reference=f"{S16}(a); {S17}(a)")
def svd_1(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Patient information disclosed."""
    if a.get("decision") == "disclose" and a.get("information_type") == "patient":
        return (
            f"The Serious Violence Duty does not authorise disclosing patient information ({_section(a)}(a)). "
            "Do not disclose it on this basis."
        )
    return None


@rules.rule("SVD-2", "error", field="information_type", reference=f"{S16}(b); {S17}(b)")
def svd_2(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Personal information disclosed by a health or social care authority."""
    by_care = a.get("disclosing_function") in HEALTH_OR_SOCIAL_CARE or a.get("disclosing_authority") == "integrated_care_board"
    if a.get("decision") == "disclose" and a.get("information_type") == "personal" and by_care:
        return (
            "The Serious Violence Duty does not authorise a health or social care authority to disclose personal "
            f"information ({_section(a)}(b)). Share anonymised or aggregate information, or rely on another lawful basis."
        )
    return None


@rules.rule("SVD-3", "error", field="ipa_restricted", reference=f"{S16}(d); {S17}(d)")
def svd_3(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """A disclosure the Investigatory Powers Act 2016 prohibits."""
    if a.get("decision") == "disclose" and a.get("ipa_restricted") is True:
        return f"The Act does not authorise a disclosure prohibited by the Investigatory Powers Act 2016 ({_section(a)}(d))."
    return None


@rules.rule("SVD-4", "advice", field="decision", reference="PCSC Act 2022 s.16 (a power, not a duty)")
def svd_4(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Declining a section 16 disclosure: the power is permissive."""
    if a.get("mode") == "s16_disclosure" and a.get("decision") == "decline":
        return "Section 16 is permissive: there is no obligation to disclose. Record your reasons for declining."
    return None


@rules.rule("SVD-5", "error", field="recipient_authority", reference="PCSC Act 2022 s.17(1)")
def svd_5(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """A section 17 response to a body other than a local policing body."""
    recipient = a.get("recipient_authority")
    if (
        a.get("mode") == "s17_request_response"
        and a.get("decision") == "disclose"
        and recipient is not None
        and recipient != "local_policing_body"
    ):
        return (
            "Section 17 requests come from local policing bodies: a response goes to the local policing body "
            "that asked. Correct the recipient or the mode."
        )
    return None


@rules.rule("SVD-6", "advice", field="decision", reference="PCSC Act 2022 s.17(4), s.17(6)")
def svd_6(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Declining a section 17 request: the duty to comply has limited exceptions."""
    if a.get("mode") == "s17_request_response" and a.get("decision") == "decline":
        return (
            "A person asked under section 17 must comply (s.17(4)) unless section 17(6) excludes the disclosure "
            "(patient information, personal information from a health or social care authority, a breach of data "
            "protection law, or the Investigatory Powers Act). Record which exclusion applies."
        )
    return None
