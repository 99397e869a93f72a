"""``sharewise check FORM ANSWERS.json``: check answers against a form."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import click

from sharewise.adapters.cli.options import echo_json, json_option, make_engine, plugin_option
from sharewise.adapters.cli.report import render_evaluation
from sharewise.core import strict_json
from sharewise.core.errors import InvalidInput

MAX_ANSWERS_BYTES = 10 * 1024 * 1024
#: Keys of an envelope around the answers: a worked scenario or an API submission body.
ENVELOPE_KEYS = frozenset(
    {"name", "description", "form", "form_id", "plugins", "answers", "expect", "context", "acknowledged_warnings"}
)


@click.command()
@click.argument("form_id", metavar="FORM")
@click.argument("answers_path", metavar="ANSWERS.json")
@click.option("--form-version", type=click.IntRange(min=1), help="Check against this version of the form (default: the latest).")
@json_option
@plugin_option
def check(form_id: str, answers_path: str, form_version: int | None, as_json: bool, plugins: tuple[str, ...]) -> None:
    """Check the answers in ANSWERS.json (or - for standard input) against FORM.

    ANSWERS.json holds one object keyed by question id, or an envelope
    {"form", "plugins", "answers", ...} such as a worked scenario (its plugins are enabled too).
    Exits 0 when there is no error finding, 1 when there is, 2 on bad usage or unreadable input.
    """
    source = "standard input" if answers_path == "-" else answers_path
    document = strict_json.loads(read_answers(answers_path), source=source)
    answers, envelope_plugins = unwrap(document, form_id, source)
    engine = make_engine([*plugins, *envelope_plugins])
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
        name = "standard input" if path == "-" else path
        megabytes = MAX_ANSWERS_BYTES // (1024 * 1024)
        raise InvalidInput(f"{name} is larger than {megabytes} MB; answers to one form are far smaller")
    return data


def unwrap(document: Any, form_id: str, source: str) -> tuple[Any, list[str]]:
    """The answers, and any plugins an envelope names; the document itself when it is plain answers.

    A document with an ``answers`` key is an envelope (no form has a question called ``answers``):
    its other keys must be envelope keys, its ``answers`` an object, and its form, if named, FORM.
    """
    if not (isinstance(document, Mapping) and "answers" in document):
        return document, []
    named = document.get("form", document.get("form_id"))
    if named is not None and named != form_id:
        raise InvalidInput(f"{source} holds answers for form '{named}', not '{form_id}'")
    unknown = sorted(set(document) - ENVELOPE_KEYS)
    if unknown:
        expected = ", ".join(sorted(ENVELOPE_KEYS))
        raise InvalidInput(f"{source}: unexpected key '{unknown[0]}' beside 'answers' (expected only: {expected})")
    if not isinstance(document["answers"], Mapping):
        raise InvalidInput(f"{source}: 'answers' must be an object keyed by question id")
    plugins = document.get("plugins") or []
    if not isinstance(plugins, list) or not all(isinstance(p, str) for p in plugins):
        raise InvalidInput(f"{source}: 'plugins' must be a list of plugin names")
    return document["answers"], plugins
