"""``sharewise retention due|apply|review``: keeping records no longer than necessary."""

from __future__ import annotations

import datetime as dt

import click

from sharewise.adapters.cli.options import actor, echo_json, json_option, make_engine, open_store, utcnow
from sharewise.core.retention import Retention

as_of_option = click.option(
    "--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE", help="Pretend today is DATE (YYYY-MM-DD)."
)


def _service() -> Retention:
    return Retention(make_engine(()), open_store(), clock=utcnow)


def _day(as_of: dt.datetime | None) -> dt.date:
    return as_of.date() if as_of else utcnow().date()


@click.group()
def retention() -> None:
    """Records due for review or disposal, and disposing of them per their retention class."""


@retention.command("due")
@as_of_option
@json_option
def due(as_of: dt.datetime | None, as_json: bool) -> None:
    """List records whose review date has come, with what their class says to do."""
    items = _service().due(_day(as_of))
    if as_json:
        echo_json([item.to_dict() for item in items])
        return
    if not items:
        click.echo("nothing is due")
    for item in items:
        hold = f"  (legal hold: {item.hold})" if item.hold else ""
        click.echo(f"{item.record_id}  due {item.review_on}  {item.retention_class}  → {item.action}{hold}")


@retention.command("apply")
@as_of_option
@json_option
def apply(as_of: dt.datetime | None, as_json: bool) -> None:
    """Delete or anonymise due records as their class says; never a record under legal hold."""
    report = _service().apply(_day(as_of), actor=actor())
    if as_json:
        echo_json(report.to_dict())
        return
    for record_id, action in report.disposed:
        click.echo(f"{'deleted' if action == 'delete' else 'anonymised'} {record_id}")
    for record_id, reason in report.refused:
        click.echo(f"refused {record_id}: under legal hold ({reason})")
    for record_id in report.awaiting_review:
        click.echo(f"awaiting review {record_id}: its class needs a person's decision (sharewise retention review)")
    if not (report.disposed or report.refused or report.awaiting_review):
        click.echo("nothing is due")


@retention.command("review")
@click.argument("record_id")
@click.option(
    "--keep-until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="DATE",
    help="Keep the record until DATE, then review again.",
)
@click.option("--dispose", type=click.Choice(["delete", "anonymise"]), help="Dispose of the record now.")
@click.option("--reason", required=True, metavar="TEXT", help="Why (kept in the audit log).")
def review(record_id: str, keep_until: dt.datetime | None, dispose: str | None, reason: str) -> None:
    """Record a person's retention review: keep the record longer, or dispose of it."""
    _service().review(
        record_id, actor=actor(), reason=reason, keep_until=keep_until.date() if keep_until else None, dispose=dispose
    )
    click.echo(f"{record_id}: {'kept until ' + keep_until.date().isoformat() if keep_until else dispose + 'd'}")
