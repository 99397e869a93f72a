"""The national default retention: class ``safeguarding-decision``, reviewed at 25 or after 6 years.

Records are kept no longer than necessary; a record kept indefinitely needs a scheduled review
(seed; LEGAL.md §10). Review falls on the youngest protected child's 25th birthday when the
child's age is known (decided_at + (25 − child_age) years), otherwise decided_at + 6 years.
A local plugin may replace this (the hook is ``firstresult`` and this one is ``trylast``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sharewise.core.answer_fields import parse_datetime
from sharewise.core.context import CheckContext, Retention, add_years

RETENTION_CLASS = "safeguarding-decision"
CHILD_REVIEW_AGE = 25
DEFAULT_YEARS = 6
DECISION_DATE_FIELDS = ("decided_at", "disclosure_date", "forum_date", "given_on", "application_date")


def decided_on(answers: Mapping[str, Any], context: CheckContext) -> dt.date:
    """The decision's date as written in the answers, or the date of the check."""
    for field in DECISION_DATE_FIELDS:
        value = answers.get(field)
        if isinstance(value, str):
            return parse_datetime(value).date() if "T" in value.upper() else dt.date.fromisoformat(value)
    return context.today


def default_retention(answers: Mapping[str, Any], context: CheckContext) -> Retention:
    """Review at the child's 25th birthday when the age is known, else six years after the decision."""
    decided = decided_on(answers, context)
    child_age = answers.get("child_age")
    years = CHILD_REVIEW_AGE - child_age if isinstance(child_age, int) else DEFAULT_YEARS
    return Retention(RETENTION_CLASS, add_years(decided, years))
