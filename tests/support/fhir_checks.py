"""Checking exported FHIR, and making the records to export, for the FHIR export tests.

``check_bundle`` validates a Bundle, and every resource in it, against the official R4 JSON Schema
(``tests/data/fhir``), with ``fhir.resources``' R4B models, against the specification's element order,
and checks the Consent invariants ppc-1 to ppc-5.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from answer_sets import (
    CONSENT_RECORD,  # noqa: F401  (re-exported for the FHIR tests)
    GIVEN_EXPLICIT_CONSENT,
    SOUGHT,
)
from fhir.resources.R4B.bundle import Bundle
from jsonschema import Draft6Validator

from sharewise.core import Engine
from sharewise.core.record import Record
from sharewise.core.store.store import Store
from sharewise.core.submission import Recorder

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "fhir" / "fhir.schema.json"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
#: Consent invariants: a scope code that needs a patient (ppc-2 to ppc-5), by invariant.
SCOPES_NEEDING_A_PATIENT = {"ppc-2": "patient-privacy", "ppc-3": "research", "ppc-4": "adr", "ppc-5": "treatment"}
#: The host context of a fully identified case (valid NHS number and ODS code).
FULL_CONTEXT: dict[str, Any] = {
    "case_ref": "C-123",
    "subject": {"name": "Sam Example", "nhs_number": "943 476 5919", "date_of_birth": "2019-03-01"},
    "practitioner": {"name": "Dr A Example", "role": "GP partner", "id": "G1234567"},
    "organisation": {"name": "Example Practice", "ods_code": "A12345"},
}
#: What a partial consent covers (core form ``consent_scope``).
SCOPE_TEXT = "Only the body map, and only to the duty social worker."
#: Consent sought and refused or withdrawn, sharing anyway on Sch 1 para 6 (para 18 would warn).
OVERRIDDEN: dict[str, Any] = SOUGHT | {
    "consent_override_reason": "The risk of significant harm outweighs the refusal.",
    "special_category_condition": "sch1_para6_statutory_purposes",
    "substantial_public_interest": None,
}
#: Changes to the core form's base answers for each consent outcome, and the Consent.status expected.
CONSENT_OUTCOMES: dict[str, tuple[dict[str, Any], str]] = {
    "given": (GIVEN_EXPLICIT_CONSENT, "active"),
    "partial": (GIVEN_EXPLICIT_CONSENT | {"consent_outcome": "partial", "consent_scope": SCOPE_TEXT}, "active"),
    "refused": (OVERRIDDEN | {"consent_outcome": "refused"}, "rejected"),
    "withdrawn": (OVERRIDDEN | {"consent_outcome": "withdrawn"}, "inactive"),
}
AUTHOR = {"id": "jo.bloggs", "name": "Jo Bloggs", "role": "Practice administrator"}
CREATED_AT = "2026-11-25T09:30:15.123456+00:00"


@functools.cache
def schema_validator() -> Draft6Validator:
    """One draft-6 validator for the whole R4 schema (it is large: built once, reused)."""
    return Draft6Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


@functools.cache
def _definition_validator(name: str) -> Draft6Validator:
    return schema_validator().evolve(schema={"$ref": f"#/definitions/{name}"})


def schema_errors(instance: Any, definition: str) -> list[str]:
    """Every way ``instance`` breaks ``#/definitions/<definition>`` of the R4 schema, with its path."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _definition_validator(definition).iter_errors(instance)
    ]


def order_problems(instance: Any, definition: str, path: str = "") -> list[str]:
    """Elements out of the specification's order: the R4 schema lists each type's properties in that order."""
    definitions = schema_validator().schema["definitions"]
    if not isinstance(instance, Mapping):
        return []
    if definition == "ResourceList":
        definition = instance["resourceType"]
    properties = definitions[definition]["properties"]
    positions = [list(properties).index(key) for key in instance]
    problems = [f"{path or definition}: {list(instance)} is not in specification order"] if positions != sorted(positions) else []
    for key, value in instance.items():
        reference = properties[key].get("$ref") or properties[key].get("items", {}).get("$ref")
        if reference:
            for item in value if isinstance(value, list) else [value]:
                problems += order_problems(item, reference.rsplit("/", 1)[1], f"{path}/{key}")
    return problems


def consent_invariant_failures(consent: Mapping[str, Any]) -> list[str]:
    """The Consent invariants ppc-1 (a policy or policy rule) and ppc-2 to ppc-5 (a patient for these scopes) it breaks."""
    failures = [] if consent.get("policy") or consent.get("policyRule") else ["ppc-1"]
    scopes = {c.get("code") for c in consent.get("scope", {}).get("coding", []) if c.get("system") == CONSENT_SCOPE}
    failures += [key for key, scope in SCOPES_NEEDING_A_PATIENT.items() if scope in scopes and not consent.get("patient")]
    return failures


def empty_elements(value: Any, path: str = "") -> list[str]:
    """Elements with neither a value nor children (FHIR ele-1), and blank strings, anywhere in ``value``."""
    if (isinstance(value, Mapping | list) and not value) or (isinstance(value, str) and not value.strip()):
        return [path or "/"]
    if isinstance(value, Mapping):
        return [problem for key, item in value.items() for problem in empty_elements(item, f"{path}/{key}")]
    if isinstance(value, list):
        return [problem for index, item in enumerate(value) for problem in empty_elements(item, f"{path}/{index}")]
    return []


def check_bundle(bundle: dict[str, Any]) -> dict[str, Any]:
    """Assert that ``bundle`` is valid FHIR R4 in every way the tests can check; return it."""
    assert json.loads(json.dumps(bundle)) == bundle, "the Bundle is not plain JSON data"
    assert schema_errors(bundle, "Bundle") == []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert schema_errors(resource, resource["resourceType"]) == []
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
    assert len({entry["fullUrl"] for entry in bundle["entry"]}) == len(bundle["entry"])
    Bundle.model_validate(bundle)
    assert order_problems(bundle, "Bundle") == []
    assert empty_elements(bundle) == []
    for consent in resources(bundle, "Consent"):
        assert consent_invariant_failures(consent) == []
    return bundle


def resources(bundle: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    """The resources of type ``kind`` in ``bundle``, in entry order."""
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


def one(bundle: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """The one resource of type ``kind`` in ``bundle``."""
    (found,) = resources(bundle, kind)
    return found


def every_string(value: Any) -> Iterable[str]:
    """Every key and string value anywhere in ``value`` (to look for data that must not be there)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield key
            yield from every_string(item)
    elif isinstance(value, list):
        for item in value:
            yield from every_string(item)


def warnings_of(engine: Engine, form_id: str, answers: Mapping[str, Any]) -> list[str]:
    """The warning rule ids of valid ``answers`` (asserting they are valid), to acknowledge them."""
    evaluation = engine.evaluate(form_id, answers)
    assert evaluation.valid, [(f.rule, f.field) for f in evaluation.by_severity("error")]
    return sorted({f.rule for f in evaluation.by_severity("warning")})


def submit(
    store: Store,
    engine: Engine,
    form_id: str,
    answers: Mapping[str, Any],
    *,
    context: Mapping[str, Any] | None = None,
    author: Mapping[str, Any] | None = None,
) -> Record:
    """Store ``answers`` as a record through ``Recorder``, acknowledging their warnings."""
    recorder = Recorder(engine, store)
    acknowledged = warnings_of(engine, form_id, answers)
    return recorder.submit(form_id, answers, acknowledged=acknowledged, author=author, host="case-system", context=context).record


def record_of(
    engine: Engine,
    form_id: str,
    answers: Mapping[str, Any],
    *,
    context: Mapping[str, Any] | None = None,
    author: Mapping[str, Any] | None = None,
    host: str = "case-system",
    **fields: Any,
) -> Record:
    """A record of valid ``answers`` as ``Recorder`` would make it, without a store (``fields`` override)."""
    evaluation = engine.evaluate(form_id, answers)
    acknowledged = warnings_of(engine, form_id, answers)
    record = Record(
        id=str(uuid.uuid4()),
        form_id=form_id,
        form_version=evaluation.form_version,
        answers=dict(answers),
        findings=[finding.to_dict() for finding in evaluation.findings],
        acknowledged_warnings=acknowledged,
        outcome=dict(evaluation.outcome),
        plugins={info.name: info.version for info in engine.plugins},
        author=dict(author if author is not None else AUTHOR),
        host=host,
        context=dict(context if context is not None else FULL_CONTEXT),
        created_at=CREATED_AT,
        review_required=bool(acknowledged),
        retention_class="safeguarding-decision",
        review_on=(dt.date(2032, 11, 25)).isoformat(),
    )
    return Record(**{**record.__dict__, **fields})
