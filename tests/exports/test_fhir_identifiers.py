"""Identifiers in the FHIR export: the NHS number (Modulus 11 checked), ODS codes, host ids."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir_checks import FULL_CONTEXT, check_bundle, every_string, one, record_of
from scenario_files import SCENARIO_01

from sharewise.adapters.exports.fhir import nhs_number_is_valid, record_bundle
from sharewise.core import Engine

CORE = "information-sharing-decision"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return json.loads(SCENARIO_01.read_text(encoding="utf-8"))["answers"]


def bundle_with(engine: Engine, answers: dict[str, Any], **context: Any) -> dict[str, Any]:
    return check_bundle(record_bundle(record_of(engine, CORE, answers, context={**FULL_CONTEXT, **context})))


# ------------------------------------------------------------------------------ Modulus 11


@pytest.mark.parametrize("number", ["9434765919", "9434765870", "943 476 5919", " 943 476 5870 ", "4010232137", "9999999999"])
def test_nhs_numbers_with_a_correct_check_digit_are_valid(number) -> None:
    assert nhs_number_is_valid(number) is True


@pytest.mark.parametrize(
    "number",
    [
        "9434765918",  # wrong check digit
        "9434765871",  # wrong check digit
        "1234567890",  # check digit would be 10: never valid
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "943-476-5919",  # only spaces may separate the digits
        "943476591X",
        "٩٤٣٤٧٦٥٩١٩",  # Arabic-Indic digits are not ASCII digits
        "",
        "   ",
        9434765919,  # not text
        None,
    ],
)
def test_other_nhs_numbers_are_not_valid(number) -> None:
    assert nhs_number_is_valid(number) is False


# ------------------------------------------------------------------------------ the NHS number in the Bundle


def test_a_valid_nhs_number_is_exported_as_ten_digits_with_the_nhs_system(engine: Engine, base) -> None:
    bundle = bundle_with(engine, base, subject={"nhs_number": "943 476 5870"})

    subject = one(bundle, "AuditEvent")["entity"][1]["what"]
    assert subject == {"type": "Patient", "identifier": {"system": NHS_SYSTEM, "value": "9434765870"}}


def test_an_invalid_nhs_number_is_not_exported_at_all(engine: Engine, base) -> None:
    bundle = bundle_with(engine, base, subject={"name": "Sam Example", "nhs_number": "943 476 5918"})

    assert one(bundle, "AuditEvent")["entity"][1]["what"] == {"type": "Patient", "display": "Sam Example"}
    assert not any("943" in text or text == NHS_SYSTEM for text in every_string(bundle))


def test_without_a_subject_the_audit_event_names_no_person(engine: Engine, base) -> None:
    bundle = bundle_with(engine, base, subject={"date_of_birth": "2019-03-01"})

    assert [entity["type"]["code"] for entity in one(bundle, "AuditEvent")["entity"]] == ["4"]


# ------------------------------------------------------------------------------ ODS codes and host ids


@pytest.mark.parametrize(("given", "exported"), [("A12345", "A12345"), (" rr8 ", "RR8"), ("8A718", "8A718")])
def test_an_ods_code_identifies_the_organisation(engine: Engine, base, given, exported) -> None:
    bundle = bundle_with(engine, base, organisation={"ods_code": given})

    organisation = {"type": "Organization", "identifier": {"system": ODS_SYSTEM, "value": exported}}
    assert one(bundle, "Provenance")["agent"][0]["onBehalfOf"] == organisation
    assert one(bundle, "AuditEvent")["source"]["observer"] == organisation


@pytest.mark.parametrize("code", ["not an ODS code", "A1", "A1234567890", "A-123"])
def test_a_malformed_ods_code_is_not_used_as_an_identifier(engine: Engine, base, code) -> None:
    bundle = bundle_with(engine, base, organisation={"name": "Example Practice", "ods_code": code})

    assert one(bundle, "Provenance")["agent"][0]["onBehalfOf"] == {"type": "Organization", "display": "Example Practice"}


def test_without_an_organisation_there_is_no_on_behalf_of(engine: Engine, base) -> None:
    bundle = bundle_with(engine, base, organisation={})

    assert "onBehalfOf" not in one(bundle, "Provenance")["agent"][0]


def test_host_ids_are_scoped_by_the_host_name(engine: Engine, base) -> None:
    record = record_of(engine, CORE, base, host="North & West: Case/System")
    provenance = one(check_bundle(record_bundle(record)), "Provenance")

    system = "urn:sharewise:host:North%20%26%20West%3A%20Case%2FSystem:practitioner"
    assert provenance["agent"][0]["who"]["identifier"] == {"system": system, "value": "G1234567"}
