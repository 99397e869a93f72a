"""The FHIR R4 AuditEvent of a disclosure: who shared what with whom, and when.

A record holds at most one disclosure: the core form when the decision is to share (all or part),
and the scheme forms (DVDS, CSODS, Serious Violence Duty) when the decision is to disclose. A
decision not to share, and a consent record, disclose nothing and yield no AuditEvent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sharewise.adapters.exports.fhir_elements import (
    DICOM,
    coding,
    fhir_date_time,
    purpose_of_use,
    resource_id,
    text_of,
)
from sharewise.adapters.exports.fhir_labels import (
    AGENCY,
    CSODS_RECIPIENT_ROLE,
    DVDS_METHOD,
    DVDS_RECIPIENT,
    SHARE_METHOD,
    SVD_AUTHORITY,
    SVD_INFORMATION_TYPE,
    label,
)
from sharewise.core.record import Record

EXPORT = coding(DICOM, "110106", "Export")
SOURCE_ROLE = {"coding": [coding(DICOM, "110153", "Source Role ID")]}
DESTINATION_ROLE = {"coding": [coding(DICOM, "110152", "Destination Role ID")]}
APPLICATION_SERVER = coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")
INFORMATION = coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "4", "Other")
PERSON = coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person")
PATIENT_ROLE = coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient")
DVDS_DISCLOSURE = "Information disclosed under the Domestic Violence Disclosure Scheme (Clare's Law)"
CSODS_DISCLOSURE = "Information disclosed under the Child Sex Offender Disclosure Scheme (Sarah's Law)"


@dataclass(frozen=True)
class Disclosure:
    """What a record says was disclosed: to whom, what, when and how (each may be unrecorded)."""

    recipient: str
    information: str | None
    when: str | None
    method: str | None


def disclosure(record: Record) -> Disclosure | None:
    """The disclosure ``record`` describes, or ``None`` when its decision disclosed nothing."""
    answers = record.answers
    if record.form_id == "information-sharing-decision" and answers.get("decision") in ("share", "share_partial"):
        agencies = "; ".join(filter(None, (label(AGENCY, code) for code in answers.get("proposed_recipients") or ())))
        return Disclosure(
            text_of(answers.get("shared_with")) or agencies or "Recipient not recorded",
            text_of(answers.get("shared_information")),
            fhir_date_time(answers.get("shared_at")),
            label(SHARE_METHOD, answers.get("share_method")),
        )
    if answers.get("decision") != "disclose":
        return None
    if record.form_id == "dvds-disclosure":
        return Disclosure(
            label(DVDS_RECIPIENT, answers.get("recipient")) or "Recipient not recorded",
            DVDS_DISCLOSURE,
            fhir_date_time(answers.get("disclosure_date")),
            label(DVDS_METHOD, answers.get("disclosure_method")),
        )
    if record.form_id == "csods-disclosure":
        in_person = "In person" if answers.get("delivered_in_person") is True else None
        return Disclosure(
            label(CSODS_RECIPIENT_ROLE, answers.get("recipient_role")) or "Recipient not recorded",
            CSODS_DISCLOSURE,
            fhir_date_time(answers.get("disclosure_date")),
            in_person,
        )
    if record.form_id == "serious-violence-duty":
        return Disclosure(
            label(SVD_AUTHORITY, answers.get("recipient_authority")) or "Recipient not recorded",
            label(SVD_INFORMATION_TYPE, answers.get("information_type")),
            None,
            None,
        )
    return None


def audit_event(
    record: Record,
    shared: Disclosure,
    sharer: dict[str, Any],
    organisation: dict[str, Any] | None,
    subject: dict[str, Any] | None,
    policy: list[str],
) -> dict[str, Any]:
    """The AuditEvent of ``shared``: an export (DICOM 110106) by ``sharer`` (the requesting agent, with
    the legislation relied on as its policy) to the recipient, reported by ``organisation``."""
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": resource_id(record, "AuditEvent"),
        "type": EXPORT,
        "action": "R",
    }
    if shared.when:
        event["period"] = {"start": shared.when, "end": shared.when}
    event["recorded"] = record.created_at
    event["outcome"] = "0"
    purpose = purpose_of_use(record)
    if purpose:
        event["purposeOfEvent"] = [{"coding": [purpose]}]
    source_agent: dict[str, Any] = {"type": SOURCE_ROLE, "who": sharer, "requestor": True}
    if policy:
        source_agent["policy"] = policy
    event["agent"] = [source_agent, {"type": DESTINATION_ROLE, "who": {"display": shared.recipient}, "requestor": False}]
    event["source"] = {
        "site": record.host,
        "observer": organisation or {"type": "Device", "display": "sharewise"},
        "type": [APPLICATION_SERVER],
    }
    event["entity"] = _entities(shared, subject)
    return event


def _entities(shared: Disclosure, subject: dict[str, Any] | None) -> list[dict[str, Any]]:
    information: dict[str, Any] = {"type": INFORMATION}
    if shared.information:
        information["description"] = shared.information
    if shared.method:
        information["detail"] = [{"type": "method", "valueString": shared.method}]
    entities = [information]
    if subject:
        entities.append({"what": subject, "type": PERSON, "role": PATIENT_ROLE})
    return entities
