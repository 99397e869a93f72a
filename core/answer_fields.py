"""Marshmallow fields for each answer type, encoding answers exactly as FORMS.md specifies.

Each field checks one answer and returns it in its canonical JSON form (dates stay strings,
an integer written ``7.0`` becomes ``7``). A problem is raised as an ``AnswerProblem``: a
message a practitioner understands that also carries the engine rule id (``type``,
``option``, ``duplicate``, ``limit``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import ValidationError, fields

from sharewise.core.dates import parse_datetime
from sharewise.core.formdef import Question

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Characters no text answer may hold: NUL and the other C0 controls but tab, newline and carriage
#: return (XML 1.0 cannot carry them, and no practitioner types them), and broken surrogates.
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: Control characters shown as escapes in messages, so a message is always one readable line.
_VISIBLE_CONTROLS = {code: f"\\x{code:02x}" for code in [*range(32), 127]} | {10: "\\n", 13: "\\r", 9: "\\t"}


class AnswerProblem(str):
    """A message about one answer, carrying the engine rule id that classifies it."""

    rule: str

    def __new__(cls, rule: str, message: str) -> AnswerProblem:
        problem = super().__new__(cls, message)
        problem.rule = rule
        return problem


def problem(rule: str, message: str) -> ValidationError:
    """A marshmallow ``ValidationError`` holding one ``AnswerProblem``."""
    return ValidationError(AnswerProblem(rule, message))


def describe(question: Question) -> str:
    """How messages name a question: its label in quotes."""
    return f"‘{question.label}’"


class AnswerField(fields.Field):
    """Base of the answer fields: knows its question, checks and canonicalises a value."""

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return self.check(value)

    def check(self, value: Any) -> Any:
        """Return the canonical value or raise a ``ValidationError`` holding an ``AnswerProblem``."""
        raise NotImplementedError


class YesNo(AnswerField):
    """``true`` or ``false``, nothing else (not ``"yes"``, not ``1``)."""

    def check(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise problem("type", f"Answer {describe(self.question)} with yes or no (true or false), not {_shown(value)}.")
        return value


class Choice(AnswerField):
    """One option code."""

    def check(self, value: Any) -> str:
        if not isinstance(value, str):
            raise problem("type", f"Answer {describe(self.question)} with one option code, not {_shown(value)}.")
        if value not in self.question.codes:
            raise problem(
                "option",
                f"‘{visible(value)}’ is not an option for {describe(self.question)}. Choose one of: {_codes(self.question)}.",
            )
        return value


class Multi(AnswerField):
    """A list of option codes, each listed at most once."""

    def check(self, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise problem("type", f"Answer {describe(self.question)} with a list of option codes, not {_shown(value)}.")
        codes = self.question.codes
        seen: set[str] = set()
        for item in value:
            if not isinstance(item, str):
                raise problem("type", f"Each answer to {describe(self.question)} must be an option code, not {_shown(item)}.")
            if item not in codes:
                raise problem(
                    "option",
                    f"‘{visible(item)}’ is not an option for {describe(self.question)}. Choose from: {_codes(self.question)}.",
                )
            if item in seen:
                raise problem("duplicate", f"{describe(self.question)} lists ‘{item}’ more than once; list each option once.")
            seen.add(item)
        return list(value)


class Text(AnswerField):
    """Free text up to the question's limit (in Unicode code points)."""

    def check(self, value: Any) -> str:
        if not isinstance(value, str):
            raise problem("type", f"Answer {describe(self.question)} with text, not {_shown(value)}.")
        if UNSTORABLE.search(value):
            raise problem(
                "type",
                f"{describe(self.question)} has characters that cannot be stored (a control or broken character); retype it.",
            )
        limit = self.question.max_length
        if limit is not None and len(value) > limit:
            raise problem(
                "limit", f"{describe(self.question)} is {len(value):,} characters long; the limit is {limit:,}. Shorten it."
            )
        return value


class Integer(AnswerField):
    """A whole number (``7`` or ``7.0``, never ``true``) within the question's range."""

    def check(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise problem("type", f"Answer {describe(self.question)} with a whole number, not {_shown(value)}.")
        if isinstance(value, float):
            if not value.is_integer():
                raise problem("type", f"Answer {describe(self.question)} with a whole number, not {value!r}.")
            value = int(value)
        low, high = self.question.minimum, self.question.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            shown = str(value) if abs(value) < 10**18 else "that number"
            raise problem("limit", f"{describe(self.question)} must be between {low} and {high}; {shown} is outside that range.")
        return value


class Date(AnswerField):
    """A real calendar date written ``YYYY-MM-DD``."""

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise problem(
                "type",
                f"Answer {describe(self.question)} with a date written YYYY-MM-DD, for example 2026-11-21, not {_shown(value)}.",
            )
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise problem("type", f"{describe(self.question)}: {value} is not a real calendar date.") from None
        return value


class DateTime(AnswerField):
    """An RFC 3339 date and time with ``Z`` or an offset, such as ``2026-11-21T09:30:00+00:00``."""

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or not _DATETIME.fullmatch(value):
            raise problem(
                "type",
                f"Answer {describe(self.question)} with a date and time including its time zone, "
                f"for example 2026-11-21T09:30:00Z, not {_shown(value)}.",
            )
        try:
            parse_datetime(value)
        except ValueError:
            raise problem("type", f"{describe(self.question)}: {value} is not a real date and time.") from None
        return value


FIELD_TYPES: dict[str, type[AnswerField]] = {
    "yes_no": YesNo,
    "choice": Choice,
    "multi": Multi,
    "text": Text,
    "textarea": Text,
    "integer": Integer,
    "date": Date,
    "datetime": DateTime,
}


def _codes(question: Question) -> str:
    return ", ".join(option.code for option in question.options)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def visible(text: str, limit: int = 60) -> str:
    """``text`` clipped for a message: control characters as escapes, broken characters as �, one line."""
    return _SURROGATE.sub("\ufffd", _clip(text, limit).translate(_VISIBLE_CONTROLS))


def _shown(value: Any) -> str:
    """Name a wrong value's kind without echoing personal data back at length."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"the text ‘{visible(value, 30)}’"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
