"""``sharewise drafts save|list|show|submit|discard|purge-expired``: unfinished answers."""

from __future__ import annotations

import sys

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
from sharewise.adapters.cli.submit_cmd import ack_option, key_option, run_submission
from sharewise.core.drafts import DraftRefused, Drafts
from sharewise.core.engine import Engine
from sharewise.core.submission import Recorder


def _drafts(engine: Engine | None = None) -> Drafts:
    return Drafts(engine or make_engine(()), open_store(), clock=utcnow)


@click.group()
def drafts() -> None:
    """Save incomplete answers and resume them later (drafts expire; they are never exported)."""


@drafts.command("save")
@click.argument("form_id", metavar="FORM")
@click.argument("answers_path", metavar="ANSWERS.json")
@click.option("--id", "draft_id", metavar="ID", help="Replace this draft's answers instead of starting a new draft.")
@json_option
@plugin_option
def save(form_id: str, answers_path: str, draft_id: str | None, as_json: bool, plugins: tuple[str, ...]) -> None:
    """Save answers as a draft (shape checks only: they may be incomplete).

    ANSWERS.json holds the answers, or an envelope {"form", "plugins", "answers", ...}.
    """
    source = "standard input" if answers_path == "-" else answers_path
    answers, envelope_plugins = unwrap(read_json_file(answers_path), form_id, source)
    engine = make_engine([*plugins, *envelope_plugins])
    try:
        draft = _drafts(engine).save(form_id, answers, draft_id=draft_id, author={"id": actor()})
    except DraftRefused as refused:
        if as_json:
            echo_json({"saved": False, "reason": str(refused), "findings": [f.to_dict() for f in refused.findings]})
        else:
            click.echo(f"Not saved: {refused}.")
            for finding in refused.findings:
                click.echo(f"  ✗ {finding.field or '-'} [{finding.rule}] {finding.message}")
        sys.exit(1)
    if as_json:
        echo_json(draft.to_dict())
    else:
        click.echo(
            f"Saved draft {draft.id} ({draft.form_id} v{draft.form_version}); kept until {draft.expires_at.date().isoformat()}"
        )


@drafts.command("list")
@json_option
def list_drafts(as_json: bool) -> None:
    """List drafts that have not expired, most recent first."""
    found = _drafts().list()
    if as_json:
        echo_json([draft.to_dict() for draft in found])
        return
    if not found:
        click.echo("no drafts")
    for draft in found:
        saved = draft.updated_at.isoformat(timespec="seconds")
        click.echo(f"{draft.id}  {draft.form_id} v{draft.form_version}  saved {saved}  expires {draft.expires_at.date()}")


@drafts.command("show")
@click.argument("draft_id")
def show(draft_id: str) -> None:
    """Print a draft's answers as JSON, to resume work on them."""
    echo_json(dict(_drafts().get(draft_id).answers))


@drafts.command("submit")
@click.argument("draft_id")
@ack_option
@key_option
@json_option
@plugin_option
def submit_draft(
    draft_id: str, acknowledged: tuple[str, ...], idempotency_key: str | None, as_json: bool, plugins: tuple[str, ...]
) -> None:
    """Submit a draft as a record; the draft is removed once it is recorded."""
    engine = make_engine(plugins)
    store = open_store()
    drafts_service = Drafts(engine, store, clock=utcnow)
    draft = drafts_service.get(draft_id)
    recorder = Recorder(engine, store, clock=utcnow)

    def submit_then_discard():  # type: ignore[no-untyped-def]
        submitted = recorder.submit(
            draft.form_id,
            dict(draft.answers),
            acknowledged=acknowledged,
            idempotency_key=idempotency_key or f"draft-{draft.id}",
            author={"id": actor()},
            context=draft.context,
            version=draft.form_version,
        )
        drafts_service.discard(draft.id)
        return submitted

    run_submission(submit_then_discard, engine, as_json)


@drafts.command("discard")
@click.argument("draft_id")
def discard(draft_id: str) -> None:
    """Delete a draft."""
    _drafts().discard(draft_id)
    click.echo(f"discarded draft {draft_id}")


@drafts.command("purge-expired")
def purge_expired() -> None:
    """Delete every expired draft now (saving a draft also does this)."""
    click.echo(f"deleted {_drafts().purge_expired()} expired draft(s)")
