"""Each hook end to end through ``Engine.evaluate`` / ``Engine.form`` (one ``test_hook_<name>`` per hook),
and containment: a plugin that fails is reported as an error finding, never a crash or a silent pass."""

from __future__ import annotations

import datetime as dt
import textwrap
import types
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from sharewise.core import Engine, Evaluation, Finding, UnknownFormError, hookimpl
from sharewise.core.context import CheckContext, Retention
from sharewise.core.formdef import FormDefinition
from sharewise.core.rules import Hit, RuleSet

CORE = "information-sharing-decision"
NATIONAL_RETENTION = {"class": "safeguarding-decision", "review_on": "2044-11-21"}  # decided 2026-11-21, child aged 7


def as_plugin(*functions: Callable[..., Any], module: str = "tests_local_plugin") -> types.ModuleType:
    """A module-like plugin object holding the given hook implementations."""
    plugin = types.ModuleType(module)
    for function in functions:
        setattr(plugin, function.__name__, function)
    return plugin


def plugin_failures(evaluation: Evaluation) -> list[Finding]:
    return [f for f in evaluation.findings if f.rule == "plugin"]


def fields_of(evaluation: Evaluation, rule: str) -> list[str | None]:
    return [f.field for f in evaluation.findings if f.rule == rule]


# ---------------------------------------------------------------- sharewise_forms


VISIT_FORM: dict[str, Any] = {
    "id": "local-visit",
    "version": 1,
    "title": "Home visit",
    "sections": [
        {
            "id": "visit",
            "title": "The visit",
            "questions": [
                {"id": "visited", "type": "yes_no", "label": "Did you visit?", "required": True},
                {"id": "visit_notes", "type": "textarea", "label": "Notes", "show_if": "visited == true", "required": True},
            ],
        }
    ],
}

REFERRAL_YAML = """\
id: local-referral
version: {version}
title: Referral
sections:
  - id: referral
    title: Referral
    questions:
      - id: referred_to
        type: choice
        label: Referred to
        required: true
        options:
          - {{code: "yes", label: "Early help"}}
          - {{code: social_care, label: "Social care"}}
"""


def test_hook_sharewise_forms(tmp_path: Path) -> None:
    files = []
    for version in (1, 2):
        path = tmp_path / f"v{version}.yaml"
        path.write_text(REFERRAL_YAML.format(version=version), encoding="utf-8")
        files.append(path)

    @hookimpl
    def sharewise_forms() -> list[Any]:
        return [VISIT_FORM, str(files[0]), files[1]]

    engine = Engine(builtins=("forms",), extra={"local": as_plugin(sharewise_forms)})

    assert engine.forms.ids() == [CORE, "local-referral", "local-visit"]
    assert engine.form("local-referral").version == 2  # the latest by default
    assert engine.form("local-referral", 1).source == str(files[0])
    assert engine.form("local-visit").source == "<plugin local>"
    assert engine.form("local-referral").questions["referred_to"].codes == {"yes", "social_care"}

    assert fields_of(engine.evaluate("local-visit", {}), "required") == ["visited"]
    assert engine.evaluate("local-visit", {"visited": True, "visit_notes": "All well."}).valid
    hidden = engine.evaluate("local-visit", {"visited": False, "visit_notes": "Not seen."})
    assert fields_of(hidden, "hidden") == ["visit_notes"]
    assert engine.evaluate("local-referral", {"referred_to": "yes"}, version=1).valid
    assert fields_of(engine.evaluate("local-referral", {"referred_to": True}), "type") == ["referred_to"]

    # Only while the plugin is on.
    with pytest.raises(UnknownFormError, match="local-visit"):
        Engine(builtins=("forms",)).form("local-visit")


# ---------------------------------------------------------------- sharewise_extend_form


def local_extension() -> tuple[types.ModuleType, list[FormDefinition]]:
    seen: list[FormDefinition] = []

    @hookimpl
    def sharewise_extend_form(form: FormDefinition) -> dict[str, Any] | None:
        seen.append(form)
        if form.id != CORE:
            return None
        return {
            "sections": [
                {
                    "id": "local_checks",
                    "title": "Local checks",
                    "show_if": "sharing",
                    "questions": [{"id": "local_ref", "type": "text", "label": "Local case reference", "required": True}],
                }
            ],
            "questions": {
                "decision": [
                    {"id": "local_manager_told", "type": "yes_no", "label": "Did you tell your manager?", "show_if": "sharing"}
                ]
            },
            "guidance": {"purpose": [{"text": "Local policy: name the meeting.", "reference": "Local policy 4.2"}]},
        }

    return as_plugin(sharewise_extend_form), seen


def test_hook_sharewise_extend_form(engine: Engine, base_answers: dict[str, Any]) -> None:
    plugin, seen = local_extension()
    local = Engine(extra={"local": plugin})

    form = local.form(CORE)
    assert form.extended_by == ("local",)
    assert form.sections[-1].id == "local_checks"
    assert form.sections[-1].plugin == "local"
    assert form.sections[-1].show_if is not None and form.sections[-1].show_if.source == "sharing"
    assert form.questions["local_manager_told"].section == "decision"
    assert form.questions["local_manager_told"].plugin == "local"
    assert [g.reference for g in form.questions["purpose"].guidance][-1] == "Local policy 4.2"
    # The hook sees the form as defined, before any extension.
    assert CORE in {f.id for f in seen}
    assert all("local_ref" not in f.questions for f in seen)
    # The built-in form itself is untouched.
    assert "local_ref" not in engine.form(CORE).questions

    # Shown under its condition, and required there.
    missing = local.evaluate(CORE, base_answers)
    assert fields_of(missing, "required") == ["local_ref"]
    assert missing.outcome["missing"] == ["local_ref"]
    assert local.evaluate(CORE, {**base_answers, "local_ref": "LCC-123", "local_manager_told": True}).valid

    # Hidden when not sharing: an answer to it is an error, not silently dropped.
    not_sharing = {
        key: value
        for key, value in base_answers.items()
        if key not in ("article8_justification", "shared_information", "shared_with", "share_method", "shared_at")
    }
    hidden = local.evaluate(CORE, {**not_sharing, "decision": "do_not_share", "local_ref": "LCC-123"})
    assert "local_ref" in fields_of(hidden, "hidden")

    # With the plugin off, its questions are unknown keys.
    off = engine.evaluate(CORE, {**base_answers, "local_ref": "LCC-123"})
    assert fields_of(off, "unknown") == ["local_ref"]
    assert not off.valid


# ---------------------------------------------------------------- sharewise_validate


def test_hook_sharewise_validate(engine: Engine, base_answers: dict[str, Any]) -> None:
    calls: list[tuple[FormDefinition, Mapping[str, Any], CheckContext]] = []

    @hookimpl
    def sharewise_validate(form: FormDefinition, answers: Mapping[str, Any], context: CheckContext) -> list[Finding]:
        calls.append((form, answers, context))
        if form.id == CORE and context.fact("sharing") and answers.get("share_method") == "secure_email":
            return [Finding("LOC-1", "warning", "share_method", "Copy the email to the case file.", "Local policy 4.2")]
        return []

    local = Engine(extra={"local": as_plugin(sharewise_validate)})
    evaluation = local.evaluate(CORE, {**base_answers, "consent_outcome": "given"}, host={"case": "C-1"})

    (form, answers, context), *_ = calls
    assert form.id == CORE
    assert "consent_outcome" not in answers  # hidden (consent was not sought): plugins see shown answers only
    assert answers["decision"] == "share"
    assert context.fact("sharing") and context.host == {"case": "C-1"}
    assert "local" in context.plugins and "share_method" in context.shown

    local_findings = [f for f in evaluation.findings if f.rule == "LOC-1"]
    assert [f.to_dict() for f in local_findings] == [
        {
            "rule": "LOC-1",
            "severity": "warning",
            "field": "share_method",
            "message": "Copy the email to the case file.",
            "reference": "Local policy 4.2",
            "plugin": "local",  # filled in by the engine: the plugin that raised it
        }
    ]
    assert evaluation.outcome["review_required"] is True

    # Aggregated: a local plugin adds findings, the national ones stay.
    with_national = local.evaluate(CORE, {**base_answers, "art6_basis": "consent"})
    assert {(f.rule, f.plugin) for f in with_national.findings} >= {("ISD-1", "england"), ("LOC-1", "local")}
    assert [f.rule for f in engine.evaluate(CORE, {**base_answers, "art6_basis": "consent"}).findings].count("LOC-1") == 0


# ---------------------------------------------------------------- sharewise_outcome


def test_hook_sharewise_outcome(base_answers: dict[str, Any]) -> None:
    seen: list[Sequence[Finding]] = []

    @hookimpl(tryfirst=True)
    def sharewise_outcome(form: FormDefinition, answers: Mapping[str, Any], findings: Sequence[Finding]) -> dict[str, Any]:
        seen.append(findings)
        return {
            "suggested_conditions": ["Local A", "UK GDPR Art 6(1)(e) public task"],
            "local_note": "from first",
            "local_flags": ["a"],
            "missing": ["not for plugins"],
        }

    first = as_plugin(sharewise_outcome)

    @hookimpl(trylast=True)  # type: ignore[no-redef]
    def sharewise_outcome(form: FormDefinition, answers: Mapping[str, Any], findings: Sequence[Finding], context: CheckContext):
        return {"suggested_conditions": ["Local B", "Local A"], "local_note": "from last", "local_flags": ["a", "b"]}

    last = as_plugin(sharewise_outcome)

    @hookimpl  # type: ignore[no-redef]
    def sharewise_outcome(form: FormDefinition) -> None:
        return None  # nothing to add

    quiet = as_plugin(sharewise_outcome)

    engine = Engine(extra={"last": last, "first": first, "quiet": quiet})
    outcome = engine.evaluate(CORE, base_answers).outcome

    # Lists are concatenated in call order (tryfirst, the national plugin, trylast) without repeats.
    assert outcome["suggested_conditions"] == [
        "Local A",
        "UK GDPR Art 6(1)(e) public task",
        "UK GDPR Art 9(2)(g) with DPA 2018 Sch 1 para 18",
        "UK GDPR Art 9(2)(h) with DPA 2018 Sch 1 para 2",
        "Local B",
    ]
    assert outcome["local_flags"] == ["a", "b"]
    # Other values: the later plugin replaces the earlier one's.
    assert outcome["local_note"] == "from last"
    # The national plugin's keys are still there; the engine's own keys are the engine's.
    assert outcome["sharing"] is True and outcome["with_consent"] is False
    assert outcome["missing"] == []
    assert outcome["review_required"] is False
    assert outcome["retention"] == NATIONAL_RETENTION
    # The hook is given the findings so far (a read-only sequence).
    assert seen and isinstance(seen[0], tuple)


# ---------------------------------------------------------------- sharewise_retention


def test_hook_sharewise_retention(engine: Engine, base_answers: dict[str, Any]) -> None:
    asked: list[Mapping[str, Any]] = []

    @hookimpl
    def sharewise_retention(form: FormDefinition, answers: Mapping[str, Any], context: CheckContext) -> Retention | None:
        asked.append(answers)
        if answers.get("sharer_agency_type") == "health_gp":
            return Retention("local-gp", dt.date(2031, 3, 1))
        return None  # defer to the next implementation (the national default, trylast)

    local = Engine(extra={"local": as_plugin(sharewise_retention)})

    assert engine.evaluate(CORE, base_answers).outcome["retention"] == NATIONAL_RETENTION
    assert local.evaluate(CORE, base_answers).outcome["retention"] == {"class": "local-gp", "review_on": "2031-03-01"}
    deferred = local.evaluate(CORE, {**base_answers, "sharer_agency_type": "police"})
    assert deferred.outcome["retention"] == NATIONAL_RETENTION
    assert asked[0]["decided_at"] == base_answers["decided_at"]

    # Without the national plugin and without a local one there is no retention to report.
    assert "retention" not in Engine(builtins=("forms",)).evaluate(CORE, base_answers).outcome


# ---------------------------------------------------------------- containment


def test_validate_hook_that_raises_is_an_error_finding(base_answers: dict[str, Any]) -> None:
    @hookimpl
    def sharewise_validate(form: FormDefinition, answers: Mapping[str, Any]) -> list[Finding]:
        raise RuntimeError("lookup failed for Jane Example")

    broken = as_plugin(sharewise_validate)

    @hookimpl  # type: ignore[no-redef]
    def sharewise_validate(form: FormDefinition) -> list[Finding]:
        return [Finding("LOC-2", "advice", "purpose", "Say which meeting.")]

    working = as_plugin(sharewise_validate)

    engine = Engine(extra={"broken_checks": broken, "working": working})
    evaluation = engine.evaluate(CORE, {**base_answers, "art6_basis": "consent"})

    (failure,) = plugin_failures(evaluation)
    assert failure.severity == "error"
    assert failure.plugin == "broken_checks"
    assert failure.field is None
    assert "'broken_checks'" in failure.message
    assert "Jane Example" not in failure.message  # the exception text may hold personal data
    assert not evaluation.valid
    # Everything else still ran: the other plugin, the national rules and the engine's checks.
    rules = {(f.rule, f.plugin) for f in evaluation.findings}
    assert {("LOC-2", "working"), ("ISD-1", "england")} <= rules
    assert evaluation.outcome["retention"] == NATIONAL_RETENTION


@pytest.mark.parametrize(
    "result",
    [
        ["not a finding"],
        [Finding("LOC-3", "advice", None, "Kept."), {"rule": "LOC-4"}],
        42,
        "LOC-5",
    ],
    ids=["string-in-list", "dict-in-list", "not-iterable", "bare-string"],
)
def test_validate_hook_returning_something_else_is_an_error_finding(base_answers: dict[str, Any], result: Any) -> None:
    @hookimpl
    def sharewise_validate() -> Any:
        return result

    evaluation = Engine(extra={"sloppy": as_plugin(sharewise_validate)}).evaluate(CORE, base_answers)
    (failure,) = plugin_failures(evaluation)
    assert (failure.severity, failure.plugin) == ("error", "sloppy")
    assert "'sloppy'" in failure.message
    assert not evaluation.valid
    # Proper findings returned alongside are kept.
    if isinstance(result, list) and isinstance(result[0], Finding):
        assert ("LOC-3", "sloppy") in {(f.rule, f.plugin) for f in evaluation.findings}


def test_rule_set_rule_that_raises_is_an_error_finding_naming_plugin_and_rule(base_answers: dict[str, Any]) -> None:
    rules = RuleSet(CORE, plugin="acme")

    @rules.rule("ACME-1", "warning", field="purpose", reference="Acme policy 1")
    def acme_1(answers: Mapping[str, Any], context: CheckContext) -> str | None:
        return answers["no_such_question"]  # KeyError

    @rules.rule("ACME-2", "advice", field=None, reference="Acme policy 2")
    def acme_2(answers: Mapping[str, Any], context: CheckContext) -> Hit:
        return Hit("decision", "Tell the duty manager.")

    @hookimpl
    def sharewise_validate(form: FormDefinition, answers: Mapping[str, Any], context: CheckContext) -> list[Finding]:
        return rules.run(form, answers, context)

    evaluation = Engine(extra={"acme": as_plugin(sharewise_validate)}).evaluate(CORE, base_answers)
    (failure,) = [f for f in evaluation.findings if f.rule == "ACME-1"]
    assert failure.severity == "error"
    assert failure.plugin == "acme"
    assert "ACME-1" in failure.message and "'acme'" in failure.message
    assert failure.reference == "Acme policy 1"
    assert not evaluation.valid
    # The next rule of the same set still ran.
    assert [(f.severity, f.field) for f in evaluation.findings if f.rule == "ACME-2"] == [("advice", "decision")]


def test_outcome_hook_that_raises_is_an_error_finding(base_answers: dict[str, Any]) -> None:
    @hookimpl
    def sharewise_outcome() -> dict[str, Any]:
        raise ValueError("boom")

    broken = as_plugin(sharewise_outcome)

    @hookimpl  # type: ignore[no-redef]
    def sharewise_outcome() -> Any:
        return ["not", "a", "mapping"]

    wrong_type = as_plugin(sharewise_outcome)

    evaluation = Engine(extra={"broken": broken, "wrong_type": wrong_type}).evaluate(CORE, base_answers)
    assert sorted((f.plugin, f.severity) for f in plugin_failures(evaluation)) == [("broken", "error"), ("wrong_type", "error")]
    assert not evaluation.valid
    # The national decision support is still there.
    assert "UK GDPR Art 6(1)(e) public task" in evaluation.outcome["suggested_conditions"]


@pytest.mark.parametrize("behaviour", ["raises", "wrong-type"])
def test_retention_hook_failure_falls_back_to_the_national_default(base_answers: dict[str, Any], behaviour: str) -> None:
    @hookimpl
    def sharewise_retention() -> Any:
        if behaviour == "raises":
            raise LookupError("no retention schedule configured")
        return {"class": "local", "review_on": "2030-01-01"}

    evaluation = Engine(extra={"local_retention": as_plugin(sharewise_retention)}).evaluate(CORE, base_answers)
    (failure,) = plugin_failures(evaluation)
    assert (failure.severity, failure.plugin) == ("error", "local_retention")
    assert "'local_retention'" in failure.message
    assert not evaluation.valid
    assert evaluation.outcome["retention"] == NATIONAL_RETENTION


def test_plugin_that_always_fails_does_not_stop_answer_checks(base_answers: dict[str, Any]) -> None:
    def fail(*args: Any) -> Any:
        raise RuntimeError("down")

    plugin = types.SimpleNamespace(
        sharewise_validate=hookimpl(lambda form: fail()),
        sharewise_outcome=hookimpl(lambda form: fail()),
        sharewise_retention=hookimpl(lambda form: fail()),
    )
    answers = {**base_answers, "child_age": "seven", "unknown_key": 1}
    evaluation = Engine(extra={"down": plugin}).evaluate(CORE, answers)
    assert [f.plugin for f in plugin_failures(evaluation)] == ["down", "down", "down"]
    assert fields_of(evaluation, "type") == ["child_age"]
    assert fields_of(evaluation, "unknown") == ["unknown_key"]


def test_extension_yaml_file_is_read_with_lines(tmp_path: Path, base_answers: dict[str, Any]) -> None:
    extension = tmp_path / "local-extension.yaml"
    extension.write_text(
        textwrap.dedent(
            """\
            sections:
              - id: local_checks
                title: Local checks
                show_if: "concern_level == 'wellbeing_support'"
                questions:
                  - {id: early_help_episode, type: yes_no, label: "Early Help episode?", required: true}
            """
        ),
        encoding="utf-8",
    )

    @hookimpl
    def sharewise_extend_form(form: FormDefinition) -> Path | None:
        return extension if form.id == CORE else None

    engine = Engine(extra={"local": as_plugin(sharewise_extend_form)})
    assert engine.form(CORE).questions["early_help_episode"].plugin == "local"
    assert engine.evaluate(CORE, base_answers).valid  # concern is significant harm: section hidden
    wellbeing = engine.evaluate(CORE, {**base_answers, "concern_level": "wellbeing_support"})
    assert "early_help_episode" in fields_of(wellbeing, "required")
