"""The documentation stays true: generated tables match the code, every hook is documented under
its exact signature and tested, and CI runs the README's test command."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sharewise.adapters.cli import cli
from sharewise.core import hookspecs

ROOT = Path(__file__).resolve().parents[1]
GENERATED = re.compile(r"<!-- generated: sharewise (?P<args>[^>]*?) -->\n(?P<body>.*?)<!-- end generated -->", re.S)
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("sharewise_"))


def _generated_blocks() -> list[tuple[str, str, str]]:
    blocks = []
    for path in sorted((ROOT / "docs").rglob("*.md")):
        for match in GENERATED.finditer(path.read_text(encoding="utf-8")):
            blocks.append((str(path.relative_to(ROOT)), match["args"], match["body"]))
    return blocks


def test_docs_contain_generated_tables() -> None:
    assert {args for _, args, _ in _generated_blocks()} >= {
        "rules --markdown --plugin liverpool",
        "forms show information-sharing-decision --markdown",
    }


@pytest.mark.parametrize(("path", "args", "body"), _generated_blocks(), ids=lambda v: str(v)[:40])
def test_generated_tables_match_the_code(path: str, args: str, body: str) -> None:
    result = CliRunner().invoke(cli, args.split())
    assert result.exit_code == 0, result.output
    assert body == result.output, f"{path} is stale: regenerate it with `sharewise {args}`"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_under_its_exact_signature(hook: str) -> None:
    reference = (ROOT / "docs" / "plugins" / "hooks.md").read_text(encoding="utf-8")
    parameters = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert f"\n### {hook}({parameters})\n" in reference


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_its_own_test(hook: str) -> None:
    pattern = re.compile(rf"^def test_hook_{hook}\(", re.M)
    assert any(pattern.search(p.read_text(encoding="utf-8")) for p in (ROOT / "tests").rglob("test_*.py"))


def test_every_documented_hook_exists() -> None:
    reference = (ROOT / "docs" / "plugins" / "hooks.md").read_text(encoding="utf-8")
    assert sorted(re.findall(r"^### (sharewise_\w+)\(", reference, re.M)) == HOOKS


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(python3 -m venv .*?)\n```", readme)
    assert len(commands) == 2, "the README gives two commands: run it, and run the tests"
    run_command, test_command = commands
    assert run_command.endswith("sharewise serve"), "the run command starts the bridge with the demo host"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci
