"""Request and response schemas of the API (marshmallow); the OpenAPI document is generated from them."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from sharewise.adapters.exports.record_json import FindingSchema, RecordSchema
from sharewise.adapters.webform.presentation import theme_problems


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class CheckRequest(_Strict):
    """Answers to check against a form (nothing is stored)."""

    answers = fields.Dict(required=True)
    form_version = fields.Integer(strict=True, validate=validate.Range(min=1))
    context = fields.Dict(load_default=dict)


class SubmissionRequest(_Strict):
    """A decision to record."""

    form_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    form_version = fields.Integer(strict=True, validate=validate.Range(min=1), allow_none=True)
    answers = fields.Dict(required=True)
    acknowledged_warnings = fields.List(fields.String(validate=validate.Length(min=1, max=50)), load_default=list)
    context = fields.Dict(load_default=dict)


class AmendmentRequest(_Strict):
    """A correction of a record."""

    answers = fields.Dict(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    acknowledged_warnings = fields.List(fields.String(validate=validate.Length(min=1, max=50)), load_default=list)


class PractitionerSchema(Schema):
    """Who is completing the form (pre-fills the decision maker)."""

    name = fields.String(validate=validate.Length(max=500))
    role = fields.String(validate=validate.Length(max=500))
    id = fields.String(validate=validate.Length(max=200))
    agency_type = fields.String(validate=validate.Length(max=100))
    public_authority = fields.Boolean()


class LaunchContext(Schema):
    """The case the form is opened for."""

    case_ref = fields.String(validate=validate.Length(max=200))
    subject = fields.Dict(keys=fields.String())
    practitioner = fields.Nested(PractitionerSchema)
    organisation = fields.Dict(keys=fields.String())


def _theme_ok(theme: dict[str, str]) -> None:
    problems = theme_problems(theme)
    if problems:
        raise ValidationError(problems)


class LaunchRequest(_Strict):
    """Open a form in the context of a case."""

    form_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    context = fields.Nested(LaunchContext, load_default=dict)
    theme = fields.Dict(
        keys=fields.String(),
        validate=_theme_ok,
        metadata={
            "description": "How the form should look inside the host: colours (brand, text, background, focus, link) "
            "as #rrggbb, font as font names, radius in px. Shown only; never part of the record.",
            "example": {"brand": "#005eb8", "font": "Arial, sans-serif"},
        },
    )


class LaunchResponse(Schema):
    """Where to send the practitioner, and until when the link works."""

    url = fields.String(required=True)
    expires_at = fields.String(required=True)


class FeedQuery(_Strict):
    """Paging through the host's records in commit order."""

    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class FeedResponse(Schema):
    """A page of records; ``next`` is the cursor for the following page (``null`` at the end)."""

    records = fields.List(fields.Nested(RecordSchema), required=True)
    next = fields.Integer(allow_none=True, required=True)


class FormRef(Schema):
    """A form's id and version."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)


class EvaluationSchema(Schema):
    """The result of a check."""

    form = fields.Nested(FormRef, required=True)
    valid = fields.Boolean(required=True)
    findings = fields.List(fields.Nested(FindingSchema), required=True)
    outcome = fields.Dict(required=True)


class FormSummary(Schema):
    """A form in the list."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
