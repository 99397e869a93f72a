"""Every worked scenario in tests/data/scenarios passes through the engine (the CLI run is in tests/cli)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sharewise.core import Engine

SCENARIOS = Path(__file__).parent / "data" / "scenarios"


def _scenarios() -> list[Any]:
    params = []
    for path in sorted(SCENARIOS.glob("*.json")):
        scenario = json.loads(path.read_text(encoding="utf-8"))
        params.append(pytest.param(scenario, id=path.stem))
    return params


@pytest.fixture(scope="module")
def engines() -> dict[tuple[str, ...], Engine]:
    return {}


def _engine_for(plugins: list[str], cache: dict[tuple[str, ...], Engine]) -> Engine:
    key = tuple(plugins)
    if key not in cache:
        cache[key] = Engine(plugins)
    return cache[key]


def test_the_shared_scenarios_are_all_copied_here() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "scenarios"
    if not shared.is_dir():
        pytest.skip("../shared/scenarios is not beside this checkout")
    missing = sorted(p.name for p in shared.glob("*.json") if not (SCENARIOS / p.name).exists())
    assert missing == [], f"copy these scenarios into tests/data/scenarios: {missing}"


@pytest.mark.parametrize("scenario", _scenarios())
def test_scenario_through_the_engine(scenario: dict[str, Any], engines: dict[tuple[str, ...], Engine]) -> None:
    engine = _engine_for(scenario.get("plugins", []), engines)
    if scenario["form"] not in engine.forms.ids():
        pytest.fail(f"form {scenario['form']} is not registered")
    evaluation = engine.evaluate(scenario["form"], scenario["answers"])
    expect = scenario["expect"]
    summary = [(f.rule, f.severity, f.field) for f in evaluation.findings]
    assert evaluation.valid is expect["valid"], summary
    for severity, key in (("error", "errors_on"), ("warning", "warnings_on"), ("advice", "advice_on")):
        fields = {f.field for f in evaluation.by_severity(severity)}
        missing = set(expect[key]) - fields
        assert not missing, f"expected {severity} on {sorted(missing)}; got {summary}"
