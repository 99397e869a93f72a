"""The FHIR R4 Consent of a record — only when consent was actually sought.

Sharing without consent is not a FHIR Consent (a Consent records an agreement), so a core-form
record yields one only when ``consent_sought`` is true; a ``consent-record`` always does. Status and
provision follow the answer: given → active, permit; partial → active, a deny holding the consented
scope as a nested permit; refused → rejected, deny; withdrawn → inactive, deny.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sharewise.adapters.exports.fhir_elements import coding, fhir_date_time, resource_id, text_of
from sharewise.adapters.exports.fhir_labels import AGENCY, GIVEN_BY, label
from sharewise.adapters.exports.legislation import UK_GDPR_ART_7
from sharewise.core.record import Record

SCOPE = {"coding": [coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", "Privacy Consent")]}
CATEGORY = {"coding": [coding("http://loinc.org", "59284-0", "Patient Consent")]}
DISCLOSE = {"coding": [coding("http://terminology.hl7.org/CodeSystem/consentaction", "disclose", "Disclose")]}
RECIPIENT = {"coding": [coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", "information recipient")]}
#: ``consent_outcome`` → Consent.status.
STATUS = {"given": "active", "partial": "active", "refused": "rejected", "withdrawn": "inactive"}
#: Who gave consent, when it was the person the information is about.
SUBJECT_GAVE_IT = frozenset({"data_subject", "child_competent"})


def consent_resource(
    record: Record, patient: dict[str, Any] | None, organisation: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The Consent of ``record``, or ``None`` when consent was not sought (or its outcome is unknown).

    ``patient`` and ``organisation`` are the references to the data subject and the practitioner's
    organisation (see ``fhir_elements``); without a subject reference the patient is named by a display.
    """
    answers = record.answers
    if record.form_id == "consent-record":
        withdrawn = fhir_date_time(answers.get("withdrawn_on"))
        outcome, given_by, given_on = ("withdrawn" if withdrawn else "given"), answers.get("given_by"), answers.get("given_on")
        provision = _deny(period_start=withdrawn) if withdrawn else _permit(answers.get("scope_agencies"))
    elif record.form_id == "information-sharing-decision" and answers.get("consent_sought") is True:
        outcome, given_by, given_on = answers.get("consent_outcome"), answers.get("consent_given_by"), answers.get("consent_date")
        provision = _core_provision(outcome, answers)
    else:
        return None
    if outcome not in STATUS:
        return None
    subject = patient or {"type": "Patient", "display": _unnamed_subject(record)}
    consent: dict[str, Any] = {
        "resourceType": "Consent",
        "id": resource_id(record, "Consent"),
        "status": STATUS[outcome],
        "scope": SCOPE,
        "category": [CATEGORY],
        "patient": subject,
    }
    when = fhir_date_time(given_on)
    if when:
        consent["dateTime"] = when
    if given_by in GIVEN_BY:
        related = {"type": "RelatedPerson", "display": GIVEN_BY[given_by]}
        consent["performer"] = [subject if given_by in SUBJECT_GAVE_IT else related]
    if organisation:
        consent["organization"] = [organisation]
    consent["policy"] = [{"uri": UK_GDPR_ART_7}]
    consent["provision"] = provision
    return consent


def _core_provision(outcome: Any, answers: Any) -> dict[str, Any]:
    if outcome == "given":
        return _permit(answers.get("proposed_recipients"))
    if outcome == "partial":
        scope = text_of(answers.get("consent_scope"))
        nested: dict[str, Any] = {"type": "permit", "action": [DISCLOSE]}
        if scope:
            nested["code"] = [{"text": scope}]
        return {**_deny(), "provision": [nested]}
    return _deny()


def _permit(agencies: Any) -> dict[str, Any]:
    provision: dict[str, Any] = {"type": "permit"}
    actors = [
        {"role": RECIPIENT, "reference": {"type": "Organization", "display": label(AGENCY, code)}}
        for code in (agencies if isinstance(agencies, Iterable) and not isinstance(agencies, str) else ())
        if label(AGENCY, code)
    ]
    if actors:
        provision["actor"] = actors
    provision["action"] = [DISCLOSE]
    return provision


def _deny(period_start: str | None = None) -> dict[str, Any]:
    provision: dict[str, Any] = {"type": "deny"}
    if period_start:
        provision["period"] = {"start": period_start}
    provision["action"] = [DISCLOSE]
    return provision


def _unnamed_subject(record: Record) -> str:
    case = text_of(record.context.get("case_ref"))
    return f"The person this consent is about (case {case})" if case else "The person this consent is about"
