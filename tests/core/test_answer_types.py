"""The engine's checks on the answers themselves: shape, types, option codes and limits.

Written against FORMS.md, "Answer encoding (JSON)" and "Visibility, required-ness and the
findings they produce": every answer problem is an ``error`` on that answer's field, with a
message a practitioner can act on, and all problems are reported together.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from forms_md_tables import AGENCY_CODES, CORE_FORM, ENGINE_RULES

from sharewise.core import Engine, Evaluation, Finding

# Signs that a message leaks Python internals rather than speaking to a practitioner.
_LEAKS = re.compile(
    r"<class|<built-in|Traceback|object at 0x|ValidationError|AnswerProblem|\bNone\b|\\x[0-9a-f]{2}|\\u[0-9a-f]{4}"
)

# A consent journey in which consent_date is shown and required (consent sought, then refused).
CONSENT_SOUGHT = {
    "consent_sought": True,
    "consent_outcome": "refused",
    "consent_not_sought_reason": None,
    "consent_not_sought_detail": None,
}


def answer_findings(evaluation: Evaluation) -> list[Finding]:
    """The findings of the engine's own answer checks (national rules left out)."""
    return [f for f in evaluation.findings if f.rule in ENGINE_RULES]


def answer_problems(evaluation: Evaluation) -> list[tuple[str, str, str | None]]:
    """``(rule, severity, field)`` of each engine answer finding, in report order."""
    return [(f.rule, f.severity, f.field) for f in answer_findings(evaluation)]


def label_of(engine: Engine, question_id: str) -> str:
    return engine.form(CORE_FORM).questions[question_id].label


def assert_readable(finding: Finding, names: str) -> None:
    """The message is plain text that names the question (its label, or the key for an unknown key)."""
    assert isinstance(finding.message, str)
    assert finding.message.strip(), finding
    assert names in finding.message, finding.message
    assert not _LEAKS.search(finding.message), finding.message


def assert_only_problem(engine: Engine, evaluation: Evaluation, rule: str, field: str) -> None:
    """Exactly one engine answer finding: ``rule`` as an error on ``field``, readable, from the engine."""
    assert answer_problems(evaluation) == [(rule, "error", field)]
    (finding,) = answer_findings(evaluation)
    assert finding.plugin == "engine"
    names = field if rule == "unknown" else label_of(engine, field)
    assert_readable(finding, names)
    assert not evaluation.valid


def assert_no_problems(evaluation: Evaluation) -> None:
    assert answer_problems(evaluation) == []


def test_base_answers_are_valid(check: Callable[..., Evaluation]) -> None:
    evaluation = check()
    assert evaluation.valid
    assert evaluation.findings == ()
    assert evaluation.outcome["missing"] == []


# --- yes_no -------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["sharer_is_public_authority", "minimum_necessary"])
@pytest.mark.parametrize("value", [True, False])
def test_yes_no_accepts_true_and_false(check: Callable[..., Evaluation], field: str, value: bool) -> None:
    assert_no_problems(check(**{field: value}))


@pytest.mark.parametrize("field", ["sharer_is_public_authority", "minimum_necessary", "third_parties_identifiable"])
@pytest.mark.parametrize(
    "value",
    ["yes", "no", "true", "false", "True", 1, 0, 1.0, [True], {"value": True}],
    ids=repr,
)
def test_yes_no_rejects_anything_but_a_boolean(engine: Engine, check: Callable[..., Evaluation], field: str, value: Any) -> None:
    assert_only_problem(engine, check(**{field: value}), "type", field)


# --- choice -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["secure_email", "secure_portal", "phone", "face_to_face", "letter", "other"])
def test_choice_accepts_each_option_code(check: Callable[..., Evaluation], code: str) -> None:
    assert_no_problems(check(share_method=code))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("trigger", "bogus"),
        ("trigger", "Own_Concern"),
        ("trigger", "own_concern "),
        ("trigger", "police"),  # a code from another question's list
        ("concern_level", "Preventing or detecting crime"),  # a label, not a code
        ("sharer_agency_type", "nhs"),
        ("share_method", "fax"),
        ("urgency", "urgent"),
    ],
)
def test_choice_unknown_code_is_an_option_error(engine: Engine, check: Callable[..., Evaluation], field: str, value: str) -> None:
    evaluation = check(**{field: value})
    assert_only_problem(engine, evaluation, "option", field)


def test_choice_option_message_does_not_leak_a_list_repr(engine: Engine, check: Callable[..., Evaluation]) -> None:
    (finding,) = answer_findings(check(trigger="bogus"))
    assert "[" not in finding.message
    assert "'own_concern'" not in finding.message


@pytest.mark.parametrize("value", [3, 0, 1.5, True, False, ["own_concern"], {"code": "own_concern"}], ids=repr)
def test_choice_non_string_is_a_type_error(engine: Engine, check: Callable[..., Evaluation], value: Any) -> None:
    assert_only_problem(engine, check(trigger=value), "type", "trigger")


# --- multi --------------------------------------------------------------------------------


def test_multi_accepts_every_code_once(check: Callable[..., Evaluation]) -> None:
    every_agency = list(AGENCY_CODES)
    assert_no_problems(check(proposed_recipients=every_agency))


@pytest.mark.parametrize(
    "value",
    ["police", "police,children_social_care", 5, True, {"police": True}, {"0": "police"}],
    ids=repr,
)
def test_multi_not_a_list_is_a_type_error(engine: Engine, check: Callable[..., Evaluation], value: Any) -> None:
    assert_only_problem(engine, check(proposed_recipients=value), "type", "proposed_recipients")


@pytest.mark.parametrize("value", [["police", 3], [None], [["police"]], [True]], ids=repr)
def test_multi_with_a_non_string_item_is_a_type_error(engine: Engine, check: Callable[..., Evaluation], value: Any) -> None:
    assert_only_problem(engine, check(proposed_recipients=value), "type", "proposed_recipients")


@pytest.mark.parametrize("value", [["bogus"], ["police", "fire_service"], ["Police"]], ids=repr)
def test_multi_unknown_code_is_an_option_error(engine: Engine, check: Callable[..., Evaluation], value: list[str]) -> None:
    assert_only_problem(engine, check(proposed_recipients=value), "option", "proposed_recipients")


@pytest.mark.parametrize(
    "value",
    [["police", "police"], ["police", "children_social_care", "police"], ["child", "child"]],
    ids=repr,
)
def test_multi_duplicate_code_is_a_duplicate_error(engine: Engine, check: Callable[..., Evaluation], value: list[str]) -> None:
    field = "subject_roles" if "child" in value else "proposed_recipients"
    changes: dict[str, Any] = {field: value}
    evaluation = check(**changes)
    assert_only_problem(engine, evaluation, "duplicate", field)


def test_multi_empty_list_is_unanswered(engine: Engine, check: Callable[..., Evaluation]) -> None:
    evaluation = check(proposed_recipients=[])
    assert_only_problem(engine, evaluation, "required", "proposed_recipients")
    assert evaluation.outcome["missing"] == ["proposed_recipients"]


def test_optional_multi_empty_list_is_fine(check: Callable[..., Evaluation]) -> None:
    assert_no_problems(check(statutory_gateways=[]))


# --- text and textarea: limits in Unicode code points ---------------------------------------

TEXT_FIELDS = ["decision_maker_name", "appropriate_policy_document", "advice_from"]
TEXTAREA_FIELDS = ["purpose", "decision_reasons", "information_summary"]


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("unit", ["x", "😀", "語", "\U0001f469\u200d\U0001f467"], ids=["ascii", "emoji", "cjk", "zwj-sequence"])
def test_text_limit_is_500_code_points(engine: Engine, check: Callable[..., Evaluation], field: str, unit: str) -> None:
    at_limit = (unit * 500)[:500] if len(unit) == 1 else unit * (500 // len(unit)) + "x" * (500 % len(unit))
    assert len(at_limit) == 500
    assert_no_problems(check(**{field: at_limit}))
    assert_only_problem(engine, check(**{field: at_limit + unit[0]}), "limit", field)


@pytest.mark.parametrize("field", TEXTAREA_FIELDS)
@pytest.mark.parametrize("unit", ["x", "😀"], ids=["ascii", "emoji"])
def test_textarea_limit_is_20000_code_points(engine: Engine, check: Callable[..., Evaluation], field: str, unit: str) -> None:
    assert_no_problems(check(**{field: unit * 20_000}))
    assert_only_problem(engine, check(**{field: unit * 20_001}), "limit", field)


def test_an_emoji_counts_as_one_character(check: Callable[..., Evaluation]) -> None:
    # 500 emoji are 1,000 UTF-16 code units and 2,000 UTF-8 bytes, but 500 code points.
    assert_no_problems(check(decision_maker_name="😀" * 500))


def test_combining_characters_are_counted_as_code_points(engine: Engine, check: Callable[..., Evaluation]) -> None:
    decomposed = "e\u0301"  # "é" as two code points
    assert_no_problems(check(decision_maker_name=decomposed * 250))
    assert_only_problem(engine, check(decision_maker_name=decomposed * 250 + "e"), "limit", "decision_maker_name")


def test_limit_message_states_the_limit(check: Callable[..., Evaluation]) -> None:
    (finding,) = answer_findings(check(purpose="x" * 20_001))
    assert re.search(r"20,?000", finding.message), finding.message
    (finding,) = answer_findings(check(decision_maker_name="x" * 501))
    assert "500" in finding.message, finding.message


@pytest.mark.parametrize("field", ["decision_maker_name", "purpose"])
@pytest.mark.parametrize("value", [5, 5.5, True, ["text"], {"text": "x"}], ids=repr)
def test_text_non_string_is_a_type_error(engine: Engine, check: Callable[..., Evaluation], field: str, value: Any) -> None:
    assert_only_problem(engine, check(**{field: value}), "type", field)


@pytest.mark.parametrize("field", ["decision_maker_name", "purpose"])
@pytest.mark.parametrize("value", ["a\x00b", "\x00", "Name\x00"], ids=repr)
def test_text_with_nul_is_rejected(engine: Engine, check: Callable[..., Evaluation], field: str, value: str) -> None:
    evaluation = check(**{field: value})
    assert_only_problem(engine, evaluation, "type", field)
    # The message must not echo the NUL back.
    assert "\x00" not in answer_findings(evaluation)[0].message


def test_text_with_ordinary_unicode_is_fine(check: Callable[..., Evaluation]) -> None:
    assert_no_problems(
        check(decision_maker_name="Zoë O’Brien-Łukasiewicz — 社会福祉士 👩‍⚕️", purpose="Line one\nLine two\ttabbed")
    )


# --- integer ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [7, 7.0, 0, 17, 0.0, 17.0], ids=repr)
def test_integer_accepts_whole_numbers_in_range(check: Callable[..., Evaluation], value: float) -> None:
    assert_no_problems(check(child_age=value))


def test_integer_written_with_point_zero_means_the_same(check: Callable[..., Evaluation]) -> None:
    assert check(child_age=7.0).to_dict() == check(child_age=7).to_dict()


@pytest.mark.parametrize("value", [7.5, 0.1, True, False, "7", "seven", [7], {"years": 7}], ids=repr)
def test_integer_rejects_fractions_booleans_and_strings(engine: Engine, check: Callable[..., Evaluation], value: Any) -> None:
    assert_only_problem(engine, check(child_age=value), "type", "child_age")


@pytest.mark.parametrize("value", [18, -1, 18.0, 120, 2**64, -(2**63) - 1, 10**40, 1e20, 1e308], ids=repr)
def test_child_age_out_of_range_is_a_limit_error(engine: Engine, check: Callable[..., Evaluation], value: float) -> None:
    evaluation = check(child_age=value)
    assert_only_problem(engine, evaluation, "limit", "child_age")
    (finding,) = answer_findings(evaluation)
    assert "0" in finding.message and "17" in finding.message, finding.message


def test_child_age_with_thousands_of_digits_is_a_limit_error(engine: Engine, check: Callable[..., Evaluation]) -> None:
    # A JSON number has no size limit; the engine must report it, not raise (Python refuses str() of >4300 digits).
    evaluation = check(child_age=10**5000)
    assert_only_problem(engine, evaluation, "limit", "child_age")
    assert len(answer_findings(evaluation)[0].message) < 1_000


# --- date ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2026-11-21", "2024-02-29", "2026-12-31", "2026-01-01"])
def test_date_accepts_real_calendar_dates(check: Callable[..., Evaluation], value: str) -> None:
    assert_no_problems(check(**CONSENT_SOUGHT, consent_date=value))


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30",  # not a real date
        "2025-02-29",  # not a leap year
        "2026-13-01",
        "2026-00-10",
        "2026-11-31",
        "20261121",
        "2026-1-1",
        "2026-11-1",
        "21/11/2026",
        "2026/11/21",
        "2026-11-21T00:00:00Z",  # a datetime, not a date
        "2026-W47-6",
        "２０２６-１１-２１",  # full-width digits
        "2026-11-21\n",
        "today",
        20261121,
        True,
        ["2026-11-21"],
    ],
    ids=repr,
)
def test_date_rejects_anything_but_yyyy_mm_dd(engine: Engine, check: Callable[..., Evaluation], value: Any) -> None:
    assert_only_problem(engine, check(**CONSENT_SOUGHT, consent_date=value), "type", "consent_date")


# --- datetime -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-21T09:30:00Z",
        "2026-11-21T09:30:00+00:00",
        "2026-11-21T09:30:00+01:00",
        "2026-11-21T09:30:00-05:30",
        "2026-11-21T09:30:00.123Z",
        "2026-11-21T09:30:00.5+01:00",
    ],
)
def test_datetime_accepts_rfc3339_with_zone(check: Callable[..., Evaluation], value: str) -> None:
    assert_no_problems(check(decided_at=value))
    assert_no_problems(check(shared_at=value))


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-21T09:30:00",  # naive
        "2026-11-21T09:30:00.123",  # naive with fraction
        "2026-11-21",  # date alone
        "2026-11-21 09:30:00Z",  # space instead of T
        "2026-11-21T09:30Z",  # no seconds
        "2026-11-21T09:30:00+0100",  # offset without colon
        "2026-11-21T09:30:00+01",
        "2026-02-30T09:30:00Z",  # not a real date
        "2026-11-21T25:00:00Z",
        "2026-11-21T09:61:00Z",
        "21/11/2026 09:30",
        "2026-11-21T09:30:00Z\n",
        "now",
        1795253400,
        True,
    ],
    ids=repr,
)
def test_datetime_rejects_naive_and_malformed(engine: Engine, check: Callable[..., Evaluation], value: Any) -> None:
    assert_only_problem(engine, check(decided_at=value), "type", "decided_at")


# --- not answered: null, blank text, empty list ---------------------------------------------

UNANSWERED = [None, "", "   ", "\t\n ", []]


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    answers = dict(base)
    answers.update(changes)
    return answers


@pytest.mark.parametrize("blank", UNANSWERED, ids=repr)
@pytest.mark.parametrize(
    "field",
    ["trigger", "sharer_is_public_authority", "proposed_recipients", "purpose", "decision_maker_name", "decided_at"],
)
def test_unanswered_required_question_is_required(engine: Engine, base_answers: dict[str, Any], field: str, blank: Any) -> None:
    # Blank values are sent as-is (not removed), whatever the question's type.
    evaluation = engine.evaluate(CORE_FORM, _with(base_answers, **{field: blank}))
    assert_only_problem(engine, evaluation, "required", field)
    assert evaluation.outcome["missing"] == [field]


@pytest.mark.parametrize("blank", UNANSWERED, ids=repr)
@pytest.mark.parametrize(
    "field", ["requesting_agency", "consent_outcome", "adult_care_needs", "third_party_protection", "le_basis"]
)
def test_unanswered_hidden_question_is_fine(engine: Engine, base_answers: dict[str, Any], field: str, blank: Any) -> None:
    evaluation = engine.evaluate(CORE_FORM, _with(base_answers, **{field: blank}))
    assert_no_problems(evaluation)
    assert evaluation.outcome["missing"] == []


@pytest.mark.parametrize("blank", UNANSWERED, ids=repr)
@pytest.mark.parametrize("field", ["child_age", "statutory_gateways", "checks_confirmed"])
def test_unanswered_optional_question_is_fine(engine: Engine, base_answers: dict[str, Any], field: str, blank: Any) -> None:
    evaluation = engine.evaluate(CORE_FORM, _with(base_answers, **{field: blank}))
    assert_no_problems(evaluation)
    assert evaluation.outcome["missing"] == []


@pytest.mark.parametrize("blank", UNANSWERED, ids=repr)
def test_blank_answer_is_the_same_as_no_answer(engine: Engine, base_answers: dict[str, Any], blank: Any) -> None:
    removed = dict(base_answers)
    del removed["purpose"]
    blanked = _with(base_answers, purpose=blank)
    assert engine.evaluate(CORE_FORM, blanked).to_dict() == engine.evaluate(CORE_FORM, removed).to_dict()


# --- unknown keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["foo", "Trigger", "trigger ", "child-age", "", "early_help_episode", "consent_given_by_", "😀"],
    ids=repr,
)
@pytest.mark.parametrize("value", [True, "x", None, [], {"a": 1}], ids=repr)
def test_unknown_key_is_an_error_on_that_key(engine: Engine, base_answers: dict[str, Any], key: str, value: Any) -> None:
    evaluation = engine.evaluate(CORE_FORM, _with(base_answers, **{key: value}))
    assert_only_problem(engine, evaluation, "unknown", key)


def test_local_plugin_question_sent_while_plugin_off_is_unknown(engine: Engine, base_answers: dict[str, Any]) -> None:
    # The liverpool plugin's question, with the plugin not switched on.
    answers = _with(base_answers, concern_level="wellbeing_support", early_help_episode=True, ehat_reference="EH-1")
    evaluation = engine.evaluate(CORE_FORM, answers)
    assert sorted(answer_problems(evaluation)) == [
        ("unknown", "error", "early_help_episode"),
        ("unknown", "error", "ehat_reference"),
    ]


# --- answers that are not an object -------------------------------------------------------


@pytest.mark.parametrize("answers", [[], [{"trigger": "own_concern"}], "answers", 1, 1.5, True, None], ids=repr)
def test_answers_not_an_object_is_a_type_error_on_no_field(engine: Engine, answers: Any) -> None:
    evaluation = engine.evaluate(CORE_FORM, answers)
    assert not evaluation.valid
    whole_form = [f for f in evaluation.findings if f.field is None]
    assert [(f.rule, f.severity) for f in whole_form] == [("type", "error")]
    assert whole_form[0].plugin == "engine"
    assert_readable(whole_form[0], "object")
    # Nothing else is reported against the whole form, and everything else is just "not answered".
    assert {f.rule for f in evaluation.findings if f.field is not None} <= {"required"}


# --- all problems together ------------------------------------------------------------------


def test_all_problems_are_reported_together(engine: Engine, check: Callable[..., Evaluation], hits: Callable) -> None:
    evaluation = check(
        trigger=3,
        sharer_agency_type="hospital",
        proposed_recipients=["police", "police"],
        child_age=99,
        purpose="x" * 20_001,
        decided_at="2026-11-21 09:00",
        misspelt_question="oops",
        minimum_necessary=False,  # valid, and a national rule (ISD-8) reads it
    )
    problems = answer_problems(evaluation)
    assert sorted(problems) == sorted(
        [
            ("type", "error", "decided_at"),
            ("limit", "error", "child_age"),
            ("unknown", "error", "misspelt_question"),
            ("duplicate", "error", "proposed_recipients"),
            ("limit", "error", "purpose"),
            ("option", "error", "sharer_agency_type"),
            ("type", "error", "trigger"),
        ]
    )
    # One finding per bad field.
    fields = [f.field for f in answer_findings(evaluation)]
    assert len(fields) == len(set(fields))
    for finding in answer_findings(evaluation):
        names = finding.field if finding.rule == "unknown" else label_of(engine, finding.field)
        assert_readable(finding, names)
    # The rules still ran on the answers that are valid.
    assert hits(evaluation, "ISD-8") == [("warning", "minimum_necessary")]
    assert evaluation.outcome["review_required"] is True


def test_rules_run_on_valid_answers_but_not_on_invalid_ones(check: Callable[..., Evaluation], hits: Callable) -> None:
    # An invalid minimum_necessary is reported once, as a type error, and no rule acts on it.
    evaluation = check(minimum_necessary="no", decided_at="yesterday", share_method="letter")
    assert sorted(answer_problems(evaluation)) == [
        ("type", "error", "decided_at"),
        ("type", "error", "minimum_necessary"),
    ]
    assert hits(evaluation, "ISD-8") == []
    assert hits(evaluation, "ISD-19") == [("warning", "share_method")]


def test_findings_are_errors_and_serialise(check: Callable[..., Evaluation]) -> None:
    evaluation = check(trigger=3, foo="bar", purpose="\x00")
    for item in evaluation.to_dict()["findings"]:
        if item["rule"] in ENGINE_RULES:
            assert item["severity"] == "error"
            assert item["plugin"] == "engine"
            assert isinstance(item["field"], str)
