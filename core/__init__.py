"""The sharewise engine: form definitions, conditions, answer checks, findings and plugins.

``sharewise.core`` does no I/O beyond reading form definitions and imports no web framework,
no XML library and no command-line toolkit; adapters build on it.
"""

from sharewise.core.engine import Engine, Evaluation
from sharewise.core.errors import (
    FormDefinitionError,
    InvalidInput,
    PluginError,
    SharewiseError,
    UnknownFormError,
)
from sharewise.core.findings import Finding, Severity
from sharewise.core.hookspecs import hookimpl

__all__ = [
    "Engine",
    "Evaluation",
    "Finding",
    "FormDefinitionError",
    "InvalidInput",
    "PluginError",
    "Severity",
    "SharewiseError",
    "UnknownFormError",
    "hookimpl",
]
