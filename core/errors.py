"""Typed exceptions: callers catch ``SharewiseError`` or the specific kind they handle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class SharewiseError(Exception):
    """Base class of every error sharewise raises on purpose."""


class InvalidInput(SharewiseError, ValueError):
    """Input from outside (a file, a request) cannot be read as what it should be."""


class UnknownFormError(SharewiseError, LookupError):
    """No form with the requested id (or version) is registered."""


class PluginError(SharewiseError):
    """A plugin cannot be found, loaded or combined with the others."""


@dataclass(frozen=True, slots=True)
class LintProblem:
    """One problem in a form definition, located by file, line and path."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{place}: {self.path}: {self.message}" if self.path else f"{place}: {self.message}"


class FormDefinitionError(SharewiseError):
    """A form definition (or a plugin's extension of one) has problems; all are listed."""

    def __init__(self, problems: Sequence[LintProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
