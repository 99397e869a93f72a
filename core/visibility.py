"""Which questions are shown and required, and the values of derived facts, for given answers.

Conditions see only answers that are shown and valid. Questions and definitions are
evaluated in dependency levels (computed once per form): everything a condition reads is
settled in an earlier level, and each level builds one CEL context holding just what its
conditions read. Questions that depend on nothing are settled once, when the plan is made.

A condition that reads only closed answers — yes/no, option codes, derived facts — has few
possible inputs, so its result is remembered by those values (option codes and true/false, never
what a practitioner wrote) and reused: a condition is pure, so the same values always give the
same result. The level's CEL context is built only when one of its conditions has to run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from sharewise.core.condition_checks import dependencies
from sharewise.core.conditions import Condition, make_context
from sharewise.core.formdef import FormDefinition

#: Questions whose valid answers come from a small fixed set (option codes, true/false).
CLOSED_TYPES = frozenset({"yes_no", "choice", "multi"})
#: How many sets of inputs each condition remembers its result for (bounds memory, never correctness).
REMEMBERED_PER_CONDITION = 4096


class _RememberedCondition:
    """One condition of a plan, remembering its results by the values it reads when they are closed."""

    __slots__ = ("closed", "condition", "reads", "remembered")

    def __init__(self, condition: Condition, closed_names: frozenset[str]) -> None:
        self.condition = condition
        self.reads = tuple(sorted(condition.references))
        self.closed = closed_names.issuperset(self.reads)
        self.remembered: dict[tuple[Any, ...], bool] = {}

    def holds(self, env: Mapping[str, Any], context: _LevelContext) -> bool:
        """Whether the condition holds for the settled values ``env``; ``context()`` gives the level's CEL context."""
        key = _closed_key(env, self.reads) if self.closed else None
        if key is None:
            return self.condition.holds(context())
        result = self.remembered.get(key)
        if result is None:
            result = self.condition.holds(context())
            if len(self.remembered) < REMEMBERED_PER_CONDITION:
                self.remembered[key] = result
        return result


class _LevelContext:
    """A level's CEL context, built the first time one of its conditions has to run."""

    __slots__ = ("_built", "_env", "_reads")

    def __init__(self, env: Mapping[str, Any], reads: tuple[str, ...]) -> None:
        self._env = env
        self._reads = reads
        self._built: Any = None

    def __call__(self) -> Any:
        """The context holding the level's reads from ``env`` (as settled when it is first asked for)."""
        if self._built is None:
            self._built = make_context({name: self._env[name] for name in self._reads})
        return self._built


class _Step(NamedTuple):
    """One question (``is_definition`` false) or definition to settle within a level."""

    is_definition: bool
    name: str
    condition: _RememberedCondition | None
    section: str
    section_if: _RememberedCondition | None
    required: bool
    required_if: _RememberedCondition | None
    unanswered: Any


class _Level(NamedTuple):
    reads: tuple[str, ...]
    steps: tuple[_Step, ...]


@dataclass(frozen=True)
class Visibility:
    """Shown and required questions, and the facts derived from the answers."""

    shown: frozenset[str]
    required: frozenset[str]
    visible_answers: Mapping[str, Any]
    facts: Mapping[str, Any]


class VisibilityPlan:
    """The dependency levels of a form, computed once and applied to each set of answers."""

    def __init__(self, form: FormDefinition) -> None:
        deps = dependencies(form)
        depth: dict[str, int] = {}
        closed = frozenset(q.id for q in form.iter_questions() if q.type in CLOSED_TYPES) | {d.name for d in form.definitions}
        remembering: dict[int, _RememberedCondition] = {}  # one per condition, however many steps share it

        def test(condition: Condition | None) -> _RememberedCondition | None:
            if condition is None:
                return None
            if id(condition) not in remembering:
                remembering[id(condition)] = _RememberedCondition(condition, closed)
            return remembering[id(condition)]

        def level_of(name: str) -> int:
            if name not in depth:
                refs = deps.get(name, frozenset())
                depth[name] = 1 + max(level_of(r) for r in refs) if refs else 0
            return depth[name]

        read_anywhere = set().union(*deps.values()) if deps else set()
        always_shown: list[str] = []
        always_required: list[str] = []
        settled_reads: list[tuple[str, Any]] = []
        levels: dict[int, list[_Step]] = {}
        for section in form.sections:
            for question in section.questions:
                unanswered: Any = [] if question.type == "multi" else None
                level = level_of(question.id)
                if level == 0 and section.show_if is None and not question.conditional:
                    always_shown.append(question.id)
                    if question.required:
                        always_required.append(question.id)
                    if question.id in read_anywhere:
                        settled_reads.append((question.id, unanswered))
                    continue
                step = _Step(
                    False,
                    question.id,
                    test(question.show_if),
                    section.id,
                    test(section.show_if),
                    question.required,
                    test(question.required_if),
                    unanswered,
                )
                levels.setdefault(level, []).append(step)
        for definition in form.definitions:
            step = _Step(True, definition.name, test(definition.expression), "", None, False, None, None)
            levels.setdefault(level_of(definition.name), []).append(step)
        self.always_shown = frozenset(always_shown)
        self.always_required = frozenset(always_required)
        self.settled_reads = tuple(settled_reads)
        self.levels = tuple(
            _Level(tuple(sorted(set().union(*(deps.get(s.name, frozenset()) for s in steps)))), tuple(steps))
            for _, steps in sorted(levels.items())
        )

    def apply(self, valid: Mapping[str, Any]) -> Visibility:
        """Work out visibility, required-ness and facts for the valid answers ``valid``."""
        shown = set(self.always_shown)
        required = set(self.always_required)
        env = {name: valid.get(name, unanswered) for name, unanswered in self.settled_reads}
        facts: dict[str, Any] = {}
        section_shown: dict[str, bool] = {}
        for reads, steps in self.levels:
            context = _LevelContext(env, reads)
            for is_definition, name, condition, section, section_if, always_required, required_if, unanswered in steps:
                if is_definition:
                    facts[name] = env[name] = condition.holds(env, context)  # type: ignore[union-attr]
                    continue
                visible = section_shown.get(section)
                if visible is None:
                    visible = section_shown[section] = section_if is None or section_if.holds(env, context)
                if visible and (condition is None or condition.holds(env, context)):
                    shown.add(name)
                    if always_required or (required_if is not None and required_if.holds(env, context)):
                        required.add(name)
                    value = valid.get(name)
                    env[name] = unanswered if value is None else value
                else:
                    env[name] = unanswered
        visible_answers = {key: value for key, value in valid.items() if key in shown}
        return Visibility(frozenset(shown), frozenset(required), visible_answers, facts)


def _closed_key(env: Mapping[str, Any], names: tuple[str, ...]) -> tuple[Any, ...] | None:
    """The values of ``names`` as a key to remember a result by, or ``None`` if one is not a closed answer
    (true/false, an option code, a list of codes, unanswered). bool, str, tuple and None never compare
    equal to one another, so two keys are equal only when the values are."""
    key: list[Any] = []
    for name in names:
        value = env[name]
        kind = type(value)
        if kind is str or kind is bool or value is None:
            key.append(value)
        elif kind is list and all(type(item) is str for item in value):
            key.append(tuple(value))
        else:
            return None
    return tuple(key)
