"""``sharewise plugins new``: the scaffolded distribution installs with pip and passes its own tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sharewise.adapters.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_scaffold_writes_a_distribution(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["plugins", "new", "wirral", "--dir", str(tmp_path / "dist")], capsys)
    assert code == 0
    written = sorted(str(p.relative_to(tmp_path / "dist")) for p in (tmp_path / "dist").rglob("*") if p.is_file())
    assert written == [
        "README.md",
        "pyproject.toml",
        "setup.cfg",
        "sharewise_wirral/__init__.py",
        "sharewise_wirral/rules.py",
        "tests/test_rules.py",
    ]
    assert all(f"created {tmp_path / 'dist' / name}" in out for name in written)
    setup = (tmp_path / "dist" / "setup.cfg").read_text()
    assert "sharewise =\n    wirral = sharewise_wirral" in setup
    assert '"WIRRAL-1"' in (tmp_path / "dist" / "sharewise_wirral" / "rules.py").read_text()
    assert "$" not in "".join(p.read_text() for p in (tmp_path / "dist").rglob("*") if p.is_file())


def test_scaffold_defaults_to_a_folder_named_after_the_plugin(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = _run(["plugins", "new", "halton"], capsys)
    assert code == 0 and (tmp_path / "sharewise-halton" / "sharewise_halton" / "__init__.py").is_file()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Wirral", "must be 2–40 lower-case letters"),
        ("my-plugin", "must be 2–40 lower-case letters"),
        ("9lives", "must be 2–40 lower-case letters"),
        ("liverpool", "shipped with sharewise"),
        ("england", "shipped with sharewise"),
    ],
)
def test_scaffold_refuses_bad_names(name: str, message: str, tmp_path: Path, capsys) -> None:
    code, out, err = _run(["plugins", "new", name, "--dir", str(tmp_path / "x")], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and out == ""
    assert not (tmp_path / "x").exists()


def test_scaffold_never_overwrites(tmp_path: Path, capsys) -> None:
    target = tmp_path / "existing"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    code, _, err = _run(["plugins", "new", "wirral", "--dir", str(target)], capsys)
    assert code == 2 and "already exists and is not empty" in err
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_scaffolded_plugin_installs_passes_its_tests_and_works_through_the_cli(plugin_env) -> None:
    plugin_env.run("sharewise plugins new wirral")
    dist = plugin_env.workdir / "sharewise-wirral"
    tests = plugin_env.run("pip install -e . && pytest -q", cwd=dist)
    assert "4 passed" in tests.stdout
    listed = json.loads(plugin_env.run("sharewise plugins list --json").stdout)
    wirral = next(p for p in listed if p["name"] == "wirral")
    assert wirral == {
        "name": "wirral",
        "module": "sharewise_wirral",
        "version": "0.1.0",
        "origin": "entry point",
        "enabled": False,
        "hooks": ["sharewise_validate"],
    }
    answers = json.loads(plugin_env.run("sharewise forms example information-sharing-decision").stdout)
    answers["share_method"] = "phone"
    (plugin_env.workdir / "answers.json").write_text(json.dumps(answers))
    off = json.loads(plugin_env.run("sharewise check information-sharing-decision answers.json --json").stdout)
    assert not [f for f in off["findings"] if f["rule"] == "WIRRAL-1"]
    command = "SHAREWISE_PLUGINS=wirral sharewise check information-sharing-decision answers.json --json"
    on = json.loads(plugin_env.run(command).stdout)
    assert [(f["rule"], f["severity"], f["field"], f["plugin"]) for f in on["findings"] if f["rule"] == "WIRRAL-1"] == [
        ("WIRRAL-1", "warning", "share_method", "wirral")
    ]
