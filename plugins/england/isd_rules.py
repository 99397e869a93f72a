"""Rules ISD-1 … ISD-26 of the national (England) policy for ``information-sharing-decision``.

Each rule is exactly as FORMS.md gives it (id, severity, field, reference). Rules see only
shown, valid answers; an unanswered question never satisfies a comparison. Points marked
UNVERIFIED in LEGAL.md are never errors.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sharewise.core.context import CheckContext
from sharewise.core.rules import Hit, RuleSet

FORM_ID = "information-sharing-decision"
rules = RuleSet(FORM_ID, plugin="england")

CHECKS_REQUIRED = ("necessary", "proportionate", "relevant", "accurate", "timely", "secure")
HEALTH_AND_SOCIAL_CARE = ("health_gp", "health_other", "adult_social_care", "children_social_care")
NO_S16_POWER = ("voluntary_sector", "other")
LAW_ENFORCEMENT_AGENCIES = ("police", "probation", "youth_justice")
REFUSED = ("refused", "withdrawn")
RLI_COMMENCEMENT = "2026-02-05"


def _para18_fields(answers: Mapping[str, Any]) -> list[str]:
    """The condition field(s) through which para 18 / Sch 8 para 4 is relied on."""
    fields = []
    if answers.get("special_category_condition") == "sch1_para18_safeguarding":
        fields.append("special_category_condition")
    if answers.get("law_enforcement_condition") == "sch8_para4_safeguarding":
        fields.append("law_enforcement_condition")
    return fields


@rules.rule(
    "ISD-1",
    "error",
    field="art6_basis",
    reference="UK GDPR Art 6(1)(a), Art 7; DfE myth-busting guide: consent must be explicit and freely given",
)
def isd_1(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Consent claimed as the Article 6 basis, but the answers do not show explicit consent given."""
    if a.get("art6_basis") == "consent" and not c.fact("with_consent"):
        return (
            "You chose consent as the lawful basis, but your answers do not show explicit, freely given "
            "consent (sought, given in full or in part, and explicit). Choose another basis, such as public task."
        )
    return None


@rules.rule("ISD-2", "error", field="special_category_condition", reference="UK GDPR Art 9(2), Art 10; DPA 2018 Sch 1")
def isd_2(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Sharing special category or criminal offence data under the general regime with no condition."""
    if (
        c.fact("sharing")
        and c.fact("sensitive")
        and a.get("processing_regime") == "general"
        and "special_category_condition" not in a
    ):
        return (
            "You are sharing health, other special category or criminal offence information: choose the "
            "condition under UK GDPR Article 9 or 10 and DPA 2018 Schedule 1 that allows it."
        )
    return None


@rules.rule("ISD-3", "error", field="law_enforcement_condition", reference="DPA 2018 s.35(3)–(5), (8), Sch 8")
def isd_3(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Sensitive law-enforcement sharing with no Schedule 8 condition."""
    if (
        c.fact("sharing")
        and c.fact("special_category")
        and a.get("processing_regime") == "law_enforcement"
        and "law_enforcement_condition" not in a
    ):
        return (
            "Sensitive law enforcement processing must be strictly necessary and meet a Schedule 8 condition "
            "or consent: choose the condition you rely on."
        )
    return None


@rules.rule(
    "ISD-4", "error", field="special_category_condition | law_enforcement_condition", reference="DPA 2018 Sch 1 para 18(1)(c)"
)
def isd_4(a: Mapping[str, Any], c: CheckContext) -> Iterator[Hit]:
    """The safeguarding condition relied on although consent was given."""
    if c.fact("para18_relied_on") and c.fact("with_consent") and a.get("consent_outcome") == "given":
        for field in _para18_fields(a):
            yield Hit(
                field,
                "The safeguarding condition applies only to sharing without consent. Consent was given, so "
                "rely on explicit consent or another condition instead.",
            )


@rules.rule("ISD-5", "error", field="protected_persons", reference="DPA 2018 Sch 1 para 18(1)(b), 18(3)")
def isd_5(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """The safeguarding condition relied on, but nobody it protects is a child or an adult at risk."""
    if c.fact("para18_relied_on") and not c.fact("protects_child_or_adult_at_risk"):
        return (
            "The safeguarding condition protects a child, or an adult at risk: someone with care and support "
            "needs who is experiencing or at risk of harm and cannot protect themselves because of those needs. "
            "Your answers show neither, so choose another condition or correct the answers about the adult."
        )
    return None


@rules.rule("ISD-6", "error", field="consent_not_sought_reason", reference="DPA 2018 Sch 1 para 18(2)")
def isd_6(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """The safeguarding condition relied on with 'another lawful basis' as the reason for not seeking consent."""
    if c.fact("para18_relied_on") and a.get("consent_not_sought_reason") == "other_lawful_basis":
        return (
            "The safeguarding condition needs one of its three reasons for not seeking consent: consent cannot "
            "be given, cannot reasonably be obtained, or seeking it would put the person at risk."
        )
    return None


@rules.rule(
    "ISD-7", "warning", field="checks_confirmed", reference="Seed golden rule 6; DfE Information sharing advice 2018/2024"
)
def isd_7(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Sharing without confirming the information is necessary, proportionate, relevant, accurate, timely and secure."""
    if not c.fact("sharing"):
        return None
    confirmed = set(a.get("checks_confirmed", ()))
    lacking = [check for check in CHECKS_REQUIRED if check not in confirmed]
    if lacking:
        return f"You have not confirmed that the information is {_and_list(lacking)}. Check it before you share, or say why not."
    return None


@rules.rule("ISD-8", "warning", field="minimum_necessary", reference="Caldicott principle 3; golden rule 6")
def isd_8(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Sharing more than the minimum necessary."""
    if c.fact("sharing") and a.get("minimum_necessary") is False:
        return (
            "Share only the minimum information the recipient needs. Remove anything they do not need, "
            "or record why it is needed."
        )
    return None


@rules.rule(
    "ISD-9",
    "error",
    field="consent_override_reason",
    reference="DfE Information sharing advice 2018, golden rule 4; DfE 2024, golden rule 3",
)
def isd_9(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Sharing after consent was refused or withdrawn, without saying why that is justified."""
    if c.fact("sharing") and a.get("consent_outcome") in REFUSED and "consent_override_reason" not in a:
        return "Consent was refused or withdrawn: explain why it is justified to share without it."
    return None


@rules.rule("ISD-10", "error", field="article8_justification", reference="ECHR Art 8(2)")
def isd_10(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """A public authority sharing without consent, with no Article 8 justification."""
    if c.fact("sharing") and c.fact("without_consent") and c.fact("public_authority") and "article8_justification" not in a:
        return (
            "As a public authority sharing without consent, explain why this interference with private and "
            "family life is lawful, necessary and proportionate, and why less intrusive options would not work."
        )
    return None


@rules.rule("ISD-11", "error", field="art6_basis", reference="UK GDPR Art 6(1) final paragraph; DUAA 2025")
def isd_11(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """A public authority relying on legitimate interests or recognised legitimate interest."""
    if a.get("art6_basis") in ("recognised_legitimate_interest", "legitimate_interests") and c.fact("public_authority"):
        return (
            "Public authorities cannot rely on legitimate interests or recognised legitimate interest for their "
            "tasks. Choose public task or legal obligation."
        )
    return None


@rules.rule("ISD-12", "error", field="statutory_gateways", reference="PCSC Act 2022 s.16")
def isd_12(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """The Serious Violence Duty s.16 power claimed by a sharer it does not cover."""
    if not (c.fact("sharing") and "pcsc_act_2022_s16" in a.get("statutory_gateways", ())):
        return None
    sharer = a.get("sharer_agency_type")
    if sharer in HEALTH_AND_SOCIAL_CARE:
        return (
            "Section 16 of the Police, Crime, Sentencing and Courts Act 2022 does not authorise a health or "
            "social care authority to disclose personal information (s.16(4)(b)). Remove it and rely on another basis."
        )
    if sharer in NO_S16_POWER:
        return (
            "Section 16 of the Police, Crime, Sentencing and Courts Act 2022 gives no power to your kind of "
            "organisation: it is for specified authorities under the Serious Violence Duty. Remove it."
        )
    return None


@rules.rule("ISD-13", "warning", field="decision", reference="Children Act 1989; Working Together to Safeguard Children 2023")
def isd_13(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Not sharing although a child is at risk of significant harm."""
    if a.get("concern_level") == "significant_harm" and a.get("decision") == "do_not_share":
        return (
            "You identified a risk of significant harm to a child but decided not to share. Safeguarding the "
            "child is the overriding consideration: make sure your reasons explain this decision, and seek advice."
        )
    return None


@rules.rule("ISD-14", "warning", field="processing_regime", reference="DPA 2018 Part 3 s.30")
def isd_14(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """The law-enforcement regime chosen by an organisation that is not usually a competent authority."""
    sharer = a.get("sharer_agency_type")
    if a.get("processing_regime") == "law_enforcement" and sharer is not None and sharer not in LAW_ENFORCEMENT_AGENCIES:
        return (
            "Law enforcement processing (DPA 2018 Part 3) is for competent authorities such as the police. "
            "Check that your organisation is one for this purpose; otherwise choose general processing."
        )
    return None


@rules.rule("ISD-15", "warning", field="art6_basis", reference="DfE Information sharing advice 2024, golden rule 3")
def isd_15(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """A public authority relying on consent as its lawful basis."""
    if a.get("art6_basis") == "consent" and c.fact("public_authority"):
        return (
            "Public authorities have limited scope to rely on consent, and it can be withdrawn at any time. "
            "Public task is usually the right basis; consent may still matter to the family."
        )
    return None


@rules.rule(
    "ISD-16",
    "error",
    field="child_competence_assessed",
    reference="Gillick v West Norfolk and Wisbech AHA [1986] AC 112 (Gillick competence)",
)
def isd_16(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """A child's own consent relied on without assessing their understanding."""
    if a.get("consent_given_by") == "child_competent" and a.get("child_competence_assessed") is False:
        return (
            "A child's own consent counts only if they have sufficient understanding to give it. Assess this, "
            "or seek consent from someone with parental responsibility."
        )
    return None


@rules.rule(
    "ISD-17",
    "advice",
    field="advice_sought",
    reference="ICO 10-step guide to sharing information to safeguard children: do not delay",
)
def isd_17(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Immediate danger: seeking advice must not delay sharing."""
    if a.get("urgency") == "immediate" and a.get("advice_sought") is True:
        return "Someone is in immediate danger: do not let waiting for advice delay sharing."
    return None


@rules.rule("ISD-18", "advice", field="statutory_gateways", reference="CDA 1998 s.115")
def isd_18(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Crime and Disorder Act s.115 is a power, not a duty, and needs a lawful basis too."""
    if "crime_and_disorder_act_1998_s115" in a.get("statutory_gateways", ()):
        return (
            "Section 115 of the Crime and Disorder Act 1998 is a power to share, not a duty, and only with a "
            "relevant authority for reducing crime and disorder. You still need a lawful basis under data protection law."
        )
    return None


@rules.rule("ISD-19", "warning", field="share_method", reference="DfE Information sharing advice 2024, golden rule 6 (secure)")
def isd_19(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Sharing by letter or another method that may not be secure."""
    if c.fact("sharing") and a.get("share_method") in ("letter", "other"):
        return "Share information securely: prefer secure email or a secure portal, and record how you protected it."
    return None


@rules.rule("ISD-20", "error", field="concern_level", reference="DPA 2018 Sch 1 para 18(1)(a)")
def isd_20(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """The safeguarding condition relied on with no risk of harm identified."""
    if c.fact("para18_relied_on") and a.get("concern_level") == "none_identified":
        return (
            "The safeguarding condition needs sharing to be necessary to protect someone from harm or protect "
            "their well-being, but you identified no risk. Correct the concern or choose another condition."
        )
    return None


@rules.rule("ISD-21", "warning", field="concern_level", reference="DPA 2018 Sch 1 para 18(1)(a), para 10")
def isd_21(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """The safeguarding condition relied on for crime prevention."""
    if c.fact("para18_relied_on") and a.get("concern_level") == "crime_prevention":
        return (
            "The safeguarding condition is for protecting people from harm. If this is also a safeguarding "
            "concern, say so in your reasons; otherwise use another condition, such as preventing or detecting "
            "unlawful acts (Sch 1 para 10)."
        )
    return None


@rules.rule(
    "ISD-22", "warning", field="special_category_condition | law_enforcement_condition", reference="DPA 2018 Sch 1 para 18(2)"
)
def isd_22(a: Mapping[str, Any], c: CheckContext) -> Iterator[Hit]:
    """The safeguarding condition relied on after consent was refused or withdrawn."""
    if c.fact("para18_relied_on") and a.get("consent_outcome") in REFUSED:
        for field in _para18_fields(a):
            yield Hit(
                field,
                "The safeguarding condition covers consent that cannot be given, cannot reasonably be obtained, "
                "or whose seeking would put the person at risk — not consent that was refused. Consider statutory "
                "purposes (Sch 1 para 6), or record why one of the three reasons applies.",
            )


@rules.rule(
    "ISD-23",
    "error",
    field="special_category_condition | law_enforcement_condition | le_basis",
    reference="UK GDPR Art 9(2)(a); DPA 2018 s.35(2)(a)",
)
def isd_23(a: Mapping[str, Any], c: CheckContext) -> Iterator[Hit]:
    """A consent-based condition or basis chosen without explicit consent."""
    if not c.fact("without_consent"):
        return
    message = (
        "You chose consent here, but your answers do not show explicit, freely given consent. "
        "Choose the condition or basis you actually rely on."
    )
    if a.get("special_category_condition") == "explicit_consent":
        yield Hit("special_category_condition", message)
    if a.get("law_enforcement_condition") == "consent":
        yield Hit("law_enforcement_condition", message)
    if a.get("le_basis") == "s35_2_a_consent":
        yield Hit("le_basis", message)


@rules.rule("ISD-24", "error", field="art6_basis", reference="DUAA 2025 s.70; SI 2026/82 reg 2(c) (in force 5 February 2026)")
def isd_24(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Recognised legitimate interest relied on for sharing before it came into force."""
    if a.get("art6_basis") != "recognised_legitimate_interest":
        return None
    when = a.get("shared_at") if c.fact("sharing") else a.get("decided_at")
    if when is not None and when[:10] < RLI_COMMENCEMENT:
        return (
            "Recognised legitimate interest applies only from 5 February 2026; this sharing is dated earlier. "
            "Choose another basis."
        )
    return None


@rules.rule("ISD-25", "advice", field="statutory_gateways", reference="PCSC Act 2022 s.16, s.17")
def isd_25(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Serious Violence Duty powers have their own form."""
    gateways = a.get("statutory_gateways", ())
    if "pcsc_act_2022_s16" in gateways or "pcsc_act_2022_s17" in gateways:
        return (
            "Sections 16 and 17 are for Serious Violence Duty functions: record such a disclosure on the "
            "serious-violence-duty form."
        )
    return None


@rules.rule("ISD-26", "advice", field="consent_given_by", reference="UK GDPR Art 6(1)(a), Art 7")
def isd_26(a: Mapping[str, Any], c: CheckContext) -> str | None:
    """Consent from one person does not cover another person's information."""
    if c.fact("with_consent") and len(a.get("subject_roles", ())) > 1:
        return (
            "The information is about more than one person. Consent from one person does not cover another's "
            "information: check each person's consent, or the lawful basis you rely on for them."
        )
    return None


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
