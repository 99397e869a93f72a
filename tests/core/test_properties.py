"""Property tests: whatever JSON arrives, the engine answers with well-formed findings and never raises.

FORMS.md: answers are one flat JSON object keyed by question id; every problem with them is an
``error`` on its field (``null`` only for whole-form findings); an unknown key is an error on that
key; ``null``, blank strings and empty lists count as not answered; all problems are reported together.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from forms_md_tables import CORE_FORM, ENGINE_RULES
from hypothesis import given, settings
from hypothesis import strategies as st

from sharewise.core import Engine, Evaluation

SEVERITIES = frozenset({"error", "warning", "advice"})
BASE: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "data" / "scenarios" / "01-gp-shares-without-consent-child-at-risk.json").read_text(
        encoding="utf-8"
    )
)["answers"]

NATIONAL = Engine()
BARE = Engine(builtins=("forms",))  # no national rules: only the engine's own answer checks
QUESTION_IDS: tuple[str, ...] = tuple(q.id for q in NATIONAL.form(CORE_FORM).iter_questions())
ORDER = {q: i for i, q in enumerate(QUESTION_IDS)}

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

# --- strategies ---------------------------------------------------------------------------------

# Any code point, including lone surrogates (which JSON "\ud800" escapes can carry) and NUL.
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
interesting_text = st.sampled_from(
    [
        "",
        " ",
        "   ",
        "\t\n",
        "\x00",
        "a\x00b",
        "\ud800",
        "\udfff",
        "😀",
        "true",
        "yes",
        "7",
        "7.0",
        "null",
        "2026-11-21",
        "2026-02-30",
        "2026-11-21T09:30:00Z",
        "2026-11-21T09:30:00",
        "share",
        "police",
        "child",
        "health",
        "no_other",
        "own_concern",
        "request_received",
        "law_enforcement",
        "sch1_para18_safeguarding",
        "sch8_para4_safeguarding",
        "x" * 501,
        "x" * 20_001,
    ]
)
json_text = st.text(any_char, max_size=30) | interesting_text
json_numbers = (
    st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)  # far beyond 64-bit and float range
    | st.sampled_from([0, 7, 17, 18, -1, 2**63, -(2**63) - 1, 2**64])
    | st.floats()  # NaN and infinities included: Python's json.loads accepts them
    | st.sampled_from([7.0, 7.5, -0.0, 1e308, 5e-324])
)
json_scalars = st.none() | st.booleans() | json_numbers | json_text
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(json_text, children, max_size=5),
    max_leaves=15,
)
# Lists of option codes (right or wrong, repeated or not) to reach deeper into the multi checks.
code_lists = st.lists(
    st.sampled_from(["police", "child", "health", "criminal_offence", "adult_at_risk", "bogus", ""]), max_size=4
)
answer_values = json_values | code_lists
answer_keys = st.sampled_from(QUESTION_IDS) | json_text


# --- invariants -----------------------------------------------------------------------------------


def assert_well_formed(evaluation: Evaluation) -> dict[str, Any]:
    """The checks every evaluation must pass, whatever the answers were."""
    assert isinstance(evaluation, Evaluation)
    as_dict = evaluation.to_dict()
    json.dumps(as_dict, allow_nan=False)  # strict JSON: no NaN/Infinity leaks through
    assert as_dict["valid"] is evaluation.valid
    assert evaluation.valid == (not any(f.severity == "error" for f in evaluation.findings))
    for finding in evaluation.findings:
        assert finding.severity in SEVERITIES
        assert finding.field is None or isinstance(finding.field, str)
        assert isinstance(finding.rule, str) and finding.rule
        assert isinstance(finding.message, str) and finding.message.strip()
        assert "Traceback" not in finding.message and "<class" not in finding.message
        if finding.rule in ENGINE_RULES:
            assert finding.severity == "error"
            assert finding.plugin == "engine"
    outcome = evaluation.outcome
    assert outcome["review_required"] is any(f.severity == "warning" for f in evaluation.findings)
    missing = outcome["missing"]
    assert isinstance(missing, list)
    assert all(q in ORDER for q in missing)
    assert missing == sorted(missing, key=ORDER.__getitem__), "missing must be in form order"
    # "missing" and the required findings are the same questions.
    assert set(missing) == {f.field for f in evaluation.findings if f.rule == "required"}
    # Each field gets at most one of the engine's answer findings.
    per_field = Counter(f.field for f in evaluation.findings if f.rule in ENGINE_RULES)
    assert all(count == 1 for count in per_field.values()), per_field
    return as_dict


def is_unanswered(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


# --- properties -----------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(answers=json_values)
def test_any_json_value_as_the_answers_never_raises(answers: Any) -> None:
    for engine in (NATIONAL, BARE):
        evaluation = engine.evaluate(CORE_FORM, answers)
        assert_well_formed(evaluation)
        whole_form = [f for f in evaluation.findings if f.field is None]
        if isinstance(answers, dict):
            # An object is the right shape: no whole-form "type" finding.
            assert all(f.rule != "type" for f in whole_form)
            if engine is BARE:
                assert whole_form == []
            for key in answers:
                if key not in ORDER:
                    assert ("unknown", "error") in {(f.rule, f.severity) for f in evaluation.findings if f.field == key}
        else:
            assert [(f.rule, f.severity) for f in whole_form] == [("type", "error")]
            assert not evaluation.valid


@PROPERTY_SETTINGS
@given(changes=st.dictionaries(answer_keys, answer_values, max_size=6))
def test_any_json_merged_into_valid_answers_never_raises(changes: dict[str, Any]) -> None:
    answers = {**copy.deepcopy(BASE), **changes}
    for engine in (NATIONAL, BARE):
        evaluation = engine.evaluate(CORE_FORM, answers)
        assert_well_formed(evaluation)
        by_field: dict[str | None, set[str]] = {}
        for finding in evaluation.findings:
            by_field.setdefault(finding.field, set()).add(finding.rule)
        for key, value in answers.items():
            if key not in ORDER:
                # An unknown key is an error whose field is that key.
                assert "unknown" in by_field.get(key, set()), (key, evaluation.findings)
            elif is_unanswered(value):
                # Not answered: at most "required", never a complaint about the value.
                assert by_field.get(key, set()) & ENGINE_RULES <= {"required"}
            else:
                assert "required" not in by_field.get(key, set())
        if engine is BARE:
            # Without rules, the only findings are the engine's answer checks, on named fields.
            assert all(f.rule in ENGINE_RULES and f.field is not None for f in evaluation.findings)
            # Answers are untouched by the base (which has no findings) except where changed:
            # every finding is on a changed key, or a required/hidden consequence of one.
            for finding in evaluation.findings:
                if finding.field not in changes:
                    assert finding.rule in {"required", "hidden"}, finding


@PROPERTY_SETTINGS
@given(
    removed=st.sets(st.sampled_from(sorted(BASE)), min_size=1, max_size=8),
    blank=st.sampled_from([None, "", "   ", [], "\n\t"]),
    delete=st.booleans(),
)
def test_removing_answers_only_gives_required_and_hidden_findings(removed: set[str], blank: Any, delete: bool) -> None:
    """Leaving out valid answers never makes the rest malformed: only `required` on what was left out,
    and `hidden` on kept answers whose question no longer applies. A blank is the same as leaving it out."""
    answers = copy.deepcopy(BASE)
    for key in removed:
        if delete:
            del answers[key]
        else:
            answers[key] = blank
    evaluation = BARE.evaluate(CORE_FORM, answers)
    assert_well_formed(evaluation)
    for finding in evaluation.findings:
        assert finding.rule in {"required", "hidden"}, finding
        if finding.rule == "required":
            assert finding.field in removed
        else:
            assert finding.field not in removed
    if not delete:
        trimmed = {k: v for k, v in BASE.items() if k not in removed}
        assert evaluation.to_dict() == BARE.evaluate(CORE_FORM, trimmed).to_dict()


# Exhaustively: each single answer of the base removed. The expectations come from FORMS.md's
# tables for the base answers (general regime, health data, para 18, consent not sought, sharing,
# subject not informed, advice sought).
OPTIONAL_IN_BASE = {"child_age", "statutory_gateways", "article8_justification", "checks_confirmed", "special_category_condition"}
HIDDEN_WHEN_REMOVED = {
    "consent_sought": {"consent_not_sought_reason", "consent_not_sought_detail"},
    "processing_regime": {
        "art6_basis",
        "special_category_condition",
        "substantial_public_interest",
        "appropriate_policy_document",
    },
    "information_categories": {"special_category_condition", "substantial_public_interest", "appropriate_policy_document"},
    "special_category_condition": {"substantial_public_interest", "appropriate_policy_document"},
    "advice_sought": {"advice_from"},
    "decision": {"shared_information", "shared_with", "share_method", "shared_at", "article8_justification"},
    "subject_informed": {"subject_not_informed_reason"},
}


@pytest.mark.parametrize("key", sorted(BASE))
def test_each_single_answer_removed(key: str) -> None:
    answers = {k: v for k, v in BASE.items() if k != key}
    evaluation = BARE.evaluate(CORE_FORM, answers)
    assert_well_formed(evaluation)
    expected = {("hidden", field) for field in HIDDEN_WHEN_REMOVED.get(key, set())}
    if key not in OPTIONAL_IN_BASE:
        expected.add(("required", key))
    assert {(f.rule, f.field) for f in evaluation.findings} == expected
    assert evaluation.valid == (not expected)
    assert evaluation.outcome["missing"] == ([] if key in OPTIONAL_IN_BASE else [key])
    # With the national rules on, the engine's own findings are the same.
    national = NATIONAL.evaluate(CORE_FORM, answers)
    assert {(f.rule, f.field) for f in national.findings if f.rule in ENGINE_RULES} == expected


@PROPERTY_SETTINGS
@given(st.permutations(sorted(BASE)), st.dictionaries(answer_keys, answer_values, max_size=3))
def test_key_order_does_not_matter(order: list[str], changes: dict[str, Any]) -> None:
    answers = {**BASE, **changes}
    shuffled = {key: answers[key] for key in [*order, *(k for k in answers if k not in BASE)]}
    first = NATIONAL.evaluate(CORE_FORM, answers).to_dict()
    second = NATIONAL.evaluate(CORE_FORM, shuffled).to_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


@PROPERTY_SETTINGS
@given(age=st.integers(min_value=0, max_value=17))
def test_integer_and_integral_float_are_the_same_answer(age: int) -> None:
    as_int = NATIONAL.evaluate(CORE_FORM, {**BASE, "child_age": age})
    as_float = NATIONAL.evaluate(CORE_FORM, {**BASE, "child_age": float(age)})
    assert as_int.valid
    assert as_int.to_dict() == as_float.to_dict()


# --- the answer check calls each marshmallow field as the schema's own load would ------------------


def _through_schema_load(form: Any, schema: Any, answers: dict[str, Any]) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """What ``Schema.load`` makes of the answers that are answered: the valid ones, and each problem."""
    from marshmallow import ValidationError

    from sharewise.core.answer_schema import _finding, is_unanswered

    present = {k: v for k, v in answers.items() if k not in form.questions or not is_unanswered(v)}
    try:
        return schema.load(present), {}
    except ValidationError as exc:
        problems = {key: _finding(form, key, errors) for key, errors in exc.messages.items()}
        valid = {k: v for k, v in (exc.valid_data or {}).items() if k not in problems}
        return valid, {key: (f.rule, f.message) for key, f in problems.items()}


@PROPERTY_SETTINGS
@given(st.dictionaries(answer_keys, answer_values, max_size=12))
def test_checking_each_field_gives_what_the_schemas_load_gives(answers: dict[str, Any]) -> None:
    from sharewise.core.answer_schema import check_answers

    compiled = NATIONAL.forms.get(CORE_FORM, None)
    checked = check_answers(compiled.definition, compiled.schema, answers)

    valid, problems = _through_schema_load(compiled.definition, compiled.schema, answers)
    assert checked.valid == valid
    assert {key: (f.rule, f.message) for key, f in checked.findings.items()} == problems
