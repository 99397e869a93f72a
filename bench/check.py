"""Benchmark: median time to check the core form, against a bare marshmallow load of the same answers.

Run: ``python bench/check.py`` (after ``pip install .``). Prints, for a valid and an invalid
answer set, the median time of ``Engine.evaluate`` and of the baseline — a plain marshmallow
``Schema.load`` with one stock field per question, measured in the same run — and the ratio.
Goal (issue 2): under 1 ms median per check and under 3x the bare load. Exits 1 if a ratio is 3x or more.
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from marshmallow import Schema, ValidationError, fields

from sharewise.core import Engine
from sharewise.forms import example_answers

FORM = "information-sharing-decision"
ROUNDS = 15
PER_ROUND = 200


def bare_schema(engine: Engine) -> Schema:
    """A plain marshmallow schema with a stock field for each question of the core form."""
    stock = {
        "yes_no": fields.Boolean,
        "choice": fields.String,
        "text": fields.String,
        "textarea": fields.String,
        "integer": fields.Integer,
        "date": fields.Date,
        "datetime": fields.DateTime,
    }
    declared = {
        q.id: fields.List(fields.String()) if q.type == "multi" else stock[q.type]() for q in engine.form(FORM).iter_questions()
    }
    return Schema.from_dict(declared)()


def bare_load(schema: Schema, answers: dict[str, Any]) -> Any:
    """The baseline: load the answers, as an application would, catching the validation error."""
    try:
        return schema.load(answers)
    except ValidationError as exc:
        return exc.messages


def median_seconds(function: Callable[[], Any]) -> float:
    """Median over ``ROUNDS`` rounds of the mean time of ``PER_ROUND`` calls."""
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(PER_ROUND):
            function()
        samples.append((time.perf_counter() - start) / PER_ROUND)
    return statistics.median(samples)


def main() -> None:
    """Measure and print the figures recorded in docs/performance.md."""
    engine = Engine()
    baseline = bare_schema(engine)
    valid = example_answers(FORM, "gp-shares-child-at-risk")
    invalid = dict(valid, consent_outcome="given", child_age="seven", favourite_colour="blue")
    del invalid["consent_not_sought_reason"]
    assert engine.evaluate(FORM, valid).valid and not engine.evaluate(FORM, invalid).valid
    print(f"python {platform.python_version()} on {platform.machine()}, {ROUNDS}x{PER_ROUND} calls per figure")
    print(f"{'answers':<10} {'engine check':>14} {'bare load':>12} {'ratio':>7}")
    worst = 0.0
    for name, answers in (("valid", valid), ("invalid", invalid)):
        check = median_seconds(lambda answers=answers: engine.evaluate(FORM, answers))
        bare = median_seconds(lambda answers=answers: bare_load(baseline, answers))
        worst = max(worst, check / bare)
        print(f"{name:<10} {check * 1e6:>11.0f} µs {bare * 1e6:>9.0f} µs {check / bare:>6.2f}x")
    sys.exit(0 if worst < 3 else 1)


if __name__ == "__main__":
    main()
