"""FHIR XML (issue 5 item 3): well formed, in the FHIR namespace, primitives as ``value`` attributes,
elements in the JSON's (specification) order, and the same content as the JSON when read back with
``fhir.resources``' R4B models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from answer_sets import GIVEN_EXPLICIT_CONSENT, NOT_SHARING, changed
from fhir.resources.R4B.bundle import Bundle
from fhir_checks import CONSENT_OUTCOMES, CONSENT_RECORD, check_bundle, every_string, record_of
from lxml import etree
from scenario_files import load_scenarios

from sharewise.adapters.exports.fhir import FHIR_NS, bundle_element, bundle_json, bundle_xml, record_bundle, resource_element
from sharewise.core import Engine
from sharewise.core.record import Record

SCENARIOS = {s["file"][:2]: s for s in load_scenarios()}
#: Records covering every resource and branch: name -> (form, answers).
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "share-without-consent": ("information-sharing-decision", SCENARIOS["01"]["answers"]),
    "not-sharing": ("information-sharing-decision", changed(SCENARIOS["01"]["answers"], NOT_SHARING)),
    "consent-given": ("information-sharing-decision", changed(SCENARIOS["01"]["answers"], GIVEN_EXPLICIT_CONSENT)),
    "consent-partial": ("information-sharing-decision", changed(SCENARIOS["01"]["answers"], CONSENT_OUTCOMES["partial"][0])),
    "consent-withdrawn": ("information-sharing-decision", changed(SCENARIOS["01"]["answers"], CONSENT_OUTCOMES["withdrawn"][0])),
    "multi-line-text": (
        "information-sharing-decision",
        {**SCENARIOS["01"]["answers"], "shared_information": '  Line one,\n\tline two & <three> "quoted" — café\r\n'},
    ),
    "dvds": ("dvds-disclosure", SCENARIOS["17"]["answers"]),
    "csods": ("csods-disclosure", SCENARIOS["18"]["answers"]),
    "svd": ("serious-violence-duty", SCENARIOS["19"]["answers"]),
    "consent-record-withdrawn": ("consent-record", {**CONSENT_RECORD, "withdrawn_on": "2026-10-01"}),
}
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@pytest.fixture(params=CASES, scope="module")
def record(request: pytest.FixtureRequest, engine: Engine) -> Record:
    form, answers = CASES[request.param]
    return record_of(engine, form, answers)


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def test_fhir_xml_is_a_well_formed_document_entirely_in_the_fhir_namespace(record: Record) -> None:
    document = bundle_xml(record)
    root = etree.fromstring(document, SAFE_PARSER)

    assert document.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert (root.tag, root.nsmap) == (f"{{{FHIR_NS}}}Bundle", {None: FHIR_NS})
    for element in root.iter():
        assert etree.QName(element).namespace == FHIR_NS
        assert element.text is None and element.tail is None
        assert set(element.attrib) <= {"value"}
        assert bool(element.attrib) != bool(len(element)), f"{local(element)} has both a value and children, or neither"


def test_fhir_xml_reads_back_to_the_same_content_as_the_json(record: Record) -> None:
    check_bundle(json.loads(bundle_json(record)))
    from_json = Bundle.model_validate_json(bundle_json(record))
    from_xml = Bundle.model_validate_xml(bundle_xml(record))

    assert from_xml.model_dump() == from_json.model_dump()


def test_fhir_xml_keeps_the_order_and_repetition_of_the_json(record: Record) -> None:
    assert _shape(bundle_element(record)) == _json_shape(record_bundle(record))


def test_text_with_newlines_and_markup_characters_survives_exactly(engine: Engine) -> None:
    form, answers = CASES["multi-line-text"]
    root = etree.fromstring(bundle_xml(record_of(engine, form, answers)), SAFE_PARSER)

    (description,) = root.iterfind(".//f:entity/f:description", {"f": FHIR_NS})
    assert description.get("value") == answers["shared_information"]


def test_characters_xml_cannot_carry_from_the_host_are_replaced_in_json_and_xml_alike(engine: Engine) -> None:
    form, answers = CASES["share-without-consent"]
    context = {"case_ref": "C\x01-7", "subject": {"name": "Sam\x0bExample\ud800"}, "organisation": {"name": "Bell\x07 \ufffe"}}
    record = record_of(engine, form, answers, context=context, author={"id": "author\x1f"}, host="host\x02name")
    bundle = check_bundle(record_bundle(record))

    strings = set(every_string(bundle))
    assert {"C\ufffd-7", "Sam\ufffdExample\ufffd", "Bell\ufffd \ufffd", "host\ufffdname"} <= strings
    assert Bundle.model_validate_xml(bundle_xml(record)).model_dump() == Bundle.model_validate(bundle).model_dump()


def test_resources_inside_resources_are_wrapped_in_resource_elements(record: Record) -> None:
    collection = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": record_bundle(record)}]}
    element = resource_element(collection)

    assert [local(e) for e in element.iterfind("f:entry/f:resource/*", {"f": FHIR_NS})] == ["Bundle"]
    assert Bundle.model_validate_xml(etree.tostring(element)).model_dump() == Bundle.model_validate(collection).model_dump()


def _shape(element: etree._Element) -> list[Any]:
    """An element's children as ``[name, value or children]``, resource wrappers showing their type."""
    return [[local(child), child.get("value") if child.get("value") is not None else _shape(child)] for child in element]


def _json_shape(value: dict[str, Any]) -> list[Any]:
    shape = []
    for name, content in value.items():
        if name == "resourceType":
            continue
        for item in content if isinstance(content, list) else [content]:
            if isinstance(item, dict) and "resourceType" in item:
                shape.append([name, [[item["resourceType"], _json_shape(item)]]])
            elif isinstance(item, dict):
                shape.append([name, _json_shape(item)])
            else:
                shape.append([name, str(item).lower() if isinstance(item, bool) else str(item)])
    return shape
