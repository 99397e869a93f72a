"""Reading and asserting findings of an evaluation, shared by the rule tests.

The national (England) rules all report with plugin ``england``; the helpers here check a finding's
severity, field, plugin, message and reference the same way in every rule test.
"""

from __future__ import annotations

from sharewise.core import Evaluation, Finding


def triples(evaluation: Evaluation) -> list[tuple[str, str, str | None]]:
    """``(rule, severity, field)`` of every finding, sorted."""
    return sorted((f.rule, f.severity, f.field) for f in evaluation.findings)


def rule_ids(evaluation: Evaluation) -> set[str]:
    """The rules that fired (each once, however many findings it gave)."""
    return {f.rule for f in evaluation.findings}


def only(evaluation: Evaluation, rule: str) -> Finding:
    """The single finding of ``rule``; fails, listing every finding, when there is not exactly one."""
    found = [f for f in evaluation.findings if f.rule == rule]
    assert len(found) == 1, [f.to_dict() for f in evaluation.findings]
    return found[0]


def assert_clean_base(evaluation: Evaluation, form_id: str) -> None:
    """A form's valid base answers: ``form_id`` version 1, valid, with no findings, nothing missing and
    no review required."""
    assert evaluation.form_id == form_id
    assert evaluation.form_version == 1
    assert evaluation.valid
    assert evaluation.findings == ()
    assert evaluation.outcome["missing"] == []
    assert evaluation.outcome["review_required"] is False


def _assert_national(finding: Finding, severity: str, field: str, reference_parts: tuple[str, ...], *, reference: bool) -> None:
    """``finding`` is a national rule's ``severity`` on ``field`` with a message, and its reference
    holds each of ``reference_parts`` (and, when ``reference`` is true, is not empty)."""
    assert finding.severity == severity
    assert finding.field == field
    assert finding.plugin == "england"
    assert finding.message.strip()
    if reference:
        assert finding.reference
    for part in reference_parts:
        assert part in finding.reference, finding.reference


def assert_rule_finding(finding: Finding, severity: str, field: str, *reference_parts: str) -> None:
    """A scheme-form rule's finding: ``severity`` on ``field`` from ``england``, with a message and a
    reference naming each of ``reference_parts``."""
    _assert_national(finding, severity, field, reference_parts, reference=True)


def assert_finding(evaluation: Evaluation, rule: str, severity: str, field: str, *reference_parts: str) -> Finding:
    """The one finding of core-form rule ``rule`` is ``severity`` on ``field`` from ``england``, with a
    message and each of ``reference_parts`` in its reference; returns it for further checks."""
    finding = only(evaluation, rule)
    _assert_national(finding, severity, field, reference_parts, reference=False)
    return finding
