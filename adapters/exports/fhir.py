"""A decision record as a FHIR R4 Bundle (``collection``), in JSON or XML.

The Bundle holds a Provenance for the decision, a Consent only when consent was actually sought,
and an AuditEvent for the disclosure when something was shared. The mapping, the host context it
reads and the legislation URIs are documented in ``docs/integrators/fhir.md``. No personal data is
logged; it appears only in the resources where it belongs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree

from sharewise.adapters.exports.fhir_consent import consent_resource
from sharewise.adapters.exports.fhir_disclosure import audit_event, disclosure
from sharewise.adapters.exports.fhir_elements import (
    RECORD_SYSTEM,
    nhs_number_is_valid,
    organisation_reference,
    practitioner_reference,
    subject_reference,
)
from sharewise.adapters.exports.fhir_provenance import provenance_resource
from sharewise.adapters.exports.fhir_xml import FHIR_NS, resource_element
from sharewise.adapters.exports.legislation import policy_uris
from sharewise.core.record import Record

#: Characters XML 1.0 cannot carry and FHIR strings should not hold (C0 controls but tab, newline and
#: carriage return; U+FFFE, U+FFFF; lone surrogates). Answers never contain them; host-supplied
#: context, author and host names might.
UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

__all__ = ["FHIR_NS", "bundle_element", "bundle_json", "bundle_xml", "nhs_number_is_valid", "record_bundle", "resource_element"]


def record_bundle(record: Record) -> dict[str, Any]:
    """``record`` as a FHIR R4 ``collection`` Bundle (JSON-ready dict): Provenance, then the Consent and
    the AuditEvent when there are any. Resource ids are UUIDs derived from the record id, so the same
    record always exports the same Bundle. Characters no FHIR XML can carry (control characters a host
    may have put in the context) are replaced by U+FFFD, so the JSON and the XML say the same."""
    subject, organisation = subject_reference(record), organisation_reference(record)
    practitioner = practitioner_reference(record)
    policy = policy_uris(record.form_id, record.answers)
    others = []
    consent = consent_resource(record, subject, organisation)
    if consent is not None:
        others.append(consent)
    shared = disclosure(record)
    if shared is not None:
        others.append(audit_event(record, shared, practitioner[0], organisation, subject, policy))
    targets = [{"reference": f"urn:uuid:{resource['id']}", "type": resource["resourceType"]} for resource in others]
    resources = [provenance_resource(record, targets, practitioner, organisation, policy), *others]
    return _safe(
        {
            "resourceType": "Bundle",
            "identifier": {"system": RECORD_SYSTEM, "value": record.id},
            "type": "collection",
            "timestamp": record.created_at,
            "entry": [{"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource} for resource in resources],
        }
    )


def bundle_json(record: Record) -> str:
    """``record``'s Bundle as compact FHIR JSON (one line, UTF-8 characters unescaped)."""
    return json.dumps(record_bundle(record), ensure_ascii=False, separators=(",", ":"))


def bundle_element(record: Record) -> etree._Element:
    """``record``'s Bundle as a FHIR XML element, ready to write into a larger document or stream."""
    return resource_element(record_bundle(record))


def bundle_xml(record: Record) -> bytes:
    """``record``'s Bundle as a FHIR XML document (UTF-8, with an XML declaration)."""
    return etree.tostring(bundle_element(record), xml_declaration=True, encoding="UTF-8")


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return UNSAFE_CHARACTERS.sub("\ufffd", value)
    if isinstance(value, dict):
        return {key: _safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_safe(item) for item in value]
    return value
