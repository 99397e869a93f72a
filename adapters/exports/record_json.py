"""The canonical JSON of a decision record (a marshmallow schema), its JSON Schema, and reading it back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from sharewise.core.errors import InvalidInput
from sharewise.core.metaschema import flatten_errors
from sharewise.core.record import CONTENT_FIELDS, Record
from sharewise.core.yamlsource import format_path

FORMAT_ID = "urn:sharewise:decision-record:1"
UUID = validate.Regexp(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", error="must be a record id (a UUID)")
SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="must be 64 lower-case hex digits")
INSTANT = validate.Regexp(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$", error="must be a UTC time like 2026-11-21T09:30:00.000000+00:00"
)
DAY = validate.Regexp(r"^\d{4}-\d{2}-\d{2}$", error="must be a date written YYYY-MM-DD")


def _calendar(parse: Any, what: str) -> Any:
    def check(value: str) -> None:
        try:
            parse(value)
        except ValueError:
            raise ValidationError(f"is not a real {what}") from None

    return check


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` only — never ``"yes"`` or ``1``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("must be true or false")
        return value


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class FindingSchema(_Strict):
    """One finding, as FORMS.md defines it, with the plugin that raised it."""

    rule = fields.String(required=True, metadata={"description": "Rule id, e.g. ISD-19, or an engine check such as required."})
    severity = fields.String(required=True, validate=validate.OneOf(["error", "warning", "advice"]))
    field = fields.String(
        required=True, allow_none=True, metadata={"description": "The question id, or null for the whole form."}
    )
    message = fields.String(required=True)
    reference = fields.String(required=True, allow_none=True, metadata={"description": "The legal or guidance source."})
    plugin = fields.String(required=True, allow_none=True)


class RecordSchema(_Strict):
    """A decision record as exported and imported. Its ``content_hash`` is the sha256 of the canonical
    JSON (sorted keys, ASCII, no spaces) of every field but ``content_hash`` and ``disposal``."""

    id = fields.String(required=True, validate=UUID)
    form_id = fields.String(required=True, metadata={"description": "The form, e.g. information-sharing-decision."})
    form_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    answers = fields.Dict(
        keys=fields.String(), required=True, metadata={"description": "Answers keyed by question id (FORMS.md encoding)."}
    )
    findings = fields.List(fields.Nested(FindingSchema), required=True)
    acknowledged_warnings = fields.List(
        fields.String(), required=True, metadata={"description": "Rule ids of the warnings acknowledged."}
    )
    outcome = fields.Dict(keys=fields.String(), required=True, metadata={"description": "Decision support computed at the time."})
    plugins = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "Enabled plugins and their versions."},
    )
    author = fields.Dict(keys=fields.String(), required=True)
    host = fields.String(required=True, validate=validate.Length(min=1, max=100))
    context = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "The host's case context (case_ref, subject, practitioner, organisation)."},
    )
    created_at = fields.String(
        required=True, validate=[INSTANT, _calendar(dt.datetime.fromisoformat, "date and time")], metadata={"format": "date-time"}
    )
    review_required = StrictBoolean(required=True)
    retention_class = fields.String(required=True)
    review_on = fields.String(
        required=True, validate=[DAY, _calendar(dt.date.fromisoformat, "date")], metadata={"format": "date"}
    )
    supersedes = fields.String(
        required=True, allow_none=True, validate=UUID, metadata={"description": "The record this one corrects."}
    )
    amendment_reason = fields.String(required=True, allow_none=True)
    content_hash = fields.String(required=True, validate=SHA256)
    disposal = fields.String(required=True, allow_none=True, validate=validate.OneOf(["anonymised"]))
    remaining_hash = fields.String(
        required=True,
        allow_none=True,
        validate=SHA256,
        metadata={"description": "For a record disposed of by anonymising: the sha256 of what remains."},
    )


_SCHEMA = RecordSchema()


def record_to_json(record: Record) -> dict[str, Any]:
    """The record's canonical JSON object: exactly the fields of ``RecordSchema``, in its order (the
    values are already JSON, so no conversion is needed — ``record_from_json`` validates on the way in)."""
    data = {name: getattr(record, name) for name in CONTENT_FIELDS}
    data.update(content_hash=record.content_hash, disposal=record.disposal)
    data["remaining_hash"] = record.compute_hash() if record.disposal else None
    return data


def record_from_json(data: Any, *, source: str = "the record") -> Record:
    """A ``Record`` from its JSON; ``InvalidInput`` listing every problem by path otherwise."""
    try:
        loaded = _SCHEMA.load(data)
    except ValidationError as exc:
        problems = "; ".join(f"{format_path(path) or 'record'}: {message}" for path, message in flatten_errors(exc.messages))
        raise InvalidInput(f"{source} is not a sharewise decision record: {problems}") from None
    remaining = loaded.pop("remaining_hash")
    record = Record(**loaded)
    if record.disposal is not None and remaining != record.compute_hash():
        raise InvalidInput(f"{source}: record {record.id} was disposed of, and what remains does not match its remaining_hash")
    return record


def json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a record, generated from ``RecordSchema``."""
    spec = APISpec("sharewise decision record", "1", "3.1.0", plugins=[MarshmallowPlugin()])
    spec.components.schema("DecisionRecord", schema=RecordSchema)
    definitions = spec.to_dict()["components"]["schemas"]
    schema = _relink(definitions.pop("DecisionRecord"))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": FORMAT_ID,
        "title": "sharewise decision record",
        **schema,
        "$defs": {name: _relink(value) for name, value in definitions.items()},
    }


def _relink(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (v.replace("#/components/schemas/", "#/$defs/") if k == "$ref" else _relink(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_relink(v) for v in value]
    return value
