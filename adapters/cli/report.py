"""The readable report of ``sharewise check``: findings grouped by section, then the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sharewise.core.engine import Evaluation
from sharewise.core.findings import Finding
from sharewise.core.formdef import FormDefinition

MARKS = {"error": "✗ error  ", "warning": "! warning", "advice": "i advice "}


def render_evaluation(evaluation: Evaluation, form: FormDefinition) -> str:
    """The whole report as text."""
    counts = {s: len(evaluation.by_severity(s)) for s in ("error", "warning", "advice")}
    verdict = "valid" if evaluation.valid else "NOT VALID"
    lines = [
        f"{form.title} ({form.id} v{form.version}) — {verdict}: "
        f"{_count(counts['error'], 'error')}, {_count(counts['warning'], 'warning')}, {counts['advice']} advice",
    ]
    for title, findings in _grouped(evaluation.findings, form):
        lines += ["", title]
        for finding in findings:
            lines += _finding_lines(finding)
    lines += ["", "Outcome (decision support, not a decision)"] + _outcome_lines(evaluation.outcome)
    return "\n".join(lines)


def _grouped(findings: tuple[Finding, ...], form: FormDefinition) -> list[tuple[str, list[Finding]]]:
    groups: dict[str, list[Finding]] = {}
    titles: dict[str, str] = {"": "The whole form"}
    for section in form.sections:
        titles[section.id] = section.title
    for finding in findings:
        section = form.section_of(finding.field) if finding.field else None
        key = section.id if section else ("" if finding.field is None else "?")
        groups.setdefault(key, []).append(finding)
    titles["?"] = "Not on this form"
    order = ["", *(s.id for s in form.sections), "?"]
    return [(titles[key], groups[key]) for key in order if key in groups]


def _finding_lines(finding: Finding) -> list[str]:
    field = (finding.field or "-").encode("utf-8", "backslashreplace").decode("utf-8")
    lines = [f"  {MARKS[finding.severity]} {field} [{finding.rule}] {finding.message}"]
    if finding.reference:
        lines.append(f"              Reference: {finding.reference}")
    return lines


def _outcome_lines(outcome: Mapping[str, Any]) -> list[str]:
    lines = []
    flags = [
        (key.replace("_", " "), outcome[key])
        for key in ("sharing", "with_consent", "sensitive", "review_required")
        if key in outcome
    ]
    if flags:
        lines.append("  " + " · ".join(f"{name}: {'yes' if value else 'no'}" for name, value in flags))
    missing = outcome.get("missing") or []
    lines.append(f"  missing answers: {', '.join(missing) if missing else 'none'}")
    suggestions = outcome.get("suggested_conditions")
    if suggestions:
        lines.append("  suggested conditions:")
        lines += [f"    - {item}" for item in suggestions]
    retention = outcome.get("retention")
    if retention:
        lines.append(f"  retention: {retention['class']}, review on {retention['review_on']}")
    shown = {"sharing", "with_consent", "sensitive", "review_required", "missing", "suggested_conditions", "retention"}
    for key, value in outcome.items():
        if key not in shown:
            lines.append(f"  {key.replace('_', ' ')}: {value}")
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
