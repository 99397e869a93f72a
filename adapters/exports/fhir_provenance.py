"""The FHIR R4 Provenance of a decision: what it produced, when, on what legal basis, why, and by whom."""

from __future__ import annotations

from typing import Any

from sharewise.adapters.exports.fhir_elements import (
    FORM_SYSTEM,
    author_reference,
    coding,
    fhir_date_time,
    host_system,
    purpose_of_use,
    record_reference,
    resource_id,
    text_of,
)
from sharewise.core.record import Record

PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
PERFORMER = {"coding": [coding(PARTICIPANT_TYPE, "performer", "Performer")]}
ENTERER = {"coding": [coding(PARTICIPANT_TYPE, "enterer", "Enterer")]}
#: Answers dating the decision itself, by form (the first answered is used).
OCCURRED_FIELDS = ("decided_at", "forum_date", "given_on")
#: Answers holding the practitioner's reasons (core and scheme forms), or what a consent is for.
REASON_FIELDS = ("decision_reasons", "scope_purposes")


def provenance_resource(
    record: Record,
    targets: list[dict[str, Any]],
    practitioner: tuple[dict[str, Any], bool],
    organisation: dict[str, Any] | None,
    policy: list[str],
) -> dict[str, Any]:
    """The Provenance of ``record``: it targets the record (a logical reference) and ``targets`` (the
    other resources of the Bundle); ``practitioner`` is the performer reference and whether it is the
    author standing in; ``policy`` the legislation.gov.uk URIs relied on."""
    answers = record.answers
    resource: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": resource_id(record, "Provenance"),
        "target": [record_reference(record.id, "sharewise decision record"), *targets],
    }
    occurred = next((fhir_date_time(answers[name]) for name in OCCURRED_FIELDS if isinstance(answers.get(name), str)), None)
    if occurred:
        resource["occurredDateTime"] = occurred
    resource["recorded"] = record.created_at
    if policy:
        resource["policy"] = policy
    reasons = _reasons(record)
    if reasons:
        resource["reason"] = reasons
    resource["activity"] = {"coding": [{"system": FORM_SYSTEM, "version": str(record.form_version), "code": record.form_id}]}
    resource["agent"] = _agents(record, practitioner, organisation)
    entities = _entities(record)
    if entities:
        resource["entity"] = entities
    return resource


def _reasons(record: Record) -> list[dict[str, Any]]:
    reason: dict[str, Any] = {}
    purpose = purpose_of_use(record)
    if purpose:
        reason["coding"] = [purpose]
    text = next(filter(None, (text_of(record.answers.get(name)) for name in REASON_FIELDS)), None)
    if text:
        reason["text"] = text
    reasons = [reason] if reason else []
    if text_of(record.amendment_reason):
        reasons.append({"text": f"Amendment: {record.amendment_reason}"})
    return reasons


def _agents(
    record: Record, practitioner: tuple[dict[str, Any], bool], organisation: dict[str, Any] | None
) -> list[dict[str, Any]]:
    who, is_author = practitioner
    performer: dict[str, Any] = {"type": PERFORMER, "who": who}
    if organisation:
        performer["onBehalfOf"] = organisation
    agents = [performer]
    author = None if is_author else author_reference(record)
    if author:
        agents.append({"type": ENTERER, "who": author})
    return agents


def _entities(record: Record) -> list[dict[str, Any]]:
    entities = []
    if record.supersedes:
        entities.append({"role": "revision", "what": record_reference(record.supersedes, "the record this one amends")})
    case = text_of(record.context.get("case_ref"))
    if case:
        entities.append({"role": "source", "what": {"identifier": {"system": host_system(record, "case"), "value": case}}})
    return entities
