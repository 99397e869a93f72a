"""A plan remembers the results of conditions that read only closed answers (core/visibility.py).

What a practitioner sees must never depend on what the plan has seen before: a plan that has worked
out visibility for many other answers gives exactly what a new plan gives. Only option codes and
true/false are remembered — never free text, numbers or dates — and memory is bounded.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharewise.core import Engine
from sharewise.core import visibility as visibility_module
from sharewise.core.formdef import FormDefinition
from sharewise.core.formfiles import load_form
from sharewise.core.visibility import Visibility, VisibilityPlan

CORE = "information-sharing-decision"


def closed_answers(form: FormDefinition) -> st.SearchStrategy[dict[str, Any]]:
    """Valid answers to any of ``form``'s yes/no, choice and multi questions (each may be left out)."""
    by_question: dict[str, st.SearchStrategy[Any]] = {}
    for question in form.questions.values():
        codes = [option.code for option in question.options]
        if question.type == "yes_no":
            by_question[question.id] = st.booleans()
        elif question.type == "choice":
            by_question[question.id] = st.sampled_from(codes)
        elif question.type == "multi":
            by_question[question.id] = st.lists(st.sampled_from(codes), unique=True)
    return st.fixed_dictionaries({}, optional=by_question)


def as_tuple(found: Visibility) -> tuple[Any, ...]:
    return (found.shown, found.required, dict(found.visible_answers), dict(found.facts))


@pytest.fixture(scope="module")
def forms(engine: Engine) -> dict[str, FormDefinition]:
    """Every built-in form, and the core form as Liverpool's plugin extends it."""
    known = {form.id: form for form in engine.forms.all()}
    known["liverpool:" + CORE] = Engine(["liverpool"]).form(CORE)
    assert len(known) >= 6
    return known


#: One plan per form, shared by every example: it remembers what earlier examples decided.
SEASONED: dict[str, VisibilityPlan] = {}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_plan_that_has_seen_other_answers_decides_as_a_new_one(forms: dict[str, FormDefinition], data: Any) -> None:
    name = data.draw(st.sampled_from(sorted(forms)))
    form = forms[name]
    answers = data.draw(closed_answers(form))
    seasoned = SEASONED.setdefault(name, VisibilityPlan(form))
    expected = as_tuple(VisibilityPlan(form).apply(answers))
    assert as_tuple(seasoned.apply(answers)) == expected
    assert as_tuple(seasoned.apply(answers)) == expected  # and again, from memory


FLAG_FORM = """
id: memo
version: 1
title: Memo
sections:
  - id: s
    title: S
    questions:
      - {id: flag, type: yes_no, label: Flag}
      - {id: code, type: choice, label: Code, options: [{code: "true", label: T}, {code: "1", label: One}]}
      - {id: on_flag, type: yes_no, label: On flag, show_if: "flag == true"}
      - {id: on_code, type: yes_no, label: On code, show_if: "code == 'true'"}
      - {id: note, type: text, label: Note}
      - {id: on_note, type: yes_no, label: On note, show_if: "note == 'show me'"}
      - {id: age, type: integer, label: Age}
      - {id: on_age, type: yes_no, label: On age, show_if: "age == 1"}
"""


@pytest.fixture
def flag_form(tmp_path: Any) -> FormDefinition:
    path = tmp_path / "memo.yaml"
    path.write_text(FLAG_FORM, encoding="utf-8")
    return load_form(path)


def remembered(plan: VisibilityPlan) -> dict[str, dict[tuple[Any, ...], bool]]:
    """What each question's ``show_if`` remembers, by question."""
    return {step.name: dict(step.condition.remembered) for level in plan.levels for step in level.steps if step.condition}


def test_values_equal_in_python_but_not_in_cel_are_not_confused(flag_form: FormDefinition) -> None:
    plan = VisibilityPlan(flag_form)
    assert "on_flag" in plan.apply({"flag": True}).shown
    assert "on_flag" not in plan.apply({"flag": 1}).shown  # 1 == True in Python, not in CEL
    assert "on_code" in plan.apply({"code": "true"}).shown
    assert "on_code" not in plan.apply({"code": True}).shown
    assert "on_flag" not in plan.apply({"flag": "true"}).shown
    assert "on_flag" in plan.apply({"flag": True}).shown


def test_free_text_and_numbers_are_never_remembered(flag_form: FormDefinition) -> None:
    plan = VisibilityPlan(flag_form)
    assert "on_note" in plan.apply({"note": "show me"}).shown
    assert "on_note" not in plan.apply({"note": "something a practitioner wrote"}).shown
    assert "on_age" in plan.apply({"age": 1}).shown
    assert "on_age" not in plan.apply({"age": 2}).shown
    plan.apply({"flag": False, "code": "1"})
    memory = remembered(plan)
    assert memory["on_note"] == {} and memory["on_age"] == {}
    assert memory["on_flag"] == {(None,): False, (False,): False}
    assert memory["on_code"] == {(None,): False, ("1",): False}


def test_memory_is_bounded_and_results_stay_right_beyond_it(
    monkeypatch: pytest.MonkeyPatch, forms: dict[str, FormDefinition]
) -> None:
    monkeypatch.setattr(visibility_module, "REMEMBERED_PER_CONDITION", 3)
    form = forms[CORE]
    plan = VisibilityPlan(form)
    categories = [option.code for option in form.questions["information_categories"].options]
    subsets = [[code] for code in categories] + [categories[:2], categories[1:3], []]
    for chosen in subsets * 2:
        answers = {"information_categories": chosen, "processing_regime": "general"}
        assert as_tuple(plan.apply(answers)) == as_tuple(VisibilityPlan(form).apply(answers))
    assert max(len(found) for found in remembered(plan).values()) <= 3
