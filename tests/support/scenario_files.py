"""The worked scenarios in tests/data/scenarios: where they are, and loading them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"
#: Valid: a GP shares a child's health information without consent (the core form's base answers).
SCENARIO_01 = SCENARIOS / "01-gp-shares-without-consent-child-at-risk.json"
#: Invalid: one error, on consent_not_sought_reason.
SCENARIO_02 = SCENARIOS / "02-consent-not-sought-without-reason.json"


def load_scenarios() -> list[dict[str, Any]]:
    """Every worked scenario, in file-name order, each with its file name under ``"file"``."""
    found = []
    for path in sorted(SCENARIOS.glob("*.json")):
        scenario = json.loads(path.read_text(encoding="utf-8"))
        scenario["file"] = path.name
        found.append(scenario)
    return found
