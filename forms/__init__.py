"""The built-in form definitions (versioned YAML data) and the plugin that registers them.

Each form lives in ``forms/<form-id>/v<version>.yaml``; every version stays here so that
old records can be re-rendered and re-checked against the version they were made with.
Worked example answers live beside them in ``forms/<form-id>/examples/*.json``.
"""

from __future__ import annotations

import json
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from sharewise.core.hookspecs import hookimpl


def builtin_form_files() -> list[Traversable]:
    """Every built-in form definition file, sorted by form id and version."""
    root = files(__name__)
    found = [
        version_file
        for form_dir in root.iterdir()
        if form_dir.is_dir() and not form_dir.name.startswith(("_", "."))
        for version_file in form_dir.iterdir()
        if version_file.name.startswith("v") and version_file.name.endswith(".yaml")
    ]
    return sorted(found, key=str)


def example_names(form_id: str) -> list[str]:
    """The names of the example answer sets shipped for ``form_id`` (sorted; empty if none)."""
    folder = files(__name__) / form_id / "examples"
    if not folder.is_dir():
        return []
    return sorted(entry.name.removesuffix(".json") for entry in folder.iterdir() if entry.name.endswith(".json"))


def example_answers(form_id: str, name: str) -> dict[str, Any]:
    """A shipped example answer set, such as ``example_answers("information-sharing-decision",
    "gp-shares-child-at-risk")`` (a complete, valid decision)."""
    path = files(__name__) / form_id / "examples" / f"{name}.json"
    answers: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return answers


@hookimpl
def sharewise_forms() -> list[Traversable]:
    """The built-in forms."""
    return builtin_form_files()
