"""What the templates show beside the answers: where each question's control is (for error links), whether
guidance and findings are the law or a partnership's local policy, the host's theme, and the rows of
"check your answers"."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sharewise.adapters.webform.fields import answer_in_words
from sharewise.adapters.webform.pages import FormPages, Page
from sharewise.core.formdef import Question, Section
from sharewise.core.plugins import BUILTIN

#: Theme settings a host may pass at launch, as CSS custom properties, and what each value may look like.
THEME_PROPERTIES = {
    "brand": "--sw-colour-brand",
    "text": "--sw-colour-text",
    "background": "--sw-colour-background",
    "focus": "--sw-colour-focus",
    "link": "--sw-colour-link",
    "font": "--sw-font-family",
    "radius": "--sw-border-radius",
}
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_FONT = re.compile(r"[A-Za-z0-9 ,'\"-]{1,120}")
_LENGTH = re.compile(r"0|[0-9]{1,2}px")


def anchor(question: Question) -> str:
    """The id of the control an error link moves focus to (the day box of a date)."""
    return f"{question.id}-day" if question.type in ("date", "datetime") else question.id


def source_of(plugin: str | None) -> str | None:
    """``None`` for the law (the national forms and rules); the partnership's name for local policy."""
    if plugin is None or plugin in BUILTIN or plugin == "engine":
        return None
    return plugin.replace("_", " ").replace("-", " ").title()


def question_source(question: Question, section: Section) -> str | None:
    """Whose policy a question's guidance is: the law, or a local plugin's."""
    return source_of(question.plugin or section.plugin)


def theme_problems(theme: Any) -> list[str]:
    """What is wrong with a launch's ``theme`` (an empty list when it is fine)."""
    if not isinstance(theme, Mapping):
        return ["theme must be an object of display settings"]
    problems = []
    for name, value in theme.items():
        if name not in THEME_PROPERTIES:
            problems.append(f"theme.{name} is not a theme setting (use {', '.join(THEME_PROPERTIES)})")
        elif not isinstance(value, str) or not _theme_value_ok(name, value):
            problems.append(f"theme.{name} must be {_THEME_SHAPES[name]}")
    return problems


_THEME_SHAPES = {
    "font": 'a list of font names such as "Arial, sans-serif"',
    "radius": 'a length in pixels such as "4px"',
} | dict.fromkeys(("brand", "text", "background", "focus", "link"), 'a colour such as "#1d70b8"')


def _theme_value_ok(name: str, value: str) -> bool:
    if name == "font":
        return bool(_FONT.fullmatch(value))
    if name == "radius":
        return bool(_LENGTH.fullmatch(value))
    return bool(_COLOUR.fullmatch(value))


def theme_css(theme: Mapping[str, Any] | None) -> str:
    """The host's theme as CSS custom properties (only settings that pass ``theme_problems``)."""
    lines = [
        f"  {THEME_PROPERTIES[name]}: {value};"
        for name, value in (theme or {}).items()
        if name in THEME_PROPERTIES and isinstance(value, str) and _theme_value_ok(name, value)
    ]
    return ":root {\n" + "\n".join(lines) + "\n}\n"


@dataclass(frozen=True)
class Row:
    """One row of "check your answers"."""

    question: Question
    section: Section
    lines: list[str]


def summary_rows(pages: FormPages, answers: Mapping[str, Any]) -> list[tuple[Section, list[Row]]]:
    """Each visible page with its shown questions and their answers in words."""
    visibility = pages.visibility(answers)
    valid = visibility.visible_answers
    grouped = []
    for section in pages.sections(visibility):
        rows = [
            Row(question, section, answer_in_words(question, valid.get(question.id)))
            for question in section.questions
            if question.id in visibility.shown
        ]
        grouped.append((section, rows))
    return grouped


@dataclass(frozen=True)
class PageView:
    """What the field templates need about one page: its questions, what to show in each control, the
    errors, and whose policy each question's guidance is."""

    page: Page
    typed: Mapping[str, Any]
    error_for: Mapping[str, str]

    def items(self, question: Question) -> list[tuple[str, str, str | None]]:
        """Each option of a choosing question: its value in the HTML, its label and its hint."""
        if question.type == "yes_no":
            return [("yes", "Yes", None), ("no", "No", None)]
        return [(option.code, option.label, option.hint) for option in question.options]

    def reveals_any(self, question: Question) -> bool:
        """Whether any follow-up is revealed in place under one of the question's options."""
        return any(reveal.parent == question.id for reveal in self.page.reveals.values())

    def described(self, question: Question) -> str:
        """The ``aria-describedby`` of a question's control or fieldset: its hint and its error."""
        ids = [f"{question.id}-hint"] if question.hint else []
        if question.id in self.error_for:
            ids.append(f"{question.id}-error")
        return " ".join(ids)

    def top_level(self) -> list[Question]:
        """The questions not revealed in place under another (those are rendered inside their option)."""
        return [q for q in self.page.questions if q.id not in self.page.reveals]

    @staticmethod
    def question_source(question: Question, section: Section) -> str | None:
        """Whose policy a question's guidance is (see ``question_source``)."""
        return question_source(question, section)
