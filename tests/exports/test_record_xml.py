"""Decision records as XML (issue 5 item 2): namespace ``urn:sharewise:decision-record:1``, the shipped XSD,
typed answers an integrator addresses with XPath, and an exact round trip back to the record.

Every kind of stored record validates against the XSD as one ``record`` document and inside a bulk
``records`` collection, and reads back (through the hardened parser and the XSD) to the same content
with the same hash: unicode, tabs and newlines, nested JSON in context / author / outcome, answers of a
form the exporter does not know, and characters XML 1.0 cannot carry (escaped as JSON string bodies).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from importlib.resources import files
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from scenario_files import load_scenarios

from sharewise.adapters.exports.formats import FormLookup
from sharewise.adapters.exports.record_xml import (
    NS,
    NSMAP,
    q,
    record_element,
    record_xml,
    records_from_xml,
    xml_schema,
    xsd_text,
)
from sharewise.adapters.exports.xml_safety import InvalidXML, parse_xml
from sharewise.core import Engine
from sharewise.core.errors import InvalidInput
from sharewise.core.formdef import FormDefinition
from sharewise.core.record import Record

SAMPLES = [f"scenario-{s['file'][:2]}" for s in load_scenarios() if s["expect"]["valid"]] + [
    "consent-record",
    "rich",
    "controls",
    "original",
    "amended",
    "anonymised",
]
NAMESPACES = {"sw": NS}
#: The element holding an answer's value, by question type (the XSD's ``Answer`` choice).
VALUE_ELEMENTS = {
    "yes_no": "boolean",
    "choice": "code",
    "multi": "code",
    "text": "text",
    "textarea": "text",
    "integer": "integer",
    "date": "date",
    "datetime": "dateTime",
}
LIMIT = 10 * 1024 * 1024
XML_UNSAFE = {chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]}


def xpath(node: Any, path: str) -> Any:
    return node.xpath(path, namespaces=NAMESPACES)


def read_back(data: bytes) -> list[Record]:
    return records_from_xml(data, source="export.xml", max_bytes=LIMIT)


def document_of(record: Record, form: FormDefinition | None) -> etree._Element:
    """The record's XML as an integrator would read it: parsed from the bytes written."""
    return etree.fromstring(record_xml(record, form))


def with_hash(record: Record, **changes: Any) -> Record:
    changed = dataclasses.replace(record, **changes)
    return dataclasses.replace(changed, content_hash=changed.compute_hash())


def assert_exact(back: Record, record: Record, canonical: Callable[[Any], str]) -> None:
    assert canonical(back.content()) == canonical(record.content())
    assert back.content_hash == record.content_hash
    assert back.disposal == record.disposal
    if record.disposal is None:
        assert back.compute_hash() == record.content_hash


# ------------------------------------------------------------------------------ the XSD


def test_the_xsd_is_package_data_and_sharewise_schema_prints_it(cli: Callable[..., Any]) -> None:
    shipped = (files("sharewise.adapters.exports.schemas") / "decision-record.xsd").read_text(encoding="utf-8")
    assert xsd_text() == shipped

    result = cli("schema", "--format", "xsd")

    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out == shipped
    printed = etree.fromstring(result.out.encode("utf-8"))
    assert printed.get("targetNamespace") == NS == "urn:sharewise:decision-record:1"
    etree.XMLSchema(printed)  # a usable schema
    names = {e.get("name") for e in printed.findall("{http://www.w3.org/2001/XMLSchema}element")}
    assert names == {"record", "records"}


# ------------------------------------------------------------------------------ every kind of record


@pytest.mark.parametrize("name", SAMPLES)
def test_one_record_validates_and_round_trips(
    name: str, sample_records: dict[str, Record], form_of: Callable[[Record], FormDefinition], canonical: Callable[[Any], str]
) -> None:
    record = sample_records[name]
    data = record_xml(record, form_of(record))

    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    tree = parse_xml(data, source="one.xml")  # the hardened parser accepts what we write
    assert xml_schema().validate(tree), xml_schema().error_log
    root = tree.getroot()
    assert root.tag == q("record") and root.get("id") == record.id
    [back] = read_back(data)
    assert_exact(back, record, canonical)


def test_a_bulk_records_document_validates_and_round_trips(
    sample_records: dict[str, Record], form_of: Callable[[Record], FormDefinition], canonical: Callable[[Any], str]
) -> None:
    bulk = etree.Element(q("records"), nsmap=NSMAP)
    for name in SAMPLES:
        bulk.append(record_element(sample_records[name], form_of(sample_records[name])))
    data = etree.tostring(bulk, xml_declaration=True, encoding="UTF-8")

    tree = parse_xml(data, source="bulk.xml")
    assert xml_schema().validate(tree), xml_schema().error_log
    assert [r.get("id") for r in xpath(tree, "/sw:records/sw:record")] == [sample_records[n].id for n in SAMPLES]
    back = read_back(data)
    assert len(back) == len(SAMPLES)
    for read, name in zip(back, SAMPLES, strict=True):
        assert_exact(read, sample_records[name], canonical)


def test_an_empty_bulk_document_is_valid() -> None:
    data = etree.tostring(etree.Element(q("records"), nsmap=NSMAP), xml_declaration=True, encoding="UTF-8")
    assert read_back(data) == []


@pytest.mark.parametrize("name", SAMPLES)
def test_every_answer_is_typed_by_its_form(
    name: str, sample_records: dict[str, Record], form_of: Callable[[Record], FormDefinition]
) -> None:
    record = sample_records[name]
    form = form_of(record)
    types = {question.id: question.type for question in form.iter_questions()}
    root = document_of(record, form)

    answers = xpath(root, "/sw:record/sw:answers/sw:answer")
    assert [a.get("question") for a in answers] == list(record.answers)
    for answer in answers:
        question = answer.get("question")
        kind = types[question]
        assert answer.get("type") == kind, question
        children = list(answer)
        assert {etree.QName(c).localname for c in children} == {VALUE_ELEMENTS[kind]}, question
        value = record.answers[question]
        texts = [c.text or "" for c in children]
        if kind == "multi":
            assert texts == value
        elif kind == "yes_no":
            assert texts == ["true" if value else "false"]
        elif kind == "integer":
            assert texts == [str(value)]
        elif children[0].get("escaped") is None:
            assert texts == [value]


# ------------------------------------------------------------------------------ what an integrator can address


def test_answers_are_addressable_with_xpath(
    sample_records: dict[str, Record], form_of: Callable[[Record], FormDefinition]
) -> None:
    record = sample_records["scenario-01"]
    root = document_of(record, form_of(record))
    answer = "/sw:record/sw:answers/sw:answer[@question='{}']/sw:{}"

    assert xpath(root, answer.format("decision", "code") + "/text()") == ["share"]
    assert xpath(root, answer.format("sharer_is_public_authority", "boolean") + "/text()") == ["true"]
    assert xpath(root, answer.format("third_parties_identifiable", "boolean") + "/text()") == ["false"]
    assert xpath(root, answer.format("child_age", "integer") + "/text()") == ["7"]
    assert xpath(root, f"number({answer.format('child_age', 'integer')}) + 1") == 8.0
    assert xpath(root, answer.format("shared_at", "dateTime") + "/text()") == [record.answers["shared_at"]]
    assert xpath(root, answer.format("subject_roles", "code") + "/text()") == ["child", "parent_carer"]
    assert xpath(root, answer.format("purpose", "text") + "/text()") == [record.answers["purpose"]]
    assert xpath(root, "/sw:record/sw:answers/sw:answer[@question='child_age']/@type") == ["integer"]

    csods = sample_records["scenario-18"]
    csods_root = document_of(csods, form_of(csods))
    assert xpath(csods_root, answer.format("application_date", "date") + "/text()") == [csods.answers["application_date"]]
    assert xpath(csods_root, answer.format("delivered_in_person", "boolean") + "/text()") == [
        "true" if csods.answers["delivered_in_person"] else "false"
    ]

    liverpool = sample_records["scenario-20"]
    liverpool_root = document_of(liverpool, form_of(liverpool))
    assert xpath(liverpool_root, answer.format("consent_review_on", "date") + "/text()") == [
        liverpool.answers["consent_review_on"]
    ]


def test_findings_outcome_provenance_and_hash_are_present(
    sample_records: dict[str, Record], form_of: Callable[[Record], FormDefinition]
) -> None:
    record = sample_records["scenario-04"]
    root = document_of(record, form_of(record))

    assert xpath(root, "/sw:record/sw:form/@id") == [record.form_id]
    assert xpath(root, "/sw:record/sw:form/@version") == [str(record.form_version)]
    assert xpath(root, "/sw:record/sw:createdAt/text()") == [record.created_at]
    assert {p.get("name"): p.get("version") for p in xpath(root, "/sw:record/sw:provenance/sw:plugin")} == dict(record.plugins)
    assert xpath(root, "/sw:record/sw:contentHash/text()") == [record.content_hash]
    assert xpath(root, "/sw:record/sw:contentHash/@algorithm") == ["sha256"]
    assert xpath(root, "/sw:record/sw:reviewRequired/text()") == ["true"]
    assert xpath(root, "/sw:record/sw:retention/@class") == [record.retention_class]
    assert xpath(root, "/sw:record/sw:retention/@reviewOn") == [record.review_on]
    assert xpath(root, "/sw:record/sw:acknowledgedWarnings/sw:rule/text()") == list(record.acknowledged_warnings)

    findings = xpath(root, "/sw:record/sw:findings/sw:finding")
    assert len(findings) == len(record.findings) > 0
    for element, finding in zip(findings, record.findings, strict=True):
        assert element.get("rule") == finding["rule"]
        assert element.get("severity") == finding["severity"]
        assert element.get("field") == finding["field"]
        assert element.get("plugin") == finding["plugin"]
        assert xpath(element, "sw:message/text()") == [finding["message"]]
        assert xpath(element, "sw:reference/text()") == ([finding["reference"]] if finding["reference"] else [])
    warning = record.findings[[f["severity"] for f in record.findings].index("warning")]
    assert xpath(root, f"/sw:record/sw:findings/sw:finding[@severity='warning'][@rule='{warning['rule']}']/@field") == [
        warning["field"]
    ]

    outcome = record.outcome
    assert xpath(root, "/sw:record/sw:outcome/sw:member[@name='sharing']/text()") == [json.dumps(outcome["sharing"])]
    assert xpath(root, "/sw:record/sw:outcome/sw:member[@name='sharing']/@type") == ["boolean"]
    assert xpath(root, "/sw:record/sw:outcome/sw:member[@name='retention']/sw:member[@name='class']/text()") == [
        outcome["retention"]["class"]
    ]
    suggested = xpath(root, "/sw:record/sw:outcome/sw:member[@name='suggested_conditions']/sw:item/text()")
    assert suggested == outcome["suggested_conditions"]


def test_amendments_and_disposal_are_present(
    sample_records: dict[str, Record], form_of: Callable[[Record], FormDefinition]
) -> None:
    amended = sample_records["amended"]
    root = document_of(amended, form_of(amended))
    assert xpath(root, "/sw:record/sw:supersedes/text()") == [sample_records["original"].id]
    assert xpath(root, "/sw:record/sw:amendmentReason/text()") == [amended.amendment_reason]
    assert xpath(root, "/sw:record/sw:disposal") == []

    original = document_of(sample_records["original"], form_of(sample_records["original"]))
    assert xpath(original, "/sw:record/sw:supersedes | /sw:record/sw:amendmentReason") == []

    anonymised = sample_records["anonymised"]
    gone = document_of(anonymised, form_of(anonymised))
    assert xpath(gone, "/sw:record/sw:disposal/text()") == ["anonymised"]
    assert xpath(gone, "/sw:record/sw:context/*") == [] and xpath(gone, "/sw:record/sw:author/*") == []


def test_context_and_author_are_typed_members(
    sample_records: dict[str, Record], form_of: Callable[[Record], FormDefinition]
) -> None:
    record = sample_records["rich"]
    root = document_of(record, form_of(record))

    member = "/sw:record/sw:context/sw:member[@name='{}']"
    assert xpath(root, member.format("case_ref") + "/text()") == ["CS-2026-000123"]
    assert xpath(root, member.format("subject") + "/@type") == ["object"]
    assert xpath(root, member.format("subject") + "/sw:member[@name='name']/text()") == ["Zoë Ødegård-Nguyễn"]
    assert xpath(root, member.format("subject") + "/sw:member[@name='dob']/@type") == ["null"]
    assert xpath(root, member.format("scores") + "/sw:item/@type") == [
        "number",
        "number",
        "number",
        "number",
        "number",
        "boolean",
        "null",
        "string",
        "object",
    ]
    assert xpath(root, "string(" + member.format("notes") + ")") == RICH_NOTES
    assert xpath(root, "/sw:record/sw:author/sw:member[@name='roles']/sw:item/text()") == ["gp", "safeguarding_lead"]
    assert xpath(root, "/sw:record/sw:host/text()") == ["clinic-ü 北"]


RICH_NOTES = "line one\nline two\ttabbed\r\ncarriage return — “quoted” 😀 ]]> &amp; <tag>"


# ------------------------------------------------------------------------------ answers of a form the exporter does not know


def test_answers_of_an_unknown_form_are_typed_unknown_and_round_trip(
    sample_records: dict[str, Record], canonical: Callable[[Any], str]
) -> None:
    record = sample_records["rich"]
    data = record_xml(record, None)  # no form definition: nothing is known about the answers
    root = etree.fromstring(data)

    assert set(xpath(root, "/sw:record/sw:answers/sw:answer/@type")) == {"unknown"}
    assert xpath(root, "/sw:record/sw:answers/sw:answer[@question='child_age']/sw:value/@type") == ["number"]
    assert xpath(root, "/sw:record/sw:answers/sw:answer[@question='subject_roles']/sw:value/sw:item/text()") == [
        "child",
        "parent_carer",
    ]
    assert xpath(root, "/sw:record/sw:answers/sw:answer[@question='consent_sought']/sw:value/@type") == ["boolean"]
    [back] = read_back(data)
    assert_exact(back, record, canonical)


def test_a_retired_form_exports_through_the_form_lookup(
    sample_records: dict[str, Record], engine: Engine, canonical: Callable[[Any], str]
) -> None:
    record = with_hash(sample_records["scenario-01"], form_id="retired-local-form", form_version=3)
    form = FormLookup(engine)(record)
    assert form is None

    data = record_xml(record, form)

    assert set(xpath(etree.fromstring(data), "//sw:answer/@type")) == {"unknown"}
    [back] = read_back(data)
    assert_exact(back, record, canonical)


def test_answers_that_do_not_fit_their_question_type_are_carried_as_unknown(
    sample_records: dict[str, Record], form_of: Callable[[Record], FormDefinition], canonical: Callable[[Any], str]
) -> None:
    base = sample_records["scenario-01"]
    odd = {
        **base.answers,
        "child_age": "seven",  # integer question, text answer
        "consent_sought": 0,  # yes/no question, number answer
        "subject_roles": [],  # multi question, no codes
        "decision": ["share"],  # choice question, a list
        "purpose": {"nested": [1, None, True]},  # textarea question, an object
        "not_a_question": 1.25,  # unknown question
        "rounded": 3.0,  # a float that must stay a float
    }
    record = with_hash(base, answers=odd)

    data = record_xml(record, form_of(base))

    root = etree.fromstring(data)
    assert xml_schema().validate(etree.ElementTree(root)), xml_schema().error_log
    for question in ("child_age", "consent_sought", "subject_roles", "decision", "purpose", "not_a_question", "rounded"):
        assert xpath(root, f"//sw:answer[@question='{question}']/@type") == ["unknown"], question
    [back] = read_back(data)
    assert_exact(back, record, canonical)


# ------------------------------------------------------------------------------ text XML cannot carry


def test_characters_xml_cannot_carry_are_escaped_and_round_trip(
    sample_records: dict[str, Record], form_of: Callable[[Record], FormDefinition], canonical: Callable[[Any], str]
) -> None:
    record = sample_records["controls"]
    data = record_xml(record, form_of(record))

    assert not XML_UNSAFE & set(data.decode("utf-8")), "the document must not hold characters XML 1.0 forbids"
    root = etree.fromstring(data)
    assert xpath(root, "/sw:record/sw:host/@escaped") == ["json"]
    assert xpath(root, "/sw:record/sw:context/sw:member[@name='case_ref']/@escaped") == ["json"]
    assert xpath(root, "/sw:record/sw:author/sw:member[@name='id']/@escaped") == ["json"]
    assert xpath(root, "/sw:record/sw:context/sw:member[@name='case_ref']/text()") == ["CS\\u0001-7"]
    [back] = read_back(data)
    assert_exact(back, record, canonical)
    assert back.host == "host\x01bell"
    assert back.context["nested"] == {"k": ["\x02", {"deep": "\x1f"}]}


def test_text_that_looks_like_an_escape_is_not_unescaped(
    sample_records: dict[str, Record], canonical: Callable[[Any], str]
) -> None:
    record = with_hash(
        sample_records["original"],
        context={"literal": '\\u0001 and \\n and \\\\ and "quotes"', "json": '{"a": 1}'},
        author={"id": "\\x01"},
        amendment_reason="\\t is not a tab",
    )
    [back] = read_back(record_xml(record, None))
    assert_exact(back, record, canonical)


@pytest.mark.parametrize(
    "where",
    [
        pytest.param({"context": {"case\x01ref": "CS-1"}}, id="context key"),
        pytest.param({"context": {"subject": {"na\x1fme": "Zoë"}}}, id="nested context key"),
        pytest.param({"author": {"\x0bid": "someone"}}, id="author key"),
        pytest.param({"outcome": {"odd\x02": True}}, id="outcome key"),
    ],
)
def test_keys_holding_characters_xml_cannot_carry_round_trip(
    where: dict[str, Any], sample_records: dict[str, Record], canonical: Callable[[Any], str]
) -> None:
    """A host's context is free-form JSON: a key with a control character is as legal as a value with one."""
    record = with_hash(sample_records["original"], **where)

    data = record_xml(record, None)

    assert not XML_UNSAFE & set(data.decode("utf-8"))
    [back] = read_back(data)
    assert_exact(back, record, canonical)


# ------------------------------------------------------------------------------ reading back what is not a record


def test_a_document_with_another_root_is_refused_with_its_line() -> None:
    data = b'<?xml version="1.0"?>\n\n<decision xmlns="urn:sharewise:decision-record:1"/>\n'
    with pytest.raises(InvalidXML) as caught:
        read_back(data)
    assert caught.value.problems[0].line == 3
    assert "record or records" in str(caught.value)


def test_a_record_in_another_namespace_is_refused() -> None:
    with pytest.raises(InvalidXML, match="namespace urn:sharewise:decision-record:1"):
        read_back(b"<record id='x'/>")


def test_a_broken_escape_is_refused_as_invalid_input(sample_records: dict[str, Record]) -> None:
    data = record_xml(sample_records["controls"], None).replace(b"CS\\u0001-7", b"CS\\q-7")
    with pytest.raises(InvalidInput, match="could not be read back"):
        read_back(data)


# ------------------------------------------------------------------------------ arbitrary JSON round-trips

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
JSON_OBJECTS = st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=5)


#: A small record for the property test (its form need not exist: answers are carried as unknown).
PLAIN = Record(
    id="6ae15210-fce7-42f1-a5dd-d99c024b4d8b",
    form_id="information-sharing-decision",
    form_version=1,
    answers={"decision": "share", "child_age": 7},
    findings=[],
    acknowledged_warnings=[],
    outcome={},
    plugins={"forms": "0.1.0"},
    author={},
    host="local",
    context={},
    created_at="2026-11-21T09:30:00.000000+00:00",
    review_required=False,
    retention_class="safeguarding-decision",
    review_on="2044-11-21",
)


@settings(max_examples=60, deadline=None)
@given(context=JSON_OBJECTS, author=JSON_OBJECTS, outcome=JSON_OBJECTS, host=st.text(min_size=1, max_size=30))
def test_arbitrary_json_context_author_and_outcome_round_trip(
    context: dict[str, Any], author: dict[str, Any], outcome: dict[str, Any], host: str
) -> None:
    record = with_hash(PLAIN, context=context, author=author, outcome=outcome, host=host)

    data = record_xml(record, None)

    [back] = read_back(data)
    assert_exact(back, record, lambda value: json.dumps(value, sort_keys=True, ensure_ascii=True))
