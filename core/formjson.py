"""A form definition as JSON: what ``forms show --json`` prints and hosts render from."""

from __future__ import annotations

from typing import Any

from sharewise.core.formdef import FormDefinition, Question, Section


def form_to_dict(form: FormDefinition) -> dict[str, Any]:
    """The whole (extended) form as plain JSON-ready data."""
    return {
        "id": form.id,
        "version": form.version,
        "title": form.title,
        "description": form.description,
        "extended_by": list(form.extended_by),
        "definitions": [
            {"name": d.name, "expression": d.expression.source, "description": d.description} for d in form.definitions
        ],
        "sections": [_section(s) for s in form.sections],
    }


def _section(section: Section) -> dict[str, Any]:
    return {
        "id": section.id,
        "title": section.title,
        "description": section.description,
        "show_if": section.show_if.source if section.show_if else None,
        "plugin": section.plugin,
        "questions": [question_to_dict(q) for q in section.questions],
    }


def question_to_dict(question: Question) -> dict[str, Any]:
    """One question as JSON-ready data, limits included."""
    data: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "label": question.label,
        "hint": question.hint,
        "required": question.required,
        "required_if": question.required_if.source if question.required_if else None,
        "show_if": question.show_if.source if question.show_if else None,
        "guidance": [{"text": g.text, "reference": g.reference, "url": g.url} for g in question.guidance],
        "prefill": question.prefill,
        "plugin": question.plugin,
    }
    if question.options:
        data["options"] = [{"code": o.code, "label": o.label, "hint": o.hint} for o in question.options]
        data["option_list"] = question.option_list
    if question.max_length is not None:
        data["max_length"] = question.max_length
    if question.type == "integer":
        data["min"], data["max"] = question.minimum, question.maximum
    return data
