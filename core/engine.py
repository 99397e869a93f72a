"""The engine: answers in, findings and decision support out.

``Engine.evaluate`` runs the pipeline of DESIGN.md §1: shape and types (marshmallow),
visibility and required-ness (CEL), rules (``sharewise_validate``), outcome
(``sharewise_outcome``, ``sharewise_retention``). Every problem is reported at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from sharewise.core.answer_schema import ENGINE, check_answers
from sharewise.core.context import CheckContext, Retention
from sharewise.core.findings import SEVERITY_RANK, Finding
from sharewise.core.formdef import FormDefinition
from sharewise.core.hookcalls import call_each, implementations
from sharewise.core.plugins import BUILTIN, PluginInfo, make_plugin_manager
from sharewise.core.registry import CompiledForm, FormRegistry
from sharewise.core.visibility import Visibility


@dataclass(frozen=True)
class Evaluation:
    """The result of checking one set of answers against one form version."""

    form_id: str
    form_version: int
    findings: tuple[Finding, ...]
    outcome: Mapping[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """True when no finding is an ``error``."""
        return not any(f.severity == "error" for f in self.findings)

    def by_severity(self, severity: str) -> list[Finding]:
        """The findings of one severity, in report order."""
        return [f for f in self.findings if f.severity == severity]

    def to_dict(self) -> dict[str, Any]:
        """``{"form": {"id", "version"}, "valid", "findings", "outcome"}`` as printed by ``check --json``."""
        return {
            "form": {"id": self.form_id, "version": self.form_version},
            "valid": self.valid,
            "findings": [f.to_dict() for f in self.findings],
            "outcome": dict(self.outcome),
        }


class Engine:
    """Checks answers against forms, with its own plugin manager and compiled forms.

    ``plugins`` names the opt-in plugins to enable (``liverpool``, an installed entry point,
    or a dotted module path). ``builtins`` replaces the always-on set only when a deployment
    says so explicitly (a Welsh deployment would drop ``england``). ``extra`` registers plugin
    objects directly, by name.
    """

    def __init__(
        self,
        plugins: Sequence[str] = (),
        *,
        builtins: Sequence[str] = tuple(BUILTIN),
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.pm, self.plugins = make_plugin_manager(plugins, builtins=builtins, extra=extra)
        self.forms = FormRegistry(self.pm)
        self._validators = implementations(self.pm, "sharewise_validate")
        self._outcomes = implementations(self.pm, "sharewise_outcome")
        self._retentions = implementations(self.pm, "sharewise_retention")

    @property
    def plugin_names(self) -> tuple[str, ...]:
        """The enabled plugins, in registration order."""
        return tuple(info.name for info in self.plugins)

    def plugin_info(self) -> list[PluginInfo]:
        """The enabled plugins with their versions and hooks."""
        return list(self.plugins)

    def rules(self) -> list[dict[str, Any]]:
        """Every documented rule of the enabled plugins (those exposing ``RULE_SETS``), one row each."""
        rows: list[dict[str, Any]] = []
        for info in self.plugins:
            plugin = self.pm.get_plugin(info.name)
            for rule_set in getattr(plugin, "RULE_SETS", ()):
                rows += [{"plugin": info.name, "form": rule_set.form_id, **row} for row in rule_set.table()]
        return rows

    def form(self, form_id: str, version: int | None = None) -> FormDefinition:
        """The (extended) definition of ``form_id``; the latest version unless one is given."""
        return self.forms.get(form_id, version).definition

    def evaluate(
        self,
        form_id: str,
        answers: Any,
        *,
        version: int | None = None,
        host: Mapping[str, Any] | None = None,
        today: dt.date | None = None,
    ) -> Evaluation:
        """Check ``answers`` (a JSON object decoded to a dict) against the form; never raises on bad answers.

        Raises ``UnknownFormError`` only when the form itself is unknown.
        """
        compiled = self.forms.get(form_id, version)
        form = compiled.definition
        findings: list[Finding] = []
        if not isinstance(answers, Mapping):
            findings.append(
                Finding("type", "error", None, "The answers must be a JSON object keyed by question id.", plugin=ENGINE)
            )
            answers = {}
        answers = _string_keys(answers)
        checked = check_answers(form, compiled.schema, answers)
        visibility = compiled.plan.apply(checked.valid)
        findings += _answer_findings(form, answers, checked.answered, checked.findings, visibility)
        missing = [q for q in compiled.order if q in visibility.required and q not in checked.answered]
        context = CheckContext(
            facts=MappingProxyType(dict(visibility.facts)),
            shown=visibility.shown,
            required=visibility.required,
            host=MappingProxyType(dict(host or {})),
            today=today or dt.date.today(),
            plugins=self.plugin_names,
        )
        visible = MappingProxyType(dict(visibility.visible_answers))
        findings += self._rule_findings(form, visible, context)
        retention = self._retention(form, visible, context, findings)
        outcome = self._outcome(form, visible, findings, context)
        outcome["review_required"] = any(f.severity == "warning" for f in findings)
        outcome["missing"] = missing
        if retention is not None:
            outcome["retention"] = retention.to_dict()
        findings.sort(key=lambda f: _report_order(f, compiled))
        return Evaluation(form.id, form.version, tuple(findings), outcome)

    def shape_findings(self, form_id: str, answers: Any, *, version: int | None = None) -> list[Finding]:
        """Shape checks only (keys, types, option codes, limits) — what a draft must pass. Visibility
        and required-ness are not checked: a draft may be incomplete."""
        compiled = self.forms.get(form_id, version)
        if not isinstance(answers, Mapping):
            return [Finding("type", "error", None, "The answers must be a JSON object keyed by question id.", plugin=ENGINE)]
        checked = check_answers(compiled.definition, compiled.schema, _string_keys(answers))
        return sorted(checked.findings.values(), key=lambda f: _report_order(f, compiled))

    def _rule_findings(self, form: FormDefinition, answers: Mapping[str, Any], context: CheckContext) -> list[Finding]:
        found: list[Finding] = []
        for plugin, result, error in call_each(self._validators, form=form, answers=answers, context=context):
            if error is not None:
                found.append(_plugin_failure(plugin, "checking these answers", error))
                continue
            try:
                items = list(result or ())
                bad = [item for item in items if not isinstance(item, Finding)]
            except TypeError as exc:
                found.append(_plugin_failure(plugin, "returning its findings", exc))
                continue
            if bad:
                found.append(
                    _plugin_failure(plugin, "returning its findings", TypeError(f"returned {type(bad[0]).__name__}, not Finding"))
                )
            found.extend(
                item if item.plugin == plugin else replace(item, plugin=plugin) for item in items if isinstance(item, Finding)
            )
        return found

    def _retention(
        self, form: FormDefinition, answers: Mapping[str, Any], context: CheckContext, findings: list[Finding]
    ) -> Retention | None:
        for plugin, result, error in call_each(self._retentions, form=form, answers=answers, context=context):
            if error is not None:
                findings.append(_plugin_failure(plugin, "setting the retention period", error))
            elif isinstance(result, Retention):
                return result
            elif result is not None:
                findings.append(
                    _plugin_failure(
                        plugin, "setting the retention period", TypeError(f"returned {type(result).__name__}, not Retention")
                    )
                )
        return None

    def _outcome(
        self, form: FormDefinition, answers: Mapping[str, Any], findings: list[Finding], context: CheckContext
    ) -> dict[str, Any]:
        outcome: dict[str, Any] = {}
        snapshot = tuple(findings)
        for plugin, result, error in call_each(self._outcomes, form=form, answers=answers, findings=snapshot, context=context):
            if error is not None or (result is not None and not isinstance(result, Mapping)):
                findings.append(
                    _plugin_failure(plugin, "computing decision support", error or TypeError("did not return a mapping"))
                )
                continue
            for key, value in (result or {}).items():
                if isinstance(value, list) and isinstance(outcome.get(key), list):
                    outcome[key] = list(dict.fromkeys([*outcome[key], *value]))
                else:
                    outcome[key] = value
        return outcome


def _string_keys(answers: Mapping[Any, Any]) -> dict[str, Any]:
    return {key if isinstance(key, str) else str(key): value for key, value in answers.items()}


def _answer_findings(
    form: FormDefinition,
    answers: Mapping[str, Any],
    answered: set[str],
    shape: Mapping[str, Finding],
    visibility: Visibility,
) -> list[Finding]:
    found: list[Finding] = []
    for key in answers:
        question = form.questions.get(key)
        if question is not None and key in answered and key not in visibility.shown:
            found.append(
                Finding(
                    "hidden",
                    "error",
                    key,
                    f"Remove your answer to ‘{question.label}’: this question does not apply given your other answers.",
                    plugin=ENGINE,
                )
            )
        elif key in shape:
            found.append(shape[key])
    for question_id in visibility.required:
        if question_id not in answered:
            label = form.questions[question_id].label
            found.append(
                Finding("required", "error", question_id, f"Answer ‘{label}’: this question is required.", plugin=ENGINE)
            )
    return found


def _plugin_failure(plugin: str, doing: str, error: BaseException) -> Finding:
    return Finding(
        "plugin",
        "error",
        None,
        f"Plugin '{plugin}' failed while {doing} ({type(error).__name__}), so these answers could not be fully "
        "checked. Tell your system administrator.",
        plugin=plugin,
    )


def _report_order(finding: Finding, compiled: CompiledForm) -> tuple[int, int, str]:
    position = -1 if finding.field is None else compiled.order.get(finding.field, len(compiled.order))
    return (position, SEVERITY_RANK[finding.severity], finding.rule)
