"""Fixtures for the command-line tests: run ``sharewise`` in-process or as the real console script,
write answer files, and write tiny plugin modules importable by a dotted path."""

from __future__ import annotations

import io
import json
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_runs import SCRIPT, Result, assert_one_line_error, run_main, run_script

from sharewise.adapters.cli import options as cli_options
from sharewise.core import Engine

ENV_VARIABLES = ("SHAREWISE_PLUGINS", "SHAREWISE_DEBUG")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees plugins or debug mode switched on by the surrounding shell."""
    for name in ENV_VARIABLES:
        monkeypatch.delenv(name, raising=False)


#: Engines built by in-process runs, by the plugin names the command line asked for.
_ENGINES: dict[tuple[str, ...], Engine] = {}


def _cached_engine(plugins: Any = (), **options: Any) -> Engine:
    """``Engine(plugins)``, built once per distinct list of plugin names (building one compiles every form).

    The command's own work — reading SHAREWISE_PLUGINS and ``--plugin``, resolving the names —
    still runs each time; plugin modules written by a test have unique names, so no test sees
    another's engine. Failures (unknown plugins) are never cached.
    """
    if options:
        return Engine(plugins, **options)
    key = tuple(plugins)
    if key not in _ENGINES:
        _ENGINES[key] = Engine(key)
    return _ENGINES[key]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``cli("check", FORM, path, stdin=b"...")``: call ``main`` in-process and capture its exit code and output."""
    monkeypatch.setattr(cli_options, "Engine", _cached_engine, raising=False)

    def run(*args: str | Path, stdin: bytes | None = None) -> Result:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        return run_main(capsys, *args)

    return run


@pytest.fixture
def script() -> Callable[..., Result]:
    """``script("check", FORM, path, stdin=..., env=..., pythonpath=...)``: run the installed console script."""
    assert SCRIPT.exists(), f"the console script should be installed next to the interpreter at {SCRIPT}"

    def run(
        *args: str | Path,
        stdin: bytes | None = None,
        env: dict[str, str] | None = None,
        pythonpath: Path | None = None,
    ) -> Result:
        return run_script(*args, cleared=ENV_VARIABLES, stdin=stdin, env=env, pythonpath=pythonpath)

    return run


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[..., Path]:
    """``write_json(data, name="answers.json")``: write ``data`` as JSON in tmp_path and return the path."""

    def write(data: Any, name: str = "answers.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return path

    return write


#: A plugin with one warning on a question and one whole-form advice; ``__version__`` is reported.
FINDINGS_PLUGIN = """
from sharewise.core import Finding, hookimpl

__version__ = "9.8.7"


@hookimpl
def sharewise_validate(form, answers, context):
    if form.id != "information-sharing-decision":
        return None
    return [
        Finding("TST-W", "warning", "decision_reasons", "Test plugin warning on the reasons.", "Test reference W"),
        Finding("TST-A", "advice", None, "Test plugin advice on the whole form."),
    ]
"""

#: A plugin raising an error finding when the purpose mentions TEST-ERROR.
ERROR_PLUGIN = """
from sharewise.core import Finding, hookimpl


@hookimpl
def sharewise_validate(form, answers, context):
    if "TEST-ERROR" in str(answers.get("purpose", "")):
        return [Finding("TST-E", "error", "purpose", "Test plugin error on the purpose.", "Test reference E")]
    return []
"""

#: A plugin adding a section with one optional question to the core form.
EXTENSION_PLUGIN = """
from sharewise.core import hookimpl


@hookimpl
def sharewise_extend_form(form):
    if form.id != "information-sharing-decision":
        return None
    return {
        "sections": [
            {
                "id": "local_extra",
                "title": "Local extra questions for testing",
                "questions": [{"id": "local_reference", "type": "text", "label": "Local case reference"}],
            }
        ]
    }
"""


@dataclass(frozen=True)
class PluginPackage:
    """Where a written plugin lives: its directory (for PYTHONPATH) and its dotted name."""

    root: Path
    name: str


@pytest.fixture
def make_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], PluginPackage]]:
    """``make_plugin(source)``: write a package with a module ``plug`` holding ``source``; return its dotted name.

    The package name is unique per call, its root is on ``sys.path`` for in-process runs (and is
    given as PYTHONPATH for subprocess runs), and its modules are forgotten after the test.
    """
    root = tmp_path / "plugins"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    packages: list[str] = []

    def make(source: str) -> PluginPackage:
        package = f"swcli_test_{uuid.uuid4().hex[:12]}"
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("", encoding="utf-8")
        (root / package / "plug.py").write_text(textwrap.dedent(source), encoding="utf-8")
        packages.append(package)
        return PluginPackage(root, f"{package}.plug")

    yield make
    for module in [m for m in sys.modules if m.split(".")[0] in packages]:
        del sys.modules[module]


@pytest.fixture
def findings_plugin(make_plugin: Callable[[str], PluginPackage]) -> PluginPackage:
    """A plugin with a warning on ``decision_reasons`` (TST-W) and a whole-form advice (TST-A)."""
    return make_plugin(FINDINGS_PLUGIN)


@pytest.fixture
def error_plugin(make_plugin: Callable[[str], PluginPackage]) -> PluginPackage:
    """A plugin with an error on ``purpose`` (TST-E) when the purpose mentions TEST-ERROR."""
    return make_plugin(ERROR_PLUGIN)


@pytest.fixture
def extension_plugin(make_plugin: Callable[[str], PluginPackage]) -> PluginPackage:
    """A plugin adding section ``local_extra`` with optional question ``local_reference``."""
    return make_plugin(EXTENSION_PLUGIN)


@pytest.fixture
def one_line_error() -> Callable[..., None]:
    """``one_line_error(result, "text", ...)``: exit 2, empty stdout, one stderr line holding each text, no traceback."""
    return assert_one_line_error
