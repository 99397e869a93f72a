"""``sharewise plugins list``: the built-ins, plugins named on the command line or in
SHAREWISE_PLUGINS, and unknown names."""

from __future__ import annotations

import importlib.metadata
import json

PLUGIN_KEYS = {"name", "module", "version", "origin", "enabled", "hooks"}
#: Hooks each always-on plugin must implement (it may implement more).
BUILTIN_HOOKS = {
    "forms": {"sharewise_forms"},
    "england": {"sharewise_outcome", "sharewise_retention", "sharewise_validate"},
}


def by_name(rows: list[dict]) -> dict[str, dict]:
    names = [row["name"] for row in rows]
    assert len(names) == len(set(names)), f"each plugin is listed once: {names}"
    return {row["name"]: row for row in rows}


def assert_plugin_rows(rows: object) -> None:
    assert isinstance(rows, list) and rows
    for row in rows:
        assert set(row) == PLUGIN_KEYS, row
        for key in ("name", "module", "version", "origin"):
            assert isinstance(row[key], str) and row[key], (key, row)
        assert type(row["enabled"]) is bool
        assert isinstance(row["hooks"], list) and all(isinstance(h, str) for h in row["hooks"])


def test_plugins_list_json_builtins(cli):
    result = cli("plugins", "list", "--json")
    assert result.code == 0, result.err
    rows = result.json()
    assert_plugin_rows(rows)
    plugins = by_name(rows)
    version = importlib.metadata.version("sharewise")
    for name, hooks in BUILTIN_HOOKS.items():
        assert plugins[name]["enabled"] is True
        assert plugins[name]["origin"] == "built-in"
        assert plugins[name]["version"] == version
        assert hooks <= set(plugins[name]["hooks"])
    assert plugins["england"]["module"] == "sharewise.plugins.england"
    assert {name for name, row in plugins.items() if row["enabled"]} == set(BUILTIN_HOOKS)


def test_plugins_list_text(cli):
    result = cli("plugins", "list")
    assert result.code == 0
    lines = result.out.splitlines()
    for name, hooks in BUILTIN_HOOKS.items():
        line = next(line for line in lines if line.split()[0] == name)
        assert "enabled" in line.split()
        assert all(hook in line for hook in hooks)


def test_plugins_list_dotted_plugin_from_option(cli, findings_plugin):
    result = cli("plugins", "list", "--json", "--plugin", findings_plugin.name)
    assert result.code == 0, result.err
    rows = result.json()
    assert_plugin_rows(rows)
    mine = by_name(rows)[findings_plugin.name]
    assert mine["enabled"] is True
    assert mine["version"] == "9.8.7"
    assert mine["module"] == findings_plugin.name
    assert mine["hooks"] == ["sharewise_validate"]
    text = cli("plugins", "list", "--plugin", findings_plugin.name).out
    line = next(line for line in text.splitlines() if line.startswith(findings_plugin.name))
    assert "enabled" in line and "sharewise_validate" in line


def test_plugins_list_dotted_plugins_from_environment(cli, monkeypatch, findings_plugin, extension_plugin):
    monkeypatch.setenv("SHAREWISE_PLUGINS", f"{findings_plugin.name},{extension_plugin.name}")
    plugins = by_name(cli("plugins", "list", "--json").json())
    assert plugins[findings_plugin.name]["enabled"] is True
    assert plugins[extension_plugin.name]["enabled"] is True
    assert plugins[extension_plugin.name]["hooks"] == ["sharewise_extend_form"]


def test_available_plugins_are_off_until_named(cli, one_line_error):
    """Every plugin listed but disabled is switched on by naming it (or, if it cannot be loaded, naming it fails cleanly)."""
    disabled = [row for row in cli("plugins", "list", "--json").json() if not row["enabled"]]
    for row in disabled:
        result = cli("plugins", "list", "--json", "--plugin", row["name"])
        if "cannot be loaded" in row["origin"]:
            one_line_error(result, row["name"])
            continue
        assert result.code == 0, result.err
        enabled = by_name(result.json())[row["name"]]
        assert enabled["enabled"] is True
        assert enabled["hooks"] == row["hooks"]


def test_plugins_list_unknown_plugin_exit_2(cli, one_line_error):
    one_line_error(cli("plugins", "list", "--plugin", "no_such_plugin"), "no_such_plugin")
    one_line_error(cli("plugins", "list", "--json", "--plugin", "no_such_plugin"), "no_such_plugin")


def test_plugins_list_unknown_plugin_in_environment_exit_2(cli, monkeypatch, one_line_error):
    monkeypatch.setenv("SHAREWISE_PLUGINS", "england,no_such_plugin")
    one_line_error(cli("plugins", "list"), "no_such_plugin")


def test_plugins_list_bad_option_exit_2(cli):
    result = cli("plugins", "list", "--no-such-option")
    assert result.code == 2
    assert result.out == "" and "Traceback" not in result.err


def test_script_plugins_list(script, findings_plugin):
    result = script("plugins", "list", "--json", "--plugin", findings_plugin.name, pythonpath=findings_plugin.root)
    assert result.code == 0, result.err
    plugins = by_name(json.loads(result.out))
    assert plugins[findings_plugin.name]["enabled"] is True
