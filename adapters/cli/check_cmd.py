"""``sharewise check FORM ANSWERS.json``: check answers against a form."""

from __future__ import annotations

import sys

import click

from sharewise.adapters.cli.options import echo_json, json_option, make_engine, plugin_option
from sharewise.adapters.cli.report import render_evaluation
from sharewise.core import strict_json
from sharewise.core.errors import InvalidInput

MAX_ANSWERS_BYTES = 10 * 1024 * 1024


@click.command()
@click.argument("form_id", metavar="FORM")
@click.argument("answers_path", metavar="ANSWERS.json")
@click.option("--form-version", type=click.IntRange(min=1), help="Check against this version of the form (default: the latest).")
@json_option
@plugin_option
def check(form_id: str, answers_path: str, form_version: int | None, as_json: bool, plugins: tuple[str, ...]) -> None:
    """Check the answers in ANSWERS.json (or - for standard input) against FORM.

    Exits 0 when there is no error finding, 1 when there is, 2 on bad usage or unreadable input.
    """
    answers = strict_json.loads(read_answers(answers_path), source=answers_path)
    engine = make_engine(plugins)
    evaluation = engine.evaluate(form_id, answers, version=form_version)
    if as_json:
        echo_json(evaluation.to_dict())
    else:
        click.echo(render_evaluation(evaluation, engine.form(evaluation.form_id, evaluation.form_version)))
    sys.exit(0 if evaluation.valid else 1)


def read_answers(path: str) -> bytes:
    """The bytes of the answers file (``-`` reads standard input); ``InvalidInput`` if unreadable."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_ANSWERS_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_ANSWERS_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_ANSWERS_BYTES:
        raise InvalidInput(f"{path} is larger than {MAX_ANSWERS_BYTES // (1024 * 1024)} MB; answers to one form are far smaller")
    return data
