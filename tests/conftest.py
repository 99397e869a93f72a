"""Shared fixtures: one engine per session, the worked scenarios, a valid base answer set."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sharewise.core import Engine, Evaluation

DATA = Path(__file__).parent / "data"
SCENARIOS = DATA / "scenarios"
CORE_FORM = "information-sharing-decision"


def load_scenarios() -> list[dict[str, Any]]:
    """Every worked scenario in tests/data/scenarios, with its file name."""
    found = []
    for path in sorted(SCENARIOS.glob("*.json")):
        scenario = json.loads(path.read_text(encoding="utf-8"))
        scenario["file"] = path.name
        found.append(scenario)
    return found


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The default engine: built-ins only (forms and the national England plugin)."""
    return Engine()


@pytest.fixture(scope="session")
def _base_answers() -> dict[str, Any]:
    return json.loads((SCENARIOS / "01-gp-shares-without-consent-child-at-risk.json").read_text())["answers"]


@pytest.fixture
def base_answers(_base_answers: dict[str, Any]) -> dict[str, Any]:
    """A complete, valid answer set for the core form (scenario 01), safe to modify."""
    return copy.deepcopy(_base_answers)


@pytest.fixture
def check(engine: Engine, base_answers: dict[str, Any]) -> Callable[..., Evaluation]:
    """Evaluate the core form's base answers with some answers changed (``None`` removes one).

    ``check(decision="do_not_share", shared_at=None)``
    """

    def run(**changes: Any) -> Evaluation:
        answers = dict(base_answers)
        for key, value in changes.items():
            if value is None:
                answers.pop(key, None)
            else:
                answers[key] = value
        return engine.evaluate(CORE_FORM, answers)

    return run


@pytest.fixture
def hits() -> Callable[[Evaluation, str], list[tuple[str, str | None]]]:
    """``hits(evaluation, "ISD-7")``: ``(severity, field)`` of each finding of that rule."""

    def run(evaluation: Evaluation, rule: str) -> list[tuple[str, str | None]]:
        return [(f.severity, f.field) for f in evaluation.findings if f.rule == rule]

    return run
