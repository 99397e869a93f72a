"""``sharewise records list|show|amend|hold|release``: stored decision records."""

from __future__ import annotations

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
from sharewise.adapters.cli.submit_cmd import ack_option, describe, key_option, run_submission
from sharewise.adapters.exports.formats import FormLookup, check_format, render
from sharewise.core.record import Record
from sharewise.core.submission import Recorder

reason_option = click.option("--reason", required=True, metavar="TEXT", help="Why (kept in the audit log).")


@click.group()
def records() -> None:
    """List, show, amend and hold decision records."""


@records.command("list")
@click.option("--review-required", is_flag=True, help="Only records with acknowledged warnings, for the designated lead.")
@click.option("--form", "form_id", metavar="FORM", help="Only records of this form.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@json_option
def list_records(review_required: bool, form_id: str | None, limit: int, as_json: bool) -> None:
    """List records, oldest first."""
    found = open_store().list(review_required=True if review_required else None, form_id=form_id, limit=limit)
    if as_json:
        echo_json([record.to_dict() for record in found])
        return
    if not found:
        click.echo("no records")
    for record in found:
        flags = [flag for flag, on in (("review required", record.review_required), ("amended", record.superseded_by)) if on]
        flags += [f"disposal: {record.disposal}"] if record.disposal else []
        click.echo(f"{record.id}  {record.created_at[:19]}  {record.form_id} v{record.form_version}  {'; '.join(flags)}".rstrip())


@records.command("show")
@click.argument("record_id")
@click.option(
    "--format",
    "format_name",
    metavar="FORMAT",
    help="Print the record in an export format: json, xml, fhir-json, fhir-xml, xslt:NAME.",
)
@json_option
@plugin_option
def show_record(record_id: str, format_name: str | None, as_json: bool, plugins: tuple[str, ...]) -> None:
    """Show one record with its chain of versions (the viewing is audited)."""
    store = open_store()
    versions = store.chain(record_id)
    record = next(version for version in versions if version.id == record_id)
    with store.reading() as connection:
        hold = store.active_hold(connection, record_id)
    if format_name is not None:
        name = check_format(format_name)
        document = render(record, name, FormLookup(make_engine(plugins)))
        store.record_access("exported", [record_id], actor=actor(), now=utcnow(), detail={"format": name})
        click.echo(document.decode("utf-8"), nl=False)
        return
    store.record_access("viewed", [record_id], actor=actor(), now=utcnow())
    if as_json:
        echo_json({**record.to_dict(), "versions": [v.id for v in versions], "legal_hold": hold.to_dict() if hold else None})
        return
    click.echo(render_record(record, versions, hold.reason if hold else None))


@records.command("amend")
@click.argument("record_id")
@click.argument("answers_path", metavar="ANSWERS.json")
@reason_option
@ack_option
@key_option
@json_option
@plugin_option
def amend_record(
    record_id: str,
    answers_path: str,
    reason: str,
    acknowledged: tuple[str, ...],
    idempotency_key: str | None,
    as_json: bool,
    plugins: tuple[str, ...],
) -> None:
    """Correct a record: a new record superseding it, with a reason. Both stay readable.

    ANSWERS.json holds the corrected answers, or an envelope {"form", "plugins", "answers", ...}.
    """
    store = open_store()
    original = store.get(record_id)
    source = "standard input" if answers_path == "-" else answers_path
    answers, envelope_plugins = unwrap(read_json_file(answers_path), original.form_id, source)
    engine = make_engine([*plugins, *envelope_plugins])
    recorder = Recorder(engine, store, clock=utcnow)
    run_submission(
        lambda: recorder.amend(
            record_id, answers, reason=reason, acknowledged=acknowledged, idempotency_key=idempotency_key, author={"id": actor()}
        ),
        engine,
        as_json,
    )


@records.command("hold")
@click.argument("record_id")
@reason_option
def hold_record(record_id: str, reason: str) -> None:
    """Place a legal hold: the record cannot be disposed of until it is released."""
    open_store().hold(record_id, reason=reason, actor=actor(), now=utcnow())
    click.echo(f"{record_id} is on legal hold: {reason}")


@records.command("release")
@click.argument("record_id")
@reason_option
def release_record(record_id: str, reason: str) -> None:
    """Release a legal hold."""
    open_store().release(record_id, reason=reason, actor=actor(), now=utcnow())
    click.echo(f"{record_id} is no longer on legal hold")


def render_record(record: Record, versions: list[Record], hold: str | None) -> str:
    """A record as text: summary, versions, answers, findings."""
    lines = [describe(record)]
    if record.superseded_by:
        lines.append(f"  superseded by {record.superseded_by} (a later correction)")
    if hold:
        lines.append(f"  legal hold: {hold}")
    if record.disposal:
        lines.append(f"  disposed of under retention: {record.disposal}")
    if len(versions) > 1:
        lines += ["", "Versions (oldest first):"]
        lines += [
            f"  {'→' if v.id == record.id else ' '} {v.id}  {v.created_at[:19]}  {v.amendment_reason or 'original'}"
            for v in versions
        ]
    lines += ["", "Answers:"] + [f"  {key}: {value}" for key, value in record.answers.items()]
    if record.findings:
        lines += ["", "Findings:"] + [
            f"  {f['severity']:<8} {f['field'] or '-'} [{f['rule']}] {f['message']}" for f in record.findings
        ]
    lines += ["", f"Content hash: {record.content_hash}", f"Plugins: {', '.join(f'{k} {v}' for k, v in record.plugins.items())}"]
    return "\n".join(lines)
