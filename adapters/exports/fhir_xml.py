"""FHIR JSON to FHIR XML (http://hl7.org/fhir): primitives as ``value`` attributes, arrays as
repeated elements, resources inside ``resource``/``contained`` wrapped in an element named by their
type, elements in the order of the JSON (which sharewise builds in specification order).

Narrative (``div``), extensions and element ids, which FHIR XML carries differently, are never
produced by sharewise and are not handled here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

FHIR_NS = "http://hl7.org/fhir"


def resource_element(resource: Mapping[str, Any]) -> etree._Element:
    """A FHIR resource in JSON form (a dict with ``resourceType``) as a FHIR XML element."""
    root = etree.Element(etree.QName(FHIR_NS, resource["resourceType"]), nsmap={None: FHIR_NS})
    _fill(root, resource)
    return root


def _fill(parent: etree._Element, value: Mapping[str, Any]) -> None:
    for name, content in value.items():
        if name == "resourceType":
            continue
        for item in content if isinstance(content, list) else [content]:
            _add(parent, name, item)


def _add(parent: etree._Element, name: str, value: Any) -> None:
    element = etree.SubElement(parent, etree.QName(FHIR_NS, name))
    if isinstance(value, Mapping) and "resourceType" in value:
        _fill(etree.SubElement(element, etree.QName(FHIR_NS, value["resourceType"])), value)
    elif isinstance(value, Mapping):
        _fill(element, value)
    elif isinstance(value, bool):
        element.set("value", "true" if value else "false")
    else:
        element.set("value", str(value))
