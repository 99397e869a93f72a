"""A throwaway virtual environment for installing plugin distributions, offline and fast.

The environment is a real venv (``--without-pip``) that sees this environment's packages through a
``.pth`` file (so sharewise and its dependencies are importable without downloading anything).
Commands run with shims on PATH: ``pip`` installs into the throwaway venv with this
environment's pip (no dependencies, no build isolation — everything needed is already here);
``python``, ``pytest`` and ``sharewise`` run in the throwaway venv.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class PluginEnvironment:
    """A throwaway venv and a working folder to run shell commands in."""

    venv: Path
    workdir: Path
    env: dict[str, str]

    def run(self, script: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``script`` with bash (errors stop it) in ``cwd`` (default: the working folder)."""
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=cwd or self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            output = f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            raise AssertionError(f"command failed ({result.returncode}):\n{script}\n{output}")
        return result


def _shim(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def plugin_env(tmp_path: Path) -> PluginEnvironment:
    """A fresh throwaway venv with ``pip``, ``python``, ``pytest`` and ``sharewise`` on PATH."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    inner = subprocess.run([str(python), "-c", where], capture_output=True, text=True, check=True)
    outer = sysconfig.get_paths()["purelib"]
    Path(inner.stdout.strip(), "_sharewise_outer.pth").write_text(f"import site; site.addsitedir({outer!r})\n", encoding="utf-8")
    shims = tmp_path / "shims"
    shims.mkdir()
    offline = "--quiet --no-deps --no-build-isolation --no-index"
    _shim(shims / "pip", f'exec "{sys.executable}" -m pip "$@" {offline} --prefix "{venv}"')
    _shim(shims / "python", f'exec "{python}" "$@"')
    _shim(shims / "pytest", f'exec "{python}" -m pytest -p no:cacheprovider "$@"')
    _shim(shims / "sharewise", f'exec "{python}" -m sharewise.adapters.cli "$@"')
    workdir = tmp_path / "work"
    workdir.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SHAREWISE_", "PYTEST_"))}
    env["PATH"] = f"{shims}{os.pathsep}{env.get('PATH', '')}"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return PluginEnvironment(venv, workdir, env)
