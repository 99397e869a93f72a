"""``sharewise forms list|show|lint``: the forms this installation knows, and linting new ones."""

from __future__ import annotations

import sys

import click

from sharewise.adapters.cli.options import echo_json, json_option, make_engine, plugin_option
from sharewise.core.errors import InvalidInput
from sharewise.core.formdef import FormDefinition, Question
from sharewise.core.formfiles import expand_paths, lint_paths
from sharewise.core.formjson import form_to_dict
from sharewise.forms import example_answers, example_names


@click.group()
def forms() -> None:
    """List, show and lint form definitions."""


@forms.command("list")
@json_option
@plugin_option
def list_forms(as_json: bool, plugins: tuple[str, ...]) -> None:
    """List every form and version."""
    engine = make_engine(plugins)
    rows = [
        {"id": f.id, "version": f.version, "title": f.title, "questions": len(f.questions), "extended_by": list(f.extended_by)}
        for f in engine.forms.all()
    ]
    if as_json:
        echo_json(rows)
        return
    width = max((len(r["id"]) for r in rows), default=2)
    for row in rows:
        extended = f"  (extended by {', '.join(row['extended_by'])})" if row["extended_by"] else ""
        click.echo(f"{row['id']:<{width}}  v{row['version']}  {row['questions']:>3} questions  {row['title']}{extended}")


@forms.command("show")
@click.argument("form_id", metavar="FORM")
@click.option("--form-version", type=click.IntRange(min=1), help="Show this version (default: the latest).")
@click.option("--markdown", is_flag=True, help="Print Markdown tables of the questions (as in docs/forms.md).")
@click.option("--section", "section_id", metavar="ID", help="With --markdown: only this section.")
@json_option
@plugin_option
def show_form(
    form_id: str, form_version: int | None, markdown: bool, section_id: str | None, as_json: bool, plugins: tuple[str, ...]
) -> None:
    """Show FORM's sections and questions (as extended by any enabled plugins)."""
    form = make_engine(plugins).form(form_id, form_version)
    if section_id is not None and section_id not in {s.id for s in form.sections}:
        raise InvalidInput(f"form '{form.id}' has no section '{section_id}' (sections: {', '.join(s.id for s in form.sections)})")
    if as_json:
        echo_json(form_to_dict(form))
    elif markdown:
        click.echo(form_markdown(form, section_id))
    else:
        click.echo(render_form(form))


@forms.command("example")
@click.argument("form_id", metavar="FORM")
@click.argument("name", required=False)
def example(form_id: str, name: str | None) -> None:
    """Print a shipped example answer set for FORM (the first one, or NAME) as JSON."""
    names = example_names(form_id)
    if not names:
        raise InvalidInput(f"no example answers are shipped for form '{form_id}'")
    if name is not None and name not in names:
        raise InvalidInput(f"no example '{name}' for form '{form_id}' (examples: {', '.join(names)})")
    echo_json(example_answers(form_id, name or names[0]))


@forms.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True), metavar="PATH...")
def lint_forms(paths: tuple[str, ...]) -> None:
    """Check form definition files (or every YAML file under a directory).

    Exits 0 when all are clean, 1 when problems are listed.
    """
    files = expand_paths(paths)
    problems = lint_paths(files)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {len(files)} file{'s' if len(files) != 1 else ''}",
            err=True,
        )
        sys.exit(1)
    click.echo(f"{len(files)} file{'s' if len(files) != 1 else ''} checked: no problems")


def render_form(form: FormDefinition) -> str:
    """A readable outline of the form."""
    lines = [f"{form.title} ({form.id} v{form.version})"]
    if form.extended_by:
        lines.append(f"Extended by: {', '.join(form.extended_by)}")
    for section in form.sections:
        origin = f" [from plugin {section.plugin}]" if section.plugin else ""
        lines += ["", f"Section {section.id}: {section.title}{origin}"]
        if section.show_if:
            lines.append(f"  shown if {section.show_if.source}")
        lines += [_question_line(q) for q in section.questions]
    return "\n".join(lines)


def _question_line(question: Question) -> str:
    when = (
        "required"
        if question.required
        else ("required if " + question.required_if.source if question.required_if else "optional")
    )
    if question.show_if:
        when += f"; shown if {question.show_if.source}"
    options = f" [{', '.join(o.code for o in question.options)}]" if question.options else ""
    return f"  {question.id} ({question.type}{options}) — {question.label} ({when})"


def form_markdown(form: FormDefinition, section_id: str | None = None) -> str:
    """One Markdown table per section (or just ``section_id``): id, type, when it is asked, the question."""
    out: list[str] = []
    for section in (s for s in form.sections if section_id in (None, s.id)):
        shown = f" — shown if `{section.show_if.source}`" if section.show_if else ""
        out += [
            f"#### Section `{section.id}`: {section.title}{shown}",
            "",
            "| id | type | asked | question |",
            "|---|---|---|---|",
        ]
        for q in section.questions:
            cells = (f"`{q.id}`", _type_cell(q), _asked_cell(q), q.label)
            out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _type_cell(question: Question) -> str:
    if question.option_list:
        return f"{question.type} (`{question.option_list}`)"
    if question.options:
        return f"{question.type}: " + ", ".join(f"`{o.code}`" for o in question.options)
    if question.type == "integer":
        return f"integer {question.minimum}–{question.maximum}"
    if question.max_length is not None:
        return f"{question.type} ≤ {question.max_length:,}"
    return question.type


def _asked_cell(question: Question) -> str:
    shown = f"if `{question.show_if.source}`" if question.show_if else "always"
    if question.required:
        return f"required {shown}" if question.show_if else "required"
    if question.required_if:
        return f"shown {shown}; required if `{question.required_if.source}`"
    return f"optional, shown {shown}"
