"""Findings: every problem and every piece of guidance the engine reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "advice"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "advice")
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding on one question (``field``) or on the whole form (``field`` is None).

    ``rule`` is the rule id (``ISD-7``) or one of the engine's own answer checks
    (``required``, ``hidden``, ``unknown``, ``type``, ``option``, ``duplicate``, ``limit``,
    ``plugin``); ``reference`` cites the legal or guidance source; ``plugin`` names the plugin
    that raised it (``engine`` for the answer checks).
    """

    rule: str
    severity: Severity
    field: str | None
    message: str
    reference: str | None = None
    plugin: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {self.severity!r}")

    def to_dict(self) -> dict[str, Any]:
        """The finding as the JSON shape FORMS.md defines, with the raising plugin added."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "field": self.field,
            "message": self.message,
            "reference": self.reference,
            "plugin": self.plugin,
        }
