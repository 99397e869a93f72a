"""Exports of decision records: JSON (with its JSON Schema), XML (with its XSD), FHIR R4, XSLT host
mappings; streaming bulk export; and importing records that sharewise exported."""
