"""The code tables of the FHIR export: legislation.gov.uk URIs for every legal ground a form offers,
and labels for every option code the export displays."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sharewise.adapters.exports import fhir_elements, fhir_labels
from sharewise.adapters.exports import legislation as law
from sharewise.adapters.exports.legislation import policy_uris
from sharewise.core import Engine

CORE = "information-sharing-decision"
DOC = Path(__file__).resolve().parents[2] / "docs" / "integrators" / "fhir.md"
LEGISLATION_URI = re.compile(
    r"https://www\.legislation\.gov\.uk/(eur/2016/679/article/\d+|ukpga/\d{4}/\d+/(section|schedule)/[0-9A-Z/a-z]+)"
)
TABLES = {
    (CORE, "art6_basis"): law.ART6_BASIS,
    (CORE, "le_basis"): law.LE_BASIS,
    (CORE, "special_category_condition"): law.SPECIAL_CATEGORY_CONDITION,
    (CORE, "law_enforcement_condition"): law.LAW_ENFORCEMENT_CONDITION,
    (CORE, "statutory_gateways"): law.STATUTORY_GATEWAYS,
    ("serious-violence-duty", "mode"): law.SVD_MODE,
}
LABELS = {
    (CORE, "proposed_recipients"): fhir_labels.AGENCY,
    ("consent-record", "scope_agencies"): fhir_labels.AGENCY,
    (CORE, "consent_given_by"): fhir_labels.GIVEN_BY,
    ("consent-record", "given_by"): fhir_labels.GIVEN_BY,
    (CORE, "share_method"): fhir_labels.SHARE_METHOD,
    ("dvds-disclosure", "recipient"): fhir_labels.DVDS_RECIPIENT,
    ("dvds-disclosure", "disclosure_method"): fhir_labels.DVDS_METHOD,
    ("csods-disclosure", "recipient_role"): fhir_labels.CSODS_RECIPIENT_ROLE,
    ("serious-violence-duty", "recipient_authority"): fhir_labels.SVD_AUTHORITY,
    ("serious-violence-duty", "information_type"): fhir_labels.SVD_INFORMATION_TYPE,
}
#: General regime, special category (health) information: the base for the condition tests.
GENERAL: dict[str, Any] = {"processing_regime": "general", "art6_basis": "public_task", "information_categories": ["health"]}


def codes(engine: Engine, form: str, question: str) -> set[str]:
    return set(engine.form(form).questions[question].codes)


@pytest.mark.parametrize("key", TABLES, ids="/".join)
def test_the_legislation_tables_cover_every_option_code(engine: Engine, key) -> None:
    assert set(TABLES[key]) == codes(engine, *key)


@pytest.mark.parametrize("key", LABELS, ids="/".join)
def test_the_label_tables_cover_every_option_code(engine: Engine, key) -> None:
    assert set(LABELS[key]) == codes(engine, *key)


def test_every_uri_is_a_legislation_gov_uk_provision() -> None:
    uris = {uri for table in [*TABLES.values(), law.SCHEME_FORMS] for entry in table.values() for uri in entry}

    assert uris and all(LEGISLATION_URI.fullmatch(uri) for uri in uris), sorted(uris)


def test_the_integrator_doc_lists_every_uri_and_identifier_system() -> None:
    doc = DOC.read_text(encoding="utf-8")
    uris = {uri for table in [*TABLES.values(), law.SCHEME_FORMS] for entry in table.values() for uri in entry}
    systems = [fhir_elements.RECORD_SYSTEM, fhir_elements.NHS_NUMBER_SYSTEM, fhir_elements.ODS_SYSTEM, fhir_elements.ACTOR_SYSTEM]

    assert [uri for uri in sorted(uris) if f"`{uri.removeprefix(law.BASE + '/')}`" not in doc] == []
    assert [system for system in [*systems, fhir_elements.FORM_SYSTEM] if f"`{system}`" not in doc] == []


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("sch1_para18_safeguarding", [law.UK_GDPR_ART_9, law.DPA_SCH1_PARA18]),
        ("sch1_para6_statutory_purposes", [law.UK_GDPR_ART_9, law.DPA_SCH1_PARA6]),
        ("sch1_para10_unlawful_acts", [law.UK_GDPR_ART_9, law.DPA_SCH1_PARA10]),
        ("art9_2_h_health_social_care", [law.UK_GDPR_ART_9, law.DPA_SCH1_PARA2]),
        ("explicit_consent", [law.UK_GDPR_ART_9]),
        ("vital_interests", [law.UK_GDPR_ART_9]),
        ("other", [law.UK_GDPR_ART_9]),
    ],
)
def test_each_special_category_condition_cites_art_9_and_its_schedule_1_paragraph(condition, expected) -> None:
    assert policy_uris(CORE, {**GENERAL, "special_category_condition": condition}) == [law.UK_GDPR_ART_6, *expected]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("sch1_para18_safeguarding", [law.UK_GDPR_ART_10, law.DPA_SCH1_PARA18, law.DPA_SCH1_PARA36]),
        ("sch1_para10_unlawful_acts", [law.UK_GDPR_ART_10, law.DPA_SCH1_PARA10, law.DPA_SCH1_PARA36]),
        ("art9_2_h_health_social_care", [law.UK_GDPR_ART_10, law.DPA_SCH1_PARA2]),
    ],
)
def test_criminal_offence_data_cites_art_10_and_para_36_for_schedule_1_part_2(condition, expected) -> None:
    answers = {**GENERAL, "information_categories": ["criminal_offence"], "special_category_condition": condition}

    assert policy_uris(CORE, answers) == [law.UK_GDPR_ART_6, *expected]


@pytest.mark.parametrize("basis", sorted(law.ART6_BASIS))
def test_each_art_6_basis_cites_art_6_and_consent_also_art_7(basis) -> None:
    expected = [law.UK_GDPR_ART_6, law.UK_GDPR_ART_7] if basis == "consent" else [law.UK_GDPR_ART_6]

    assert policy_uris(CORE, {"processing_regime": "general", "art6_basis": basis}) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("sch8_para4_safeguarding", [law.DPA_S35_5, law.DPA_SCH8_PARA4]),
        ("sch8_para1_statutory_purposes", [law.DPA_S35_5, law.DPA_SCH8_PARA1]),
        ("consent", [law.DPA_S35_4]),
        ("other", [law.DPA_S35_5, law.DPA_SCH8]),
    ],
)
@pytest.mark.parametrize("basis", sorted(law.LE_BASIS))
def test_law_enforcement_cites_s35_2_and_the_schedule_8_condition(basis, condition, expected) -> None:
    answers = {"processing_regime": "law_enforcement", "le_basis": basis, "law_enforcement_condition": condition}

    assert policy_uris(CORE, answers) == [law.DPA_S35_2, *expected]


@pytest.mark.parametrize("gateway", sorted(law.STATUTORY_GATEWAYS))
def test_each_statutory_gateway_is_cited(gateway) -> None:
    uris = policy_uris(CORE, {**GENERAL, "statutory_gateways": [gateway]})

    assert uris == [law.UK_GDPR_ART_6, *law.STATUTORY_GATEWAYS[gateway]]


def test_gateways_are_cited_in_the_order_given_each_uri_once() -> None:
    answers = {"statutory_gateways": ["children_act_1989_s47", "children_act_1989_s17", "children_act_1989_s47", "unknown"]}

    assert policy_uris(CORE, answers) == [law.CHILDREN_ACT_1989_S47, law.CHILDREN_ACT_1989_S17]


@pytest.mark.parametrize(
    ("form", "answers", "expected"),
    [
        ("dvds-disclosure", {}, [law.DOMESTIC_ABUSE_ACT_2021_S77]),
        ("csods-disclosure", {}, [law.CRIMINAL_JUSTICE_ACT_2003_S327A]),
        ("serious-violence-duty", {"mode": "s16_disclosure"}, [law.PCSC_ACT_2022_S16]),
        ("serious-violence-duty", {"mode": "s17_request_response"}, [law.PCSC_ACT_2022_S17]),
        ("consent-record", {}, [law.UK_GDPR_ART_6, law.UK_GDPR_ART_7]),
        ("a-local-form", {"art6_basis": "public_task"}, []),
    ],
)
def test_scheme_forms_cite_the_acts_they_rest_on(form, answers, expected) -> None:
    assert policy_uris(form, answers) == expected
