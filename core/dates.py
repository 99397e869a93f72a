"""Dates in answers: parsing RFC 3339 date-times, reading a decision's date, adding years."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

#: Answers that date a decision, in order of preference (core form, then the scheme forms).
DECISION_DATE_FIELDS = ("decided_at", "disclosure_date", "forum_date", "given_on", "application_date")


def parse_datetime(value: str) -> dt.datetime:
    """Parse an RFC 3339 date-time already checked by the ``datetime`` answer type."""
    text = value.upper()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return dt.datetime.fromisoformat(text)


def date_as_written(value: str) -> dt.date:
    """The calendar date of a ``date`` or ``datetime`` answer as written (no time-zone conversion)."""
    return dt.date.fromisoformat(value[:10])


def decided_on(answers: Mapping[str, Any], today: dt.date, fields: Iterable[str] = DECISION_DATE_FIELDS) -> dt.date:
    """The decision's date as written in the first of ``fields`` answered, else ``today``."""
    for field in fields:
        value = answers.get(field)
        if isinstance(value, str):
            return date_as_written(value)
    return today


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` moved ``years`` calendar years on; 29 February becomes 28 February when needed."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
