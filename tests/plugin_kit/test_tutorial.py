"""docs/plugins/tutorial.md works when followed literally: its files are written as shown, its
commands run in order in a fresh environment, and the output it shows appears."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "plugins" / "tutorial.md"
BLOCK = re.compile(r"(?:<!-- (?P<marker>file: (?P<path>\S+)|output) -->\n)?```(?P<lang>\w+)\n(?P<body>.*?)```", re.S)


def _steps() -> list[tuple[str, str, str]]:
    """``(kind, path, body)`` for each file, command block and expected output, in order."""
    steps = []
    for match in BLOCK.finditer(TUTORIAL.read_text(encoding="utf-8")):
        if match["path"]:
            steps.append(("file", match["path"], match["body"]))
        elif match["marker"] == "output":
            steps.append(("output", "", match["body"]))
        elif match["lang"] == "sh":
            steps.append(("commands", "", match["body"]))
    return steps


def _as_script(steps: list[tuple[str, str, str]]) -> str:
    """One bash script doing what a reader does: write each file, run each command block."""
    lines = ['start="$PWD"']
    for kind, path, body in steps:
        if kind == "file":
            write = f"cat > \"$start/{path}\" <<'TUTORIAL_EOF'"
            lines += [f'mkdir -p "$start/$(dirname {path})"', write, body.rstrip("\n"), "TUTORIAL_EOF"]
        elif kind == "commands":
            lines.append(body)
    return "\n".join(lines)


def test_the_tutorial_has_files_commands_and_outputs() -> None:
    kinds = [kind for kind, _, _ in _steps()]
    assert kinds.count("file") == 6 and kinds.count("commands") >= 4 and kinds.count("output") >= 2


def test_the_tutorial_works_when_followed_literally(plugin_env) -> None:
    steps = _steps()
    result = plugin_env.run(_as_script(steps))
    assert "3 passed" in result.stdout + result.stderr
    for kind, _, body in steps:
        if kind == "output":
            for line in body.strip("\n").splitlines():
                assert line in result.stdout, f"the tutorial shows {line!r} but the command printed:\n{result.stdout}"
    assert "anyshire_isa_reference" in result.stdout.splitlines()[-1]
