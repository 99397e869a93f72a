"""The legislation a decision relies on, as legislation.gov.uk URIs (FHIR ``Provenance.policy``).

UK GDPR provisions are given at article level (legislation.gov.uk publishes the UK GDPR by
article); Acts at the level of the section, subsection or schedule paragraph relied on. The tables
map every option code of the questions that name a legal ground; ``policy_uris`` adds the articles
implied by the kinds of information shared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

BASE = "https://www.legislation.gov.uk"
UK_GDPR = f"{BASE}/eur/2016/679"
DPA_2018 = f"{BASE}/ukpga/2018/12"

UK_GDPR_ART_6 = f"{UK_GDPR}/article/6"
UK_GDPR_ART_7 = f"{UK_GDPR}/article/7"
UK_GDPR_ART_9 = f"{UK_GDPR}/article/9"
UK_GDPR_ART_10 = f"{UK_GDPR}/article/10"
DPA_S35_2 = f"{DPA_2018}/section/35/2"
DPA_S35_4 = f"{DPA_2018}/section/35/4"
DPA_S35_5 = f"{DPA_2018}/section/35/5"
DPA_SCH1_PARA2 = f"{DPA_2018}/schedule/1/paragraph/2"
DPA_SCH1_PARA6 = f"{DPA_2018}/schedule/1/paragraph/6"
DPA_SCH1_PARA10 = f"{DPA_2018}/schedule/1/paragraph/10"
DPA_SCH1_PARA18 = f"{DPA_2018}/schedule/1/paragraph/18"
DPA_SCH1_PARA36 = f"{DPA_2018}/schedule/1/paragraph/36"
DPA_SCH8 = f"{DPA_2018}/schedule/8"
DPA_SCH8_PARA1 = f"{DPA_2018}/schedule/8/paragraph/1"
DPA_SCH8_PARA4 = f"{DPA_2018}/schedule/8/paragraph/4"
CHILDREN_ACT_1989_S17 = f"{BASE}/ukpga/1989/41/section/17"
CHILDREN_ACT_1989_S47 = f"{BASE}/ukpga/1989/41/section/47"
CHILDREN_ACT_2004_S11 = f"{BASE}/ukpga/2004/31/section/11"
CRIME_AND_DISORDER_ACT_1998_S115 = f"{BASE}/ukpga/1998/37/section/115"
PCSC_ACT_2022_S16 = f"{BASE}/ukpga/2022/32/section/16"
PCSC_ACT_2022_S17 = f"{BASE}/ukpga/2022/32/section/17"
DOMESTIC_ABUSE_ACT_2021_S77 = f"{BASE}/ukpga/2021/17/section/77"
CRIMINAL_JUSTICE_ACT_2003_S327A = f"{BASE}/ukpga/2003/44/section/327A"

#: ``art6_basis``: UK GDPR Art 6(1)(e), (c), (d), (a) (with Art 7, conditions for consent), (ea), (f).
ART6_BASIS: dict[str, tuple[str, ...]] = {
    "public_task": (UK_GDPR_ART_6,),
    "legal_obligation": (UK_GDPR_ART_6,),
    "vital_interests": (UK_GDPR_ART_6,),
    "consent": (UK_GDPR_ART_6, UK_GDPR_ART_7),
    "recognised_legitimate_interest": (UK_GDPR_ART_6,),
    "legitimate_interests": (UK_GDPR_ART_6,),
}
#: ``le_basis``: DPA 2018 s.35(2)(a) consent or (b) necessary for a law-enforcement task.
LE_BASIS: dict[str, tuple[str, ...]] = {
    "s35_2_a_consent": (DPA_S35_2,),
    "s35_2_b_necessary_for_task": (DPA_S35_2,),
}
#: ``special_category_condition``: the DPA 2018 Schedule 1 paragraph supplying the condition. The
#: Art 9(2) conditions of the UK GDPR itself (explicit consent, vital interests, another) add nothing
#: here: ``policy_uris`` adds Art 9 and Art 10 according to the kinds of information shared.
SPECIAL_CATEGORY_CONDITION: dict[str, tuple[str, ...]] = {
    "sch1_para18_safeguarding": (DPA_SCH1_PARA18,),
    "sch1_para6_statutory_purposes": (DPA_SCH1_PARA6,),
    "sch1_para10_unlawful_acts": (DPA_SCH1_PARA10,),
    "art9_2_h_health_social_care": (DPA_SCH1_PARA2,),
    "explicit_consent": (),
    "vital_interests": (),
    "other": (),
}
#: Schedule 1 Part 2 conditions: criminal offence data may rely on them through Sch 1 para 36.
SCHEDULE_1_PART_2 = frozenset({"sch1_para18_safeguarding", "sch1_para6_statutory_purposes", "sch1_para10_unlawful_acts"})
#: ``law_enforcement_condition``: s.35(5) with a Schedule 8 condition, or s.35(4) consent.
LAW_ENFORCEMENT_CONDITION: dict[str, tuple[str, ...]] = {
    "sch8_para4_safeguarding": (DPA_S35_5, DPA_SCH8_PARA4),
    "sch8_para1_statutory_purposes": (DPA_S35_5, DPA_SCH8_PARA1),
    "consent": (DPA_S35_4,),
    "other": (DPA_S35_5, DPA_SCH8),
}
#: ``statutory_gateways``. The DVDS rests on police common-law powers, with guidance under Domestic
#: Abuse Act 2021 s.77; the CSODS gives structure to existing powers, among them the duty to consider
#: disclosure in Criminal Justice Act 2003 s.327A.
STATUTORY_GATEWAYS: dict[str, tuple[str, ...]] = {
    "children_act_1989_s17": (CHILDREN_ACT_1989_S17,),
    "children_act_1989_s47": (CHILDREN_ACT_1989_S47,),
    "children_act_2004_s11": (CHILDREN_ACT_2004_S11,),
    "crime_and_disorder_act_1998_s115": (CRIME_AND_DISORDER_ACT_1998_S115,),
    "pcsc_act_2022_s16": (PCSC_ACT_2022_S16,),
    "pcsc_act_2022_s17": (PCSC_ACT_2022_S17,),
    "dvds": (DOMESTIC_ABUSE_ACT_2021_S77,),
    "csods": (CRIMINAL_JUSTICE_ACT_2003_S327A,),
}
#: The scheme forms: what every record of the form relies on (the serious-violence-duty form by mode).
SCHEME_FORMS: dict[str, tuple[str, ...]] = {
    "dvds-disclosure": (DOMESTIC_ABUSE_ACT_2021_S77,),
    "csods-disclosure": (CRIMINAL_JUSTICE_ACT_2003_S327A,),
    "consent-record": (UK_GDPR_ART_6, UK_GDPR_ART_7),
}
SVD_MODE: dict[str, tuple[str, ...]] = {
    "s16_disclosure": (PCSC_ACT_2022_S16,),
    "s17_request_response": (PCSC_ACT_2022_S17,),
}


def policy_uris(form_id: str, answers: Mapping[str, Any]) -> list[str]:
    """The legislation.gov.uk URIs a record of ``form_id`` with ``answers`` relies on, each once, in
    the order: lawful basis, condition for sensitive data, statutory gateways. Unknown forms and
    codes contribute nothing."""
    if form_id == "information-sharing-decision":
        found = _core_form(answers)
    elif form_id == "serious-violence-duty":
        found = list(SVD_MODE.get(str(answers.get("mode")), ()))
    else:
        found = list(SCHEME_FORMS.get(form_id, ()))
    return list(dict.fromkeys(found))


def _core_form(answers: Mapping[str, Any]) -> list[str]:
    categories = _codes(answers.get("information_categories"))
    found = [*_lookup(ART6_BASIS, answers.get("art6_basis")), *_lookup(LE_BASIS, answers.get("le_basis"))]
    condition = answers.get("special_category_condition")
    if condition in SPECIAL_CATEGORY_CONDITION:
        criminal = "criminal_offence" in categories
        if categories & {"health", "special_category_other"}:
            found.append(UK_GDPR_ART_9)
        if criminal:
            found.append(UK_GDPR_ART_10)
        found += SPECIAL_CATEGORY_CONDITION[condition]
        if criminal and condition in SCHEDULE_1_PART_2:
            found.append(DPA_SCH1_PARA36)
    found += _lookup(LAW_ENFORCEMENT_CONDITION, answers.get("law_enforcement_condition"))
    for gateway in answers.get("statutory_gateways") or ():
        found += _lookup(STATUTORY_GATEWAYS, gateway)
    return found


def _lookup(table: Mapping[str, tuple[str, ...]], code: Any) -> tuple[str, ...]:
    return table.get(code, ()) if isinstance(code, str) else ()


def _codes(value: Any) -> set[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        return set()
    return {code for code in value if isinstance(code, str)}
