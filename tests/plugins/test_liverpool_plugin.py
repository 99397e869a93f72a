"""The opt-in local plugin ``liverpool`` as a deployment sees it: off by default, switched on by
``Engine(["liverpool"])``, ``--plugin liverpool`` or ``SHAREWISE_PLUGINS=liverpool`` (in-process and
through the real console script); the forms/rules/plugins commands; its retention class
``early_help`` and the partnership setting SHAREWISE_LIVERPOOL_EARLY_HELP_REVIEW_YEARS."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from answer_sets import DO_NOT_SHARE, changed
from cli_runs import Result, assert_one_line_error, run_main, run_script
from forms_md_tables import CORE_FORM
from liverpool_cases import LIVERPOOL_IDS, LIVERPOOL_TYPES, NO_EPISODE, WITH_CONSENT
from scenario_files import SCENARIO_01

import sharewise.plugins
from sharewise.core import Engine
from sharewise.core.errors import PluginError

MODULE = "sharewise.plugins.liverpool"
VARIABLE = "SHAREWISE_LIVERPOOL_EARLY_HELP_REVIEW_YEARS"
CLEARED = ("SHAREWISE_PLUGINS", "SHAREWISE_DEBUG", VARIABLE)
HOOKS = {"sharewise_extend_form", "sharewise_validate", "sharewise_retention"}
#: decided_at 2026-11-21 in the base answers: the national review is the child's 25th birthday.
NATIONAL_REVIEW = {"class": "safeguarding-decision", "review_on": "2044-11-21"}
EARLY_HELP_REVIEW = {"class": "early_help", "review_on": "2032-11-21"}
default_years_only = pytest.mark.skipif(
    bool(os.environ.get(VARIABLE, "").strip()), reason=f"{VARIABLE} is set in the environment running the tests"
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """``cli("check", FORM, path)``: run ``main`` in-process; capture exit code and output."""

    def run(*args: str | Path) -> Result:
        return run_main(capsys, *args)

    return run


def script(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """Run the installed console script with a clean environment plus ``env``."""
    return run_script(*args, cleared=CLEARED, env=env)


@pytest.fixture
def early_help_file(tmp_path: Path, base_answers: dict[str, Any]) -> Path:
    """A plain answers file for a complete Early Help case (valid with the plugin on)."""
    path = tmp_path / "early-help.json"
    path.write_text(json.dumps(changed(base_answers, WITH_CONSENT)), encoding="utf-8")
    return path


def plugin_rows(result: Result) -> dict[str, dict[str, Any]]:
    assert result.code == 0, result.err
    return {row["name"]: row for row in result.json()}


def rules_of(doc: dict[str, Any], prefix: str = "LIV-") -> list[tuple[str, str, str | None]]:
    return [(f["rule"], f["severity"], f["field"]) for f in doc["findings"] if f["rule"].startswith(prefix)]


# --- off by default, on when named ------------------------------------------------------------------------


def test_default_engine_has_no_liverpool(engine):
    assert "liverpool" not in engine.plugin_names
    assert "early_help" not in [s.id for s in engine.form(CORE_FORM).sections]
    assert not [r for r in engine.rules() if r["plugin"] == "liverpool"]


def test_engine_with_liverpool(liverpool):
    assert "liverpool" in liverpool.plugin_names
    info = next(i for i in liverpool.plugin_info() if i.name == "liverpool")
    assert info.enabled is True
    assert info.origin == "built-in (opt-in)"
    assert info.module == MODULE
    assert set(info.hooks) >= HOOKS
    assert {"forms", "england"} <= set(liverpool.plugin_names)  # the built-ins stay on


def test_naming_liverpool_twice_enables_it_once():
    assert Engine(["liverpool", "liverpool"]).plugin_names.count("liverpool") == 1


def test_plugins_list_shows_liverpool_disabled_by_default(cli):
    row = plugin_rows(cli("plugins", "list", "--json"))["liverpool"]
    assert row["enabled"] is False
    assert row["origin"] == "built-in (opt-in)"
    assert row["module"] == MODULE
    assert set(row["hooks"]) >= HOOKS
    text = cli("plugins", "list").out
    line = next(line for line in text.splitlines() if line.split()[0] == "liverpool")
    assert "disabled" in line.split()


def test_plugins_list_with_option(cli):
    row = plugin_rows(cli("plugins", "list", "--json", "--plugin", "liverpool"))["liverpool"]
    assert (row["enabled"], row["origin"], row["module"]) == (True, "built-in (opt-in)", MODULE)


def test_plugins_list_with_environment(cli, monkeypatch):
    monkeypatch.setenv("SHAREWISE_PLUGINS", "liverpool")
    row = plugin_rows(cli("plugins", "list", "--json"))["liverpool"]
    assert (row["enabled"], row["origin"]) == (True, "built-in (opt-in)")


def test_check_without_the_plugin_rejects_each_liverpool_answer(cli, early_help_file):
    result = cli("check", CORE_FORM, early_help_file, "--json")
    assert result.code == 1
    doc = result.json()
    unknown = sorted(f["field"] for f in doc["findings"] if f["rule"] == "unknown" and f["severity"] == "error")
    assert unknown == sorted(LIVERPOOL_IDS)
    assert rules_of(doc) == []


def test_check_with_option(cli, early_help_file):
    result = cli("check", CORE_FORM, early_help_file, "--json", "--plugin", "liverpool")
    assert result.code == 0, result.out
    doc = result.json()
    assert doc["valid"] is True
    assert rules_of(doc) == [("LIV-3", "advice", "consent_review_on")]
    assert doc["outcome"]["retention"]["class"] == "early_help"


def test_check_with_environment(cli, monkeypatch, early_help_file):
    monkeypatch.setenv("SHAREWISE_PLUGINS", "liverpool")
    result = cli("check", CORE_FORM, early_help_file, "--json")
    assert result.code == 0, result.out
    assert rules_of(result.json()) == [("LIV-3", "advice", "consent_review_on")]


def test_check_with_environment_and_option_together(cli, monkeypatch, early_help_file):
    monkeypatch.setenv("SHAREWISE_PLUGINS", " liverpool ,")
    result = cli("check", CORE_FORM, early_help_file, "--json", "--plugin", "liverpool")
    assert result.code == 0, result.err
    assert rules_of(result.json()) == [("LIV-3", "advice", "consent_review_on")]


def test_check_envelope_naming_the_plugin(cli, tmp_path, base_answers):
    path = tmp_path / "envelope.json"
    envelope = {"form": CORE_FORM, "plugins": ["liverpool"], "answers": changed(base_answers, WITH_CONSENT)}
    path.write_text(json.dumps(envelope), encoding="utf-8")
    result = cli("check", CORE_FORM, path, "--json")
    assert result.code == 0, result.out
    assert rules_of(result.json()) == [("LIV-3", "advice", "consent_review_on")]


def test_readable_report_with_the_plugin(cli, tmp_path, base_answers):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(changed(base_answers, WITH_CONSENT, ehat_consent_on_file=False)), encoding="utf-8")
    result = cli("check", CORE_FORM, path, "--plugin", "liverpool")
    assert result.code == 0
    assert "LIV-2" in result.out


def test_forms_show_json_without_the_plugin(cli):
    result = cli("forms", "show", CORE_FORM, "--json")
    assert result.code == 0
    form = result.json()
    assert "early_help" not in [s["id"] for s in form["sections"]]
    assert "liverpool" not in form["extended_by"]


@pytest.mark.parametrize("how", ["option", "environment"])
def test_forms_show_json_with_the_plugin(cli, monkeypatch, how):
    args = ["forms", "show", CORE_FORM, "--json"]
    if how == "option":
        args += ["--plugin", "liverpool"]
    else:
        monkeypatch.setenv("SHAREWISE_PLUGINS", "liverpool")
    result = cli(*args)
    assert result.code == 0, result.err
    form = result.json()
    assert "liverpool" in form["extended_by"]
    section = next(s for s in form["sections"] if s["id"] == "early_help")
    assert section["plugin"] == "liverpool"
    assert "concern_level" in section["show_if"] and "wellbeing_support" in section["show_if"]
    questions = {q["id"]: q for q in section["questions"]}
    assert list(questions) == list(LIVERPOOL_IDS)
    assert {q["plugin"] for q in questions.values()} == {"liverpool"}
    assert {k: q["type"] for k, q in questions.items()} == LIVERPOOL_TYPES
    assert questions["early_help_episode"]["required"] is True
    assert questions["child_views_sought"]["required"] is False
    assert "child" in questions["child_views_sought"]["show_if"] and "subject_roles" in questions["child_views_sought"]["show_if"]
    for question in ("ehat_reference", "ehat_consent_on_file", "family_agreement_recorded", "consent_review_on"):
        assert "early_help_episode" in questions[question]["show_if"], question
        assert questions[question]["required"] is True or questions[question]["required_if"], question


def test_forms_show_text_and_list_with_the_plugin(cli):
    text = cli("forms", "show", CORE_FORM, "--plugin", "liverpool").out
    assert "early_help" in text and "liverpool" in text
    rows = {row["id"]: row for row in cli("forms", "list", "--json", "--plugin", "liverpool").json()}
    assert "liverpool" in rows[CORE_FORM]["extended_by"]
    plain = {row["id"]: row for row in cli("forms", "list", "--json").json()}
    assert "liverpool" not in plain[CORE_FORM]["extended_by"]
    assert rows[CORE_FORM]["questions"] == plain[CORE_FORM]["questions"] + len(LIVERPOOL_IDS)


def test_rules_command_lists_liverpool_rules_only_when_on(cli):
    on = [r for r in cli("rules", "--json", "--plugin", "liverpool").json() if r["plugin"] == "liverpool"]
    assert [(r["rule"], r["severity"], r["field"]) for r in on] == [
        ("LIV-1", "warning", "decision"),
        ("LIV-2", "warning", "ehat_consent_on_file"),
        ("LIV-3", "advice", "consent_review_on"),
        ("LIV-4", "advice", "child_views_sought"),
    ]
    assert all(r["reference"] for r in on)
    assert not [r for r in cli("rules", "--json").json() if r["rule"].startswith("LIV-")]


def test_console_script_off_by_default_and_on_with_option(early_help_file):
    off = script("check", CORE_FORM, early_help_file, "--json")
    assert off.code == 1, off.err
    assert sorted(f["field"] for f in off.json()["findings"] if f["rule"] == "unknown") == sorted(LIVERPOOL_IDS)
    on = script("check", CORE_FORM, early_help_file, "--json", "--plugin", "liverpool")
    assert on.code == 0, on.err
    assert rules_of(on.json()) == [("LIV-3", "advice", "consent_review_on")]


def test_console_script_on_with_environment():
    rows = plugin_rows(script("plugins", "list", "--json", env={"SHAREWISE_PLUGINS": "liverpool"}))
    assert rows["liverpool"]["enabled"] is True
    assert plugin_rows(script("plugins", "list", "--json"))["liverpool"]["enabled"] is False


# --- retention --------------------------------------------------------------------------------------------


@default_years_only
def test_early_help_record_reviewed_six_years_after_the_decision(liverpool, base_answers):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT))
    assert evaluation.outcome["retention"] == EARLY_HELP_REVIEW


@default_years_only
def test_early_help_retention_applies_when_not_sharing_and_with_errors(liverpool, base_answers):
    not_sharing = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, DO_NOT_SHARE))
    assert not_sharing.valid
    assert not_sharing.outcome["retention"] == EARLY_HELP_REVIEW
    incomplete = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, ehat_reference=None))
    assert not incomplete.valid
    assert incomplete.outcome["retention"] == EARLY_HELP_REVIEW


@default_years_only
@pytest.mark.parametrize(
    ("decided_at", "review_on"),
    [
        ("2026-01-01T00:00:00Z", "2032-01-01"),
        ("2028-02-29T09:00:00Z", "2034-02-28"),
        ("2026-12-31T23:30:00-05:00", "2032-12-31"),
    ],
)
def test_early_help_review_counts_years_from_decided_at(liverpool, base_answers, decided_at, review_on):
    answers = changed(base_answers, WITH_CONSENT, decided_at=decided_at, shared_at=decided_at)
    retention = liverpool.evaluate(CORE_FORM, answers).outcome["retention"]
    assert retention == {"class": "early_help", "review_on": review_on}


@default_years_only
def test_early_help_review_is_not_counted_from_shared_at_or_today(liverpool, base_answers):
    answers = changed(base_answers, WITH_CONSENT, shared_at="2027-03-02T10:00:00Z")
    evaluation = liverpool.evaluate(CORE_FORM, answers, today=dt.date(2031, 6, 1))
    assert evaluation.outcome["retention"] == EARLY_HELP_REVIEW


@default_years_only
def test_early_help_default_matches_the_national_six_year_default(liverpool, engine, base_answers):
    # Six years after the decision, dated the same way as the national rule without a child's age.
    for decided_at in ("2026-05-10T14:00:00+01:00", "2028-02-29T23:59:00-08:00"):
        local = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, decided_at=decided_at, shared_at=decided_at))
        national = engine.evaluate(CORE_FORM, changed(base_answers, child_age=None, decided_at=decided_at, shared_at=decided_at))
        assert local.outcome["retention"]["review_on"] == national.outcome["retention"]["review_on"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(NO_EPISODE, id="not-an-episode"),
        pytest.param(dict.fromkeys(LIVERPOOL_IDS), id="episode-unanswered"),
        pytest.param({"concern_level": "significant_harm", **dict.fromkeys(LIVERPOOL_IDS)}, id="not-early-help"),
        pytest.param({"concern_level": "significant_harm"}, id="episode-answer-hidden"),
        pytest.param({"early_help_episode": "yes"}, id="episode-malformed"),
    ],
)
def test_national_retention_without_an_early_help_episode(liverpool, base_answers, change):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, change))
    assert evaluation.outcome["retention"] == NATIONAL_REVIEW


def test_national_retention_unchanged_for_the_base_case_with_the_plugin_on(liverpool, base_answers):
    assert liverpool.evaluate(CORE_FORM, base_answers).outcome["retention"] == NATIONAL_REVIEW


# --- the partnership's review period -------------------------------------------------------------------------


def test_review_years_function_and_defaults():
    from sharewise.plugins.liverpool import REVIEW_YEARS_VARIABLE, review_years

    assert REVIEW_YEARS_VARIABLE == VARIABLE
    assert review_years({}) == 6
    assert review_years({VARIABLE: ""}) == 6
    assert review_years({"SOMETHING_ELSE": "9"}) == 6


@default_years_only
def test_module_reads_the_default_at_import():
    from sharewise.plugins import liverpool

    assert liverpool.REVIEW_YEARS == 6


@pytest.mark.parametrize(("raw", "years"), [("1", 1), ("6", 6), ("10", 10), ("25", 25), ("99", 99), ("100", 100)])
def test_review_years_accepts_whole_years_1_to_100(raw, years):
    from sharewise.plugins.liverpool import review_years

    assert review_years({VARIABLE: raw}) == years


@pytest.mark.parametrize("raw", ["0", "101", "six", "-1", "6.5", "1e1", "+6", "1000", "6 years", "\u00b2", "\u00b9\u2070"])
def test_review_years_rejects_anything_else_naming_the_variable(raw):
    from sharewise.plugins.liverpool import review_years

    with pytest.raises(ValueError) as excinfo:
        review_years({VARIABLE: raw})
    message = str(excinfo.value)
    assert VARIABLE in message
    assert "\n" not in message


@pytest.fixture
def reimport(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """``reimport("10")``: set the variable and forget the imported plugin, so the next engine imports it
    afresh; the original module is put back after the test."""
    import sharewise.plugins.liverpool as original

    def run(value: str) -> None:
        monkeypatch.setenv(VARIABLE, value)
        monkeypatch.delitem(sys.modules, MODULE)
        monkeypatch.setattr(sharewise.plugins, "liverpool", original)

    return run


def test_configured_review_years_in_process(reimport, base_answers):
    reimport("10")
    evaluation = Engine(["liverpool"]).evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT))
    assert evaluation.outcome["retention"] == {"class": "early_help", "review_on": "2036-11-21"}


@pytest.mark.parametrize("raw", ["abc", "0", "101", "\u00b2"])
def test_bad_review_years_stops_the_plugin_loading(reimport, raw):
    reimport(raw)
    with pytest.raises(PluginError) as excinfo:
        Engine(["liverpool"])
    assert VARIABLE in str(excinfo.value)
    assert "liverpool" in str(excinfo.value)


def test_bad_review_years_cli_in_process(reimport, cli, early_help_file):
    reimport("abc")
    assert_one_line_error(cli("check", CORE_FORM, early_help_file, "--json", "--plugin", "liverpool"), VARIABLE)


def test_console_script_with_configured_review_years(early_help_file):
    result = script("check", CORE_FORM, early_help_file, "--json", "--plugin", "liverpool", env={VARIABLE: "10"})
    assert result.code == 0, result.err
    assert result.json()["outcome"]["retention"] == {"class": "early_help", "review_on": "2036-11-21"}


def test_console_script_default_review_years(early_help_file):
    result = script("check", CORE_FORM, early_help_file, "--json", env={"SHAREWISE_PLUGINS": "liverpool"})
    assert result.code == 0, result.err
    assert result.json()["outcome"]["retention"] == EARLY_HELP_REVIEW


def test_console_script_with_bad_review_years(early_help_file):
    result = script("check", CORE_FORM, early_help_file, "--json", "--plugin", "liverpool", env={VARIABLE: "abc"})
    assert_one_line_error(result, VARIABLE)


def test_console_script_bad_review_years_is_harmless_while_the_plugin_is_off():
    result = script("check", CORE_FORM, SCENARIO_01, "--json", env={VARIABLE: "abc"})
    assert result.code == 0, result.err
    assert result.json()["outcome"]["retention"] == NATIONAL_REVIEW
