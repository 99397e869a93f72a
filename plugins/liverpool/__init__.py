"""Liverpool Safeguarding Children Partnership: Early Help consent guidance (opt-in local plugin).

Switched on with ``--plugin liverpool`` or ``SHAREWISE_PLUGINS=liverpool``; never on by default.
It extends ``information-sharing-decision`` with the section ``early_help``, adds rules LIV-1 …
LIV-4 and gives records from an Early Help episode the local retention class ``early_help``.

Partnership configuration: ``SHAREWISE_LIVERPOOL_EARLY_HELP_REVIEW_YEARS`` (default 6) sets how
many years after the decision an Early Help record is reviewed — a documented local choice, not law.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from sharewise.core.context import CheckContext, Retention
from sharewise.core.dates import add_years, decided_on
from sharewise.core.findings import Finding
from sharewise.core.formdef import FormDefinition
from sharewise.core.hookspecs import hookimpl
from sharewise.plugins.liverpool.rules import FORM_ID, rules

RULE_SETS = (rules,)
RETENTION_CLASS = "early_help"
REVIEW_YEARS_VARIABLE = "SHAREWISE_LIVERPOOL_EARLY_HELP_REVIEW_YEARS"
DEFAULT_REVIEW_YEARS = 6


def review_years(environ: Mapping[str, str] = os.environ) -> int:
    """The partnership's review period for Early Help records, in whole years (1–100)."""
    raw = environ.get(REVIEW_YEARS_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_REVIEW_YEARS
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise ValueError(f"{REVIEW_YEARS_VARIABLE} must be a whole number of years from 1 to 100, not {raw!r}")
    return int(raw)


REVIEW_YEARS = review_years()


@hookimpl
def sharewise_extend_form(form: FormDefinition) -> Traversable | None:
    """The Early Help section, for the core form only."""
    return files(__name__) / "early_help.yaml" if form.id == FORM_ID else None


@hookimpl
def sharewise_validate(form: FormDefinition, answers: Mapping[str, Any], context: CheckContext) -> list[Finding]:
    """Rules LIV-1 … LIV-4."""
    return rules.run(form, answers, context)


@hookimpl
def sharewise_retention(form: FormDefinition, answers: Mapping[str, Any], context: CheckContext) -> Retention | None:
    """Records from an Early Help episode: class ``early_help``, reviewed after the configured years."""
    if form.id != FORM_ID or answers.get("early_help_episode") is not True:
        return None
    return Retention(RETENTION_CLASS, add_years(decided_on(answers, context.today), REVIEW_YEARS))
