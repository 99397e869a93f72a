"""Write policy rules as small functions; a ``RuleSet`` runs them and documents them.

A rule declares its id, severity, the field its finding is on and its legal reference; its
function receives the shown, valid answers and the ``CheckContext`` and returns what it
found: ``None``/``False`` (nothing), a message (one finding on the declared field), or
``Hit``s when the field depends on the answers. Example::

    rules = RuleSet("information-sharing-decision", plugin="mylocal")

    @rules.rule("LOC-1", "warning", field="decision", reference="Local policy 4.2")
    def local_1(answers, context):
        if context.fact("sharing") and answers.get("share_method") == "phone":
            return "Follow a phone disclosure up in writing within one working day."
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from sharewise.core.context import CheckContext
from sharewise.core.findings import SEVERITY_RANK, Finding, Severity
from sharewise.core.formdef import FormDefinition


class Hit(NamedTuple):
    """A finding on a field chosen by the rule: ``Hit("law_enforcement_condition", "…")``."""

    field: str | None
    message: str


RuleResult = None | bool | str | Hit | Iterable[Hit]
RuleFunction = Callable[[Mapping[str, Any], CheckContext], RuleResult]


@dataclass(frozen=True)
class Rule:
    """One documented rule."""

    id: str
    severity: Severity
    field: str | None
    reference: str
    check: RuleFunction
    summary: str

    def findings(self, answers: Mapping[str, Any], context: CheckContext, plugin: str) -> list[Finding]:
        """Run the rule; turn what it returns into findings."""
        result = self.check(answers, context)
        if result is None or result is False:
            return []
        if isinstance(result, str):
            return [Finding(self.id, self.severity, self.field, result, self.reference, plugin)]
        hits = [result] if isinstance(result, Hit) else list(result)  # type: ignore[arg-type]
        return [Finding(self.id, self.severity, hit.field, hit.message, self.reference, plugin) for hit in hits]


class RuleSet:
    """The rules one plugin applies to one form."""

    def __init__(self, form_id: str, plugin: str) -> None:
        self.form_id = form_id
        self.plugin = plugin
        self.rules: list[Rule] = []

    def rule(
        self, rule_id: str, severity: Severity, *, field: str | None, reference: str
    ) -> Callable[[RuleFunction], RuleFunction]:
        """Register the decorated function as rule ``rule_id``; its docstring's first line is its summary."""
        if severity not in SEVERITY_RANK:
            raise ValueError(f"rule {rule_id}: severity must be error, warning or advice, not {severity!r}")
        if any(r.id == rule_id for r in self.rules):
            raise ValueError(f"rule {rule_id} is defined twice")

        def register(function: RuleFunction) -> RuleFunction:
            summary = (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""
            self.rules.append(Rule(rule_id, severity, field, reference, function, summary))
            return function

        return register

    def run(self, form: FormDefinition, answers: Mapping[str, Any], context: CheckContext) -> list[Finding]:
        """All findings of these rules for ``answers``; nothing for another form."""
        if form.id != self.form_id:
            return []
        found: list[Finding] = []
        for rule in self.rules:
            try:
                found.extend(rule.findings(answers, context, self.plugin))
            except Exception as exc:  # contain a faulty rule: report it, never pass silently
                found.append(
                    Finding(
                        rule.id,
                        "error",
                        None,
                        f"Rule {rule.id} of plugin '{self.plugin}' failed ({type(exc).__name__}), so these answers "
                        "could not be fully checked. Tell your system administrator.",
                        rule.reference,
                        self.plugin,
                    )
                )
        return found

    def table(self) -> list[dict[str, str | None]]:
        """One row per rule (id, severity, field, reference, summary) for the documentation."""
        return [
            {"rule": r.id, "severity": r.severity, "field": r.field, "reference": r.reference, "summary": r.summary}
            for r in self.rules
        ]
