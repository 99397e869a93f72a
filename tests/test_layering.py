"""Layering (DESIGN.md §2): the core imports no web framework, XML library or CLI toolkit;
plugins import only sharewise.core."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_CORE = ("flask", "lxml", "click", "werkzeug", "jinja2")
#: Persistence: only these parts of the core may use SQLAlchemy and Alembic.
STORAGE_MODULES = ("core/store/", "core/drafts.py", "core/retention.py", "core/hosts.py", "core/outbox.py", "core/launch.py")
CHECKING_ONLY = FORBIDDEN_IN_CORE + ("sqlalchemy", "alembic")


def test_checking_answers_loads_no_adapter_or_database_library() -> None:
    code = (
        "import sys, sharewise.core, sharewise.core.engine, sharewise.forms, sharewise.plugins.england\n"
        "from sharewise.core import Engine\n"
        "Engine().evaluate('information-sharing-decision', {})\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {CHECKING_ONLY!r}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "plugins").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_plugins_import_only_the_core(path: Path) -> None:
    parts = path.relative_to(ROOT / "plugins").parts
    own_plugin = f"sharewise.plugins.{parts[0]}" if len(parts) > 1 else "sharewise.plugins"
    outside = {
        name
        for name in _imports(path)
        if name.startswith("sharewise") and not (name.startswith("sharewise.core") or name.startswith(own_plugin))
    }
    assert outside == set()


@pytest.mark.parametrize("path", sorted((ROOT / "core").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_modules_import_no_adapter(path: Path) -> None:
    bad = {name for name in _imports(path) if name.split(".")[0] in FORBIDDEN_IN_CORE or name.startswith("sharewise.adapters")}
    assert bad == set()


@pytest.mark.parametrize("path", sorted((ROOT / "core").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_storage_modules_use_the_database_libraries(path: Path) -> None:
    relative = str(path.relative_to(ROOT))
    database = {name for name in _imports(path) if name.split(".")[0] in ("sqlalchemy", "alembic")}
    assert not database or relative.startswith(STORAGE_MODULES), f"{relative} imports {sorted(database)}"


def test_imports_always_say_sharewise() -> None:
    bare = []
    for directory in ("core", "plugins", "adapters", "forms"):
        for path in (ROOT / directory).rglob("*.py"):
            bare += [
                f"{path.relative_to(ROOT)}: {n}"
                for n in _imports(path)
                if n.split(".")[0] in ("core", "plugins", "adapters", "forms")
            ]
    assert bare == []
