"""The in-memory model of a form definition, after it has been validated and compiled."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sharewise.core.conditions import Condition

QuestionType = Literal["yes_no", "choice", "multi", "text", "textarea", "integer", "date", "datetime"]
QUESTION_TYPES: tuple[str, ...] = (
    "yes_no",
    "choice",
    "multi",
    "text",
    "textarea",
    "integer",
    "date",
    "datetime",
)
#: The longest answer each free-text type accepts (Unicode code points), per FORMS.md.
TEXT_LIMITS = {"text": 500, "textarea": 20_000}
#: Integers are kept within what every store and CEL (int64) hold exactly.
INTEGER_BOUND = 2**53


@dataclass(frozen=True, slots=True)
class Option:
    """One answer a ``choice`` or ``multi`` question offers."""

    code: str
    label: str
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class Guidance:
    """A piece of guidance shown beside a question, citing its source."""

    text: str
    reference: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Question:
    """One question: its answer type, limits and when it is shown and required."""

    id: str
    type: QuestionType
    label: str
    section: str
    hint: str | None = None
    required: bool = False
    show_if: Condition | None = None
    required_if: Condition | None = None
    options: tuple[Option, ...] = ()
    option_list: str | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    guidance: tuple[Guidance, ...] = ()
    prefill: str | None = None
    plugin: str | None = None
    codes: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", frozenset(option.code for option in self.options))

    @property
    def conditional(self) -> bool:
        """Whether its visibility or required-ness depends on other answers."""
        return self.show_if is not None or self.required_if is not None


@dataclass(frozen=True, slots=True)
class Section:
    """A group of questions, shown as one page; may itself be shown only when a condition holds."""

    id: str
    title: str
    questions: tuple[Question, ...]
    description: str | None = None
    show_if: Condition | None = None
    plugin: str | None = None


@dataclass(frozen=True, slots=True)
class Definition:
    """A named fact derived from the answers (``sharing``, ``with_consent``…), usable in conditions."""

    name: str
    expression: Condition
    description: str | None = None


@dataclass(frozen=True)
class FormDefinition:
    """A whole form: identity, sections and questions, derived facts, and where it came from."""

    id: str
    version: int
    title: str
    sections: tuple[Section, ...]
    definitions: tuple[Definition, ...] = ()
    description: str | None = None
    source: str = "<memory>"
    extended_by: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    questions: Mapping[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        questions = {q.id: q for section in self.sections for q in section.questions}
        object.__setattr__(self, "questions", questions)

    @property
    def key(self) -> tuple[str, int]:
        """``(id, version)``: what a record pins."""
        return (self.id, self.version)

    def iter_questions(self) -> Iterator[Question]:
        """Every question in form order."""
        for section in self.sections:
            yield from section.questions

    def section_of(self, question_id: str) -> Section | None:
        """The section holding ``question_id``, if it is a question of this form."""
        question = self.questions.get(question_id)
        if question is None:
            return None
        return next(s for s in self.sections if s.id == question.section)
