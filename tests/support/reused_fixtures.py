"""Fixtures of one test folder reused by another: the folder's conftest.py loaded once from its file
(never copied), and the chosen fixtures handed to the reusing conftest, which puts them in its namespace
(pytest registers the fixtures it finds there)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

TESTS = Path(__file__).resolve().parents[1]


def conftest_of(directory: str) -> ModuleType:
    """``tests/<directory>/conftest.py`` as a module, loaded once per test session."""
    name = f"sharewise_tests_{directory}_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TESTS / directory / "conftest.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def fixtures_of(directory: str, *names: str) -> dict[str, Any]:
    """The fixtures ``names`` of ``tests/<directory>/conftest.py``, for ``globals().update(...)``."""
    module = conftest_of(directory)
    return {name: getattr(module, name) for name in names}
