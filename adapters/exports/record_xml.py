"""Decision records as XML (namespace ``urn:sharewise:decision-record:1``) and back.

Answers become typed elements an integrator can address with XPath; author, context and outcome
(free-form JSON) become typed members that convert back to exactly the same JSON, so a record read
back from XML has the same content hash.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from lxml import etree

from sharewise.adapters.exports.record_xml_write import NS, record_element
from sharewise.adapters.exports.xml_safety import InvalidXML, XMLProblem, parse_xml, validate
from sharewise.core import strict_json
from sharewise.core.errors import InvalidInput
from sharewise.core.formdef import FormDefinition
from sharewise.core.record import Record

NSMAP = {None: NS}


def q(name: str) -> str:
    """The qualified name of an element of the format."""
    return f"{{{NS}}}{name}"


@cache
def xml_schema() -> etree.XMLSchema:
    """The XSD, loaded once from package data."""
    data = (files("sharewise.adapters.exports.schemas") / "decision-record.xsd").read_bytes()
    return etree.XMLSchema(parse_xml(data, source="decision-record.xsd"))


def xsd_text() -> str:
    """The XSD as text (``sharewise schema --format xsd``)."""
    return (files("sharewise.adapters.exports.schemas") / "decision-record.xsd").read_text(encoding="utf-8")


def _read_text(element: etree._Element) -> str:
    text = element.text or ""
    return json.loads(f'"{text}"') if element.get("escaped") == "json" else text


def _elements(element: etree._Element) -> list[etree._Element]:
    """Child elements only (comments and processing instructions are not content)."""
    return [child for child in element if isinstance(child.tag, str)]


def _read_attribute(element: etree._Element, name: str) -> str | None:
    value = element.get(name)
    if value is not None and element.get(f"{name}Escaped") == "json":
        return json.loads(f'"{value}"')
    return value


def _read_value(element: etree._Element) -> Any:
    kind = element.get("type")
    if kind == "null":
        return None
    if kind == "boolean":
        return element.text == "true"
    if kind == "number":
        return strict_json.loads(element.text or "", source="a number")
    if kind == "string":
        return _read_text(element)
    if kind == "object":
        return {_read_attribute(child, "name"): _read_value(child) for child in _elements(element)}
    return [_read_value(child) for child in _elements(element)]


def record_xml(record: Record, form: FormDefinition | None = None) -> bytes:
    """One record as a complete XML document."""
    return etree.tostring(record_element(record, form), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _read_answer(element: etree._Element) -> Any:
    kind = element.get("type")
    children = _elements(element)
    if kind == "unknown":
        return _read_value(children[0])
    if kind == "multi":
        return [_read_text(child) for child in children]
    child = children[0]
    if kind == "yes_no":
        return child.text in ("true", "1")
    if kind == "integer":
        return int(child.text or "0")
    return _read_text(child)


def record_from_element(element: etree._Element) -> Record:
    """Read one (schema-valid) record element back into a ``Record``."""
    one = {etree.QName(child).localname: child for child in _elements(element)}
    form = one["form"]
    findings = []
    for finding in _elements(one["findings"]):
        parts = {etree.QName(child).localname: child for child in _elements(finding)}
        findings.append(
            {
                "rule": finding.get("rule"),
                "severity": finding.get("severity"),
                "field": finding.get("field"),
                "message": _read_text(parts["message"]),
                "reference": _read_text(parts["reference"]) if "reference" in parts else None,
                "plugin": finding.get("plugin"),
            }
        )
    retention = one["retention"]
    record = Record(
        id=element.get("id"),
        form_id=form.get("id"),
        form_version=int(form.get("version")),
        answers={_read_attribute(answer, "question"): _read_answer(answer) for answer in _elements(one["answers"])},
        findings=findings,
        acknowledged_warnings=[rule.text or "" for rule in _elements(one["acknowledgedWarnings"])],
        outcome={_read_attribute(m, "name"): _read_value(m) for m in _elements(one["outcome"])},
        plugins={_read_attribute(p, "name"): _read_attribute(p, "version") for p in _elements(one["provenance"])},
        author={_read_attribute(m, "name"): _read_value(m) for m in _elements(one["author"])},
        host=_read_text(one["host"]),
        context={_read_attribute(m, "name"): _read_value(m) for m in _elements(one["context"])},
        created_at=one["createdAt"].text or "",
        review_required=one["reviewRequired"].text in ("true", "1"),
        retention_class=retention.get("class"),
        review_on=retention.get("reviewOn"),
        supersedes=one["supersedes"].text if "supersedes" in one else None,
        amendment_reason=_read_text(one["amendmentReason"]) if "amendmentReason" in one else None,
        content_hash=one["contentHash"].text or "",
        disposal=one["disposal"].text if "disposal" in one else None,
    )
    if record.disposal is not None and ("remainingHash" not in one or one["remainingHash"].text != record.compute_hash()):
        raise ValueError(f"record {record.id} was disposed of, and what remains does not match its remainingHash")
    return record


def records_from_xml(data: bytes, *, source: str, max_bytes: int) -> list[Record]:
    """Every record in an XML document (one ``record`` or a ``records`` collection), after the hardened
    parser and the XSD; ``InvalidXML`` lists every problem with its line."""
    tree = parse_xml(data, source=source, max_bytes=max_bytes)
    root = tree.getroot()
    if root.tag not in (q("record"), q("records")):
        raise InvalidXML(source, [XMLProblem(root.sourceline, f"the root element must be record or records in namespace {NS}")])
    validate(tree, xml_schema(), source)
    elements = [root] if root.tag == q("record") else _elements(root)
    try:
        return [record_from_element(element) for element in elements]
    except (KeyError, ValueError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{source}: a record could not be read back ({exc})") from None


def submission_from_xml(data: bytes, *, source: str, max_bytes: int) -> dict[str, Any]:
    """A submission sent as a sharewise XML ``record`` (through the hardened parser): its form, answers,
    acknowledged warnings and context. Record-only parts (id, hash, findings) are ignored."""
    root = parse_xml(data, source=source, max_bytes=max_bytes).getroot()
    if root.tag != q("record"):
        raise InvalidXML(source, [XMLProblem(root.sourceline, f"the root element must be record in namespace {NS}")])
    parts = {etree.QName(child).localname: child for child in _elements(root)}
    form = parts.get("form")
    if form is None or not form.get("id"):
        raise InvalidXML(source, [XMLProblem(root.sourceline, "the record needs a form element with an id")])
    try:
        version = int(form.get("version")) if form.get("version") else None
        answers = (
            {_read_attribute(a, "question"): _read_answer(a) for a in _elements(parts["answers"])} if "answers" in parts else {}
        )
        context = {_read_attribute(m, "name"): _read_value(m) for m in _elements(parts["context"])} if "context" in parts else {}
    except (ValueError, IndexError, json.JSONDecodeError) as exc:
        raise InvalidXML(source, [XMLProblem(root.sourceline, f"an answer could not be read: {exc}")]) from None
    acknowledged = (
        [rule.text or "" for rule in _elements(parts["acknowledgedWarnings"])] if "acknowledgedWarnings" in parts else []
    )
    return {
        "form_id": form.get("id"),
        "form_version": version,
        "answers": answers,
        "acknowledged_warnings": acknowledged,
        "context": context,
    }
