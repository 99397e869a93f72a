"""``sharewise forms list|show`` against the core form's contract in FORMS.md, and the command
group itself (``--version``, ``--help``, a bad option)."""

from __future__ import annotations

import importlib.metadata

import pytest
from forms_md_tables import CORE_FORM, CORE_QUESTIONS

SECTION_ORDER = ["request", "subjects", "risk", "consent", "basis", "principles", "decision"]
QUESTION_KEYS = {"id", "type", "label", "show_if", "required", "required_if", "guidance"}


@pytest.fixture
def core_form(cli) -> dict:
    result = cli("forms", "show", CORE_FORM, "--json")
    assert result.code == 0, result.err
    return result.json()


def questions_of(form: dict) -> dict[str, tuple[str, dict]]:
    return {q["id"]: (s["id"], q) for s in form["sections"] for q in s["questions"]}


# --- forms list ----------------------------------------------------------------------------------


def test_forms_list_json(cli):
    result = cli("forms", "list", "--json")
    assert result.code == 0, result.err
    rows = result.json()
    assert isinstance(rows, list)
    core = [row for row in rows if row["id"] == CORE_FORM]
    assert len(core) == 1
    for row in rows:
        assert {"id", "version", "title"} <= set(row)
        assert isinstance(row["id"], str) and type(row["version"]) is int and row["version"] >= 1
        assert isinstance(row["title"], str) and row["title"]
    assert core[0]["version"] == 1
    assert core[0]["questions"] == len(CORE_QUESTIONS)
    assert core[0]["extended_by"] == []


def test_forms_list_text(cli):
    result = cli("forms", "list")
    assert result.code == 0
    title = cli("forms", "show", CORE_FORM, "--json").json()["title"]
    line = next(line for line in result.out.splitlines() if line.startswith(CORE_FORM))
    assert "v1" in line and title in line


def test_forms_list_shows_plugin_extension(cli, extension_plugin):
    rows = cli("forms", "list", "--json", "--plugin", extension_plugin.name).json()
    core = next(row for row in rows if row["id"] == CORE_FORM)
    assert core["extended_by"] == [extension_plugin.name]
    assert core["questions"] == len(CORE_QUESTIONS) + 1
    text = cli("forms", "list", "--plugin", extension_plugin.name).out
    assert extension_plugin.name in text


def test_forms_list_unknown_plugin_exit_2(cli, monkeypatch, one_line_error):
    monkeypatch.setenv("SHAREWISE_PLUGINS", "no_such_plugin")
    one_line_error(cli("forms", "list"), "no_such_plugin")


# --- forms show ----------------------------------------------------------------------------------


def test_forms_show_json_top_level(core_form):
    assert core_form["id"] == CORE_FORM
    assert core_form["version"] == 1
    assert isinstance(core_form["title"], str) and core_form["title"]
    assert [s["id"] for s in core_form["sections"]] == SECTION_ORDER
    for section in core_form["sections"]:
        assert isinstance(section["title"], str) and section["title"]
        assert section["questions"], section["id"]


def test_forms_show_json_every_question_has_the_keys(core_form):
    for _, question in questions_of(core_form).values():
        assert set(question) >= QUESTION_KEYS, f"{question['id']} lacks {QUESTION_KEYS - set(question)}"
        assert isinstance(question["label"], str) and question["label"].strip()
        assert type(question["required"]) is bool
        assert question["show_if"] is None or isinstance(question["show_if"], str)
        assert question["required_if"] is None or isinstance(question["required_if"], str)
        assert isinstance(question["guidance"], list)
        for item in question["guidance"]:
            assert isinstance(item, dict) and isinstance(item.get("text"), str) and item["text"]
        if question["type"] in ("choice", "multi"):
            assert question.get("options"), f"{question['id']} is a {question['type']} without options"
            for option in question["options"]:
                assert isinstance(option["code"], str) and isinstance(option["label"], str) and option["label"]


def test_forms_show_json_matches_forms_md_ids(core_form):
    assert set(questions_of(core_form)) == set(CORE_QUESTIONS)


@pytest.mark.parametrize("question_id", sorted(CORE_QUESTIONS))
def test_forms_show_json_question_matches_forms_md(core_form, question_id):
    section, qtype, visibility, options = CORE_QUESTIONS[question_id]
    found_section, question = questions_of(core_form)[question_id]
    assert question["type"] == qtype
    assert found_section == section
    if options is not None:
        assert [o["code"] for o in question["options"]] == list(options)
    conditional_required = question["required"] or question["required_if"] is not None
    if visibility == "required":
        assert question["required"] is True and question["show_if"] is None and question["required_if"] is None
    elif visibility == "shown":
        assert question["required"] is False and question["show_if"] is None and question["required_if"] is None
    elif visibility == "shown_if":
        assert question["show_if"] and not conditional_required
    else:
        assert question["show_if"] and conditional_required


def test_forms_show_text_lists_sections_and_questions(cli, core_form):
    result = cli("forms", "show", CORE_FORM)
    assert result.code == 0
    for section in core_form["sections"]:
        assert section["title"] in result.out
    for question_id in CORE_QUESTIONS:
        assert question_id in result.out


def test_forms_show_plugin_section(cli, extension_plugin):
    form = cli("forms", "show", CORE_FORM, "--json", "--plugin", extension_plugin.name).json()
    assert form["extended_by"] == [extension_plugin.name]
    added = next(s for s in form["sections"] if s["id"] == "local_extra")
    assert [q["id"] for q in added["questions"]] == ["local_reference"]
    assert added["questions"][0]["required"] is False


def test_forms_show_unknown_form_exit_2(cli, one_line_error):
    one_line_error(cli("forms", "show", "no-such-form"), "no-such-form")
    one_line_error(cli("forms", "show", "no-such-form", "--json"), "no-such-form")


def test_forms_show_unknown_version_exit_2(cli, one_line_error):
    one_line_error(cli("forms", "show", CORE_FORM, "--form-version", "9"), CORE_FORM)


def test_version(cli):
    result = cli("--version")
    assert result.code == 0
    assert importlib.metadata.version("sharewise") in result.out


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(cli, flag):
    result = cli(flag)
    assert result.code == 0
    for command in ("check", "forms", "plugins"):
        assert command in result.out


@pytest.mark.parametrize("args", [["--no-such-option"], ["forms", "list", "--no-such-option"], ["no-such-command"]], ids=str)
def test_bad_usage_exit_2(cli, args):
    result = cli(*args)
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err
    assert len([line for line in result.err_lines if line.startswith("Error:")]) == 1, result.err


def test_script_version_and_bad_option(script):
    version = script("--version")
    assert version.code == 0 and importlib.metadata.version("sharewise") in version.out
    bad = script("--no-such-option")
    assert bad.code == 2
    assert "Traceback" not in bad.err + bad.out
    assert "--no-such-option" in bad.err
