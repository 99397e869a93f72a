"""Lint checks on a form's conditions: references, cycles, types and option codes.

Each problem is keyed ``(kind, name, attribute)`` — kind is ``section``, ``question`` or
``definition`` — so the builder can place it at the right file, line and path.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Set
from typing import Any

from sharewise.core.conditions import Condition
from sharewise.core.formdef import FormDefinition, Question

Key = tuple[str, str, str]
_LITERAL = r"""(?:'([^'\\]*)'|"([^"\\]*)")"""
_IDENT = r"\b([a-z][a-z0-9_]*)\b"
_COMPARE_LEFT = re.compile(_IDENT + r"\s*[!=]=\s*" + _LITERAL)
_COMPARE_RIGHT = re.compile(_LITERAL + r"\s*[!=]=\s*" + _IDENT)
_MEMBER_OF_ANSWER = re.compile(_LITERAL + r"\s+in\s+" + _IDENT)
_ANSWER_IN_LIST = re.compile(_IDENT + r"\s+in\s+\[([^\]]*)\]")
_STARTS_WITH = re.compile(_IDENT + r"\.startsWith\(\s*" + _LITERAL + r"\s*\)")
_ANY_LITERAL = re.compile(_LITERAL)


def iter_conditions(form: FormDefinition) -> Iterator[tuple[Key, Condition]]:
    """Every condition in the form with the key that locates it."""
    for section in form.sections:
        if section.show_if is not None:
            yield ("section", section.id, "show_if"), section.show_if
        for question in section.questions:
            if question.show_if is not None:
                yield ("question", question.id, "show_if"), question.show_if
            if question.required_if is not None:
                yield ("question", question.id, "required_if"), question.required_if
    for definition in form.definitions:
        yield ("definition", definition.name, "expression"), definition.expression


def dependencies(form: FormDefinition) -> dict[str, frozenset[str]]:
    """For each question and definition, the names its visibility or value depends on."""
    deps: dict[str, frozenset[str]] = {}
    for section in form.sections:
        section_refs = section.show_if.references if section.show_if else frozenset()
        for question in section.questions:
            refs = set(section_refs)
            for condition in (question.show_if, question.required_if):
                if condition is not None:
                    refs |= condition.references
            deps[question.id] = frozenset(refs)
    for definition in form.definitions:
        deps[definition.name] = definition.expression.references
    return deps


def check_conditions(form: FormDefinition, names: Set[str]) -> list[tuple[Key, str]]:
    """All problems with the form's conditions; empty when they are sound."""
    problems: list[tuple[Key, str]] = []
    samples = _sample_answers(form)
    for key, condition in iter_conditions(form):
        unknown = sorted(condition.references - names)
        for name in unknown:
            hint = closest(name, names)
            problems.append((key, f"unknown question '{name}'" + (f" (did you mean '{hint}'?)" if hint else "")))
        if not unknown:
            problems += [(key, message) for message in _type_problems(condition, samples)]
        problems += [(key, message) for message in _option_problems(condition, form.questions)]
    return problems + _cycle_problems(form)


def _cycle_problems(form: FormDefinition) -> list[tuple[Key, str]]:
    deps = dependencies(form)
    state: dict[str, int] = {}
    stack: list[str] = []
    problems: list[tuple[Key, str]] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for ref in sorted(deps.get(name, ())):
            if state.get(ref) == 1:
                cycle = stack[stack.index(ref) :] + [ref]
                problems.append((_reading(form, name, ref), "conditions depend on each other in a cycle: " + " → ".join(cycle)))
            elif ref not in state:
                visit(ref)
        stack.pop()
        state[name] = 2

    for name in deps:
        if name not in state:
            visit(name)
    return problems


def _reading(form: FormDefinition, name: str, ref: str) -> Key:
    """Which condition of ``name`` reads ``ref``: its show_if, its required_if, its section's show_if,
    or (for a definition) its expression."""
    question = form.questions.get(name)
    if question is None:
        return ("definition", name, "expression")
    if question.show_if is not None and ref in question.show_if.references:
        return ("question", name, "show_if")
    if question.required_if is not None and ref in question.required_if.references:
        return ("question", name, "required_if")
    return ("section", question.section, "show_if")


def sample_value(question: Question) -> Any:
    """A valid answer of the question's type, used to type-check conditions."""
    if question.type == "yes_no":
        return True
    if question.type == "choice":
        return question.options[0].code if question.options else "x"
    if question.type == "multi":
        return [question.options[0].code] if question.options else ["x"]
    if question.type == "integer":
        return question.minimum if question.minimum is not None else 0
    if question.type == "date":
        return "2026-01-01"
    if question.type == "datetime":
        return "2026-01-01T09:00:00Z"
    return "text"


def _sample_answers(form: FormDefinition) -> dict[str, Any]:
    samples = {q.id: sample_value(q) for q in form.iter_questions()}
    samples.update({d.name: True for d in form.definitions})
    return samples


def _type_problems(condition: Condition, samples: dict[str, Any]) -> list[str]:
    try:
        result = condition.evaluate_strictly({name: samples[name] for name in condition.references})
    except (TypeError, RuntimeError, ValueError) as exc:
        reason = str(exc).split(".")[0]
        return [f"cannot be evaluated when the questions it reads are answered: {reason}"]
    if not isinstance(result, bool):
        return [f"must give true or false, but gives {type(result).__name__}"]
    return []


def _option_problems(condition: Condition, questions: dict[str, Question]) -> list[str]:
    source = condition.source
    problems: list[str] = []

    def check(name: str, code: str) -> None:
        question = questions.get(name)
        if question is not None and question.options and code not in question.codes:
            hint = closest(code, question.codes)
            suggestion = f"did you mean '{hint}'? " if hint else ""
            problems.append(
                f"'{code}' is not an option of question '{name}' ({suggestion}options: {', '.join(sorted(question.codes))})"
            )

    for match in _COMPARE_LEFT.finditer(source):
        check(match.group(1), match.group(2) or match.group(3) or "")
    for match in _COMPARE_RIGHT.finditer(source):
        check(match.group(3), match.group(1) or match.group(2) or "")
    for match in _MEMBER_OF_ANSWER.finditer(source):
        check(match.group(3), match.group(1) or match.group(2) or "")
    for match in _ANSWER_IN_LIST.finditer(source):
        for literal in _ANY_LITERAL.finditer(match.group(2)):
            check(match.group(1), literal.group(1) or literal.group(2) or "")
    for match in _STARTS_WITH.finditer(source):
        question = questions.get(match.group(1))
        prefix = match.group(2) or match.group(3) or ""
        if question is not None and question.options and not any(c.startswith(prefix) for c in question.codes):
            problems.append(f"no option of question '{question.id}' starts with '{prefix}'")
    return problems


def closest(name: str, names: Set[str]) -> str | None:
    """The name in ``names`` closest to a misspelt ``name``, if one is close."""
    matches = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.75)
    return matches[0] if matches else None
