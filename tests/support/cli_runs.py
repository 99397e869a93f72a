"""Running the ``sharewise`` command line in tests: in-process through ``main``, or as the installed
console script in a subprocess, and what a run produced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sharewise.adapters.cli import main

#: The installed console script, next to the interpreter running the tests.
SCRIPT = Path(sys.executable).parent / "sharewise"


@dataclass(frozen=True)
class Result:
    """What one run of the command line produced."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """Standard output parsed as one JSON document."""
        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        """Non-blank lines of standard error."""
        return [line for line in self.err.splitlines() if line.strip()]


def run_main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Result:
    """Call ``main(args)`` in-process; return its exit code and what it printed (not what came before)."""
    capsys.readouterr()  # drop anything printed before this run
    code: int | str | None
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    else:  # pragma: no cover - main must always exit
        pytest.fail("main() returned without calling sys.exit")
    captured = capsys.readouterr()
    assert isinstance(code, int), f"exit code should be an int, got {code!r}"
    return Result(code, captured.out, captured.err)


def run_script(
    *args: str | Path,
    cleared: Iterable[str],
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    pythonpath: Path | None = None,
) -> Result:
    """Run the installed console script with this environment less the variables ``cleared``, plus
    ``env``, with ``pythonpath`` (if given) first on PYTHONPATH and ``stdin`` (default: nothing) as input."""
    assert SCRIPT.exists(), f"the console script should be installed next to the interpreter at {SCRIPT}"
    skip = set(cleared)
    environment = {k: v for k, v in os.environ.items() if k not in skip}
    environment.update(env or {})
    if pythonpath is not None:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), environment.get("PYTHONPATH")]))
    done = subprocess.run(
        [str(SCRIPT), *map(str, args)],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=environment,
        timeout=60,
        check=False,
    )
    return Result(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def assert_one_line_error(result: Result, *expected: str) -> None:
    """Exit code 2, nothing on stdout, one line on stderr holding each of ``expected``, no traceback."""
    assert result.code == 2, f"expected exit code 2, got {result.code}; stderr: {result.err!r}"
    assert "Traceback" not in result.err + result.out
    assert result.out == "", f"nothing should be printed on stdout, got {result.out!r}"
    assert len(result.err_lines) == 1, f"expected one line on stderr, got: {result.err!r}"
    for text in expected:
        assert text in result.err, f"{text!r} not in stderr {result.err!r}"
