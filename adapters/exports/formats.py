"""The export formats, for one record or a constant-memory stream of many.

``json`` (line-delimited for many), ``xml`` (a ``records`` collection for many), ``fhir-json``
(line-delimited Bundles), ``fhir-xml`` (Bundles inside a collection Bundle), ``xslt:NAME`` (a built-in
host mapping, or ``xslt:/path/to/own.xsl``; many results inside an ``export`` element).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from typing import BinaryIO

from lxml import etree

from sharewise.adapters.exports import fhir
from sharewise.adapters.exports.record_json import record_to_json
from sharewise.adapters.exports.record_xml import NSMAP, q, record_element
from sharewise.adapters.exports.xslt import stylesheet, transform
from sharewise.core.engine import Engine
from sharewise.core.errors import InvalidInput, UnknownFormError
from sharewise.core.formdef import FormDefinition
from sharewise.core.record import Record

FORMATS = ("json", "xml", "fhir-json", "fhir-xml")
MEDIA_TYPES = {
    "json": "application/json",
    "xml": "application/xml",
    "fhir-json": "application/fhir+json",
    "fhir-xml": "application/fhir+xml",
}
FHIR_NS = "http://hl7.org/fhir"
EXPORT_NS = "urn:sharewise:export:1"
FLUSH_EVERY = 500


def check_format(name: str) -> str:
    """``name`` if it is a format; ``InvalidInput`` naming the choices otherwise (an xslt mapping is loaded now)."""
    if name in FORMATS:
        return name
    if name.startswith("xslt:") and len(name) > 5:
        stylesheet(name[5:])
        return name
    raise InvalidInput(f"unknown format '{name}' (formats: {', '.join(FORMATS)}, xslt:NAME or xslt:/path/to/mapping.xsl)")


class FormLookup:
    """Form definitions by id and version, for typing XML answers; ``None`` for forms no longer known."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cache: dict[tuple[str, int], FormDefinition | None] = {}

    def __call__(self, record: Record) -> FormDefinition | None:
        key = (record.form_id, record.form_version)
        if key not in self._cache:
            try:
                self._cache[key] = self.engine.form(*key)
            except UnknownFormError:
                self._cache[key] = None
        return self._cache[key]


def render(record: Record, name: str, forms: FormLookup) -> bytes:
    """One record in format ``name``, as a complete document."""
    if name == "json":
        return json.dumps(record_to_json(record), indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    if name == "fhir-json":
        return json.dumps(fhir.record_bundle(record), indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    element = _element(record, name, forms)
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _element(record: Record, name: str, forms: FormLookup) -> etree._Element:
    if name == "xml":
        return record_element(record, forms(record))
    if name == "fhir-xml":
        return fhir.bundle_element(record)
    return transform(stylesheet(name[5:]), record_element(record, forms(record))).getroot()


def stream(
    records: Iterable[Record], name: str, out: BinaryIO, forms: FormLookup, progress: Callable[[int], None] = lambda n: None
) -> int:
    """Write every record to ``out`` in format ``name``, holding one record in memory at a time."""
    if name in ("json", "fhir-json"):
        return _stream_lines(records, name, out, progress)
    root, nsmap, wrap = {
        "xml": (q("records"), NSMAP, False),
        "fhir-xml": (f"{{{FHIR_NS}}}Bundle", {None: FHIR_NS}, True),
    }.get(name, (f"{{{EXPORT_NS}}}export", {"export": EXPORT_NS}, False))
    iterator = iter(records)
    first = next(iterator, None)
    pending = [] if first is None else [_element(first, name, forms)]  # a mapping that fails, fails before any output
    count = 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(root, nsmap=nsmap):
            if wrap:
                xf.write(etree.Element(f"{{{FHIR_NS}}}type", value="collection"))
            for element in itertools.chain(pending, (_element(record, name, forms) for record in iterator)):
                if wrap:
                    with xf.element(f"{{{FHIR_NS}}}entry"), xf.element(f"{{{FHIR_NS}}}resource"):
                        xf.write(element)
                else:
                    xf.write(element)
                count += 1
                progress(1)
                if count % FLUSH_EVERY == 0:
                    xf.flush()
    return count


def _stream_lines(records: Iterable[Record], name: str, out: BinaryIO, progress: Callable[[int], None]) -> int:
    convert = record_to_json if name == "json" else fhir.record_bundle
    count = 0
    for record in records:
        out.write(json.dumps(convert(record), ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        count += 1
        progress(1)
    return count
