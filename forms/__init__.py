"""The built-in form definitions (versioned YAML data) and the plugin that registers them.

Each form lives in ``forms/<form-id>/v<version>.yaml``; every version stays here so that
old records can be re-rendered and re-checked against the version they were made with.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

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


@hookimpl
def sharewise_forms() -> list[Traversable]:
    """The built-in forms."""
    return builtin_form_files()
