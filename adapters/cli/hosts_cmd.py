"""``sharewise hosts add|list|rotate-key|rotate-webhook-secret|enable-webhook``: host systems (the bridge's
tenants)."""

from __future__ import annotations

import datetime as dt

import click

from sharewise.adapters.cli.options import echo_json, json_option, open_store, utcnow
from sharewise.core.hosts import DEFAULT_SECRET_OVERLAP, MAX_SECRET_OVERLAP, WEBHOOK_FORMATS, HostRegistry


@click.group()
def hosts() -> None:
    """Register host systems and manage their keys."""


@hosts.command("add")
@click.argument("name")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    required=True,
    metavar="URL",
    help="Where the host's pages are served from (repeatable).",
)
@click.option("--webhook", metavar="URL", help="Where records are delivered (signed per Standard Webhooks).")
@click.option(
    "--format",
    "webhook_format",
    type=click.Choice(WEBHOOK_FORMATS),
    default="json",
    show_default=True,
    help="The delivered format.",
)
@click.option("--drop-dir", metavar="PATH", help="A directory records are written into (atomically).")
@json_option
def add(
    name: str, origins: tuple[str, ...], webhook: str | None, webhook_format: str, drop_dir: str | None, as_json: bool
) -> None:
    """Register host NAME; prints its API key and webhook secret ONCE (keys are stored hashed)."""
    credentials = HostRegistry(open_store()).add(
        name, origins=origins, webhook_url=webhook, webhook_format=webhook_format, drop_dir=drop_dir, now=utcnow()
    )
    if as_json:
        echo_json(credentials.to_dict())
        return
    click.echo(f"host {name} added. Keep these now — they are not shown again:")
    click.echo(f"  API key:        {credentials.api_key}")
    click.echo(f"  webhook secret: {credentials.webhook_secret}")


@hosts.command("list")
@json_option
def list_hosts(as_json: bool) -> None:
    """List host systems (never their keys)."""
    found = HostRegistry(open_store()).list()
    if as_json:
        echo_json([host.to_dict() for host in found])
        return
    if not found:
        click.echo("no hosts")
    now = utcnow()
    for host in found:
        where = host.webhook_url or host.drop_dir or "pull feed only"
        disabled = "  (webhook disabled: it answered 410)" if host.webhook_disabled_at else ""
        until = host.previous_secret_until
        overlap = (
            f"  (old webhook secret also signs until {until.isoformat(timespec='seconds')})"
            if until and len(host.signing_secrets(now)) > 1
            else ""
        )
        click.echo(f"{host.name:<20} {', '.join(host.origins)}  → {where}{disabled}{overlap}")


@hosts.command("rotate-key")
@click.argument("name")
@json_option
def rotate_key(name: str, as_json: bool) -> None:
    """Issue a new API key for NAME; the old key stops working at once."""
    credentials = HostRegistry(open_store()).rotate_key(name, now=utcnow())
    if as_json:
        echo_json({"name": name, "api_key": credentials.api_key})
    else:
        click.echo(f"new API key for {name} (shown once): {credentials.api_key}")


@hosts.command("rotate-webhook-secret")
@click.argument("name")
@click.option(
    "--overlap",
    "overlap_hours",
    type=click.IntRange(0, MAX_SECRET_OVERLAP.days * 24),
    default=int(DEFAULT_SECRET_OVERLAP.total_seconds() // 3600),
    show_default=True,
    help="Hours the old secret still signs deliveries beside the new one; 0 stops it at once (a leaked secret).",
)
@json_option
def rotate_webhook_secret(name: str, overlap_hours: int, as_json: bool) -> None:
    """Issue a new webhook secret for NAME. Deliveries are signed with it from now on and, for the overlap,
    with the old one too, so the host accepts them while it switches to the new secret."""
    registry = HostRegistry(open_store())
    secret = registry.rotate_webhook_secret(name, now=utcnow(), overlap=dt.timedelta(hours=overlap_hours))
    until = registry.get(name).previous_secret_until  # as stored: None without an overlap
    if as_json:
        echo_json({"name": name, "webhook_secret": secret, "signing_overlap_until": until.isoformat() if until else None})
        return
    click.echo(f"new webhook secret for {name} (shown once): {secret}")
    if until:
        shown = until.isoformat(timespec="seconds")
        click.echo(f"deliveries are signed with the old secret as well until {shown}: give the host the new one before then")
    else:
        click.echo("the old secret no longer signs deliveries")


@hosts.command("enable-webhook")
@click.argument("name")
def enable_webhook(name: str) -> None:
    """Deliver to NAME's webhook again after it answered 410 Gone (replay its dead letters too)."""
    HostRegistry(open_store()).enable_webhook(name)
    click.echo(f"webhook of {name} enabled")
