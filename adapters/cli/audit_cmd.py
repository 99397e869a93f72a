"""``sharewise audit verify|log``: the tamper-evident audit log."""

from __future__ import annotations

import sys

import click

from sharewise.adapters.cli.options import echo_json, json_option, open_store


@click.group()
def audit() -> None:
    """Verify and read the audit log."""


@audit.command("verify")
@json_option
def verify(as_json: bool) -> None:
    """Check every entry's chain link and hash, and every record against its hash.

    Exits 0 when all is intact, 1 naming the first problem.
    """
    result = open_store().verify()
    if as_json:
        echo_json(result.to_dict())
    elif result.intact:
        click.echo(f"intact: {result.entries} audit entries, {result.records} records; head {result.head_hash}")
    else:
        click.echo(f"NOT INTACT: {result.problem}")
    sys.exit(0 if result.intact else 1)


@audit.command("log")
@click.option("--record", "record_id", metavar="ID", help="Only the entries about this record.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True, help="The last N entries.")
@json_option
def log(record_id: str | None, limit: int, as_json: bool) -> None:
    """Show audit entries, oldest first."""
    entries = open_store().audit_entries(record_id=record_id, limit=None if record_id else limit)
    if as_json:
        echo_json([entry.to_dict() for entry in entries])
        return
    for entry in entries:
        click.echo(f"{entry.seq:>8}  {entry.at[:19]}  {entry.action:<9} {entry.record_id or '-'}  {entry.actor}")
