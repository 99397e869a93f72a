"""Read form definition files (and plugin extension files) from disk or package data."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Union

from sharewise.core.errors import FormDefinitionError, LintProblem
from sharewise.core.formbuild import Fragment, build_form
from sharewise.core.formdef import FormDefinition
from sharewise.core.yamlsource import YamlSyntaxError, parse_yaml

#: What a plugin may hand over as a form or an extension: a YAML file, or the data itself.
FormSource = Union[str, "os.PathLike[str]", Traversable, dict[str, Any]]
YAML_SUFFIXES = (".yaml", ".yml")


def read_fragment(source: FormSource, plugin: str | None = None) -> Fragment:
    """Read one form definition or extension; raise ``FormDefinitionError`` if unreadable."""
    if isinstance(source, dict):
        return Fragment(data=source, source=f"<plugin {plugin}>" if plugin else "<memory>", plugin=plugin)
    name = str(source)
    try:
        text = source.read_text(encoding="utf-8") if isinstance(source, Traversable) else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise FormDefinitionError([LintProblem(name, None, "", f"cannot read the file: {reason}")]) from None
    try:
        document = parse_yaml(text)
    except YamlSyntaxError as exc:
        raise FormDefinitionError([LintProblem(name, exc.line, "", str(exc))]) from None
    return Fragment(data=document.data, source=name, document=document, plugin=plugin)


def load_form(source: FormSource, extensions: Sequence[Fragment] = (), plugin: str | None = None) -> FormDefinition:
    """Load, validate and compile one form definition with any extensions."""
    return build_form(read_fragment(source, plugin), extensions)


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named directly, and every YAML file under each directory named (sorted)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file()))
        else:
            found.append(path)
    return found


def lint_paths(paths: Iterable[str | os.PathLike[str]]) -> list[LintProblem]:
    """Every problem in every form definition file under ``paths``; empty when all are clean."""
    problems: list[LintProblem] = []
    seen: dict[tuple[str, int], str] = {}
    for path in expand_paths(paths):
        try:
            fragment = read_fragment(path)
            form = build_form(fragment)
        except FormDefinitionError as exc:
            problems.extend(exc.problems)
            continue
        if form.key in seen:
            message = f"form '{form.id}' version {form.version} is also defined in {seen[form.key]}"
            problems.append(fragment.problem(("id",), message))
        seen.setdefault(form.key, str(path))
    return problems
