"""Timescales by date arithmetic on the answers (FORMS.md, "Scheme forms").

A timescale is the later date minus the earlier in calendar days, compared as "more than N";
if either date is missing, there is no finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any


def days_between(answers: Mapping[str, Any], earlier: str, later: str) -> int | None:
    """Calendar days from the ``earlier`` date answer to the ``later`` one; ``None`` if either is missing."""
    start, end = answers.get(earlier), answers.get(later)
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days


def over(answers: Mapping[str, Any], earlier: str, later: str, limit: int) -> int | None:
    """The number of days when it is more than ``limit``, else ``None``."""
    days = days_between(answers, earlier, later)
    return days if days is not None and days > limit else None
