"""The FHIR R4 Bundle of a record (issue 5 item 3): the worked scenarios end to end, the Bundle, the
Provenance of the decision and the AuditEvent of each disclosure.

Every Bundle is checked by ``check_bundle``: the official R4 JSON Schema (the Bundle and each
resource), the R4B models, the specification's element order and the Consent invariants.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest
from answer_sets import NOT_SHARING, changed
from fhir.resources.R4B.bundle import Bundle
from fhir_checks import (
    AUTHOR,
    CREATED_AT,
    FULL_CONTEXT,
    check_bundle,
    empty_elements,
    every_string,
    one,
    order_problems,
    record_of,
    resources,
    schema_errors,
    submit,
)
from pydantic import ValidationError
from scenario_files import SCENARIO_01, load_scenarios

from sharewise.adapters.exports.fhir import bundle_json, record_bundle
from sharewise.adapters.exports.legislation import CHILDREN_ACT_1989_S47, DPA_SCH1_PARA18, UK_GDPR_ART_6, UK_GDPR_ART_9
from sharewise.core import Engine
from sharewise.core.store.store import Store

CORE = "information-sharing-decision"
VALID_SCENARIOS = [s for s in load_scenarios() if s["expect"]["valid"]]
DISCLOSING = {"share", "share_partial", "disclose"}
THREAT = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "THREAT", "display": "threat"}


@pytest.fixture(scope="module")
def liverpool() -> Engine:
    return Engine(["liverpool"])


@pytest.fixture
def base() -> dict[str, Any]:
    """Scenario 01: a GP shares a child's health information without consent (para 18, s.47)."""
    return json.loads(SCENARIO_01.read_text(encoding="utf-8"))["answers"]


@pytest.fixture(scope="module")
def scenario() -> Any:
    """``scenario("17")``: the answers of a worked scenario, by file-name prefix."""
    by_prefix = {s["file"][:2]: s for s in load_scenarios()}
    return lambda prefix: copy.deepcopy(by_prefix[prefix]["answers"])


# ------------------------------------------------------------------------------ the worked scenarios


@pytest.mark.parametrize("case", VALID_SCENARIOS, ids=lambda s: s["file"])
def test_every_valid_scenario_stored_exports_a_valid_bundle(case, store: Store, engine: Engine, liverpool: Engine) -> None:
    record = submit(store, liverpool if case["plugins"] else engine, case["form"], case["answers"], context=FULL_CONTEXT)

    bundle = check_bundle(record_bundle(record))

    assert bundle["identifier"] == {"system": "urn:sharewise:record", "value": record.id}
    assert bundle["timestamp"] == record.created_at
    provenance = one(bundle, "Provenance")
    assert provenance["target"][0]["identifier"] == {"system": "urn:sharewise:record", "value": record.id}
    assert provenance["recorded"] == record.created_at
    assert len(resources(bundle, "AuditEvent")) == (case["answers"]["decision"] in DISCLOSING)
    assert resources(bundle, "Consent") == []  # no valid scenario sought consent
    check_bundle(json.loads(bundle_json(record)))


def test_the_checks_catch_misordered_unknown_missing_and_empty_elements(engine: Engine, base) -> None:
    provenance = one(record_bundle(record_of(engine, CORE, base)), "Provenance")

    assert order_problems(provenance, "Provenance") == []
    assert order_problems({"recorded": provenance["recorded"], **provenance}, "Provenance") != []
    assert schema_errors({**provenance, "note": "x"}, "Provenance") != []
    assert empty_elements({**provenance, "agent": [{"who": {}}]}) == ["/agent/0/who"]
    without_agent = {key: value for key, value in provenance.items() if key != "agent"}
    with pytest.raises(ValidationError):
        Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": without_agent}]})


# ------------------------------------------------------------------------------ the Bundle


def test_bundle_is_a_collection_identified_by_the_record(engine: Engine, base) -> None:
    record = record_of(engine, CORE, base)
    bundle = check_bundle(record_bundle(record))

    assert list(bundle) == ["resourceType", "identifier", "type", "timestamp", "entry"]
    assert (bundle["type"], bundle["timestamp"]) == ("collection", CREATED_AT)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Provenance", "AuditEvent"]


def test_the_same_record_always_exports_the_same_bundle_and_other_records_other_ids(engine: Engine, base) -> None:
    record = record_of(engine, CORE, base)
    other = record_of(engine, CORE, base)

    assert record_bundle(record) == record_bundle(copy.deepcopy(record))
    ids = {e["fullUrl"] for e in record_bundle(record)["entry"]}
    assert ids.isdisjoint(e["fullUrl"] for e in record_bundle(other)["entry"])


def test_bundle_json_is_the_bundle_as_compact_json_on_one_line(engine: Engine, base) -> None:
    record = record_of(engine, CORE, {**base, "shared_information": "Line one\nline two — café"})
    text = bundle_json(record)

    assert "\n" not in text and ": " not in text and "café" in text
    assert json.loads(text) == record_bundle(record)


def test_the_provenance_targets_the_other_resources_of_the_bundle(engine: Engine, base) -> None:
    bundle = record_bundle(record_of(engine, CORE, base))
    provenance, event = one(bundle, "Provenance"), one(bundle, "AuditEvent")

    assert provenance["target"][1:] == [{"reference": f"urn:uuid:{event['id']}", "type": "AuditEvent"}]


# ------------------------------------------------------------------------------ Provenance


def test_provenance_holds_when_why_and_on_what_legal_basis_the_decision_was_made(engine: Engine, base) -> None:
    provenance = one(check_bundle(record_bundle(record_of(engine, CORE, base))), "Provenance")

    assert provenance["occurredDateTime"] == "2026-11-21T09:00:00+00:00"
    assert provenance["recorded"] == CREATED_AT
    assert provenance["policy"] == [UK_GDPR_ART_6, UK_GDPR_ART_9, DPA_SCH1_PARA18, CHILDREN_ACT_1989_S47]
    assert provenance["reason"] == [{"coding": [THREAT], "text": base["decision_reasons"]}]
    assert provenance["activity"]["coding"] == [{"system": "urn:sharewise:form", "version": "1", "code": CORE}]


def test_a_wellbeing_decision_has_its_reasons_but_no_purpose_of_use_code(engine: Engine, base) -> None:
    record = record_of(engine, CORE, changed(base, NOT_SHARING))
    bundle = check_bundle(record_bundle(record))

    assert one(bundle, "Provenance")["reason"] == [{"text": base["decision_reasons"]}]
    assert resources(bundle, "AuditEvent") == []


def test_the_practitioner_is_named_from_the_answers_with_the_host_id_on_behalf_of_the_organisation(engine: Engine, base) -> None:
    provenance = one(check_bundle(record_bundle(record_of(engine, CORE, base))), "Provenance")
    performer, enterer = provenance["agent"]

    assert performer["type"]["coding"][0]["code"] == "performer"
    assert performer["who"] == {
        "type": "Practitioner",
        "identifier": {"system": "urn:sharewise:host:case-system:practitioner", "value": "G1234567"},
        "display": "Dr A Example, GP partner",
    }
    assert performer["onBehalfOf"] == {
        "type": "Organization",
        "identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "A12345"},
        "display": "Example Practice",
    }
    assert enterer["type"]["coding"][0]["code"] == "enterer"
    assert enterer["who"] == {
        "type": "Practitioner",
        "identifier": {"system": "urn:sharewise:actor", "value": "jo.bloggs"},
        "display": "Jo Bloggs, Practice administrator",
    }


def test_without_decision_maker_answers_the_context_names_the_practitioner(engine: Engine, scenario) -> None:
    practitioner = {"name": "DS C Officer", "role": "Disclosure officer", "id": "P-77"}
    record = record_of(engine, "dvds-disclosure", scenario("17"), context={**FULL_CONTEXT, "practitioner": practitioner})
    performer = one(check_bundle(record_bundle(record)), "Provenance")["agent"][0]

    assert performer["who"]["display"] == "DS C Officer, Disclosure officer"
    assert performer["who"]["identifier"]["value"] == "P-77"


def test_the_context_id_is_not_given_to_someone_else_the_answers_name(engine: Engine, base) -> None:
    record = record_of(engine, CORE, {**base, "decision_maker_name": "Dr D Locum"})
    performer = one(check_bundle(record_bundle(record)), "Provenance")["agent"][0]

    assert performer["who"] == {"type": "Practitioner", "display": "Dr D Locum, GP partner"}


def test_without_any_practitioner_the_author_stands_in_once(engine: Engine, scenario) -> None:
    record = record_of(engine, "dvds-disclosure", scenario("17"), context={})
    agents = one(check_bundle(record_bundle(record)), "Provenance")["agent"]

    assert [agent["type"]["coding"][0]["code"] for agent in agents] == ["performer"]
    assert agents[0]["who"]["identifier"] == {"system": "urn:sharewise:actor", "value": "jo.bloggs"}
    assert "onBehalfOf" not in agents[0]


def test_with_nobody_named_at_all_the_practitioner_is_not_recorded(engine: Engine, scenario) -> None:
    record = record_of(engine, "serious-violence-duty", scenario("19"), context={}, author={})
    bundle = check_bundle(record_bundle(record))

    assert one(bundle, "Provenance")["agent"] == [
        {"type": one(bundle, "Provenance")["agent"][0]["type"], "who": {"display": "Practitioner not recorded"}}
    ]
    assert one(bundle, "AuditEvent")["source"]["observer"] == {"type": "Device", "display": "sharewise"}


def test_an_amendment_points_to_the_record_it_revises_with_its_reason(engine: Engine, base) -> None:
    record = record_of(engine, CORE, base, supersedes="1b4e28ba-2fa1-11d2-883f-0016d3cca427", amendment_reason="Wrong time.")
    provenance = one(check_bundle(record_bundle(record)), "Provenance")

    assert provenance["reason"][-1] == {"text": "Amendment: Wrong time."}
    assert provenance["entity"] == [
        {
            "role": "revision",
            "what": {
                "identifier": {"system": "urn:sharewise:record", "value": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
                "display": "the record this one amends",
            },
        },
        {"role": "source", "what": {"identifier": {"system": "urn:sharewise:host:case-system:case", "value": "C-123"}}},
    ]


# ------------------------------------------------------------------------------ AuditEvent


def test_a_share_is_audited_as_who_shared_what_with_whom_and_when(engine: Engine, base) -> None:
    event = one(check_bundle(record_bundle(record_of(engine, CORE, base))), "AuditEvent")
    sharer, recipient = event["agent"]

    assert (event["type"]["code"], event["action"], event["outcome"]) == ("110106", "R", "0")
    assert event["period"] == {"start": "2026-11-21T09:30:00+00:00", "end": "2026-11-21T09:30:00+00:00"}
    assert event["recorded"] == CREATED_AT
    assert event["purposeOfEvent"] == [{"coding": [THREAT]}]
    assert (sharer["requestor"], sharer["who"]["display"]) == (True, "Dr A Example, GP partner")
    assert sharer["policy"] == [UK_GDPR_ART_6, UK_GDPR_ART_9, DPA_SCH1_PARA18, CHILDREN_ACT_1989_S47]
    assert recipient == {"type": recipient["type"], "who": {"display": base["shared_with"]}, "requestor": False}
    assert recipient["type"]["coding"][0]["code"] == "110152"
    information, subject = event["entity"]
    assert information["description"] == base["shared_information"]
    assert information["detail"] == [{"type": "method", "valueString": "Secure email"}]
    assert subject["what"]["identifier"] == {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}
    assert subject["role"]["code"] == "1"
    assert event["source"]["observer"]["identifier"]["value"] == "A12345"


def test_a_date_time_written_in_lower_case_is_exported_in_fhir_form(engine: Engine, base) -> None:
    record = record_of(engine, CORE, {**base, "shared_at": "2026-11-21t09:30:00.5z"})

    assert one(check_bundle(record_bundle(record)), "AuditEvent")["period"]["start"] == "2026-11-21T09:30:00.5Z"


def test_a_date_time_with_an_offset_fhir_cannot_carry_is_exported_in_utc(engine: Engine, base) -> None:
    record = record_of(engine, CORE, {**base, "shared_at": "2026-11-21T23:30:00+14:30"})

    assert one(check_bundle(record_bundle(record)), "AuditEvent")["period"]["start"] == "2026-11-21T09:00:00+00:00"


def test_a_decision_not_to_share_has_no_audit_event(engine: Engine, base) -> None:
    bundle = check_bundle(record_bundle(record_of(engine, CORE, changed(base, NOT_SHARING))))

    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Provenance"]
    assert len(one(bundle, "Provenance")["target"]) == 1


SCHEME_DISCLOSURES = [
    # scenario, form, recipient display, period start, method detail, no-disclosure changes
    (
        "17",
        "dvds-disclosure",
        "The person at risk",
        "2026-10-20",
        None,
        {"decision": "no_disclosure", "recipient": None, "disclosure_date": None, "confidentiality_explained": None},
    ),
    (
        "18",
        "csods-disclosure",
        "A parent",
        "2026-10-30",
        "In person",
        {"decision": "no_disclosure", "recipient_role": None, "delivered_in_person": None, "disclosure_date": None}
        | dict.fromkeys(
            ["warned_use_only_to_safeguard", "warned_confidential", "warned_legal_proceedings", "undertaking_signed"]
        ),
    ),
    (
        "19",
        "serious-violence-duty",
        "Local authority",
        None,
        None,
        {"decision": "decline", "recipient_authority": None},
    ),
]


@pytest.mark.parametrize(("prefix", "form", "recipient", "when", "method", "declined"), SCHEME_DISCLOSURES, ids=lambda v: v)
def test_scheme_disclosures_are_audited_and_non_disclosures_are_not(
    engine: Engine, scenario, prefix, form, recipient, when, method, declined
) -> None:
    answers = scenario(prefix)
    event = one(check_bundle(record_bundle(record_of(engine, form, answers))), "AuditEvent")

    assert event["agent"][1]["who"] == {"display": recipient}
    assert event.get("period") == ({"start": when, "end": when} if when else None)
    assert event["purposeOfEvent"] == [{"coding": [THREAT]}]
    information = event["entity"][0]
    assert information.get("detail") == ([{"type": "method", "valueString": method}] if method else None)
    assert information["description"]

    not_disclosed = check_bundle(record_bundle(record_of(engine, form, changed(answers, declined))))
    assert resources(not_disclosed, "AuditEvent") == []
    assert one(not_disclosed, "Provenance")["reason"][0]["text"] == answers["decision_reasons"]


def test_an_svd_disclosure_describes_the_kind_of_information(engine: Engine, scenario) -> None:
    event = one(record_bundle(record_of(engine, "serious-violence-duty", scenario("19"))), "AuditEvent")

    assert event["entity"][0]["description"] == "Personal information"


# ------------------------------------------------------------------------------ personal data and anonymised records


def test_no_identifying_data_is_exported_beyond_what_the_resources_need(engine: Engine, base) -> None:
    context = {**FULL_CONTEXT, "subject": {**FULL_CONTEXT["subject"], "nhs_number": "943 476 5918"}, "address": "1 High St"}
    strings = set(every_string(record_bundle(record_of(engine, CORE, base, context=context))))

    assert not {"2019-03-01", "943 476 5918", "9434765918", "1 High St", "address"} & strings
    assert not any("date_of_birth" in s or "birthDate" in s for s in strings)


def test_an_anonymised_record_still_exports_a_valid_bundle(engine: Engine, base) -> None:
    record = record_of(engine, CORE, base)
    kept = {key: value for key, value in base.items() if isinstance(value, bool | list) or key in ("decision", "share_method")}
    anonymised = dataclasses.replace(record, answers=kept, context={}, author={}, disposal="anonymised")
    bundle = check_bundle(record_bundle(anonymised))

    event = one(bundle, "AuditEvent")
    assert event["agent"][1]["who"] == {"display": "Children's social care"}
    assert "period" not in event and "description" not in event["entity"][0]
    assert not {"Dr A Example, GP partner", AUTHOR["name"], base["shared_with"]} & set(every_string(bundle))
