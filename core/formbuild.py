"""Build a ``FormDefinition`` from YAML (plus plugin extensions), reporting every problem found.

Problems carry file, line and path (``sections[2].questions[4].show_if: unknown question
'consent_sougth'``). Shape is checked first against the meta-schema; then, for a well-shaped
form, cross-references, limits, conditions (compile, references, cycles, types, option codes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from marshmallow import ValidationError

from sharewise.core.condition_checks import check_conditions, closest
from sharewise.core.conditions import CEL_RESERVED, Condition, ConditionError
from sharewise.core.errors import FormDefinitionError, LintProblem
from sharewise.core.formdef import (
    INTEGER_BOUND,
    TEXT_LIMITS,
    Definition,
    FormDefinition,
    Guidance,
    Option,
    Question,
    Section,
)
from sharewise.core.metaschema import ExtensionSchema, FormSchema, flatten_errors
from sharewise.core.yamlsource import Path, YamlDocument, format_path


@dataclass(frozen=True)
class Fragment:
    """A form definition or a plugin's extension of one, with where it came from."""

    data: Any
    source: str
    document: YamlDocument | None = None
    plugin: str | None = None

    def problem(self, path: Path, message: str) -> LintProblem:
        """A problem at ``path`` of this fragment, with its file and line."""
        line = self.document.line_of(path) if self.document is not None else None
        return LintProblem(self.source, line, format_path(path), message)


@dataclass
class _Item:
    """One section, question or definition of the merged form, with its origin."""

    data: dict[str, Any]
    fragment: Fragment
    path: Path

    def problem(self, key: str | None, message: str) -> LintProblem:
        return self.fragment.problem(self.path + ((key,) if key else ()), message)


@dataclass
class _Collected:
    option_lists: dict[str, tuple[Option, ...]] = field(default_factory=dict)
    sections: list[tuple[_Item, list[_Item]]] = field(default_factory=list)
    definitions: list[_Item] = field(default_factory=list)
    guidance: dict[str, list[tuple[Guidance, Fragment, Path]]] = field(default_factory=dict)


def build_form(base: Fragment, extensions: Sequence[Fragment] = ()) -> FormDefinition:
    """Validate and compile a form and its extensions; raise ``FormDefinitionError`` listing all problems."""
    problems = _shape_problems(base, FormSchema) + [p for ext in extensions for p in _shape_problems(ext, ExtensionSchema)]
    if problems:
        raise FormDefinitionError(problems)
    collected = _Collected()
    _collect(base, collected, problems)
    for extension in extensions:
        _collect(extension, collected, problems)
    form = _compile(base, extensions, collected, problems)
    if problems:
        raise FormDefinitionError(problems)
    return form


def _shape_problems(fragment: Fragment, schema: type) -> list[LintProblem]:
    problems = [fragment.problem(path, f"repeated key '{path[-1]}'") for path, _ in _duplicates(fragment)]
    if not isinstance(fragment.data, Mapping):
        return problems + [fragment.problem((), "must be a mapping of keys to values (is the file empty?)")]
    try:
        schema().load(fragment.data)
    except ValidationError as exc:
        problems += [fragment.problem(path, message) for path, message in flatten_errors(exc.messages)]
    return problems


def _duplicates(fragment: Fragment) -> list[tuple[Path, int]]:
    return list(fragment.document.duplicate_keys) if fragment.document is not None else []


def _collect(fragment: Fragment, into: _Collected, problems: list[LintProblem]) -> None:
    data = fragment.data
    for name, options in (data.get("option_lists") or {}).items():
        if name in into.option_lists:
            problems.append(fragment.problem(("option_lists", name), f"option list '{name}' is already defined"))
            continue
        into.option_lists[name] = _unique_options(options, fragment, ("option_lists", name), problems)
    for index, section in enumerate(data.get("sections") or []):
        path: Path = ("sections", index)
        questions = [_Item(q, fragment, path + ("questions", i)) for i, q in enumerate(section["questions"])]
        into.sections.append((_Item(section, fragment, path), questions))
    for section_id, questions in (data.get("questions") or {}).items():
        target = next((qs for s, qs in into.sections if s.data["id"] == section_id), None)
        if target is None:
            problems.append(
                fragment.problem(("questions", section_id), f"form has no section '{section_id}' to add questions to")
            )
            continue
        target.extend(_Item(q, fragment, ("questions", section_id, i)) for i, q in enumerate(questions))
    for question_id, notes in (data.get("guidance") or {}).items():
        entries = into.guidance.setdefault(question_id, [])
        entries.extend(
            (Guidance(g["text"], g.get("reference"), g.get("url")), fragment, ("guidance", question_id, i))
            for i, g in enumerate(notes)
        )
    into.definitions.extend(_Item(d, fragment, ("definitions", i)) for i, d in enumerate(data.get("definitions") or []))


def _compile(
    base: Fragment, extensions: Sequence[Fragment], collected: _Collected, problems: list[LintProblem]
) -> FormDefinition:
    owners = _check_ids(collected, problems)
    names = set(owners)
    sections: list[Section] = []
    for section_item, question_items in collected.sections:
        section_id = section_item.data["id"]
        questions = tuple(
            q for q in (_question(item, section_id, collected, problems) for item in question_items) if q is not None
        )
        sections.append(
            Section(
                id=section_id,
                title=section_item.data["title"],
                questions=questions,
                description=section_item.data.get("description"),
                show_if=_condition(section_item, "show_if", problems),
                plugin=section_item.fragment.plugin,
            )
        )
    definitions = []
    for item in collected.definitions:
        condition = _condition(item, "expression", problems)
        if condition is not None:
            definitions.append(Definition(item.data["name"], condition, item.data.get("description")))
    question_ids = {q.id for s in sections for q in s.questions}
    for question_id, notes in collected.guidance.items():
        if question_id not in question_ids:
            for _, fragment, path in notes:
                problems.append(fragment.problem(path, f"form has no question '{question_id}' to add guidance to"))
    form = FormDefinition(
        id=base.data["id"],
        version=base.data["version"],
        title=base.data["title"],
        description=base.data.get("description"),
        sections=tuple(_with_guidance(s, collected.guidance) for s in sections),
        definitions=tuple(definitions),
        source=base.source,
        extended_by=tuple(e.plugin or e.source for e in extensions),
        raw=base.data,
    )
    sections_by_id = {item.data["id"]: item for item, _ in collected.sections}
    for (kind, name, attribute), message in check_conditions(form, names):
        item = sections_by_id[name] if kind == "section" else owners[name]
        problems.append(item.problem(attribute, message))
    return form


def _check_ids(collected: _Collected, problems: list[LintProblem]) -> dict[str, _Item]:
    """Check that section, question and definition ids are unique; return the owner of each name."""
    seen_sections: dict[str, _Item] = {}
    owners: dict[str, _Item] = {}
    for section_item, question_items in collected.sections:
        section_id = section_item.data["id"]
        if section_id in seen_sections:
            problems.append(
                section_item.problem("id", _duplicate_message("section", section_id, section_item, seen_sections[section_id]))
            )
        seen_sections.setdefault(section_id, section_item)
        for item in question_items:
            question_id = item.data["id"]
            if question_id in CEL_RESERVED:
                problems.append(item.problem("id", f"'{question_id}' is a reserved word in conditions; choose another id"))
            if question_id in owners:
                problems.append(item.problem("id", _duplicate_message("question", question_id, item, owners[question_id])))
                continue
            owners[question_id] = item
    for item in collected.definitions:
        name = item.data["name"]
        if name in owners:
            problems.append(item.problem("name", _duplicate_message("definition", name, item, owners[name])))
            continue
        owners[name] = item
    return owners


def _duplicate_message(kind: str, name: str, item: _Item, first: _Item) -> str:
    where = f"{first.fragment.source}:{first.fragment.document.line_of(first.path) if first.fragment.document else '?'}"
    if item.fragment.plugin is not None and item.fragment is not first.fragment:
        return f"plugin '{item.fragment.plugin}' adds {kind} '{name}', which the form already has ({where}); ids must be unique"
    return f"duplicate {kind} id '{name}' (first defined at {where})"


def _question(item: _Item, section_id: str, collected: _Collected, problems: list[LintProblem]) -> Question | None:
    data = item.data
    qtype = data["type"]
    options, option_list = _options(item, collected, problems)
    if data.get("required") and "required_if" in data:
        problems.append(item.problem("required_if", "give either 'required: true' or 'required_if', not both"))
    _check_limits(item, qtype, problems)
    minimum, maximum = data.get("min"), data.get("max")
    if qtype == "integer":
        minimum = -INTEGER_BOUND if minimum is None else minimum
        maximum = INTEGER_BOUND if maximum is None else maximum
    return Question(
        id=data["id"],
        type=qtype,
        label=data["label"],
        section=section_id,
        hint=data.get("hint"),
        required=bool(data.get("required", False)),
        show_if=_condition(item, "show_if", problems),
        required_if=_condition(item, "required_if", problems),
        options=options,
        option_list=option_list,
        max_length=data.get("max_length", TEXT_LIMITS.get(qtype)),
        minimum=minimum,
        maximum=maximum,
        guidance=tuple(Guidance(g["text"], g.get("reference"), g.get("url")) for g in data.get("guidance", [])),
        prefill=data.get("prefill"),
        plugin=item.fragment.plugin,
    )


def _options(item: _Item, collected: _Collected, problems: list[LintProblem]) -> tuple[tuple[Option, ...], str | None]:
    data, qtype = item.data, item.data["type"]
    raw = data.get("options")
    if qtype not in ("choice", "multi"):
        if raw is not None:
            problems.append(item.problem("options", f"a {qtype} question takes no options"))
        return (), None
    if raw is None:
        problems.append(item.problem("options", f"a {qtype} question needs options (a list, or the name of an option list)"))
        return (), None
    if isinstance(raw, str):
        if raw not in collected.option_lists:
            known = ", ".join(sorted(collected.option_lists)) or "none defined"
            hint = closest(raw, set(collected.option_lists))
            suggestion = f"did you mean '{hint}'? " if hint else ""
            problems.append(item.problem("options", f"unknown option list '{raw}' ({suggestion}known: {known})"))
            return (), None
        return collected.option_lists[raw], raw
    if not raw:
        problems.append(item.problem("options", f"a {qtype} question needs at least one option"))
        return (), None
    return _unique_options(raw, item.fragment, item.path + ("options",), problems), None


def _unique_options(raw: list[dict[str, Any]], fragment: Fragment, path: Path, problems: list[LintProblem]) -> tuple[Option, ...]:
    """Options from their definitions, reporting any code given twice."""
    options = tuple(Option(o["code"], o["label"], o.get("hint")) for o in raw)
    seen: set[str] = set()
    for index, option in enumerate(options):
        if option.code in seen:
            problems.append(fragment.problem(path + (index, "code"), f"duplicate option code '{option.code}'"))
        seen.add(option.code)
    return options


def _check_limits(item: _Item, qtype: str, problems: list[LintProblem]) -> None:
    data = item.data
    if "max_length" in data:
        limit = TEXT_LIMITS.get(qtype)
        if limit is None:
            problems.append(item.problem("max_length", f"max_length applies to text and textarea questions, not {qtype}"))
        elif not 1 <= data["max_length"] <= limit:
            problems.append(item.problem("max_length", f"max_length must be between 1 and {limit:,} for a {qtype} question"))
    for key in ("min", "max"):
        if key in data and qtype != "integer":
            problems.append(item.problem(key, f"{key} applies to integer questions, not {qtype}"))
        elif key in data and abs(data[key]) > INTEGER_BOUND:
            problems.append(item.problem(key, f"{key} must be between -{INTEGER_BOUND} and {INTEGER_BOUND}"))
    if qtype == "integer" and "min" in data and "max" in data and data["min"] > data["max"]:
        problems.append(item.problem("max", f"max ({data['max']}) is below min ({data['min']})"))


def _condition(item: _Item, key: str, problems: list[LintProblem]) -> Condition | None:
    source = item.data.get(key)
    if source is None:
        return None
    try:
        return Condition.compile(source)
    except ConditionError as exc:
        problems.append(item.problem(key, f"not a valid condition: {exc}"))
        return None


def _with_guidance(section: Section, extra: Mapping[str, list[tuple[Guidance, Fragment, Path]]]) -> Section:
    if not any(q.id in extra for q in section.questions):
        return section
    questions = tuple(
        _replace_guidance(q, q.guidance + tuple(g for g, _, _ in extra[q.id])) if q.id in extra else q for q in section.questions
    )
    return Section(section.id, section.title, questions, section.description, section.show_if, section.plugin)


def _replace_guidance(question: Question, guidance: tuple[Guidance, ...]) -> Question:
    return replace(question, guidance=guidance)
