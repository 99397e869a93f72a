"""Building blocks shared by the FHIR resources: identifier systems, references to the people and
organisations in a record (from its answers and the host's case context), codings and dates.

Every dict is built in the element order the FHIR R4 specification defines.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from sharewise.core.dates import parse_datetime
from sharewise.core.record import Record

RECORD_SYSTEM = "urn:sharewise:record"
FORM_SYSTEM = "urn:sharewise:form"
ACTOR_SYSTEM = "urn:sharewise:actor"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
#: Namespace of the resource ids: the same record always exports with the same ids.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:sharewise:fhir")
#: HL7 v3 purpose of use "threat": preventing injury to people who may be the target of violence.
THREAT = {"system": ACT_REASON, "code": "THREAT", "display": "threat"}
#: Core-form concerns whose sharing is to protect someone from harm.
PROTECTIVE_CONCERNS = frozenset({"significant_harm", "serious_harm_adult"})
SCHEME_FORMS = frozenset({"dvds-disclosure", "csods-disclosure", "serious-violence-duty"})

_NHS_NUMBER = re.compile(r"[0-9]{10}")
_ODS_CODE = re.compile(r"[A-Z0-9]{3,10}")
_FHIR_DATE_TIME = re.compile(
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?"
)


def nhs_number_is_valid(text: Any) -> bool:
    """Whether ``text`` is a 10-digit NHS number (spaces allowed) whose last digit is its Modulus 11
    check digit: weights 10 down to 2 on the first nine digits, 11 minus the remainder mod 11 (11
    counts as 0; 10 is never valid)."""
    digits = normalised_nhs_number(text)
    if digits is None:
        return False
    check = 11 - sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return check != 10 and check % 11 == int(digits[9])


def normalised_nhs_number(text: Any) -> str | None:
    """``text`` as 10 digits with its spaces removed, or ``None`` if it is not ten ASCII digits."""
    if not isinstance(text, str):
        return None
    digits = text.replace(" ", "")
    return digits if _NHS_NUMBER.fullmatch(digits) else None


def text_of(value: Any) -> str | None:
    """``value`` if it is text with something other than whitespace in it, else ``None``."""
    return value if isinstance(value, str) and value.strip() else None


def section(record: Record, name: str) -> Mapping[str, Any]:
    """One part of the host's case context (``subject``, ``practitioner``, ``organisation``), or ``{}``."""
    part = record.context.get(name)
    return part if isinstance(part, Mapping) else {}


def fhir_date_time(value: Any) -> str | None:
    """A ``date`` or ``datetime`` answer as a FHIR dateTime: as written (``T`` and ``Z`` upper case),
    or in UTC when its offset is beyond what FHIR allows; ``None`` when unanswered."""
    if not isinstance(value, str):
        return None
    written = value.upper()
    if _FHIR_DATE_TIME.fullmatch(written):
        return written
    return parse_datetime(written).astimezone(dt.UTC).isoformat()


def resource_id(record: Record, kind: str) -> str:
    """The id of the ``kind`` resource exported for ``record``: a UUID derived from the record's id."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{record.id}/{kind}"))


def host_system(record: Record, kind: str) -> str:
    """The identifier system for a host's own ids of ``kind`` (``case``, ``practitioner``)."""
    return f"urn:sharewise:host:{quote(record.host, safe='')}:{kind}"


def record_reference(record_id: str, display: str | None = None) -> dict[str, Any]:
    """A logical reference to a sharewise decision record."""
    reference: dict[str, Any] = {"identifier": {"system": RECORD_SYSTEM, "value": record_id}}
    if display:
        reference["display"] = display
    return reference


def subject_reference(record: Record) -> dict[str, Any] | None:
    """The person the record is about (``context.subject``): a logical Patient reference with the NHS
    number when it passes the Modulus 11 check, and the name as display; ``None`` if neither is given."""
    subject = section(record, "subject")
    number = subject.get("nhs_number")
    identifier = {"system": NHS_NUMBER_SYSTEM, "value": normalised_nhs_number(number)} if nhs_number_is_valid(number) else None
    return _reference("Patient", identifier, text_of(subject.get("name")))


def organisation_reference(record: Record) -> dict[str, Any] | None:
    """The practitioner's organisation (``context.organisation``), identified by its ODS code when the
    code is well formed; ``None`` if neither name nor code is given."""
    organisation = section(record, "organisation")
    code = text_of(organisation.get("ods_code"))
    code = code.strip().upper() if code else None
    identifier = {"system": ODS_SYSTEM, "value": code} if code and _ODS_CODE.fullmatch(code) else None
    return _reference("Organization", identifier, text_of(organisation.get("name")))


def practitioner_reference(record: Record) -> tuple[dict[str, Any], bool]:
    """The practitioner who made the decision, and whether it had to be taken from the record's author.

    Name and role come from the answers (``decision_maker_name``/``_role``) or else
    ``context.practitioner``; the identifier from ``context.practitioner.id``, unless the answers name
    someone other than the context does. With none of these, the author who submitted the record
    stands in (identified by their sharewise actor id).
    """
    answers, practitioner = record.answers, section(record, "practitioner")
    answered, known = text_of(answers.get("decision_maker_name")), text_of(practitioner.get("name"))
    name = answered or known
    role = text_of(answers.get("decision_maker_role")) or text_of(practitioner.get("role"))
    own_id = text_of(practitioner.get("id"))
    same_person = not (answered and known) or answered.strip().casefold() == known.strip().casefold()
    identifier = {"system": host_system(record, "practitioner"), "value": own_id} if own_id and same_person else None
    if name or role or identifier:
        return _person(identifier, name, role), False
    author = author_reference(record)
    return author or {"display": "Practitioner not recorded"}, author is not None


def author_reference(record: Record) -> dict[str, Any] | None:
    """Who submitted the record (``record.author``), or ``None`` when it names nobody."""
    author = record.author
    own_id = text_of(author.get("id"))
    identifier = {"system": ACTOR_SYSTEM, "value": own_id} if own_id else None
    name, role = text_of(author.get("name")), text_of(author.get("role"))
    return _person(identifier, name, role) if name or role or identifier else None


def purpose_of_use(record: Record) -> dict[str, Any] | None:
    """The HL7 purpose of use "threat" for decisions made to protect someone from harm: the core form
    when the concern is significant harm to a child or serious harm to an adult, and the scheme forms."""
    if record.form_id in SCHEME_FORMS or record.answers.get("concern_level") in PROTECTIVE_CONCERNS:
        return THREAT
    return None


def coding(system: str, code: str, display: str) -> dict[str, Any]:
    """A Coding."""
    return {"system": system, "code": code, "display": display}


def _person(identifier: dict[str, Any] | None, name: str | None, role: str | None) -> dict[str, Any]:
    return _reference("Practitioner", identifier, ", ".join(part for part in (name, role) if part) or None) or {}


def _reference(kind: str, identifier: dict[str, Any] | None, display: str | None) -> dict[str, Any] | None:
    if identifier is None and display is None:
        return None
    reference: dict[str, Any] = {"type": kind}
    if identifier is not None:
        reference["identifier"] = identifier
    if display is not None:
        reference["display"] = display
    return reference
