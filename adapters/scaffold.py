"""``sharewise plugins new NAME``: scaffold a local policy plugin as its own distribution.

The result installs with pip (entry point group ``sharewise``), holds one example rule, and
passes its own tests as generated.
"""

from __future__ import annotations

import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from sharewise.core.errors import InvalidInput
from sharewise.core.plugins import BUILTIN, OPT_IN

NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
TEMPLATES = "scaffold_template"


def scaffold(name: str, directory: Path | None = None) -> list[Path]:
    """Write the distribution for plugin ``name`` into ``directory`` (default ``./sharewise-NAME``);
    return the files written. Raises ``InvalidInput`` for a bad name or a non-empty directory."""
    if not NAME.match(name):
        raise InvalidInput(f"plugin name '{name}' must be 2–40 lower-case letters, digits or underscores, starting with a letter")
    if name in BUILTIN or name in OPT_IN:
        raise InvalidInput(f"'{name}' is the name of a plugin shipped with sharewise; choose another")
    target = directory or Path(f"sharewise-{name}")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInput(f"{target} already exists and is not empty; choose another --dir")
    package = f"sharewise_{name}"
    values = {"name": name, "package": package, "prefix": name.upper().replace("_", "-")}
    written = []
    for template, relative in _templates(files(__package__) / TEMPLATES, ""):
        destination = target / relative.replace("package/", f"{package}/").removesuffix(".tmpl")
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(Template(template.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
        written.append(destination)
    return sorted(written)


def _templates(folder: Traversable, prefix: str) -> list[tuple[Traversable, str]]:
    found = []
    for entry in folder.iterdir():
        if entry.is_dir():
            found += _templates(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".tmpl"):
            found.append((entry, prefix + entry.name))
    return found
