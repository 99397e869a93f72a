"""CEL conditions over a form's answers, compiled once when the form is loaded.

Semantics (FORMS.md, "Visibility, required-ness…"): a condition sees only answers that are
shown and valid. An unanswered question is ``null`` (an unanswered ``multi`` is ``[]``), so a
comparison or membership test on it is false. A condition that cannot be evaluated for the
values it meets (a comparison between ``null`` and a number, say) does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cel

# CEL macros that bind an iteration variable: `list.exists(x, x > 1)` references `x` locally.
_MACRO_VARIABLE = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")
CEL_RESERVED = frozenset(
    [
        "as",
        "break",
        "const",
        "continue",
        "else",
        "false",
        "for",
        "function",
        "if",
        "import",
        "in",
        "let",
        "loop",
        "package",
        "namespace",
        "null",
        "return",
        "true",
        "var",
        "void",
        "while",
    ]
)


class ConditionError(ValueError):
    """A condition does not compile; the message is one line a form author understands."""


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled CEL expression and the answer names it reads."""

    source: str
    program: Any
    references: frozenset[str]

    @classmethod
    def compile(cls, source: str) -> Condition:
        """Compile ``source``; raise ``ConditionError`` with a one-line reason if it is not CEL."""
        if not source.strip():
            raise ConditionError("empty condition")
        try:
            program = cel.compile(source)
        except (ValueError, RuntimeError, TypeError) as exc:
            raise ConditionError(_first_line(str(exc))) from None
        local = set(_MACRO_VARIABLE.findall(source))
        names = frozenset(n for n in program.references()["variables"] if n not in local)
        return cls(source=source, program=program, references=names)

    def holds(self, context: Any) -> bool:
        """Whether the condition is true for ``context`` (a ``cel.Context``); errors mean false."""
        try:
            return self.program.execute(context) is True
        except (TypeError, RuntimeError, ValueError, OverflowError):
            return False

    def evaluate_strictly(self, variables: Mapping[str, Any]) -> Any:
        """Evaluate against ``variables`` and let errors propagate (used by the linter)."""
        return self.program.execute(cel.Context(variables=dict(variables)))


def make_context(variables: Mapping[str, Any]) -> Any:
    """Build one CEL context for a batch of evaluations (built once, reused by every program)."""
    return cel.Context(variables=dict(variables))


def _first_line(message: str) -> str:
    """CEL's parser message as one line: ``column 4: Syntax error: mismatched input '<EOF>'``."""
    for line in message.splitlines():
        if "ERROR:" in line:
            detail = line.split("ERROR:", 1)[1].strip().split(" expecting {")[0]
            return re.sub(r"^<input>:\d+:(\d+):\s*", r"column \1: ", detail)
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return lines[0] if lines else "invalid CEL expression"
