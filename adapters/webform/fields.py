"""Between HTML form fields and answers: reading what a practitioner posted for each question type, and
showing an answer again (in its inputs, and in words on "check your answers").

Names in the HTML: a question's id for one control; ``<id>-day``, ``<id>-month``, ``<id>-year`` for a
date, plus ``<id>-hour`` and ``<id>-minute`` for a date and time (read in UK time, Europe/London).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sharewise.core.formdef import Question

UK_TIME = ZoneInfo("Europe/London")
DATE_PARTS = ("day", "month", "year")
TIME_PARTS = ("hour", "minute")
#: The most digits each box can hold (so a huge number is a problem to report, not an overflow).
_DIGITS = {"day": 2, "month": 2, "year": 4, "hour": 2, "minute": 2}
_WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,18}$")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass
class PagePost:
    """What one page's POST says about its questions."""

    answers: dict[str, Any] = field(default_factory=dict)
    cleared: set[str] = field(default_factory=set)
    problems: dict[str, str] = field(default_factory=dict)
    typed: dict[str, Any] = field(default_factory=dict)


def read_page(questions: Iterable[Question], posted: Any) -> PagePost:
    """Read the answers to ``questions`` from ``posted`` (a werkzeug ``MultiDict``). A question left
    blank is ``cleared``; one that cannot be read has a ``problem`` (and what was typed is kept to
    show again)."""
    result = PagePost()
    for question in questions:
        reader = _READERS[question.type]
        typed, value, problem = reader(question, posted)
        result.typed[question.id] = typed
        if problem is not None:
            result.problems[question.id] = problem
        elif value is None:
            result.cleared.add(question.id)
        else:
            result.answers[question.id] = value
    return result


def _one(posted: Any, name: str) -> str:
    value = posted.get(name, "")
    return value if isinstance(value, str) else ""


def _read_yes_no(question: Question, posted: Any) -> tuple[Any, Any, str | None]:
    raw = _one(posted, question.id)
    if raw == "":
        return raw, None, None
    if raw not in ("yes", "no"):
        return "", None, f"Choose yes or no for ‘{question.label}’."
    return raw, raw == "yes", None


def _read_choice(question: Question, posted: Any) -> tuple[Any, Any, str | None]:
    raw = _one(posted, question.id)
    if raw == "":
        return raw, None, None
    if raw not in question.codes:
        return "", None, f"Choose one of the options for ‘{question.label}’."
    return raw, raw, None


def _read_multi(question: Question, posted: Any) -> tuple[Any, Any, str | None]:
    chosen = {value for value in posted.getlist(question.id) if isinstance(value, str) and value}
    if chosen - question.codes:
        return [], None, f"Choose from the options listed for ‘{question.label}’."
    ordered = [option.code for option in question.options if option.code in chosen]
    return ordered, ordered or None, None


def _read_text(question: Question, posted: Any) -> tuple[Any, Any, str | None]:
    raw = _one(posted, question.id).replace("\r\n", "\n").replace("\r", "\n")
    text = raw.strip()
    return raw, text or None, None


def _read_integer(question: Question, posted: Any) -> tuple[Any, Any, str | None]:
    raw = _one(posted, question.id)
    text = raw.strip().replace(",", "")
    if text == "":
        return raw, None, None
    if not _WHOLE_NUMBER.match(text):
        return raw, None, f"Enter ‘{question.label}’ as a whole number, like 7."
    return raw, int(text), None


def _date_parts(question: Question, posted: Any, parts: tuple[str, ...]) -> tuple[dict[str, str], list[int] | None, str | None]:
    typed = {part: _one(posted, f"{question.id}-{part}").strip() for part in parts}
    if not any(typed.values()):
        return typed, None, None
    missing = [part for part in parts if not typed[part]]
    if missing:
        named = " and ".join(("an " if part == "hour" else "a ") + part for part in missing)
        return typed, None, f"‘{question.label}’ must include {named}."
    if not all(value.isascii() and value.isdigit() and len(value) <= _DIGITS[part] for part, value in typed.items()):
        return typed, None, f"‘{question.label}’ must be a real date, written in numbers, like 27 3 2026."
    return typed, [int(typed[part]) for part in parts], None


def _read_date(question: Question, posted: Any) -> tuple[Any, Any, str | None]:
    typed, numbers, problem = _date_parts(question, posted, DATE_PARTS)
    if numbers is None:
        return typed, None, problem
    day, month, year = numbers
    try:
        if year < 1000:
            raise ValueError("year")
        return typed, dt.date(year, month, day).isoformat(), None
    except ValueError:
        return typed, None, f"‘{question.label}’ must be a real date, like 27 3 2026."


def _read_datetime(question: Question, posted: Any) -> tuple[Any, Any, str | None]:
    typed, numbers, problem = _date_parts(question, posted, DATE_PARTS + TIME_PARTS)
    if numbers is None:
        return typed, None, problem
    day, month, year, hour, minute = numbers
    try:
        if year < 1000:
            raise ValueError("year")
        moment = dt.datetime(year, month, day, hour, minute, tzinfo=UK_TIME)
    except ValueError:
        return typed, None, f"‘{question.label}’ must be a real date and a time on the 24-hour clock, like 27 3 2026 14 30."
    if moment.astimezone(dt.UTC).astimezone(UK_TIME).replace(tzinfo=None) != moment.replace(tzinfo=None):
        skipped = f"{hour:02d}:{minute:02d}"
        return typed, None, f"‘{question.label}’: {skipped} did not happen that day in the UK (the clocks went forward)."
    return typed, moment.isoformat(timespec="seconds"), None


_READERS = {
    "yes_no": _read_yes_no,
    "choice": _read_choice,
    "multi": _read_multi,
    "text": _read_text,
    "textarea": _read_text,
    "integer": _read_integer,
    "date": _read_date,
    "datetime": _read_datetime,
}


def typed_value(question: Question, answer: Any) -> Any:
    """An answer as its inputs show it (the inverse of reading a page)."""
    if answer is None:
        return [] if question.type == "multi" else ({} if question.type in ("date", "datetime") else "")
    if question.type == "yes_no":
        return "yes" if answer else "no"
    if question.type == "multi":
        return list(answer)
    if question.type == "date":
        day = dt.date.fromisoformat(answer)
        return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}
    if question.type == "datetime":
        moment = dt.datetime.fromisoformat(answer).astimezone(UK_TIME)
        return {
            "day": str(moment.day),
            "month": str(moment.month),
            "year": str(moment.year),
            "hour": f"{moment.hour:02d}",
            "minute": f"{moment.minute:02d}",
        }
    return str(answer)


def answer_in_words(question: Question, answer: Any) -> list[str]:
    """An answer as a practitioner reads it: one line per chosen option, or one line of text."""
    if answer is None:
        return []
    labels: Mapping[str, str] = {option.code: option.label for option in question.options}
    if question.type == "yes_no":
        return ["Yes" if answer else "No"]
    if question.type == "choice":
        return [labels.get(answer, answer)]
    if question.type == "multi":
        return [labels.get(code, code) for code in answer]
    if question.type == "date":
        return [long_date(dt.date.fromisoformat(answer))]
    if question.type == "datetime":
        moment = dt.datetime.fromisoformat(answer).astimezone(UK_TIME)
        return [f"{long_date(moment.date())}, {moment:%H:%M}"]
    return str(answer).split("\n") if question.type == "textarea" else [str(answer)]


def long_date(day: dt.date) -> str:
    """``25 November 2026``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
