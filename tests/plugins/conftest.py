"""Fixtures for the rule tests of the built-in plugins."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from answer_sets import changed

from sharewise.core import Engine, Evaluation


@pytest.fixture
def evaluate_changed(engine: Engine) -> Callable[[str, Mapping[str, Any]], Callable[..., Evaluation]]:
    """``evaluate_changed(FORM, BASE)``: a function evaluating ``BASE`` on ``FORM`` with some answers
    changed (``None`` removes one), e.g. ``run(decision="no_disclosure", recipient=None)``."""

    def bind(form_id: str, base: Mapping[str, Any]) -> Callable[..., Evaluation]:
        def run(**changes: Any) -> Evaluation:
            return engine.evaluate(form_id, changed(base, changes))

        return run

    return bind


@pytest.fixture(scope="module")
def liverpool() -> Engine:
    """Built-ins plus the opt-in Liverpool plugin (one engine per test module)."""
    return Engine(["liverpool"])
