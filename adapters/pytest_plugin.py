"""A pytest plugin for people writing sharewise policy plugins (entry point ``pytest11``).

Fixtures:

- ``sharewise_plugins`` — the plugins to enable; override it in your ``conftest.py``
  (default: the ``sharewise_plugins`` ini option, else none beyond the built-ins).
- ``sharewise_engine`` — an ``Engine`` with those plugins enabled (one per set, per session).
- ``sharewise_check`` — ``sharewise_check(form_id, answers)`` evaluates with that engine.
- ``core_answers`` — a complete, valid answer set for ``information-sharing-decision`` to modify.

Helpers, importable and as fixtures: ``assert_finding(evaluation, rule, severity=None,
field=None)`` returns the matching finding or fails listing what was found;
``assert_no_finding(evaluation, rule, field=None)`` fails if such a finding exists.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from sharewise.core import Engine, Evaluation, Finding

CORE_FORM = "information-sharing-decision"
_ENGINES: dict[tuple[str, ...], Engine] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``sharewise_plugins`` ini option: plugin names enabled by the ``sharewise_engine`` fixture."""
    parser.addini("sharewise_plugins", "sharewise plugins to enable in the sharewise_engine fixture", type="args", default=[])


def _describe(evaluation: Evaluation) -> str:
    found = [f"{f.rule} {f.severity} on {f.field}" for f in evaluation.findings]
    return "; ".join(found) if found else "no findings"


def assert_finding(evaluation: Evaluation, rule: str, severity: str | None = None, field: str | None = None) -> Finding:
    """The finding of ``rule`` (with that severity and field, when given); fail if there is none."""
    for finding in evaluation.findings:
        if finding.rule == rule and severity in (None, finding.severity) and field in (None, finding.field):
            return finding
    wanted = rule + (f" {severity}" if severity else "") + (f" on {field}" if field else "")
    pytest.fail(f"expected a finding {wanted}; found {_describe(evaluation)}", pytrace=False)


def assert_no_finding(evaluation: Evaluation, rule: str, field: str | None = None) -> None:
    """Fail if ``rule`` (on ``field``, when given) produced a finding."""
    matching = [f for f in evaluation.findings if f.rule == rule and field in (None, f.field)]
    if matching:
        pytest.fail(f"expected no finding {rule}{f' on {field}' if field else ''}; found {_describe(evaluation)}", pytrace=False)


@pytest.fixture
def sharewise_plugins(request: pytest.FixtureRequest) -> list[str]:
    """The plugins to enable (override in your conftest.py, or set the ``sharewise_plugins`` ini option)."""
    return list(request.config.getini("sharewise_plugins"))


@pytest.fixture
def sharewise_engine(sharewise_plugins: list[str]) -> Engine:
    """An engine with the built-ins and ``sharewise_plugins`` enabled (built once per set of plugins)."""
    from sharewise.core import Engine

    key = tuple(sharewise_plugins)
    if key not in _ENGINES:
        _ENGINES[key] = Engine(list(key))
    return _ENGINES[key]


@pytest.fixture
def sharewise_check(sharewise_engine: Engine) -> Callable[..., Evaluation]:
    """``sharewise_check(form_id, answers, **options)``: evaluate with ``sharewise_engine``."""

    def check(form_id: str, answers: Any, **options: Any) -> Evaluation:
        return sharewise_engine.evaluate(form_id, answers, **options)

    return check


@pytest.fixture
def core_answers() -> dict[str, Any]:
    """A complete, valid ``information-sharing-decision`` answer set (a GP sharing without consent
    to protect a child), safe to modify."""
    from sharewise.forms import example_answers

    return copy.deepcopy(example_answers(CORE_FORM, "gp-shares-child-at-risk"))


@pytest.fixture(name="assert_finding")
def assert_finding_fixture() -> Callable[..., Finding]:
    """``assert_finding`` as a fixture."""
    return assert_finding


@pytest.fixture(name="assert_no_finding")
def assert_no_finding_fixture() -> Callable[..., None]:
    """``assert_no_finding`` as a fixture."""
    return assert_no_finding
