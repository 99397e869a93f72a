"""Loading plugins: names, configuration, refusals at start-up, ``plugins list`` and the Engine API."""

from __future__ import annotations

import json
import sys
import textwrap
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from sharewise.adapters.cli import main
from sharewise.core import Engine, Finding, FormDefinitionError, PluginError, UnknownFormError, hookimpl
from sharewise.core.formdef import FormDefinition
from sharewise.core.plugins import ENV_VARIABLE, plugins_from_env

CORE = "information-sharing-decision"
SMALL_FORM: dict[str, Any] = {
    "id": "local-form",
    "version": 1,
    "title": "Local form",
    "sections": [{"id": "s", "title": "S", "questions": [{"id": "q1", "type": "yes_no", "label": "Q1", "required": True}]}],
}


def as_plugin(*functions: Callable[..., Any], module: str = "tests_local_plugin") -> types.ModuleType:
    """A module-like plugin object holding the given hook implementations."""
    plugin = types.ModuleType(module)
    for function in functions:
        setattr(plugin, function.__name__, function)
    return plugin


def forms_plugin(*forms: Any) -> types.ModuleType:
    @hookimpl
    def sharewise_forms() -> list[Any]:
        return list(forms)

    return as_plugin(sharewise_forms)


def extension_plugin(extension: Any) -> types.ModuleType:
    @hookimpl
    def sharewise_extend_form(form: FormDefinition) -> Any:
        return extension if form.id == CORE else None

    return as_plugin(sharewise_extend_form)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


# ---------------------------------------------------------------- refusals at start-up


def test_unknown_plugin_name_lists_what_is_available() -> None:
    with pytest.raises(PluginError) as error:
        Engine(["liverpol"])
    message = str(error.value)
    assert message.startswith("unknown plugin 'liverpol' (did you mean 'liverpool'? available: ")
    assert "liverpool" in message
    assert "dotted module path" in message


def test_dotted_module_that_cannot_be_imported() -> None:
    with pytest.raises(PluginError, match=r"plugin 'no_such_package\.rules' cannot be imported"):
        Engine(["no_such_package.rules"])


def test_misspelled_hook_name_is_refused() -> None:
    @hookimpl
    def sharewise_validat(form: FormDefinition, answers: Mapping[str, Any]) -> list[Finding]:
        return []

    with pytest.raises(PluginError) as error:
        Engine(extra={"local_typo": as_plugin(sharewise_validat, module="acme_rules")})
    message = str(error.value)
    assert "sharewise_validat" in message
    # The operator must be able to tell which plugin to fix: by the name it was enabled under.
    assert "'local_typo'" in message


def test_hook_argument_the_hook_does_not_have_is_refused() -> None:
    @hookimpl
    def sharewise_validate(form: FormDefinition, answers: Mapping[str, Any], ctx: Any) -> list[Finding]:
        return []

    with pytest.raises(PluginError) as error:
        Engine(extra={"local": as_plugin(sharewise_validate)})
    assert "plugin 'local' is not valid" in str(error.value)
    assert "ctx" in str(error.value)


def test_same_plugin_name_twice_is_refused() -> None:
    with pytest.raises(PluginError, match="plugin 'forms' cannot be registered"):
        Engine(extra={"forms": forms_plugin(SMALL_FORM)})


@pytest.mark.parametrize(
    "extension",
    [
        {"questions": {"decision": [{"id": "decision", "type": "text", "label": "Again"}]}},
        {"sections": [{"id": "extra", "title": "Extra", "questions": [{"id": "trigger", "type": "text", "label": "Again"}]}]},
    ],
    ids=["into-a-section", "in-a-new-section"],
)
def test_extension_adding_an_existing_question_is_refused(extension: dict[str, Any]) -> None:
    with pytest.raises(FormDefinitionError) as error:
        Engine(extra={"acme": extension_plugin(extension)})
    (problem,) = error.value.problems
    assert problem.file == "<plugin acme>"
    assert problem.path in ("questions.decision[0].id", "sections[0].questions[0].id")
    assert problem.message.startswith("plugin 'acme' adds question '")
    assert "which the form already has (" in problem.message
    assert "information-sharing-decision/v1.yaml:" in problem.message


def test_extension_adding_a_section_that_exists_is_refused() -> None:
    extension = {
        "sections": [{"id": "consent", "title": "Consent again", "questions": [{"id": "new_q", "type": "text", "label": "N"}]}]
    }
    with pytest.raises(FormDefinitionError) as error:
        Engine(extra={"acme": extension_plugin(extension)})
    (problem,) = error.value.problems
    assert problem.path == "sections[0].id"
    assert "plugin 'acme' adds section 'consent'" in problem.message


def test_extension_adding_questions_to_a_section_that_does_not_exist() -> None:
    extension = {"questions": {"desicion": [{"id": "local_q", "type": "text", "label": "Local"}]}}
    with pytest.raises(FormDefinitionError) as error:
        Engine(extra={"acme": extension_plugin(extension)})
    (problem,) = error.value.problems
    assert (problem.file, problem.path) == ("<plugin acme>", "questions.desicion")
    assert problem.message == "form has no section 'desicion' to add questions to"


def test_extension_guidance_for_a_question_that_does_not_exist() -> None:
    extension = {"guidance": {"purpse": [{"text": "Local note."}]}}
    with pytest.raises(FormDefinitionError) as error:
        Engine(extra={"acme": extension_plugin(extension)})
    (problem,) = error.value.problems
    assert (problem.file, problem.path) == ("<plugin acme>", "guidance.purpse[0]")
    assert problem.message == "form has no question 'purpse' to add guidance to"


def test_extension_file_problems_point_at_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "acme-extension.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            sections:
              - id: acme
                title: Acme checks
                show_if: "sharing && acme_flag"
                questions:
                  - id: acme_ref
                    type: text
                    label: Reference
                    requried: true
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(FormDefinitionError) as error:
        Engine(extra={"acme": extension_plugin(path)})
    (problem,) = error.value.problems
    assert (problem.file, problem.line, problem.path) == (str(path), 9, "sections[0].questions[0].requried")

    path.write_text(path.read_text(encoding="utf-8").replace("    requried: true\n", ""), encoding="utf-8")
    with pytest.raises(FormDefinitionError) as error:
        Engine(extra={"acme": extension_plugin(path)})
    (problem,) = error.value.problems
    assert (problem.file, problem.line, problem.path) == (str(path), 4, "sections[0].show_if")
    assert problem.message == "unknown question 'acme_flag'"


def test_two_plugins_defining_the_same_form_version_are_refused() -> None:
    with pytest.raises(PluginError) as error:
        Engine(builtins=("forms",), extra={"first": forms_plugin(SMALL_FORM), "second": forms_plugin(dict(SMALL_FORM))})
    message = str(error.value)
    assert "form 'local-form' version 1" in message
    assert "'first'" in message and "'second'" in message


def test_plugin_redefining_a_built_in_form_is_named() -> None:
    clash = {**SMALL_FORM, "id": CORE}
    with pytest.raises(PluginError) as error:
        Engine(extra={"clash": forms_plugin(clash)})
    message = str(error.value)
    assert f"form '{CORE}' version 1" in message
    assert "'clash'" in message  # the plugin to fix, not only the built-in it collides with


def test_plugin_form_with_problems_is_refused_with_all_of_them() -> None:
    bad = {
        "id": "local-bad",
        "version": 1,
        "title": "Bad",
        "sections": [
            {
                "id": "s",
                "title": "S",
                "questions": [
                    {"id": "q1", "type": "text", "label": "Q1", "show_if": "q0 == true"},
                    {"id": "q2", "type": "text", "label": "Q2", "max_length": 501},
                ],
            }
        ],
    }
    with pytest.raises(FormDefinitionError) as error:
        Engine(builtins=("forms",), extra={"acme": forms_plugin(bad)})
    assert {(p.file, p.path) for p in error.value.problems} >= {("<plugin acme>", "sections[0].questions[1].max_length")}
    assert all(p.file == "<plugin acme>" for p in error.value.problems)


@pytest.mark.parametrize("hook", ["sharewise_forms", "sharewise_extend_form"])
def test_start_up_hook_that_raises_is_refused_naming_the_plugin(hook: str) -> None:
    @hookimpl
    def sharewise_forms() -> list[Any]:
        raise OSError("disk gone")

    @hookimpl
    def sharewise_extend_form(form: FormDefinition) -> Any:
        raise OSError("disk gone")

    implementation = {"sharewise_forms": sharewise_forms, "sharewise_extend_form": sharewise_extend_form}[hook]
    with pytest.raises(PluginError) as error:
        Engine(extra={"acme": as_plugin(implementation)})
    assert str(error.value).startswith("plugin 'acme' failed ")
    assert "OSError" in str(error.value)


def test_plugin_form_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(FormDefinitionError) as error:
        Engine(builtins=("forms",), extra={"acme": forms_plugin(tmp_path / "missing.yaml")})
    (problem,) = error.value.problems
    assert problem.file == str(tmp_path / "missing.yaml")
    assert problem.message.startswith("cannot read the file")


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, []),
        ({ENV_VARIABLE: ""}, []),
        ({ENV_VARIABLE: "liverpool"}, ["liverpool"]),
        ({ENV_VARIABLE: " liverpool , acme.rules ,, "}, ["liverpool", "acme.rules"]),
        ({ENV_VARIABLE: ",,"}, []),
        ({"OTHER": "liverpool"}, []),
    ],
)
def test_plugins_from_env(environ: dict[str, str], expected: list[str]) -> None:
    assert ENV_VARIABLE == "SHAREWISE_PLUGINS"
    assert plugins_from_env(environ) == expected


def test_cli_reads_sharewise_plugins(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(ENV_VARIABLE, "nosuch")
    code, out, err = run_cli(capsys, "forms", "list")
    assert code == 2
    assert out == ""
    assert err.startswith("sharewise: unknown plugin 'nosuch' (available: ")
    assert "Traceback" not in err


def test_cli_unknown_plugin_option(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    code, _, err = run_cli(capsys, "plugins", "list", "--plugin", "liverpol")
    assert code == 2
    assert err.startswith("sharewise: unknown plugin 'liverpol'")


def test_plugins_list_json(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    code, out, _ = run_cli(capsys, "plugins", "list", "--json")
    assert code == 0
    listed = {item["name"]: item for item in json.loads(out)}
    for item in listed.values():
        assert set(item) == {"name", "module", "version", "origin", "enabled", "hooks"}
    assert listed["forms"] == {
        "name": "forms",
        "module": "sharewise.forms",
        "version": listed["forms"]["version"],
        "origin": "built-in",
        "enabled": True,
        "hooks": ["sharewise_forms"],
    }
    assert listed["england"]["module"] == "sharewise.plugins.england"
    assert (listed["england"]["origin"], listed["england"]["enabled"]) == ("built-in", True)
    assert {"sharewise_outcome", "sharewise_retention", "sharewise_validate"} <= set(listed["england"]["hooks"])
    assert listed["england"]["hooks"] == sorted(listed["england"]["hooks"])
    assert listed["england"]["version"] == listed["forms"]["version"] != ""
    # Opt-in plugins are listed but off unless configured.
    assert listed["liverpool"]["enabled"] is False
    assert list(listed)[:2] == ["forms", "england"]


def test_plugins_list_readable(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    code, out, _ = run_cli(capsys, "plugins", "list")
    assert code == 0
    england = next(line for line in out.splitlines() if line.startswith("england"))
    assert "enabled" in england and "sharewise_validate" in england


# ---------------------------------------------------------------- the Engine API


def test_engine_without_national_rules(base_answers: dict[str, Any]) -> None:
    engine = Engine(builtins=("forms",))
    assert engine.plugin_names == ("forms",)
    answers = {**base_answers, "art6_basis": "consent", "checks_confirmed": ["necessary"]}
    evaluation = engine.evaluate(CORE, answers)
    assert not [f for f in evaluation.findings if f.rule.startswith("ISD-")]
    assert evaluation.valid
    assert "suggested_conditions" not in evaluation.outcome
    # The same answers break national rules when they are on.
    national = Engine().evaluate(CORE, answers)
    assert any(f.rule.startswith("ISD-") and f.plugin == "england" for f in national.findings)


def test_engine_without_any_form_plugin() -> None:
    engine = Engine(builtins=())
    assert engine.plugin_names == ()
    with pytest.raises(UnknownFormError, match="known forms: none"):
        engine.form(CORE)


def test_engine_default_plugins(engine: Engine) -> None:
    assert engine.plugin_names == ("forms", "england")
    assert [(p.name, p.origin, p.enabled) for p in engine.plugin_info()] == [
        ("forms", "built-in", True),
        ("england", "built-in", True),
    ]


def test_each_engine_has_its_own_plugins(engine: Engine, base_answers: dict[str, Any]) -> None:
    @hookimpl
    def sharewise_validate() -> list[Finding]:
        return [Finding("LOC-1", "advice", None, "Local advice.")]

    local = Engine(extra={"local": as_plugin(sharewise_validate)})
    assert local.plugin_names == ("forms", "england", "local")
    assert local.pm is not engine.pm
    assert "LOC-1" in {f.rule for f in local.evaluate(CORE, base_answers).findings}
    assert "LOC-1" not in {f.rule for f in engine.evaluate(CORE, base_answers).findings}
    assert "LOC-1" not in {f.rule for f in Engine().evaluate(CORE, base_answers).findings}


def test_plugin_by_dotted_module_path(monkeypatch: pytest.MonkeyPatch) -> None:
    module = forms_plugin(SMALL_FORM)
    module.__name__ = "tests_acme.forms_plugin"
    module.__version__ = "1.2.3"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tests_acme.forms_plugin", module)
    engine = Engine(["tests_acme.forms_plugin"], builtins=("forms",))
    (info,) = [p for p in engine.plugin_info() if p.name == "tests_acme.forms_plugin"]
    assert (info.origin, info.version, info.hooks, info.module) == (
        "config",
        "1.2.3",
        ("sharewise_forms",),
        "tests_acme.forms_plugin",
    )
    assert engine.evaluate("local-form", {"q1": True}).valid


def test_plugin_registered_in_code_is_described() -> None:
    class LocalChecks:
        @hookimpl
        def sharewise_validate(self) -> list[Finding]:
            return []

        @hookimpl
        def sharewise_outcome(self) -> None:
            return None

    engine = Engine(builtins=("forms",), extra={"local": LocalChecks()})
    (info,) = [p for p in engine.plugin_info() if p.name == "local"]
    assert info.to_dict() == {
        "name": "local",
        "module": __name__,
        "version": "unknown",
        "origin": "registered in code",
        "enabled": True,
        "hooks": ["sharewise_outcome", "sharewise_validate"],
    }


def test_naming_a_built_in_again_enables_it_once() -> None:
    engine = Engine(["england", "england"], builtins=("forms",))
    assert engine.plugin_names == ("forms", "england")
