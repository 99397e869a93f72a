"""``sharewise forms list|show`` against the core form's contract in FORMS.md, and the command
group itself (``--version``, ``--help``, a bad option)."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parent.parent / "data" / "scenarios"
CORE_FORM = "information-sharing-decision"

AGENCY = (
    "children_social_care",
    "adult_social_care",
    "police",
    "health_gp",
    "health_other",
    "education",
    "probation",
    "youth_justice",
    "housing",
    "local_authority_other",
    "voluntary_sector",
    "other",
)

# Transcribed from shared/domain/FORMS.md, form `information-sharing-decision` version 1:
# question id -> (section, type, "required / shown" column, option codes for choice and multi).
# The column is read as: required = always shown and required; required_if = shown and required
# when a condition holds; shown_if = shown and optional when a condition holds; shown = always
# shown, optional.
CORE_QUESTIONS: dict[str, tuple[str, str, str, tuple[str, ...] | None]] = {
    # request
    "trigger": ("request", "choice", "required", ("own_concern", "request_received")),
    "requesting_agency": ("request", "text", "required_if", None),
    "sharer_agency_type": ("request", "choice", "required", AGENCY),
    "sharer_is_public_authority": ("request", "yes_no", "required", None),
    "processing_regime": ("request", "choice", "required", ("general", "law_enforcement")),
    "proposed_recipients": ("request", "multi", "required", AGENCY),
    "recipient_details": ("request", "textarea", "required", None),
    "purpose": ("request", "textarea", "required", None),
    # subjects
    "subject_roles": (
        "subjects",
        "multi",
        "required",
        ("child", "parent_carer", "adult_posing_risk", "adult_at_risk", "other_family_member", "other"),
    ),
    "protected_persons": ("subjects", "multi", "required", ("child", "adult_at_risk", "other")),
    "child_age": ("subjects", "integer", "shown_if", None),
    "adult_care_needs": ("subjects", "yes_no", "required_if", None),
    "adult_experiencing_harm": ("subjects", "yes_no", "required_if", None),
    "adult_unable_to_protect": ("subjects", "yes_no", "required_if", None),
    "information_categories": (
        "subjects",
        "multi",
        "required",
        (
            "health",
            "development",
            "exposure_to_harm",
            "family_circumstances",
            "criminal_offence",
            "special_category_other",
            "contact_identity",
            "education",
            "housing",
            "other",
        ),
    ),
    "information_summary": ("subjects", "textarea", "required", None),
    "third_parties_identifiable": ("subjects", "yes_no", "required", None),
    "third_party_protection": ("subjects", "textarea", "required_if", None),
    # risk
    "concern_level": (
        "risk",
        "choice",
        "required",
        ("significant_harm", "serious_harm_adult", "wellbeing_support", "crime_prevention", "none_identified"),
    ),
    "urgency": ("risk", "choice", "required", ("immediate", "within_24_hours", "routine")),
    # consent
    "consent_sought": ("consent", "yes_no", "required", None),
    "consent_outcome": ("consent", "choice", "required_if", ("given", "partial", "refused", "withdrawn")),
    "consent_given_by": (
        "consent",
        "choice",
        "required_if",
        ("data_subject", "child_competent", "parent_with_pr", "other_with_authority"),
    ),
    "child_competence_assessed": ("consent", "yes_no", "required_if", None),
    "consent_explicit": ("consent", "yes_no", "required_if", None),
    "consent_scope": ("consent", "textarea", "required_if", None),
    "consent_date": ("consent", "date", "required_if", None),
    "consent_override_reason": ("consent", "textarea", "shown_if", None),
    "consent_not_sought_reason": (
        "consent",
        "choice",
        "required_if",
        ("cannot_be_given", "cannot_reasonably_obtain", "would_prejudice_protection", "other_lawful_basis"),
    ),
    "consent_not_sought_detail": ("consent", "textarea", "required_if", None),
    # basis
    "art6_basis": (
        "basis",
        "choice",
        "required_if",
        (
            "public_task",
            "legal_obligation",
            "vital_interests",
            "consent",
            "recognised_legitimate_interest",
            "legitimate_interests",
        ),
    ),
    "le_basis": ("basis", "choice", "required_if", ("s35_2_a_consent", "s35_2_b_necessary_for_task")),
    "special_category_condition": (
        "basis",
        "choice",
        "shown_if",
        (
            "sch1_para18_safeguarding",
            "sch1_para6_statutory_purposes",
            "sch1_para10_unlawful_acts",
            "art9_2_h_health_social_care",
            "explicit_consent",
            "vital_interests",
            "other",
        ),
    ),
    "law_enforcement_condition": (
        "basis",
        "choice",
        "shown_if",
        ("sch8_para4_safeguarding", "sch8_para1_statutory_purposes", "consent", "other"),
    ),
    "substantial_public_interest": ("basis", "textarea", "required_if", None),
    "appropriate_policy_document": ("basis", "text", "required_if", None),
    "statutory_gateways": (
        "basis",
        "multi",
        "shown",
        (
            "children_act_1989_s17",
            "children_act_1989_s47",
            "children_act_2004_s11",
            "crime_and_disorder_act_1998_s115",
            "pcsc_act_2022_s16",
            "pcsc_act_2022_s17",
            "dvds",
            "csods",
        ),
    ),
    "article8_justification": ("basis", "textarea", "shown_if", None),
    # principles
    "checks_confirmed": (
        "principles",
        "multi",
        "shown",
        ("necessary", "proportionate", "relevant", "adequate", "accurate", "timely", "secure"),
    ),
    "minimum_necessary": ("principles", "yes_no", "required", None),
    "advice_sought": ("principles", "yes_no", "required", None),
    "advice_from": ("principles", "text", "required_if", None),
    # decision
    "decision": ("decision", "choice", "required", ("share", "share_partial", "do_not_share")),
    "decision_reasons": ("decision", "textarea", "required", None),
    "shared_information": ("decision", "textarea", "required_if", None),
    "shared_with": ("decision", "textarea", "required_if", None),
    "share_method": (
        "decision",
        "choice",
        "required_if",
        ("secure_email", "secure_portal", "phone", "face_to_face", "letter", "other"),
    ),
    "shared_at": ("decision", "datetime", "required_if", None),
    "subject_informed": (
        "decision",
        "choice",
        "required",
        ("yes", "will_inform", "no_would_increase_risk", "no_would_prejudice_investigation", "no_other"),
    ),
    "subject_not_informed_reason": ("decision", "textarea", "required_if", None),
    "decision_maker_name": ("decision", "text", "required", None),
    "decision_maker_role": ("decision", "text", "required", None),
    "decided_at": ("decision", "datetime", "required", None),
}
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
