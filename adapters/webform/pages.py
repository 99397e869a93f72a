"""The form as pages: one page per section that the answers so far make visible, which questions each
page shows, which simple follow-ups are revealed in place under the option that opens them, and the
rows of "check your answers".

A follow-up is revealed in place only when it is simple: whether it is shown depends on exactly one
question (its section's own condition aside), on the same page, that is answered by choosing (yes/no,
one option, several options), and exactly one of that question's options opens it. Anything else
appears on the page once the answers that open it are saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sharewise.core.answer_schema import check_answers
from sharewise.core.formdef import FormDefinition, Question, Section
from sharewise.core.registry import CompiledForm
from sharewise.core.visibility import Visibility

CHOOSING = ("yes_no", "choice", "multi")


@dataclass(frozen=True)
class Reveal:
    """A follow-up shown in place under one option of the question it depends on."""

    parent: str
    option: str


@dataclass(frozen=True)
class Page:
    """One section as a page: the questions it renders, and the follow-ups revealed in place."""

    section: Section
    questions: tuple[Question, ...]
    reveals: Mapping[str, Reveal]

    @property
    def ids(self) -> tuple[str, ...]:
        """The ids of the questions the page renders."""
        return tuple(question.id for question in self.questions)

    def revealed_under(self, parent: str, option: str) -> list[Question]:
        """The follow-ups revealed under ``option`` of ``parent``."""
        return [q for q in self.questions if self.reveals.get(q.id) == Reveal(parent, option)]


class FormPages:
    """Pages of one compiled form, worked out from the answers so far."""

    def __init__(self, compiled: CompiledForm) -> None:
        self.compiled = compiled
        self.form: FormDefinition = compiled.definition
        self._last: tuple[Mapping[str, Any], dict[str, Any], Visibility] | None = None

    def valid(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers that pass the shape checks, in their canonical form."""
        return dict(check_answers(self.form, self.compiled.schema, answers).valid)

    def visibility(self, answers: Mapping[str, Any]) -> Visibility:
        """Which questions the answers show and require."""
        return self._checked(answers)[1]

    def _checked(self, answers: Mapping[str, Any]) -> tuple[dict[str, Any], Visibility]:
        """The valid answers and their visibility, worked out once for the same answers object (a page asks
        several times about one draft)."""
        if self._last is None or self._last[0] is not answers:
            valid = self.valid(answers)
            self._last = (answers, valid, self.compiled.plan.apply(valid))
        return self._last[1], self._last[2]

    def sections(self, visibility: Visibility) -> list[Section]:
        """The sections with at least one question shown: the pages, in order."""
        return [s for s in self.form.sections if any(q.id in visibility.shown for q in s.questions)]

    def section(self, section_id: str) -> Section | None:
        """The section ``section_id`` (``None`` if the form has none by that id)."""
        return next((s for s in self.form.sections if s.id == section_id), None)

    def page(self, section: Section, answers: Mapping[str, Any]) -> Page:
        """The page for ``section``: the questions shown, and simple follow-ups of shown questions."""
        valid, visibility = self._checked(answers)
        shown = visibility.shown
        reveals: dict[str, Reveal] = {}
        questions: list[Question] = []
        for question in section.questions:
            reveal = self._reveal(question, section, valid, shown, reveals)
            if reveal is not None:
                reveals[question.id] = reveal
            if question.id in shown or reveal is not None:
                questions.append(question)
        return Page(section, tuple(questions), reveals)

    def _reveal(
        self,
        question: Question,
        section: Section,
        valid: Mapping[str, Any],
        shown: frozenset[str],
        reveals: Mapping[str, Reveal],
    ) -> Reveal | None:
        depends_on = question.show_if.references if question.show_if is not None else frozenset()
        if len(depends_on) != 1:
            return None
        (parent_id,) = depends_on
        parent = self.form.questions.get(parent_id)
        if (
            parent is None
            or parent.section != section.id
            or parent.type not in CHOOSING
            or parent_id not in shown
            or parent_id in reveals  # one level only: no follow-up of a follow-up in place
        ):
            return None
        opening = [
            value
            for value, answer in _choices(parent)
            if question.id in self.compiled.plan.apply({**valid, parent_id: answer}).shown
        ]
        return Reveal(parent_id, opening[0]) if len(opening) == 1 else None

    def first_incomplete(self, answers: Mapping[str, Any]) -> Section | None:
        """The first page with a required question unanswered (``None`` when every page is complete)."""
        visibility = self.visibility(answers)
        for section in self.sections(visibility):
            if any(q.id in visibility.required and q.id not in visibility.visible_answers for q in section.questions):
                return section
        return None

    def neighbours(self, section: Section, answers: Mapping[str, Any]) -> tuple[Section | None, Section | None, int, int]:
        """The pages before and after ``section``, its number and the number of pages."""
        pages = self.sections(self.visibility(answers))
        ids = [s.id for s in pages]
        if section.id not in ids:
            later = [s for s in pages if self.form.sections.index(s) > self.form.sections.index(section)]
            return (None, later[0] if later else None, 0, len(pages))
        index = ids.index(section.id)
        before = pages[index - 1] if index > 0 else None
        after = pages[index + 1] if index + 1 < len(pages) else None
        return before, after, index + 1, len(pages)


def _choices(question: Question) -> list[tuple[str, Any]]:
    """Each option of a choosing question: the value in the HTML and the answer it stands for."""
    if question.type == "yes_no":
        return [("yes", True), ("no", False)]
    if question.type == "multi":
        return [(option.code, [option.code]) for option in question.options]
    return [(option.code, option.code) for option in question.options]
