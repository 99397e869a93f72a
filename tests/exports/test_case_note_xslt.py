"""The built-in "case note" host mapping (``adapters/xslt/case-note.xsl``, issue 5 item 4).

One record becomes a ``caseNote`` (namespace ``urn:sharewise:host:case-note:1``) with a title, a plain-text
summary fit for a host's case notes — the decision, with whom, when, the lawful basis, the reasons,
whether review is required, and the record's id and hash — and a structured field for every answer.
It works for every form (the core form and the scheme forms) and for a bulk ``records`` document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree
from scenario_files import load_scenarios

from sharewise.adapters.exports.record_xml import NSMAP, q, record_element
from sharewise.adapters.exports.xslt import builtin_mappings, stylesheet, transform
from sharewise.core.formdef import FormDefinition
from sharewise.core.record import Record

CASE_NOTE = "urn:sharewise:host:case-note:1"
NAMESPACES = {"cn": CASE_NOTE}
SAMPLES = [f"scenario-{s['file'][:2]}" for s in load_scenarios() if s["expect"]["valid"]] + [
    "consent-record",
    "rich",
    "amended",
    "anonymised",
]
TITLES = {
    "information-sharing-decision": "Information sharing decision",
    "dvds-disclosure": "Domestic Violence Disclosure Scheme decision",
    "csods-disclosure": "Child Sex Offender Disclosure Scheme decision",
    "serious-violence-duty": "Serious Violence Duty disclosure",
    "consent-record": "Consent record",
}
#: Per form: the answers that say with whom, when it was shared or disclosed, and on what lawful basis.
WITH_WHOM = {
    "information-sharing-decision": ["shared_with"],
    "dvds-disclosure": ["recipient"],
    "csods-disclosure": ["recipient_role"],
    "serious-violence-duty": ["recipient_authority"],
    "consent-record": ["scope_agencies"],
}
WHEN = {
    "information-sharing-decision": ["shared_at"],
    "dvds-disclosure": ["disclosure_date"],
    "csods-disclosure": ["disclosure_date"],
    "serious-violence-duty": [],  # no date question: the record's own date (in the title) will do
    "consent-record": ["given_on"],
}
LAWFUL_BASIS = {
    "information-sharing-decision": ["art6_basis", "le_basis", "special_category_condition", "law_enforcement_condition"],
    "serious-violence-duty": ["data_protection_basis"],
}


def xpath(node: Any, path: str) -> Any:
    return node.xpath(path, namespaces=NAMESPACES)


@pytest.fixture(scope="module")
def case_note(form_of: Callable[[Record], FormDefinition]) -> Callable[[Record], etree._Element]:
    mapping = stylesheet("case-note")
    return lambda record: transform(mapping, record_element(record, form_of(record))).getroot()


def shown(value: Any) -> list[str]:
    """The ways a value may be written in a summary: as is, codes with spaces for underscores, lists joined."""
    values = value if isinstance(value, list) else [value]
    texts = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
    return [", ".join(texts), ", ".join(t.replace("_", " ") for t in texts), *texts, *(t.replace("_", " ") for t in texts)]


def mentions(summary: str, value: Any) -> bool:
    return any(text and text in summary for text in shown(value))


def test_case_note_is_a_built_in_mapping() -> None:
    assert "case-note" in builtin_mappings()


@pytest.mark.parametrize("name", SAMPLES)
def test_the_case_note_has_a_title_naming_the_form_decision_and_day(
    name: str, sample_records: dict[str, Record], case_note: Callable[[Record], etree._Element]
) -> None:
    record = sample_records[name]
    note = case_note(record)

    assert note.tag == f"{{{CASE_NOTE}}}caseNote"
    assert note.get("recordId") == record.id
    [title] = xpath(note, "cn:title/text()")
    assert title.startswith(TITLES[record.form_id])
    assert title.endswith(f"({record.created_at[:10]})")
    if "decision" in record.answers:
        assert record.answers["decision"].replace("_", " ") in title
    assert "\n" not in title


@pytest.mark.parametrize("name", SAMPLES)
def test_the_summary_is_plain_text_naming_the_decision_and_its_record(
    name: str, sample_records: dict[str, Record], case_note: Callable[[Record], etree._Element]
) -> None:
    record = sample_records[name]
    [summary_element] = xpath(case_note(record), "cn:summary")
    assert len(summary_element) == 0, "the summary must be text only"
    summary = summary_element.text or ""
    answers = record.answers

    if "decision" in answers:
        assert f"Decision: {answers['decision'].replace('_', ' ')}." in summary
    if "decision_reasons" in answers:
        assert answers["decision_reasons"].rstrip(".") in summary
    assert ("Review required: yes" if record.review_required else "Review required: no") in summary
    for rule in record.acknowledged_warnings:
        assert rule in summary
    assert record.id in summary
    assert record.content_hash in summary
    assert f"{record.form_id} v{record.form_version}" in summary


@pytest.mark.parametrize("name", SAMPLES)
def test_the_summary_says_with_whom_when_and_on_what_basis(
    name: str, sample_records: dict[str, Record], case_note: Callable[[Record], etree._Element]
) -> None:
    record = sample_records[name]
    note = case_note(record)
    summary = xpath(note, "string(cn:summary)")
    answers = record.answers

    missing = []
    whom = [answers[q] for q in WITH_WHOM[record.form_id] if q in answers]
    if whom and not any(mentions(summary, value) for value in whom):
        missing.append(f"with whom {whom}")
    when = [answers[q] for q in WHEN[record.form_id] if q in answers]
    if when:  # the day it was shared or disclosed, not only the day it was recorded
        if not any(mentions(summary, value) for value in when):
            missing.append(f"when {when}")
    elif record.created_at[:10] not in xpath(note, "string(cn:title)") + summary:
        missing.append(f"when {record.created_at[:10]}")
    missing += [
        f"lawful basis {answers[q]!r}"
        for q in LAWFUL_BASIS.get(record.form_id, [])
        if q in answers and not mentions(summary, answers[q])
    ]
    assert missing == [], f"missing from the summary:\n{summary}"


@pytest.mark.parametrize("name", SAMPLES)
def test_the_summary_has_no_empty_sentences(
    name: str, sample_records: dict[str, Record], case_note: Callable[[Record], etree._Element]
) -> None:
    """A form without a question the mapping mentions (scheme forms have no decision maker) leaves it out."""
    summary = xpath(case_note(sample_records[name]), "string(cn:summary)")
    empty = [line for line in summary.splitlines() if re.fullmatch(r"[A-Z][^:]{0,60}:[\s.()]*", line)]
    assert empty == [], f"sentences with nothing after the label in:\n{summary}"


def test_the_core_summary_reads_as_a_case_note(
    sample_records: dict[str, Record], case_note: Callable[[Record], etree._Element]
) -> None:
    record = sample_records["scenario-01"]
    summary = xpath(case_note(record), "string(cn:summary)")
    answers = record.answers

    lines = summary.splitlines()
    assert lines[0] == "Decision: share."
    assert f"Shared with: {answers['shared_with']}." in lines
    assert f"Shared at: {answers['shared_at']} by secure email." in lines
    assert "Lawful basis (art6 basis): public_task." in lines
    assert "Lawful basis (special category condition): sch1_para18_safeguarding." in lines
    assert f"Reasons: {answers['decision_reasons']}" in lines
    assert "Review required: no." in lines
    assert f"Decided by: {answers['decision_maker_name']} ({answers['decision_maker_role']})." in lines
    assert lines[-1] == f"sharewise record {record.id}, form {record.form_id} v1, sha256 {record.content_hash}."


def test_a_decision_with_warnings_lists_them(
    sample_records: dict[str, Record], case_note: Callable[[Record], etree._Element]
) -> None:
    record = sample_records["scenario-05"]
    summary = xpath(case_note(record), "string(cn:summary)")

    assert "Decision: do not share." in summary
    assert f"Review required: yes (acknowledged warnings: {', '.join(record.acknowledged_warnings)})." in summary


def test_unicode_and_line_breaks_survive(
    sample_records: dict[str, Record], case_note: Callable[[Record], etree._Element]
) -> None:
    record = sample_records["rich"]
    note = case_note(record)
    summary = xpath(note, "string(cn:summary)")

    assert record.answers["shared_with"] in summary
    assert record.answers["decision_reasons"] in summary  # tabs and newlines kept
    assert xpath(note, "string(cn:fields/cn:field[@name='case_ref'])") == record.context["case_ref"]
    assert xpath(note, "string(cn:fields/cn:field[@name='answer.decision_maker_name'])") == "Dr Siân O'Brien"


@pytest.mark.parametrize("name", SAMPLES)
def test_there_is_a_structured_field_for_every_answer_and_the_record(
    name: str, sample_records: dict[str, Record], case_note: Callable[[Record], etree._Element]
) -> None:
    record = sample_records[name]
    note = case_note(record)
    fields = {f.get("name"): f.text or "" for f in xpath(note, "cn:fields/cn:field")}

    assert fields["record_id"] == record.id
    assert fields["form"] == record.form_id
    assert fields["form_version"] == str(record.form_version)
    assert fields["created_at"] == record.created_at
    assert fields["case_ref"] == str(record.context.get("case_ref", ""))
    assert fields["review_required"] == ("true" if record.review_required else "false")
    assert fields["retention_class"] == record.retention_class
    assert fields["review_on"] == record.review_on
    assert fields["content_hash"] == record.content_hash
    answer_fields = [n for n in fields if n.startswith("answer.")]
    assert answer_fields == [f"answer.{question}" for question in record.answers]
    for question, value in record.answers.items():
        assert fields[f"answer.{question}"] == shown(value)[0], question


def test_a_bulk_records_document_becomes_case_notes(
    sample_records: dict[str, Record], form_of: Callable[[Record], FormDefinition], case_note: Callable[[Record], etree._Element]
) -> None:
    records = [sample_records[name] for name in SAMPLES]
    bulk = etree.Element(q("records"), nsmap=NSMAP)
    for record in records:
        bulk.append(record_element(record, form_of(record)))

    result = transform(stylesheet("case-note"), bulk).getroot()

    assert result.tag == f"{{{CASE_NOTE}}}caseNotes"
    notes = xpath(result, "cn:caseNote")
    assert [n.get("recordId") for n in notes] == [r.id for r in records]
    for note, record in zip(notes, records, strict=True):
        assert etree.tostring(note) == etree.tostring(case_note(record))


def test_the_mapping_output_is_namespaced_and_free_of_the_source_namespace(
    sample_records: dict[str, Record], case_note: Callable[[Record], etree._Element]
) -> None:
    text = etree.tostring(case_note(sample_records["scenario-01"]), encoding="unicode")
    assert "urn:sharewise:decision-record:1" not in text
