"""The national default retention: class ``safeguarding-decision``, reviewed at 25 or after 6 years.

Records are kept no longer than necessary; a record kept indefinitely needs a scheduled review
(seed; LEGAL.md §10). Review falls on the youngest protected child's 25th birthday when the
child's age is known (decided_at + (25 − child_age) years), otherwise decided_at + 6 years.
A local plugin may replace this (the hook is ``firstresult`` and this one is ``trylast``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sharewise.core.context import CheckContext, Retention
from sharewise.core.dates import add_years, decided_on

RETENTION_CLASS = "safeguarding-decision"
CHILD_REVIEW_AGE = 25
DEFAULT_YEARS = 6


def default_retention(answers: Mapping[str, Any], context: CheckContext) -> Retention:
    """Review at the child's 25th birthday when the age is known, else six years after the decision."""
    decided = decided_on(answers, context.today)
    child_age = answers.get("child_age")
    years = CHILD_REVIEW_AGE - child_age if isinstance(child_age, int) else DEFAULT_YEARS
    return Retention(RETENTION_CLASS, add_years(decided, years))
