"""The meta-schema every form definition (and every plugin extension) is validated against.

Shape only: keys, types and id formats. Cross-references (unknown question in a condition,
unknown option list, duplicate ids, limits that do not fit the type) are checked afterwards by
``sharewise.core.formbuild``, which knows the whole form.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from sharewise.core.formdef import QUESTION_TYPES

QUESTION_ID = validate.Regexp(
    r"^[a-z][a-z0-9_]*$", error="must be lower case letters, digits and underscores, starting with a letter"
)
FORM_ID = validate.Regexp(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", error="must be lower case words joined by hyphens")
OPTION_CODE = validate.Regexp(r"^[a-z0-9][a-z0-9_]*$", error="must be lower case letters, digits and underscores")
TEXT = validate.Length(min=1, error="must not be empty")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class OptionSchema(_Strict):
    """One option: a stable code and a label."""

    code = fields.String(required=True, validate=OPTION_CODE)
    label = fields.String(required=True, validate=TEXT)
    hint = fields.String()


class OptionsField(fields.Field):
    """Either the name of a shared option list or a list of options written in place."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return OptionSchema(many=True).load(value)
        raise ValidationError("must be the name of an option list or a list of options")


class StrictBoolean(fields.Field):
    """``true`` or ``false`` only (YAML 1.2 booleans), never ``1`` or ``"yes"``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("must be true or false")
        return value


class GuidanceSchema(_Strict):
    """Guidance beside a question; legal points cite their source in ``reference``."""

    text = fields.String(required=True, validate=TEXT)
    reference = fields.String(validate=TEXT)
    url = fields.Url(schemes={"https"})


class QuestionSchema(_Strict):
    """One question."""

    id = fields.String(required=True, validate=QUESTION_ID)
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    label = fields.String(required=True, validate=TEXT)
    hint = fields.String()
    required = StrictBoolean()
    required_if = fields.String()
    show_if = fields.String()
    options = OptionsField()
    max_length = fields.Integer(strict=True)
    min = fields.Integer(strict=True)
    max = fields.Integer(strict=True)
    guidance = fields.List(fields.Nested(GuidanceSchema))
    prefill = fields.String(validate=TEXT)


class SectionSchema(_Strict):
    """A section (one page) of questions."""

    id = fields.String(required=True, validate=QUESTION_ID)
    title = fields.String(required=True, validate=TEXT)
    description = fields.String()
    show_if = fields.String()
    questions = fields.List(
        fields.Nested(QuestionSchema), required=True, validate=validate.Length(min=1, error="needs at least one question")
    )


class DefinitionSchema(_Strict):
    """A named fact derived from the answers."""

    name = fields.String(required=True, validate=QUESTION_ID)
    expression = fields.String(required=True, validate=TEXT)
    description = fields.String()


class FormSchema(_Strict):
    """A whole form definition file."""

    id = fields.String(required=True, validate=FORM_ID)
    version = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    title = fields.String(required=True, validate=TEXT)
    description = fields.String()
    option_lists = fields.Dict(
        keys=fields.String(validate=QUESTION_ID),
        values=fields.List(fields.Nested(OptionSchema), validate=validate.Length(min=1)),
    )
    definitions = fields.List(fields.Nested(DefinitionSchema))
    sections = fields.List(
        fields.Nested(SectionSchema), required=True, validate=validate.Length(min=1, error="needs at least one section")
    )


class ExtensionSchema(_Strict):
    """What a plugin's ``sharewise_extend_form`` may add to a form."""

    option_lists = FormSchema._declared_fields["option_lists"]
    definitions = fields.List(fields.Nested(DefinitionSchema))
    sections = fields.List(fields.Nested(SectionSchema))
    questions = fields.Dict(keys=fields.String(validate=QUESTION_ID), values=fields.List(fields.Nested(QuestionSchema)))
    guidance = fields.Dict(keys=fields.String(validate=QUESTION_ID), values=fields.List(fields.Nested(GuidanceSchema)))


def flatten_errors(messages: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], str]]:
    """Turn marshmallow's nested error dict into ``(path, message)`` pairs.

    ``fields.Dict`` reports ``{key: {"key": [...], "value": ...}}``; the ``key``/``value`` level
    is folded away so paths read ``option_lists.agency[3].code``.
    """
    found: list[tuple[tuple[str | int, ...], str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            step: tuple[str | int, ...] = () if key in ("_schema", "value", "key") else (key,)
            found.extend(flatten_errors(value, prefix + step))
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, str):
                found.append((prefix, _sentence(item)))
            else:
                found.extend(flatten_errors(item, prefix))
    else:
        found.append((prefix, _sentence(str(messages))))
    return found


def _sentence(message: str) -> str:
    """marshmallow's message as the tail of a lint line (``path: is required``)."""
    text = message.rstrip(".")
    replacements = {
        "Missing data for required field": "is required",
        "Unknown field": "is not a known key (check its spelling)",
        "Not a valid string": "must be text",
        "Not a valid integer": "must be a whole number",
        "Not a valid boolean": "must be true or false",
        "Not a valid list": "must be a list",
        "Not a valid mapping type": "must be a mapping",
        "Invalid input type": "must be a mapping",
        "Field may not be null": "must not be empty (null)",
        "Not a valid URL": "must be an https:// address",
    }
    if text in replacements:
        return replacements[text]
    return text[0].lower() + text[1:] if text[:1].isupper() and text[1:2].islower() else text
