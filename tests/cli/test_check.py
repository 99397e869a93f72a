"""``sharewise check FORM ANSWERS.json``: exit codes, the ``--json`` shape, the readable report,
input errors (one line on stderr, exit 2, no traceback) and enabling plugins."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from forms_md_tables import CORE_FORM
from scenario_files import SCENARIO_01, SCENARIO_02, SCENARIOS

TOP_KEYS = {"form", "valid", "findings", "outcome"}
FINDING_KEYS = {"rule", "severity", "field", "message", "reference", "plugin"}
SEVERITIES = {"error", "warning", "advice"}
OUTCOME_BOOLS = ("sharing", "with_consent", "sensitive", "review_required")
OUTCOME_KEYS = {*OUTCOME_BOOLS, "missing", "suggested_conditions", "retention"}
VERDICT = re.compile(r"(\d+) errors?, (\d+) warnings?, (\d+) advice")


def answers_of(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))["answers"]


def assert_check_json(doc: Any, form: str = CORE_FORM) -> None:
    """The exact shape ``check --json`` promises, with the types of every value."""
    assert isinstance(doc, dict)
    assert set(doc) == TOP_KEYS
    assert doc["form"] == {"id": form, "version": 1}
    assert type(doc["valid"]) is bool
    assert isinstance(doc["findings"], list)
    for finding in doc["findings"]:
        assert set(finding) == FINDING_KEYS, finding
        assert isinstance(finding["rule"], str) and finding["rule"]
        assert finding["severity"] in SEVERITIES
        assert finding["field"] is None or (isinstance(finding["field"], str) and finding["field"])
        assert isinstance(finding["message"], str) and finding["message"].strip()
        assert finding["reference"] is None or (isinstance(finding["reference"], str) and finding["reference"])
        assert isinstance(finding["plugin"], str) and finding["plugin"]
    assert doc["valid"] is not any(f["severity"] == "error" for f in doc["findings"])
    outcome = doc["outcome"]
    assert isinstance(outcome, dict)
    assert set(outcome) >= OUTCOME_KEYS, f"outcome lacks {OUTCOME_KEYS - set(outcome)}"
    for key in OUTCOME_BOOLS:
        assert type(outcome[key]) is bool, key
    assert outcome["review_required"] is any(f["severity"] == "warning" for f in doc["findings"])
    assert isinstance(outcome["missing"], list) and all(isinstance(m, str) for m in outcome["missing"])
    assert isinstance(outcome["suggested_conditions"], list)
    assert all(isinstance(s, str) and s for s in outcome["suggested_conditions"])
    assert set(outcome["retention"]) == {"class", "review_on"}
    assert isinstance(outcome["retention"]["class"], str) and outcome["retention"]["class"]
    dt.date.fromisoformat(outcome["retention"]["review_on"])


def finding_pairs(doc: dict[str, Any], severity: str | None = None) -> set[tuple[str, str | None]]:
    return {(f["rule"], f["field"]) for f in doc["findings"] if severity in (None, f["severity"])}


# --- exit codes and the --json shape -------------------------------------------------------------


def test_valid_answers_exit_0_with_exact_json_shape(cli, write_json):
    result = cli("check", CORE_FORM, write_json(answers_of(SCENARIO_01)), "--json")
    assert result.code == 0, result.err
    assert result.err == ""
    doc = result.json()
    assert_check_json(doc)
    assert doc["valid"] is True
    assert doc["outcome"]["missing"] == []
    assert doc["outcome"]["sharing"] is True
    assert doc["outcome"]["with_consent"] is False


def test_error_findings_exit_1_and_name_the_field(cli, write_json, base_answers):
    del base_answers["consent_not_sought_reason"]
    result = cli("check", CORE_FORM, write_json(base_answers), "--json")
    assert result.code == 1
    doc = result.json()
    assert_check_json(doc)
    assert doc["valid"] is False
    assert ("required", "consent_not_sought_reason") in finding_pairs(doc, "error")
    assert doc["outcome"]["missing"] == ["consent_not_sought_reason"]


def test_every_severity_has_the_finding_shape(cli, write_json, base_answers):
    base_answers.update(urgency="immediate", share_method="letter", favourite_colour="blue")
    del base_answers["checks_confirmed"]
    result = cli("check", CORE_FORM, write_json(base_answers), "--json")
    assert result.code == 1
    doc = result.json()
    assert_check_json(doc)
    assert {f["severity"] for f in doc["findings"]} == SEVERITIES
    assert ("unknown", "favourite_colour") in finding_pairs(doc, "error")
    assert ("ISD-7", "checks_confirmed") in finding_pairs(doc, "warning")
    assert ("ISD-19", "share_method") in finding_pairs(doc, "warning")
    assert ("ISD-17", "advice_sought") in finding_pairs(doc, "advice")
    assert doc["outcome"]["review_required"] is True
    isd = [f for f in doc["findings"] if f["rule"].startswith("ISD-")]
    assert isd and all(f["reference"] for f in isd), "every national rule finding cites its source"
    assert {f["plugin"] for f in isd} == {"england"}
    assert {f["plugin"] for f in doc["findings"] if f["rule"] == "unknown"} == {"engine"}


def test_warnings_alone_exit_0(cli, write_json, base_answers):
    base_answers["minimum_necessary"] = False
    result = cli("check", CORE_FORM, write_json(base_answers), "--json")
    assert result.code == 0
    doc = result.json()
    assert doc["valid"] is True
    assert ("ISD-8", "minimum_necessary") in finding_pairs(doc, "warning")


def test_json_output_is_only_json(cli):
    result = cli("check", CORE_FORM, SCENARIO_02, "--json")
    assert result.code == 1
    assert result.out.lstrip().startswith("{")
    json.loads(result.out)  # nothing but one JSON document on stdout


def test_answers_that_are_not_an_object_are_a_whole_form_error(cli):
    result = cli("check", CORE_FORM, "-", "--json", stdin=b"[1, 2]")
    assert result.code == 1
    doc = result.json()
    assert_check_json(doc)
    assert any(f["field"] is None and f["severity"] == "error" for f in doc["findings"])


def test_form_version_1_is_accepted(cli):
    result = cli("check", CORE_FORM, SCENARIO_01, "--form-version", "1", "--json")
    assert result.code == 0
    assert result.json()["form"] == {"id": CORE_FORM, "version": 1}


# --- standard input and envelopes ----------------------------------------------------------------


def test_stdin_plain_answers_same_as_file(cli, write_json):
    answers = answers_of(SCENARIO_02)
    from_file = cli("check", CORE_FORM, write_json(answers), "--json")
    from_stdin = cli("check", CORE_FORM, "-", "--json", stdin=json.dumps(answers).encode())
    assert from_stdin.code == from_file.code == 1
    assert from_stdin.json() == from_file.json()


def test_stdin_envelope(cli):
    result = cli("check", CORE_FORM, "-", "--json", stdin=SCENARIO_02.read_bytes())
    assert result.code == 1
    assert ("required", "consent_not_sought_reason") in finding_pairs(result.json(), "error")


def test_envelope_file_same_as_plain_answers(cli, write_json):
    envelope = cli("check", CORE_FORM, SCENARIO_01, "--json")
    plain = cli("check", CORE_FORM, write_json(answers_of(SCENARIO_01)), "--json")
    assert envelope.code == plain.code == 0
    assert envelope.json() == plain.json()
    assert not any(f["field"] in {"name", "form", "plugins", "answers", "expect"} for f in envelope.json()["findings"])


def test_envelope_with_form_id_key_and_no_plugins(cli, write_json):
    path = write_json({"form_id": CORE_FORM, "answers": answers_of(SCENARIO_01)})
    assert cli("check", CORE_FORM, path, "--json").code == 0


@pytest.mark.parametrize("key", ["form", "form_id"])
def test_envelope_for_another_form_exit_2(cli, write_json, one_line_error, key):
    path = write_json({key: "csods-disclosure", "plugins": [], "answers": {"decision": "disclose"}})
    one_line_error(cli("check", CORE_FORM, path, "--json"), "csods-disclosure", CORE_FORM)


def test_scenario_file_for_another_form_exit_2(cli, one_line_error):
    path = SCENARIOS / "13-csods-undertaking-refused-not-considered.json"
    one_line_error(cli("check", CORE_FORM, path), "csods-disclosure", CORE_FORM)


@pytest.mark.parametrize(
    "envelope",
    [
        {"form": "csods-disclosure", "answers": {"decision": "disclose"}, "created_by": "case system"},
        {"form": "csods-disclosure", "answers": []},
    ],
    ids=["extra-envelope-key", "answers-not-an-object"],
)
def test_document_naming_another_form_is_never_checked_against_this_one(cli, write_json, one_line_error, envelope):
    """A document whose "form" names another form is an envelope for that form, even when it has other keys too
    (or its answers are malformed): checking it as plain answers reports "form" and "answers" as unknown questions
    and every required question as missing, which misleads."""
    one_line_error(cli("check", CORE_FORM, write_json(envelope)), "csods-disclosure", CORE_FORM)


@pytest.mark.parametrize(
    ("change", "expected"),
    [({"created_by": "case system"}, "created_by"), ({"answers": ["not", "an", "object"]}, "answers")],
    ids=["unexpected-key", "answers-not-an-object"],
)
def test_malformed_envelope_for_this_form_exit_2(cli, write_json, one_line_error, change, expected):
    envelope = {"form": CORE_FORM, "plugins": [], "answers": answers_of(SCENARIO_01), **change}
    one_line_error(cli("check", CORE_FORM, write_json(envelope)), expected)


def test_envelope_plugins_must_be_a_list_of_names(cli, write_json, one_line_error):
    path = write_json({"form": CORE_FORM, "plugins": "liverpool", "answers": answers_of(SCENARIO_01)})
    one_line_error(cli("check", CORE_FORM, path), "plugins")


# --- unreadable input: exit 2, one line, no traceback --------------------------------------------

BAD_JSON = {
    "truncated": (b'{"trigger": ', "not valid JSON"),
    "empty": (b"", "not valid JSON"),
    "trailing-comma": (b'{"trigger": "own_concern",}', "not valid JSON"),
    "repeated-key": (b'{"trigger": "own_concern", "trigger": "request_received"}', "trigger"),
    "repeated-nested-key": (b'{"form": "x", "answers": {"a": 1, "a": 2}}', "more than once"),
    "nan": (b'{"child_age": NaN}', "NaN"),
    "infinity": (b'{"child_age": Infinity}', "Infinity"),
    "minus-infinity": (b'{"child_age": -Infinity}', "Infinity"),
    "not-utf8": (b'{"purpose": "\xff\xfe\x80"}', "UTF-8"),
    "deeply-nested": (b"[" * 200_000, "nested"),
}


@pytest.mark.parametrize("name", sorted(BAD_JSON))
def test_unreadable_file_exit_2_one_line(cli, tmp_path, one_line_error, name):
    data, expected = BAD_JSON[name]
    path = tmp_path / "answers.json"
    path.write_bytes(data)
    one_line_error(cli("check", CORE_FORM, path, "--json"), str(path), expected)


@pytest.mark.parametrize("name", ["truncated", "repeated-key", "nan"])
def test_unreadable_stdin_exit_2_one_line(cli, one_line_error, name):
    data, expected = BAD_JSON[name]
    one_line_error(cli("check", CORE_FORM, "-", stdin=data), expected)


def test_number_too_long_to_read_is_not_an_internal_error(cli, tmp_path, base_answers):
    """A 5,000-digit integer is valid JSON syntax but beyond Python's int-conversion limit: the command must
    report it (exit 2 with one line, or exit 1 with a finding on child_age), not fail with an internal error."""
    text = json.dumps({**base_answers, "child_age": 0}).replace('"child_age": 0', '"child_age": ' + "1" * 5000)
    path = tmp_path / "answers.json"
    path.write_text(text, encoding="utf-8")
    result = cli("check", CORE_FORM, path, "--json")
    assert "internal error" not in result.err and "Traceback" not in result.err
    assert result.code in (1, 2), f"exit {result.code}: {result.err!r}"
    if result.code == 2:
        assert len(result.err_lines) == 1 and str(path) in result.err
    else:
        assert any(f["field"] == "child_age" and f["severity"] == "error" for f in result.json()["findings"])


def test_lone_surrogate_key_is_reported_not_crashed(cli):
    """A key holding a lone surrogate (\\ud800, valid JSON escape syntax) is an unknown question, printed safely."""
    data = b'{"\\ud800": 1}'
    as_json = cli("check", CORE_FORM, "-", "--json", stdin=data)
    assert as_json.code == 1, as_json.err
    doc = as_json.json()
    assert any(f["rule"] == "unknown" and f["severity"] == "error" for f in doc["findings"])
    as_text = cli("check", CORE_FORM, "-", stdin=data)
    assert as_text.code == 1, as_text.err
    assert "Not on this form" in as_text.out


def test_missing_file_exit_2(cli, tmp_path, one_line_error):
    path = tmp_path / "no-such-answers.json"
    one_line_error(cli("check", CORE_FORM, path), "no-such-answers.json")


def test_directory_instead_of_file_exit_2(cli, tmp_path, one_line_error):
    one_line_error(cli("check", CORE_FORM, tmp_path), str(tmp_path))


def test_oversized_file_exit_2(cli, tmp_path, one_line_error):
    path = tmp_path / "huge.json"
    path.write_bytes(b" " * (10 * 1024 * 1024) + b"{}")
    one_line_error(cli("check", CORE_FORM, path), "huge.json")


def test_unknown_form_exit_2(cli, write_json, one_line_error):
    one_line_error(cli("check", "no-such-form", write_json(answers_of(SCENARIO_01))), "no-such-form")


def test_unknown_form_version_exit_2(cli, one_line_error):
    one_line_error(cli("check", CORE_FORM, SCENARIO_01, "--form-version", "2"), CORE_FORM, "2")


@pytest.mark.parametrize(
    "args",
    [
        ["check", CORE_FORM],
        ["check", CORE_FORM, str(SCENARIO_01), "--form-version", "0"],
        ["check", CORE_FORM, str(SCENARIO_01), "--form-version", "abc"],
        ["check", CORE_FORM, str(SCENARIO_01), "--no-such-option"],
    ],
    ids=["missing-argument", "version-0", "version-not-a-number", "unknown-option"],
)
def test_bad_usage_exit_2(cli, args):
    result = cli(*args)
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err
    error_lines = [line for line in result.err_lines if line.startswith("Error:")]
    assert len(error_lines) == 1, result.err


# --- the readable report -------------------------------------------------------------------------


def report_sections(text: str) -> tuple[str, list[str], list[str]]:
    """(verdict line, headings between verdict and outcome, lines of the outcome block)."""
    lines = text.splitlines()
    outcome_at = next(i for i, line in enumerate(lines) if line.startswith("Outcome"))
    headings = [line for line in lines[1:outcome_at] if line.strip() and not line[0].isspace()]
    return lines[0], headings, lines[outcome_at + 1 :]


def heading_of(text: str, finding: dict[str, Any]) -> str:
    """The heading above the report line showing ``finding`` (found by its rule and message)."""
    lines = text.splitlines()
    found = [i for i, line in enumerate(lines) if f"[{finding['rule']}]" in line and finding["message"] in line]
    assert len(found) == 1, f"finding {finding['rule']} on {finding['field']} should be shown once in the report"
    line = lines[found[0]]
    if finding["field"] is not None:
        assert finding["field"] in line, f"the report line should name the field: {line!r}"
    return next(lines[i] for i in range(found[0] - 1, -1, -1) if lines[i].strip() and not lines[i][0].isspace())


def section_titles(cli, *plugin_args: str) -> tuple[dict[str, str], list[str]]:
    """Question id → section title, and the titles in form order, from ``forms show --json``."""
    form = cli("forms", "show", CORE_FORM, "--json", *plugin_args).json()
    titles = [s["title"] for s in form["sections"]]
    return {q["id"]: s["title"] for s in form["sections"] for q in s["questions"]}, titles


def test_report_groups_findings_under_their_section(cli, write_json, base_answers, findings_plugin):
    base_answers.update(urgency="immediate", share_method="letter", child_age="seven", favourite_colour="blue")
    del base_answers["checks_confirmed"]
    del base_answers["purpose"]
    path = write_json(base_answers)
    plugin = ("--plugin", findings_plugin.name)
    doc = cli("check", CORE_FORM, path, "--json", *plugin).json()
    report = cli("check", CORE_FORM, path, *plugin)
    assert report.code == 1
    text = report.out
    section_of, form_order = section_titles(cli)
    for finding in doc["findings"]:
        if finding["field"] is None:
            expected = "The whole form"
        elif finding["field"] in section_of:
            expected = section_of[finding["field"]]
        else:
            expected = "Not on this form"
        assert heading_of(text, finding) == expected, finding
    _, headings, _ = report_sections(text)
    assert len(headings) == len(set(headings)), f"each group is one heading: {headings}"
    assert {"The whole form", "Not on this form"} <= set(headings)
    shown_sections = [h for h in headings if h in form_order]
    assert shown_sections == [t for t in form_order if t in shown_sections], "sections follow the form's order"
    assert set(shown_sections) >= {section_of[f] for f in ("purpose", "child_age", "checks_confirmed", "share_method")}


def test_report_shows_references(cli, write_json, base_answers):
    base_answers["share_method"] = "letter"
    doc = cli("check", CORE_FORM, write_json(base_answers), "--json").json()
    text = cli("check", CORE_FORM, write_json(base_answers)).out
    isd19 = next(f for f in doc["findings"] if f["rule"] == "ISD-19")
    assert isd19["reference"] in text


@pytest.mark.parametrize("path", [SCENARIO_01, SCENARIO_02], ids=["valid", "invalid"])
def test_report_verdict_line_counts_findings(cli, path):
    doc = cli("check", CORE_FORM, path, "--json").json()
    result = cli("check", CORE_FORM, path)
    assert result.code == (0 if doc["valid"] else 1)
    verdicts = [line for line in result.out.splitlines() if VERDICT.search(line)]
    assert len(verdicts) == 1, result.out
    counts = tuple(int(n) for n in VERDICT.search(verdicts[0]).groups())
    assert counts == tuple(sum(f["severity"] == s for f in doc["findings"]) for s in ("error", "warning", "advice"))
    if doc["valid"]:
        assert "NOT VALID" not in verdicts[0] and "valid" in verdicts[0]
    else:
        assert "NOT VALID" in verdicts[0]


def test_report_outcome_block(cli, write_json, base_answers):
    del base_answers["consent_not_sought_reason"]
    del base_answers["decision_maker_role"]
    path = write_json(base_answers)
    outcome = cli("check", CORE_FORM, path, "--json").json()["outcome"]
    _, _, block = report_sections(cli("check", CORE_FORM, path).out)
    text = "\n".join(block)
    assert outcome["suggested_conditions"], "these answers should produce suggestions"
    for suggestion in outcome["suggested_conditions"]:
        assert suggestion in text
    assert outcome["retention"]["class"] in text
    assert outcome["retention"]["review_on"] in text
    missing_line = next(line for line in block if "missing" in line.lower())
    assert set(outcome["missing"]) == {"consent_not_sought_reason", "decision_maker_role"}
    for question_id in outcome["missing"]:
        assert question_id in missing_line


def test_report_outcome_says_nothing_missing(cli):
    _, _, block = report_sections(cli("check", CORE_FORM, SCENARIO_01).out)
    missing_line = next(line for line in block if "missing" in line.lower())
    assert "none" in missing_line


def test_report_for_unknown_key_and_whole_form(cli):
    result = cli("check", CORE_FORM, "-", stdin=b'["not", "an", "object"]')
    assert result.code == 1
    _, headings, _ = report_sections(result.out)
    assert "The whole form" in headings
    unknown = cli("check", CORE_FORM, SCENARIOS / "11-unknown-key.json")
    assert unknown.code == 1
    _, headings, _ = report_sections(unknown.out)
    assert headings == ["Not on this form"]


# --- plugins -------------------------------------------------------------------------------------


def test_unknown_plugin_option_exit_2(cli, one_line_error):
    one_line_error(cli("check", CORE_FORM, SCENARIO_01, "--plugin", "no_such_plugin"), "no_such_plugin")


def test_unknown_plugin_in_environment_exit_2(cli, monkeypatch, one_line_error):
    monkeypatch.setenv("SHAREWISE_PLUGINS", "no_such_plugin")
    one_line_error(cli("check", CORE_FORM, SCENARIO_01, "--json"), "no_such_plugin")


def test_unknown_plugin_in_envelope_exit_2(cli, write_json, one_line_error):
    path = write_json({"form": CORE_FORM, "plugins": ["no_such_plugin"], "answers": answers_of(SCENARIO_01)})
    one_line_error(cli("check", CORE_FORM, path), "no_such_plugin")


def test_unimportable_dotted_plugin_exit_2(cli, one_line_error):
    one_line_error(cli("check", CORE_FORM, SCENARIO_01, "--plugin", "no_such_package.plugin"), "no_such_package.plugin")


def test_dotted_plugin_findings_carry_its_name(cli, findings_plugin):
    result = cli("check", CORE_FORM, SCENARIO_01, "--json", "--plugin", findings_plugin.name)
    assert result.code == 0, result.err
    doc = result.json()
    assert_check_json(doc)
    mine = {(f["rule"], f["severity"], f["field"]) for f in doc["findings"] if f["plugin"] == findings_plugin.name}
    assert mine == {("TST-W", "warning", "decision_reasons"), ("TST-A", "advice", None)}
    assert doc["outcome"]["review_required"] is True


def test_dotted_plugin_from_environment(cli, monkeypatch, findings_plugin):
    monkeypatch.setenv("SHAREWISE_PLUGINS", f" , {findings_plugin.name} ,")
    doc = cli("check", CORE_FORM, SCENARIO_01, "--json").json()
    assert {f["rule"] for f in doc["findings"] if f["plugin"] == findings_plugin.name} == {"TST-W", "TST-A"}


def test_environment_and_option_plugins_add_up(cli, monkeypatch, findings_plugin, error_plugin, base_answers, write_json):
    base_answers["purpose"] = "TEST-ERROR please"
    monkeypatch.setenv("SHAREWISE_PLUGINS", findings_plugin.name)
    path = write_json(base_answers)
    result = cli("check", CORE_FORM, path, "--json", "--plugin", error_plugin.name, "--plugin", findings_plugin.name)
    assert result.code == 1, result.err
    doc = result.json()
    plugins = {f["plugin"] for f in doc["findings"]}
    assert {findings_plugin.name, error_plugin.name} <= plugins
    assert ("TST-E", "purpose") in finding_pairs(doc, "error")
    assert sum(f["rule"] == "TST-W" for f in doc["findings"]) == 1, "a plugin named twice runs once"


def test_plugin_named_in_envelope_is_enabled(cli, write_json, findings_plugin):
    path = write_json({"form": CORE_FORM, "plugins": [findings_plugin.name], "answers": answers_of(SCENARIO_01)})
    doc = cli("check", CORE_FORM, path, "--json").json()
    assert {f["rule"] for f in doc["findings"] if f["plugin"] == findings_plugin.name} == {"TST-W", "TST-A"}


def test_report_places_plugin_findings(cli, findings_plugin):
    result = cli("check", CORE_FORM, SCENARIO_01, "--plugin", findings_plugin.name)
    assert result.code == 0
    doc = cli("check", CORE_FORM, SCENARIO_01, "--json", "--plugin", findings_plugin.name).json()
    by_rule = {f["rule"]: f for f in doc["findings"]}
    assert heading_of(result.out, by_rule["TST-A"]) == "The whole form"
    assert heading_of(result.out, by_rule["TST-W"]) == section_titles(cli)[0]["decision_reasons"]


def test_plugin_question_is_unknown_unless_plugin_enabled(cli, write_json, base_answers, extension_plugin):
    base_answers["local_reference"] = "LOC-123"
    path = write_json(base_answers)
    off = cli("check", CORE_FORM, path, "--json")
    assert off.code == 1
    assert ("unknown", "local_reference") in finding_pairs(off.json(), "error")
    off_text = cli("check", CORE_FORM, path).out
    assert report_sections(off_text)[1] == ["Not on this form"]
    on = cli("check", CORE_FORM, path, "--json", "--plugin", extension_plugin.name)
    assert on.code == 0, on.out
    assert not any(f["field"] == "local_reference" for f in on.json()["findings"])


def test_plugin_extension_section_is_a_report_heading(cli, write_json, base_answers, extension_plugin):
    base_answers["local_reference"] = "x" * 501  # over the 500-character limit of a text answer
    path = write_json(base_answers)
    plugin = ("--plugin", extension_plugin.name)
    doc = cli("check", CORE_FORM, path, "--json", *plugin).json()
    result = cli("check", CORE_FORM, path, *plugin)
    assert result.code == 1
    mine = [f for f in doc["findings"] if f["field"] == "local_reference"]
    assert mine and all(f["severity"] == "error" for f in mine)
    assert heading_of(result.out, mine[0]) == "Local extra questions for testing"


def test_plugin_that_raises_is_an_error_finding_naming_it(cli, make_plugin):
    broken = make_plugin(
        """
        from sharewise.core import hookimpl

        @hookimpl
        def sharewise_validate(form, answers, context):
            raise ValueError("deliberately broken")
        """
    )
    result = cli("check", CORE_FORM, SCENARIO_01, "--json", "--plugin", broken.name)
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    failures = [f for f in result.json()["findings"] if f["severity"] == "error" and f["plugin"] == broken.name]
    assert failures and broken.name in failures[0]["message"]


def test_plugin_with_misspelled_hook_exit_2(cli, make_plugin, one_line_error):
    typo = make_plugin(
        """
        from sharewise.core import hookimpl

        @hookimpl
        def sharewise_validat(form, answers, context):
            return []
        """
    )
    one_line_error(cli("check", CORE_FORM, SCENARIO_01, "--plugin", typo.name), "sharewise_validat")


def test_plugin_failing_on_import_exit_2(cli, make_plugin, one_line_error):
    """A configured plugin that cannot be loaded is bad configuration: exit 2 naming it, not an internal error."""
    broken = make_plugin('raise RuntimeError("this plugin cannot start")\n')
    one_line_error(cli("check", CORE_FORM, SCENARIO_01, "--plugin", broken.name), broken.name)


# --- the real console script ---------------------------------------------------------------------


def test_script_exit_codes_follow_validity(script):
    valid = script("check", CORE_FORM, SCENARIO_01, "--json")
    assert valid.code == 0, valid.err
    assert json.loads(valid.out)["valid"] is True
    invalid = script("check", CORE_FORM, "-", "--json", stdin=SCENARIO_02.read_bytes())
    assert invalid.code == 1, invalid.err
    assert json.loads(invalid.out)["valid"] is False


def test_script_unreadable_input_one_line_no_traceback(script, tmp_path, one_line_error):
    one_line_error(script("check", CORE_FORM, tmp_path / "absent.json"), "absent.json")
    one_line_error(script("check", CORE_FORM, "-", stdin=b'{"a": 1, "a": 2}'), "'a'")


def test_script_unknown_plugin_in_environment(script, one_line_error):
    one_line_error(script("check", CORE_FORM, SCENARIO_01, env={"SHAREWISE_PLUGINS": "not_a_plugin"}), "not_a_plugin")


def test_script_dotted_plugin_on_pythonpath(script, findings_plugin):
    result = script(
        "check",
        CORE_FORM,
        SCENARIO_01,
        "--json",
        env={"SHAREWISE_PLUGINS": findings_plugin.name},
        pythonpath=findings_plugin.root,
    )
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    doc = json.loads(result.out)
    assert {(f["rule"], f["plugin"]) for f in doc["findings"]} >= {
        ("TST-W", findings_plugin.name),
        ("TST-A", findings_plugin.name),
    }
