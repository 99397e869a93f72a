"""What plugins are told about a check besides the answers themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CheckContext:
    """The circumstances of one check, passed to ``sharewise_validate`` and the outcome hooks.

    ``facts`` holds the form's derived definitions (``sharing``, ``with_consent``…) computed
    from the shown, valid answers; ``shown`` and ``required`` are question ids; ``host`` is
    what the host system said about the case (case reference, subject, practitioner), empty
    when checking from the command line; ``today`` is the date of the check.
    """

    facts: Mapping[str, Any] = field(default_factory=dict)
    shown: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    host: Mapping[str, Any] = field(default_factory=dict)
    today: dt.date = field(default_factory=dt.date.today)
    plugins: tuple[str, ...] = ()

    def fact(self, name: str) -> bool:
        """A derived fact as a boolean (false when the form does not define it)."""
        return self.facts.get(name) is True


@dataclass(frozen=True)
class Retention:
    """How long a record is kept: its retention class and the date it is next reviewed."""

    retention_class: str
    review_on: dt.date
    disposal: str = "review"

    def to_dict(self) -> dict[str, Any]:
        """The retention as FORMS.md's outcome shape ``{"class", "review_on"}``."""
        return {"class": self.retention_class, "review_on": self.review_on.isoformat()}
