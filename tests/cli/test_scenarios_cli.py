"""Every worked scenario through ``sharewise check FORM FILE --json``: the scenario file itself (an
envelope) and its answers extracted to a plain file. Scenarios for forms this installation does not
register yet are skipped, naming the form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scenario_files import SCENARIOS

from sharewise.core import Engine, PluginError
from sharewise.core.plugins import resolve

SCENARIO_FILES = sorted(SCENARIOS.glob("*.json"))
SEVERITY_LISTS = {"errors_on": "error", "warnings_on": "warning", "advice_on": "advice"}


@pytest.fixture(scope="module")
def registered_forms() -> set[str]:
    return {form.id for form in Engine().forms.all()}


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def runnable(scenario: dict[str, Any], registered: set[str]) -> None:
    """Skip, naming what is missing, when the scenario's form (or a plugin it names) is not available."""
    if scenario["form"] not in registered:
        pytest.skip(f"form '{scenario['form']}' is not registered yet")
    for name in scenario.get("plugins") or []:
        try:
            resolve(name)
        except PluginError:
            pytest.skip(f"plugin '{name}' is not available")


def assert_meets_expectations(result: Any, scenario: dict[str, Any]) -> dict[str, Any]:
    expect = scenario["expect"]
    assert "Traceback" not in result.err
    assert result.code == (0 if expect["valid"] else 1), f"exit {result.code}; stderr: {result.err!r}"
    doc = result.json()
    assert doc["form"] == {"id": scenario["form"], "version": 1}
    assert doc["valid"] is expect["valid"]
    for key, severity in SEVERITY_LISTS.items():
        flagged = {f["field"] for f in doc["findings"] if f["severity"] == severity}
        missing = [field for field in expect.get(key, []) if field not in flagged]
        assert not missing, f"expected a {severity} on {missing}; got {sorted(map(str, flagged))}"
    return doc


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
def test_scenario_file(cli, registered_forms, path):
    scenario = load(path)
    runnable(scenario, registered_forms)
    assert_meets_expectations(cli("check", scenario["form"], path, "--json"), scenario)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
def test_scenario_answers_extracted(cli, registered_forms, write_json, path):
    scenario = load(path)
    runnable(scenario, registered_forms)
    plugin_args = [arg for name in scenario.get("plugins") or [] for arg in ("--plugin", name)]
    answers = write_json(scenario["answers"], name=f"{path.stem}-answers.json")
    extracted = assert_meets_expectations(cli("check", scenario["form"], answers, "--json", *plugin_args), scenario)
    envelope = cli("check", scenario["form"], path, "--json").json()
    assert extracted == envelope, "the envelope and its extracted answers must give the same result"


def test_scenarios_present():
    assert len(SCENARIO_FILES) >= 19, "the worked scenarios from shared/scenarios should be copied into tests/data"
