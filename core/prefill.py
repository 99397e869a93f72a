"""Pre-filling answers from what the host says about the case (``prefill`` keys in form definitions,
such as ``practitioner.name`` for the decision maker)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sharewise.core.formdef import FormDefinition


def prefilled_answers(form: FormDefinition, context: Mapping[str, Any]) -> dict[str, Any]:
    """Answers taken from ``context`` for each question with a ``prefill`` path that the context holds."""
    answers: dict[str, Any] = {}
    for question in form.iter_questions():
        if question.prefill is None:
            continue
        value: Any = context
        for part in question.prefill.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None and value != "":
            answers[question.id] = value
    return answers
