"""The FHIR Consent (issue 5 item 3): produced only when consent was actually sought, its status and
provision following the outcome; the consent-record form; the invariants ppc-1 to ppc-5."""

from __future__ import annotations

import json
from typing import Any

import pytest
from answer_sets import GIVEN_EXPLICIT_CONSENT, NOT_SHARING, changed
from fhir_checks import (
    CONSENT_OUTCOMES,
    CONSENT_RECORD,
    FULL_CONTEXT,
    SCOPE_TEXT,
    check_bundle,
    consent_invariant_failures,
    one,
    record_of,
    resources,
)
from scenario_files import SCENARIO_01

from sharewise.adapters.exports.fhir import record_bundle
from sharewise.adapters.exports.legislation import UK_GDPR_ART_6, UK_GDPR_ART_7
from sharewise.core import Engine

CORE = "information-sharing-decision"
ART_7 = [{"uri": UK_GDPR_ART_7}]
DISCLOSE = [
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "disclose", "display": "Disclose"}]}
]
NHS_PATIENT = {
    "type": "Patient",
    "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"},
    "display": "Sam Example",
}


@pytest.fixture
def base() -> dict[str, Any]:
    return json.loads(SCENARIO_01.read_text(encoding="utf-8"))["answers"]


def consent_of(engine: Engine, form_id: str, answers: dict[str, Any], **context: Any) -> dict[str, Any]:
    bundle = check_bundle(record_bundle(record_of(engine, form_id, answers, context=context or FULL_CONTEXT)))
    return one(bundle, "Consent")


# ------------------------------------------------------------------------------ when there is a Consent


def test_sharing_without_seeking_consent_is_not_a_consent(engine: Engine, base) -> None:
    bundle = check_bundle(record_bundle(record_of(engine, CORE, base)))

    assert resources(bundle, "Consent") == []


def test_not_sharing_without_seeking_consent_is_not_a_consent(engine: Engine, base) -> None:
    bundle = check_bundle(record_bundle(record_of(engine, CORE, changed(base, NOT_SHARING))))

    assert resources(bundle, "Consent") == []


OUTCOMES = CONSENT_OUTCOMES


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_consent_sought_is_a_consent_whatever_the_outcome_with_its_status(engine: Engine, base, outcome) -> None:
    changes, status = OUTCOMES[outcome]
    consent = consent_of(engine, CORE, changed(base, changes))

    assert consent["status"] == status
    assert consent["scope"]["coding"][0]["code"] == "patient-privacy"
    assert consent["category"] == [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}]
    assert consent["patient"] == NHS_PATIENT
    assert consent["dateTime"] == "2026-11-20"
    assert consent["policy"] == ART_7
    assert consent["organization"][0]["identifier"]["value"] == "A12345"


def test_consent_given_permits_disclosure_to_the_proposed_recipients(engine: Engine, base) -> None:
    consent = consent_of(engine, CORE, changed(base, GIVEN_EXPLICIT_CONSENT))

    assert consent["provision"] == {
        "type": "permit",
        "actor": [
            {
                "role": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                            "code": "IRCP",
                            "display": "information recipient",
                        }
                    ]
                },
                "reference": {"type": "Organization", "display": "Children's social care"},
            }
        ],
        "action": DISCLOSE,
    }
    assert consent["performer"] == [{"type": "RelatedPerson", "display": "A parent with parental responsibility"}]


def test_partial_consent_denies_all_but_the_consented_scope(engine: Engine, base) -> None:
    consent = consent_of(engine, CORE, changed(base, OUTCOMES["partial"][0]))

    assert consent["provision"] == {
        "type": "deny",
        "action": DISCLOSE,
        "provision": [{"type": "permit", "action": DISCLOSE, "code": [{"text": SCOPE_TEXT}]}],
    }


@pytest.mark.parametrize("outcome", ["refused", "withdrawn"])
def test_consent_refused_or_withdrawn_denies_disclosure_with_no_performer(engine: Engine, base, outcome) -> None:
    consent = consent_of(engine, CORE, changed(base, OUTCOMES[outcome][0]))

    assert consent["provision"] == {"type": "deny", "action": DISCLOSE}
    assert "performer" not in consent


def test_consent_given_by_the_person_themselves_names_them_as_performer(engine: Engine, base) -> None:
    consent = consent_of(engine, CORE, changed(base, GIVEN_EXPLICIT_CONSENT, consent_given_by="data_subject"))

    assert consent["performer"] == [NHS_PATIENT]


# ------------------------------------------------------------------------------ ppc-2: the patient without an NHS number


@pytest.mark.parametrize(
    ("subject", "patient"),
    [
        ({"name": "Sam Example", "nhs_number": "943 476 5918"}, {"type": "Patient", "display": "Sam Example"}),
        ({"nhs_number": "9434765870"}, {"type": "Patient", "identifier": {**NHS_PATIENT["identifier"], "value": "9434765870"}}),
        ({}, {"type": "Patient", "display": "The person this consent is about (case C-9)"}),
    ],
    ids=["invalid-number-name-only", "number-only", "nothing-but-the-case"],
)
def test_the_consent_always_has_a_patient(engine: Engine, base, subject, patient) -> None:
    consent = consent_of(engine, CORE, changed(base, GIVEN_EXPLICIT_CONSENT), case_ref="C-9", subject=subject)

    assert consent["patient"] == patient


def test_without_any_context_the_patient_is_described_and_there_is_no_organisation(engine: Engine, base) -> None:
    record = record_of(engine, CORE, changed(base, GIVEN_EXPLICIT_CONSENT), context={})
    consent = one(check_bundle(record_bundle(record)), "Consent")

    assert consent["patient"] == {"type": "Patient", "display": "The person this consent is about"}
    assert "organization" not in consent


def test_the_invariant_checks_catch_a_consent_without_policy_or_patient() -> None:
    consent = {"scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]}}

    assert consent_invariant_failures(consent) == ["ppc-1", "ppc-2"]
    assert consent_invariant_failures({**consent, "policyRule": {"text": "x"}, "patient": {"display": "x"}}) == []


# ------------------------------------------------------------------------------ the consent-record form


def test_a_consent_record_is_an_active_consent_permitting_its_agencies(engine: Engine) -> None:
    bundle = check_bundle(record_bundle(record_of(engine, "consent-record", CONSENT_RECORD)))
    consent = one(bundle, "Consent")

    assert (consent["status"], consent["dateTime"], consent["policy"]) == ("active", "2026-09-01", ART_7)
    assert consent["provision"]["type"] == "permit"
    assert [a["reference"]["display"] for a in consent["provision"]["actor"]] == [
        "Children's social care",
        "GP practice",
        "School, college or early years setting",
    ]
    assert resources(bundle, "AuditEvent") == []
    provenance = one(bundle, "Provenance")
    assert provenance["policy"] == [UK_GDPR_ART_6, UK_GDPR_ART_7]
    assert provenance["reason"] == [{"text": CONSENT_RECORD["scope_purposes"]}]
    assert provenance["occurredDateTime"] == "2026-09-01"
    assert provenance["target"][1] == {"reference": f"urn:uuid:{consent['id']}", "type": "Consent"}


def test_a_withdrawn_consent_record_is_inactive_and_denies_from_the_withdrawal(engine: Engine) -> None:
    consent = consent_of(engine, "consent-record", {**CONSENT_RECORD, "withdrawn_on": "2026-10-01"})

    assert consent["status"] == "inactive"
    assert consent["provision"] == {"type": "deny", "period": {"start": "2026-10-01"}, "action": DISCLOSE}


def test_a_competent_child_giving_consent_is_the_performer(engine: Engine) -> None:
    answers = {**CONSENT_RECORD, "given_by": "child_competent", "child_competence_assessed": True, "subject_roles": ["child"]}

    assert consent_of(engine, "consent-record", answers)["performer"] == [NHS_PATIENT]
