"""Form definition linting: every problem located by file, line and path, with a helpful message.

Forms under test are written compactly in each test (pyxform style). Line numbers are found by
searching the test's own YAML for a marker (``line_of``), never taken from the product.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sharewise.adapters.cli import main
from sharewise.core.errors import LintProblem
from sharewise.core.formfiles import lint_paths, load_form

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"
HEAD = "id: demo\nversion: 1\ntitle: Demo\n"
#: The start of a body whose one section ``s`` holds the questions that follow.
SECTION_S = "sections:\n  - id: s\n    title: S\n    questions:\n"
#: The smallest well-formed body: one section with one question.
ONE_QUESTION = "sections:\n  - {id: s, title: S, questions: [{id: q1, type: yes_no, label: Q1}]}\n"


def write(directory: Path, text: str, name: str = "form.yaml", head: bool = True) -> Path:
    """Write a form definition (``HEAD`` plus ``text``, dedented) and return its path."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((HEAD if head else "") + textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def in_section_s(questions: str) -> str:
    """A form body whose one section ``s`` (title ``S``) holds ``questions``: YAML list items, dedented here."""
    return SECTION_S + textwrap.indent(textwrap.dedent(questions).lstrip("\n"), "      ")


def one_question(qtype: str, *keys: str, qid: str = "q1", label: str = "Q1") -> str:
    """A form body with one question, ``qid`` of type ``qtype`` labelled ``label``, in section ``s``; each of
    ``keys`` is one more YAML line of the question (indented further to nest under the line before)."""
    lines = [f"- id: {qid}", f"  type: {qtype}", f"  label: {label}", *(f"  {key}" for key in keys)]
    return in_section_s("\n".join(lines) + "\n")


def line_of(path: Path, marker: str) -> int:
    """The 1-based line of the only line of ``path`` containing ``marker``."""
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if marker in line]
    assert len(lines) == 1, f"marker {marker!r} found on lines {lines}"
    return lines[0]


def lint(directory: Path, text: str, head: bool = True) -> tuple[Path, list[LintProblem]]:
    path = write(directory, text, head=head)
    return path, lint_paths([path])


def problem_at(problems: list[LintProblem], line: int, where: str) -> LintProblem:
    """The only problem, asserted to be on ``line`` at path ``where``."""
    problem = only(problems)
    assert (problem.line, problem.path) == (line, where)
    return problem


def places(problems: list[LintProblem]) -> set[tuple[int | None, str]]:
    return {(p.line, p.path) for p in problems}


def only(problems: list[LintProblem]) -> LintProblem:
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    return problems[0]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``sharewise ARGS`` in-process; return exit code, stdout and stderr."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


# ---------------------------------------------------------------- conditions: references


def test_unknown_question_in_show_if_suggests_near_miss(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        """
        sections:
          - id: request
            title: Request
            questions:
              - id: trigger
                type: yes_no
                label: Trigger
              - id: agency
                type: text
                label: Agency
                show_if: "trigerr == true"
        """,
    )
    problem = only(problems)
    assert problem.file == str(path)
    assert problem.line == line_of(path, "trigerr")
    assert problem.path == "sections[0].questions[1].show_if"
    assert problem.message == "unknown question 'trigerr' (did you mean 'trigger'?)"
    assert str(problem) == f"{path}:{problem.line}: sections[0].questions[1].show_if: {problem.message}"


def test_unknown_question_is_found_in_every_kind_of_condition(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        """
        definitions:
          - name: asked
            expression: "consent_sougth == true"
        sections:
          - id: consent
            title: Consent
            questions:
              - id: consent_sought
                type: yes_no
                label: Sought?
              - id: consent_date
                type: date
                label: When?
                required_if: "consent_sougt == true"
          - id: later
            title: Later
            show_if: "zzz_unrelated == true"
            questions:
              - id: later_q
                type: yes_no
                label: Later?
        """,
    )
    assert places(problems) == {
        (line_of(path, "consent_sougth"), "definitions[0].expression"),
        (line_of(path, "consent_sougt =="), "sections[0].questions[1].required_if"),
        (line_of(path, "zzz_unrelated"), "sections[1].show_if"),
    }
    messages = {p.path: p.message for p in problems}
    assert messages["definitions[0].expression"] == "unknown question 'consent_sougth' (did you mean 'consent_sought'?)"
    assert messages["sections[0].questions[1].required_if"] == "unknown question 'consent_sougt' (did you mean 'consent_sought'?)"
    # Nothing near: no suggestion rather than a misleading one.
    assert messages["sections[1].show_if"] == "unknown question 'zzz_unrelated'"


def test_definitions_can_be_used_in_conditions(tmp_path: Path) -> None:
    _, problems = lint(
        tmp_path,
        """
        definitions:
          - name: sharing
            expression: "decision == 'share'"
        sections:
          - id: decision
            title: Decision
            questions:
              - id: decision
                type: choice
                label: Decision
                options: [{code: share, label: Share}, {code: do_not_share, label: No}]
              - id: shared_at
                type: datetime
                label: When?
                show_if: sharing
        """,
    )
    assert problems == []


# ---------------------------------------------------------------- conditions: CEL


def test_cel_syntax_error(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        in_section_s(
            """
            - id: trigger
              type: yes_no
              label: Trigger
            - id: agency
              type: text
              label: Agency
              show_if: "trigger =="
            """
        ),
    )
    problem = problem_at(problems, line_of(path, "trigger =="), "sections[0].questions[1].show_if")
    assert problem.message.startswith("not a valid condition: ")
    assert "Syntax error" in problem.message
    assert "\n" not in problem.message  # one problem, one line of output


def test_empty_condition(tmp_path: Path) -> None:
    path, problems = lint(tmp_path, one_question("yes_no", 'required_if: "  "'))
    problem = problem_at(problems, line_of(path, "required_if"), "sections[0].questions[0].required_if")
    assert problem.message == "not a valid condition: empty condition"


def test_condition_that_cannot_be_evaluated_with_typed_answers(tmp_path: Path) -> None:
    # `in` needs a list (or map) on the right; a text answer is a string, so the condition can
    # never be evaluated. The linter evaluates each condition with a sample answer of each type.
    path, problems = lint(
        tmp_path,
        in_section_s(
            """
            - id: agency
              type: text
              label: Agency
            - id: age
              type: integer
              label: Age
            - id: notes
              type: text
              label: Notes
              show_if: "'a' in agency"
            - id: older
              type: yes_no
              label: Older?
              show_if: "age > 'ten'"
            """
        ),
    )
    assert places(problems) == {
        (line_of(path, "'a' in agency"), "sections[0].questions[2].show_if"),
        (line_of(path, "age > 'ten'"), "sections[0].questions[3].show_if"),
    }
    for problem in problems:
        assert problem.message.startswith("cannot be evaluated when the questions it reads are answered")


def test_condition_must_give_true_or_false(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        in_section_s(
            """
            - id: age
              type: integer
              label: Age
            - id: q2
              type: yes_no
              label: Q2
              show_if: "age + 1"
            """
        ),
    )
    problem = problem_at(problems, line_of(path, "age + 1"), "sections[0].questions[1].show_if")
    assert problem.message == "must give true or false, but gives int"


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            "trigger == 'request_recieved'",
            "'request_recieved' is not an option of question 'trigger' "
            "(did you mean 'request_received'? options: own, request_received)",
        ),
        ("'own_concern' == trigger", "'own_concern' is not an option of question 'trigger' (options: own, request_received)"),
        ('trigger != "requested"', "'requested' is not an option of question 'trigger' (options: own, request_received)"),
        ("trigger in ['own', 'other']", "'other' is not an option of question 'trigger' (options: own, request_received)"),
        (
            "'polise' in recipients",
            "'polise' is not an option of question 'recipients' (did you mean 'police'? options: housing, police)",
        ),
        ("trigger.startsWith('x')", "no option of question 'trigger' starts with 'x'"),
    ],
)
def test_comparison_with_a_code_that_is_not_an_option(tmp_path: Path, condition: str, message: str) -> None:
    path, problems = lint(
        tmp_path,
        f"""
        option_lists:
          agency:
            - {{code: police, label: Police}}
            - {{code: housing, label: Housing}}
        sections:
          - id: s
            title: S
            questions:
              - id: trigger
                type: choice
                label: Trigger
                options:
                  - {{code: own, label: Own concern}}
                  - {{code: request_received, label: A request}}
              - id: recipients
                type: multi
                label: Recipients
                options: agency
              - id: follow_up
                type: yes_no
                label: Follow up?
                show_if: {condition!r}
        """,
    )
    problem = problem_at(problems, line_of(path, "show_if:"), "sections[0].questions[2].show_if")
    assert problem.message == message


def test_valid_option_comparisons_are_clean(tmp_path: Path) -> None:
    _, problems = lint(
        tmp_path,
        in_section_s(
            """
            - id: trigger
              type: choice
              label: Trigger
              options:
                - {code: own, label: Own concern}
                - {code: request_received, label: A request}
            - id: follow_up
              type: yes_no
              label: Follow up?
              show_if: "trigger == 'request_received' || trigger in ['own'] || trigger.startsWith('req')"
            """
        ),
    )
    assert problems == []


# ---------------------------------------------------------------- conditions: cycles


def test_cycle_between_two_show_ifs(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        in_section_s(
            """
            - id: a1
              type: yes_no
              label: A1
              show_if: "a2 == true"
            - id: a2
              type: yes_no
              label: A2
              show_if: "a1 == true"
            """
        ),
    )
    problem = problem_at(problems, line_of(path, "a1 == true"), "sections[0].questions[1].show_if")
    assert problem.message == "conditions depend on each other in a cycle: a1 → a2 → a1"


def test_question_shown_if_its_own_answer(tmp_path: Path) -> None:
    path, problems = lint(tmp_path, one_question("yes_no", 'show_if: "a1 == true"', qid="a1", label="A1"))
    problem = problem_at(problems, line_of(path, "show_if"), "sections[0].questions[0].show_if")
    assert "cycle: a1 → a1" in problem.message


def test_cycle_between_definitions(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        """
        definitions:
          - name: d1
            expression: "d2 && q1 == true"
          - name: d2
            expression: "d1"
        sections:
          - id: s
            title: S
            questions:
              - id: q1
                type: yes_no
                label: Q1
        """,
    )
    problem = problem_at(problems, line_of(path, 'expression: "d1"'), "definitions[1].expression")
    assert problem.message == "conditions depend on each other in a cycle: d1 → d2 → d1"


def test_cycle_closed_through_required_if_points_at_required_if(tmp_path: Path) -> None:
    # q2 has no show_if: the problem must point at the condition that closes the cycle.
    path, problems = lint(
        tmp_path,
        in_section_s(
            """
            - id: q1
              type: yes_no
              label: Q1
              show_if: "q2 == true"
            - id: q2
              type: yes_no
              label: Q2
              required_if: "q1 == true"
            """
        ),
    )
    problem = only(problems)
    assert "cycle" in problem.message
    assert (problem.line, problem.path) == (line_of(path, "required_if"), "sections[0].questions[1].required_if")


def test_cycle_closed_through_section_show_if_points_at_the_section(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        """
        sections:
          - id: first
            title: First
            questions:
              - id: q2
                type: yes_no
                label: Q2
                show_if: "q1 == true"
          - id: second
            title: Second
            show_if: "q2 == true"
            questions:
              - id: q1
                type: yes_no
                label: Q1
        """,
    )
    problem = only(problems)
    assert "cycle" in problem.message
    assert (problem.line, problem.path) == (line_of(path, "q2 == true"), "sections[1].show_if")


# ---------------------------------------------------------------- ids


def test_duplicate_question_ids_in_one_section_and_across_sections(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        """
        sections:
          - id: one
            title: One
            questions:
              - id: q1
                type: yes_no
                label: First q1
              - id: q1
                type: yes_no
                label: Second q1
          - id: two
            title: Two
            questions:
              - id: q1
                type: text
                label: Third q1
        """,
    )
    first = line_of(path, "First q1") - 2
    assert places(problems) == {
        (line_of(path, "Second q1") - 2, "sections[0].questions[1].id"),
        (line_of(path, "Third q1") - 2, "sections[1].questions[0].id"),
    }
    for problem in problems:
        assert problem.message == f"duplicate question id 'q1' (first defined at {path}:{first})"


def test_duplicate_section_ids(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        """
        sections:
          - id: same
            title: First
            questions:
              - {id: q1, type: yes_no, label: Q1}
          - id: same
            title: Second
            questions:
              - {id: q2, type: yes_no, label: Q2}
        """,
    )
    problem = problem_at(problems, line_of(path, "title: Second") - 1, "sections[1].id")
    assert problem.message == f"duplicate section id 'same' (first defined at {path}:{line_of(path, 'title: First') - 1})"


def test_definition_named_like_a_question(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        """
        definitions:
          - name: q1
            expression: "true"
        sections:
          - id: s
            title: S
            questions:
              - {id: q1, type: yes_no, label: Q1}
        """,
    )
    problem = problem_at(problems, line_of(path, "name: q1"), "definitions[0].name")
    assert problem.message.startswith("duplicate definition id 'q1'")


@pytest.mark.parametrize("word", ["in", "as", "if", "package"])
def test_reserved_cel_word_as_question_id(tmp_path: Path, word: str) -> None:
    path, problems = lint(tmp_path, one_question("text", qid=word, label="Reserved"))
    problem = problem_at(problems, line_of(path, f"id: {word}"), "sections[0].questions[0].id")
    assert problem.message == f"'{word}' is a reserved word in conditions; choose another id"


# ---------------------------------------------------------------- options


def test_duplicate_option_code(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        one_question("choice", "options:", "  - {code: x, label: X}", "  - {code: y, label: Y}", "  - {code: x, label: X again}"),
    )
    problem = problem_at(problems, line_of(path, "X again"), "sections[0].questions[0].options[2].code")
    assert problem.message == "duplicate option code 'x'"


def test_duplicate_option_code_in_a_shared_option_list(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        """
        option_lists:
          agency:
            - {code: police, label: Police}
            - {code: police, label: Police again}
        sections:
          - id: s
            title: S
            questions:
              - {id: q1, type: multi, label: Q1, options: agency}
        """,
    )
    problem = problem_at(problems, line_of(path, "Police again"), "option_lists.agency[1].code")
    assert "duplicate option code 'police'" in problem.message


def test_unknown_option_list(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        """
        option_lists:
          agency:
            - {code: police, label: Police}
          urgency:
            - {code: now, label: Now}
        sections:
          - id: s
            title: S
            questions:
              - id: q1
                type: choice
                label: Q1
                options: agencies
        """,
    )
    problem = problem_at(problems, line_of(path, "options: agencies"), "sections[0].questions[0].options")
    assert problem.message == "unknown option list 'agencies' (known: agency, urgency)"


@pytest.mark.parametrize("qtype", ["choice", "multi"])
def test_choice_or_multi_without_options(tmp_path: Path, qtype: str) -> None:
    path, problems = lint(tmp_path, one_question(qtype))
    # No options key: the problem is placed on the question itself.
    problem = problem_at(problems, line_of(path, "id: q1"), "sections[0].questions[0].options")
    assert problem.message == f"a {qtype} question needs options (a list, or the name of an option list)"


def test_choice_with_an_empty_option_list(tmp_path: Path) -> None:
    path, problems = lint(tmp_path, one_question("choice", "options: []"))
    problem = problem_at(problems, line_of(path, "options: []"), "sections[0].questions[0].options")
    assert "needs options" in problem.message or "at least one" in problem.message


@pytest.mark.parametrize("qtype", ["text", "yes_no", "integer"])
def test_options_on_a_question_that_takes_none(tmp_path: Path, qtype: str) -> None:
    path, problems = lint(tmp_path, one_question(qtype, "options:", "  - {code: x, label: X}"))
    problem = problem_at(problems, line_of(path, "options:"), "sections[0].questions[0].options")
    assert problem.message == f"a {qtype} question takes no options"


# ---------------------------------------------------------------- limits and required


@pytest.mark.parametrize(
    ("qtype", "value", "message"),
    [
        ("text", 501, "max_length must be between 1 and 500 for a text question"),
        ("text", 0, "max_length must be between 1 and 500 for a text question"),
        ("textarea", 20_001, "max_length must be between 1 and 20,000 for a textarea question"),
        ("choice", 10, "max_length applies to text and textarea questions, not choice"),
        ("integer", 10, "max_length applies to text and textarea questions, not integer"),
    ],
)
def test_bad_max_length(tmp_path: Path, qtype: str, value: int, message: str) -> None:
    options = "options: [{code: a, label: A}]" if qtype == "choice" else ""
    path, problems = lint(tmp_path, one_question(qtype, f"max_length: {value}", options))
    problem = problem_at(problems, line_of(path, "max_length"), "sections[0].questions[0].max_length")
    assert problem.message == message


def test_max_length_at_the_limits_is_clean(tmp_path: Path) -> None:
    _, problems = lint(
        tmp_path,
        in_section_s(
            """
            - {id: q1, type: text, label: Q1, max_length: 500}
            - {id: q2, type: textarea, label: Q2, max_length: 20000}
            - {id: q3, type: text, label: Q3, max_length: 1}
            """
        ),
    )
    assert problems == []


def test_min_above_max(tmp_path: Path) -> None:
    path, problems = lint(tmp_path, one_question("integer", "min: 18", "max: 17", qid="age", label="Age"))
    problem = problem_at(problems, line_of(path, "max: 17"), "sections[0].questions[0].max")
    assert problem.message == "max (17) is below min (18)"


@pytest.mark.parametrize(("qtype", "key"), [("text", "min"), ("yes_no", "max"), ("date", "min")])
def test_min_or_max_on_a_non_integer_question(tmp_path: Path, qtype: str, key: str) -> None:
    path, problems = lint(tmp_path, one_question(qtype, f"{key}: 1"))
    problem = problem_at(problems, line_of(path, f"{key}: 1"), f"sections[0].questions[0].{key}")
    assert problem.message == f"{key} applies to integer questions, not {qtype}"


def test_required_together_with_required_if(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        in_section_s(
            """
            - {id: q1, type: yes_no, label: Q1}
            - id: q2
              type: yes_no
              label: Q2
              required: true
              required_if: "q1 == true"
            """
        ),
    )
    problem = problem_at(problems, line_of(path, "required_if"), "sections[0].questions[1].required_if")
    assert problem.message == "give either 'required: true' or 'required_if', not both"


# ---------------------------------------------------------------- YAML and shape


def test_repeated_yaml_keys(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        """
        version: 2
        sections:
          - id: s
            title: S
            questions:
              - id: q1
                type: yes_no
                label: Q1
                label: Q1 again
        """,
    )
    assert places(problems) == {
        (line_of(path, "version: 2"), "version"),
        (line_of(path, "Q1 again"), "sections[0].questions[0].label"),
    }
    assert {p.message for p in problems} == {"repeated key 'version'", "repeated key 'label'"}


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("sections:\n  - id: s\n    title: S\n    questions:\n      - id: q1\n          label: Q1\n", "label: Q1"),
        ("sections:\n\t- id: s\n", "\t- id"),
        ("sections: [a, b\ntitle: x\n", "title: x"),
    ],
    ids=["bad-indent", "tab", "unclosed-flow"],
)
def test_yaml_syntax_error_has_its_line(tmp_path: Path, text: str, marker: str) -> None:
    path = write(tmp_path, text)
    problem = only(lint_paths([path]))
    assert problem.line == line_of(path, marker)
    assert problem.path == ""
    assert problem.message.startswith("not valid YAML: ")


def test_unclosed_quote_points_at_where_the_string_starts(tmp_path: Path) -> None:
    # PyYAML only notices at the end of the file; the line worth showing is where the quote opens
    # (the "while scanning a quoted scalar" mark), not a line past the end of the file.
    path, problems = lint(
        tmp_path,
        in_section_s(
            """
            - id: q1
              type: yes_no
              label: "Q1
            - id: q2
              type: yes_no
              label: Q2
            """
        ),
    )
    problem = only(problems)
    assert problem.message.startswith("not valid YAML: ")
    assert problem.line == line_of(path, 'label: "Q1')


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"], ids=["empty", "comment", "blank-lines"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text, head=False)
    problem = only(lint_paths([path]))
    assert problem.file == str(path)
    assert problem.line in (None, 1)
    assert "empty" in problem.message


def test_top_level_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "- id: demo\n- version: 1\n", head=False)
    problem = only(lint_paths([path]))
    assert problem.line == 1
    assert problem.message.startswith("must be a mapping of keys to values")


def test_missing_required_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "description: A form with nothing in it\n", head=False)
    problems = lint_paths([path])
    assert {(p.path, p.message) for p in problems} == {
        ("id", "is required"),
        ("version", "is required"),
        ("title", "is required"),
        ("sections", "is required"),
    }
    assert all(p.file == str(path) and p.line == 1 for p in problems)


def test_missing_keys_of_a_question(tmp_path: Path) -> None:
    path, problems = lint(
        tmp_path,
        in_section_s(
            """
            - id: q1
            """
        ),
    )
    assert places(problems) == {
        (line_of(path, "id: q1"), "sections[0].questions[0].type"),
        (line_of(path, "id: q1"), "sections[0].questions[0].label"),
    }
    assert {p.message for p in problems} == {"is required"}


def test_unknown_key_is_a_typo(tmp_path: Path) -> None:
    path, problems = lint(tmp_path, one_question("yes_no", "requried: true"))
    problem = problem_at(problems, line_of(path, "requried"), "sections[0].questions[0].requried")
    assert problem.message == "is not a known key (check its spelling)"


@pytest.mark.parametrize(
    ("text", "marker", "where", "message"),
    [
        ('id: demo\nversion: "1"\ntitle: Demo\n', 'version: "1"', "version", "must be a whole number"),
        ("id: demo\nversion: 1.0\ntitle: Demo\n", "version: 1.0", "version", "must be a whole number"),
        ("id: demo\nversion: 1\ntitle: [Demo]\n", "title: [Demo]", "title", "must be text"),
        ("id: Demo_Form\nversion: 1\ntitle: Demo\n", "id: Demo_Form", "id", "must be lower case words joined by hyphens"),
    ],
)
def test_wrong_types_at_the_top(tmp_path: Path, text: str, marker: str, where: str, message: str) -> None:
    path = write(tmp_path, text + ONE_QUESTION, head=False)
    problem = only(lint_paths([path]))
    assert (problem.line, problem.path, problem.message) == (line_of(path, marker), where, message)


@pytest.mark.parametrize(
    ("qtype", "extra", "key", "message"),
    [
        ("text", 'required: "true"', "required", "must be true or false"),
        ("text", "required: yes", "required", "must be true or false"),
        ("text", "max_length: '10'", "max_length", "must be a whole number"),
        ("integer", "min: 1.5", "min", "must be a whole number"),
        ("boolean", "", "type", "must be one of: yes_no, choice, multi, text, textarea, integer, date, datetime"),
    ],
)
def test_wrong_types_in_a_question(tmp_path: Path, qtype: str, extra: str, key: str, message: str) -> None:
    path, problems = lint(tmp_path, one_question(qtype, extra))
    problem = problem_at(problems, line_of(path, extra or f"type: {qtype}"), f"sections[0].questions[0].{key}")
    assert problem.message.lower() == message


def test_yaml_1_1_booleans_stay_strings(tmp_path: Path) -> None:
    # `yes`, `no`, `on` and `off` are strings (YAML 1.2): an option code `yes` is never turned into True.
    path = write(
        tmp_path,
        """
        sections:
          - id: s
            title: S
            questions:
              - id: told
                type: choice
                label: Told them?
                required: true
                options:
                  - {code: yes, label: "Yes"}
                  - {code: no, label: "No"}
                  - code: off
                    label: Switched off
              - id: when
                type: date
                label: When?
                show_if: "told == 'yes'"
              - id: note
                type: text
                label: 2026-01-01
        """,
    )
    assert lint_paths([path]) == []
    form = load_form(path)
    assert [o.code for o in form.questions["told"].options] == ["yes", "no", "off"]
    assert form.questions["told"].required is True
    assert form.questions["note"].label == "2026-01-01"  # dates stay strings too


def test_core_form_yes_code_is_a_string() -> None:
    form = load_form(FORMS_DIR / "information-sharing-decision" / "v1.yaml")
    assert "yes" in form.questions["subject_informed"].codes


# ---------------------------------------------------------------- all at once, files, directories

#: Where the problems of ``three_problems`` are.
THREE_PROBLEM_PATHS = {
    "sections[0].questions[0].max_length",
    "sections[0].questions[1].options[1].code",
    "sections[0].questions[2].show_if",
}


def three_problems(condition: str) -> str:
    """A body with three independent problems: q1's max_length is over the limit, q2 repeats an option
    code, and q3 is shown if ``condition`` (a third problem when it is broken)."""
    return in_section_s(
        f"""
        - {{id: q1, type: text, label: Q1, max_length: 900}}
        - id: q2
          type: choice
          label: Q2
          options: [{{code: a, label: A}}, {{code: a, label: B}}]
        - {{id: q3, type: yes_no, label: Q3, show_if: "{condition}"}}
        """
    )


def test_three_independent_problems_are_all_listed(tmp_path: Path) -> None:
    _, problems = lint(tmp_path, three_problems("q1 =="))
    assert {p.path for p in problems} == THREE_PROBLEM_PATHS
    assert len(problems) == 3


def test_a_limit_problem_does_not_hide_an_unknown_question(tmp_path: Path) -> None:
    # The conditions all compile, so their references can be checked even though a limit is wrong.
    _, problems = lint(tmp_path, three_problems("qq1 == true"))
    assert {p.path for p in problems} == THREE_PROBLEM_PATHS


def test_every_file_is_linted_even_when_one_is_broken(tmp_path: Path) -> None:
    broken = write(tmp_path, "id: [\n", name="a.yaml", head=False)
    typo = write(
        tmp_path,
        "sections:\n  - {id: s, title: S, questions: [{id: q1, type: yes_no, label: Q1, requried: true}]}\n",
        name="b.yaml",
    )
    problems = lint_paths([broken, typo])
    assert {p.file for p in problems} == {str(broken), str(typo)}


def test_shipped_forms_lint_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert lint_paths([FORMS_DIR]) == []
    code, out, err = run_cli(capsys, "forms", "lint", str(FORMS_DIR))
    assert code == 0, out + err
    assert "no problems" in out


def test_directory_argument_lints_every_yaml_file(tmp_path: Path) -> None:
    good = ONE_QUESTION
    write(tmp_path, good, name="forms/one.yaml")
    write(
        tmp_path,
        "id: two\nversion: 1\ntitle: T\n" + good.replace("Q1}", "Q1, requried: true}"),
        name="forms/nested/two.yml",
        head=False,
    )
    write(
        tmp_path,
        "id: three\nversion: 1\ntitle: T\n" + good.replace("type: yes_no", "type: yesno"),
        name="forms/nested/deeper/three.yaml",
        head=False,
    )
    (tmp_path / "forms" / "README.txt").write_text("id: [ not yaml and not linted\n", encoding="utf-8")
    problems = lint_paths([tmp_path / "forms"])
    assert sorted((Path(p.file).name, p.path) for p in problems) == [
        ("three.yaml", "sections[0].questions[0].type"),
        ("two.yml", "sections[0].questions[0].requried"),
    ]


def test_same_form_id_and_version_in_two_files(tmp_path: Path) -> None:
    text = "# A leading comment\n# and another\n" + HEAD + ONE_QUESTION
    first = tmp_path / "a" / "v1.yaml"
    second = tmp_path / "b" / "v1.yaml"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    problem = only(lint_paths([tmp_path]))
    assert problem.file == str(second)
    assert problem.path == "id"
    assert problem.message == f"form 'demo' version 1 is also defined in {first}"
    assert problem.line == line_of(second, "id: demo")


def test_same_form_id_with_another_version_is_fine(tmp_path: Path) -> None:
    body = ONE_QUESTION
    write(tmp_path, body, name="v1.yaml")
    write(tmp_path, HEAD.replace("version: 1", "version: 2") + body, name="v2.yaml", head=False)
    assert lint_paths([tmp_path]) == []


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(HEAD.replace("Demo", "D\xe9mo").encode("latin-1"))
    problem = only(lint_paths([path]))
    assert problem.file == str(path)
    assert problem.message.startswith("cannot read the file")


# ---------------------------------------------------------------- the command line


BROKEN = """
sections:
  - id: s
    title: S
    questions:
      - id: trigger
        type: yes_no
        label: Trigger
      - id: agency
        type: text
        label: Agency
        options: [{code: a, label: A}]
      - id: extra
        type: text
        label: Extra
        max_length: 600
"""


def test_cli_lint_lists_each_problem_on_its_own_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, BROKEN)
    code, out, err = run_cli(capsys, "forms", "lint", str(path))
    assert code == 1
    assert sorted(out.splitlines()) == [
        f"{path}:{line_of(path, 'options:')}: sections[0].questions[1].options: a text question takes no options",
        f"{path}:{line_of(path, 'max_length')}: sections[0].questions[2].max_length: "
        "max_length must be between 1 and 500 for a text question",
    ]
    assert err.strip() == "2 problems in 1 file"
    assert "Traceback" not in out + err


def test_cli_lint_reports_the_unknown_question(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, BROKEN.replace("options: [{code: a, label: A}]", 'show_if: "trigerr == true"').replace("600", "60"))
    code, out, _ = run_cli(capsys, "forms", "lint", str(path))
    assert code == 1
    assert out.splitlines() == [
        f"{path}:{line_of(path, 'trigerr')}: sections[0].questions[1].show_if: "
        "unknown question 'trigerr' (did you mean 'trigger'?)"
    ]


def test_cli_lint_clean_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, ONE_QUESTION)
    code, out, err = run_cli(capsys, "forms", "lint", str(path))
    assert code == 0
    assert out.strip() == "1 file checked: no problems"
    assert err == ""


def test_cli_lint_several_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = write(tmp_path, ONE_QUESTION, name="a.yaml")
    empty = write(tmp_path, "", name="b.yaml", head=False)
    code, out, err = run_cli(capsys, "forms", "lint", str(clean), str(empty))
    assert code == 1
    assert out.splitlines()[0].startswith(f"{empty}")
    assert "1 problem in 2 files" in err


@pytest.mark.parametrize("args", [["forms", "lint", "no-such-file.yaml"], ["forms", "lint"]], ids=["missing-path", "no-path"])
def test_cli_lint_bad_usage_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert "Traceback" not in out + err
    assert out == ""
    expected = "'no-such-file.yaml' does not exist" if len(args) == 3 else "Missing argument 'PATH...'"
    assert expected in err


def _sharewise_executable() -> str:
    beside = Path(sys.executable).with_name("sharewise")
    found = str(beside) if beside.exists() else shutil.which("sharewise")
    if found is None:
        pytest.skip("the sharewise command is not installed")
    return found


def test_cli_lint_in_a_real_process(tmp_path: Path) -> None:
    exe = _sharewise_executable()
    path = write(tmp_path, BROKEN)
    broken_yaml = write(tmp_path, 'id: demo\ntitle: "unclosed\n', name="syntax.yaml", head=False)
    result = subprocess.run([exe, "forms", "lint", str(path), str(broken_yaml)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"{path}:{line_of(path, 'max_length')}: sections[0].questions[2].max_length: " in result.stdout
    assert f"{broken_yaml}:" in result.stdout

    clean = subprocess.run([exe, "forms", "lint", str(FORMS_DIR)], capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Traceback" not in clean.stdout + clean.stderr

    missing = subprocess.run([exe, "forms", "lint", str(tmp_path / "nope.yaml")], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2
    assert "Traceback" not in missing.stdout + missing.stderr
    assert "does not exist" in missing.stderr
