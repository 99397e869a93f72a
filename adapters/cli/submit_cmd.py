"""``sharewise submit FORM ANSWERS.json``: check answers and, if they pass, record the decision."""

from __future__ import annotations

import sys
from typing import Any

import click

from sharewise.adapters.cli.check_cmd import unwrap
from sharewise.adapters.cli.options import (
    actor,
    echo_json,
    json_option,
    make_engine,
    open_store,
    plugin_option,
    read_json_file,
    utcnow,
)
from sharewise.adapters.cli.report import render_evaluation
from sharewise.core.record import Record
from sharewise.core.submission import Recorder, SubmissionRefused, Submitted

ack_option = click.option(
    "--ack", "acknowledged", multiple=True, metavar="RULE", help="Acknowledge the warning of this rule (repeatable)."
)
key_option = click.option("--idempotency-key", metavar="KEY", help="Submitting again with the same key returns the first record.")


@click.command()
@click.argument("form_id", metavar="FORM")
@click.argument("answers_path", metavar="ANSWERS.json")
@ack_option
@key_option
@json_option
@plugin_option
def submit(
    form_id: str,
    answers_path: str,
    acknowledged: tuple[str, ...],
    idempotency_key: str | None,
    as_json: bool,
    plugins: tuple[str, ...],
) -> None:
    """Record a decision: answers with no error findings, every warning acknowledged with --ack.

    Exits 0 with the record; 1 when refused (the findings say why); 2 on bad usage.
    """
    source = "standard input" if answers_path == "-" else answers_path
    answers, envelope_plugins = unwrap(read_json_file(answers_path), form_id, source)
    engine = make_engine([*plugins, *envelope_plugins])
    recorder = Recorder(engine, open_store(), clock=utcnow)
    run_submission(
        lambda: recorder.submit(
            form_id, answers, acknowledged=acknowledged, idempotency_key=idempotency_key, author={"id": actor()}
        ),
        engine,
        as_json,
    )


def run_submission(action: Any, engine: Any, as_json: bool) -> None:
    """Run a submit or amend, print the record or the refusal, and exit 0 or 1."""
    try:
        submitted: Submitted = action()
    except SubmissionRefused as refused:
        report_refusal(refused, engine, as_json)
        sys.exit(1)
    if as_json:
        echo_json({**submitted.record.to_dict(), "replayed": submitted.replayed})
    else:
        click.echo(describe(submitted.record, replayed=submitted.replayed))
    sys.exit(0)


def report_refusal(refused: SubmissionRefused, engine: Any, as_json: bool) -> None:
    """Print why a submission was refused: the reason, then the findings."""
    evaluation = refused.evaluation
    if as_json:
        echo_json(
            {
                "recorded": False,
                "reason": str(refused),
                "unacknowledged": refused.unacknowledged,
                "unexpected_acknowledgements": refused.unexpected,
                **evaluation.to_dict(),
            }
        )
        return
    click.echo(f"Not recorded: {refused}.")
    click.echo("")
    click.echo(render_evaluation(evaluation, engine.form(evaluation.form_id, evaluation.form_version)))


def _review(record: Record) -> str:
    return "yes — acknowledged " + ", ".join(record.acknowledged_warnings) if record.review_required else "no"


def describe(record: Record, *, replayed: bool = False) -> str:
    """One paragraph about a stored record."""
    lines = [
        f"{'Already recorded (same idempotency key): ' if replayed else 'Recorded '}{record.id}",
        f"  form: {record.form_id} v{record.form_version} · created {record.created_at}",
        f"  review required: {_review(record)}",
        f"  retention: {record.retention_class}, review on {record.review_on}",
    ]
    if record.supersedes:
        lines.append(f"  amends {record.supersedes}: {record.amendment_reason}")
    return "\n".join(lines)
