"""The hooks a sharewise plugin may implement (pluggy project name ``sharewise``).

Each hook's docstring says what it receives, what it returns and how results from several
plugins combine. ``docs/plugins/hooks.md`` documents each under its exact signature; a test
keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pluggy

from sharewise.core.context import CheckContext, Retention
from sharewise.core.findings import Finding
from sharewise.core.formdef import FormDefinition

PROJECT = "sharewise"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def sharewise_forms() -> Iterable[Any]:
    """Form definitions this plugin contributes.

    Return an iterable of form sources: paths to YAML files (``str``, ``os.PathLike`` or an
    ``importlib.resources`` file) or already-parsed mappings. Results from all plugins are
    combined; two plugins defining the same form id and version is an error at start-up.
    """


@hookspec
def sharewise_extend_form(form: FormDefinition) -> Any:
    """Extra sections, questions, guidance or definitions for ``form`` (before extension).

    Return ``None`` to leave the form alone, or one extension source (a YAML path or a
    mapping) with any of the keys ``sections``, ``questions`` (section id → questions added to
    that section), ``guidance`` (question id → guidance entries), ``definitions`` and
    ``option_lists``. Every plugin's extension is applied; a question id that already exists
    is refused at start-up with a message naming the plugin.
    """


@hookspec
def sharewise_validate(form: FormDefinition, answers: Mapping[str, Any], context: CheckContext) -> Iterable[Finding] | None:
    """Findings about ``answers`` to ``form``.

    ``answers`` holds only the answers that are shown and valid; ``context`` carries the
    form's derived facts, the shown and required question ids, the host's case context and
    the date. Return an iterable of ``Finding`` (or ``None``). Findings from every plugin are
    combined: a plugin can add findings but never remove another plugin's. A plugin that
    raises is reported as an ``error`` finding naming it.
    """


@hookspec
def sharewise_outcome(
    form: FormDefinition, answers: Mapping[str, Any], findings: Sequence[Finding], context: CheckContext
) -> Mapping[str, Any] | None:
    """Decision-support items for the outcome (never a decision).

    Return a mapping of outcome keys to values, or ``None``. Mappings from every plugin are
    merged in call order: list values are concatenated without repeats, other values from a
    later plugin replace an earlier one's. The engine itself sets ``missing``,
    ``review_required`` and ``retention``.
    """


@hookspec(firstresult=True)
def sharewise_retention(form: FormDefinition, answers: Mapping[str, Any], context: CheckContext) -> Retention | None:
    """The retention class and review date for a record of these answers.

    First result wins (``firstresult``): the national default is registered ``trylast``, so
    any local plugin returning a ``Retention`` replaces it; return ``None`` to defer.
    """
