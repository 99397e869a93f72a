"""Shape and type checks on a form's answers through a marshmallow schema built per form.

The schema is generated once per (extended) form and reused. ``check_answers`` reports every
problem at once, each as an ``error`` finding on its field; answers FORMS.md counts as not
answered (``null``, blank text, an empty list) are set aside before the schema sees them.
Each answer goes to the ``check`` of its field in the schema directly: the schema has no
schema-level validators or hooks and its fields no validators, and unanswered values (``null``
among them) never reach a field, so ``load`` and ``Field.deserialize`` would add only the cost of
walking every field and their generic steps — more than the checks themselves
(tests/core/test_properties.py holds the two equal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import RAISE, Schema, ValidationError

from sharewise.core.answer_fields import FIELD_TYPES, AnswerField, AnswerProblem, visible
from sharewise.core.findings import Finding
from sharewise.core.formdef import FormDefinition

ENGINE = "engine"
UNKNOWN = "Unknown field."


@dataclass
class AnswerCheck:
    """The outcome of the shape check: valid answers, answered ids and per-field problems."""

    valid: dict[str, Any] = field(default_factory=dict)
    answered: set[str] = field(default_factory=set)
    findings: dict[str, Finding] = field(default_factory=dict)


def build_answer_schema(form: FormDefinition) -> Schema:
    """A marshmallow schema instance for the form's answers (unknown keys are errors). Its fields do
    the checking (see ``check_answers``): give it no schema-level validators or hooks."""
    declared: dict[str, AnswerField] = {question.id: FIELD_TYPES[question.type](question) for question in form.iter_questions()}
    schema_class = Schema.from_dict(declared, name=f"Answers_{form.id.replace('-', '_')}_v{form.version}")
    return schema_class(unknown=RAISE)


def is_unanswered(value: Any) -> bool:
    """``null``, an empty or whitespace-only string and an empty list count as not answered."""
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, list) and not value)


def check_answers(form: FormDefinition, schema: Schema, answers: Mapping[str, Any]) -> AnswerCheck:
    """Check every answer's key, type, option codes and limits; report all problems together."""
    result = AnswerCheck()
    questions = form.questions
    present = {key: value for key, value in answers.items() if key not in questions or not is_unanswered(value)}
    result.answered = {key for key in present if key in questions}
    answer_fields = schema.load_fields
    for key, value in present.items():
        answer_field = answer_fields.get(key)
        if answer_field is None:
            result.findings[key] = _finding(form, key, [UNKNOWN])
            continue
        try:
            result.valid[key] = answer_field.check(value)
        except ValidationError as exc:
            result.findings[key] = _finding(form, key, exc.messages)
    return result


def _finding(form: FormDefinition, key: str, errors: Any) -> Finding:
    first = errors[0] if isinstance(errors, list) and errors else errors
    if isinstance(first, AnswerProblem):
        return Finding(first.rule, "error", key, str(first), plugin=ENGINE)
    if key not in form.questions:
        return Finding(
            "unknown",
            "error",
            key,
            f"‘{visible(key)}’ is not a question on this form (version {form.version}). Remove it, or check the spelling "
            "and that any local plugin it belongs to is switched on.",
            plugin=ENGINE,
        )
    return Finding("type", "error", key, f"The answer to ‘{form.questions[key].label}’ is not valid: {first}", plugin=ENGINE)
