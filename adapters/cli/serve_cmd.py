"""``sharewise serve``, ``sharewise worker`` and ``sharewise deliveries``: running the bridge and the relay."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from typing import Any

import click

from sharewise.adapters.cli.options import echo_json, json_option, make_engine, open_store, utcnow
from sharewise.core import outbox

log = logging.getLogger("sharewise.cli")


@click.command()
@click.option("--host", "bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-demo", is_flag=True, help="Do not serve the demo host at /.")
def serve(bind: str, port: int, no_demo: bool) -> None:
    """Run the bridge on the embedded defaults (SQLite, an in-process delivery relay), for development,
    with the demo host at / (a pretend case system that embeds the form and receives the records).

    Production runs under gunicorn: see docs/deployment.md.
    """
    from sharewise.adapters.bridge import create_app

    environment = os.environ.get("SHAREWISE_ENV", "development")
    database = (click.get_current_context().find_root().obj or {}).get("database")
    overrides: dict[str, Any] = {"environment": environment, "relay": True}
    if database:
        overrides["database_url"] = database
    if not no_demo:
        overrides["demo_origins"] = demo_origins(bind, port)
    app = create_app(overrides)  # sets up logging: text in development, else JSON (SHAREWISE_LOG_FORMAT)
    if not no_demo:
        log.info("sharewise demo host: open %s/ in a browser", overrides["demo_origins"][0])
    log.info("sharewise bridge on http://%s:%s/  (API: /api/v1, OpenAPI: /api/v1/openapi.json)", bind, port)
    if app.extensions["sharewise"].settings.metrics_token is None and environment == "development":
        log.info("metrics at /metrics without a token (development; set SHAREWISE_METRICS_TOKEN to require one)")
    app.run(host=bind, port=port, threaded=True, use_reloader=False)


def demo_origins(bind: str, port: int) -> tuple[str, ...]:
    """The origins a browser reaches ``serve`` at: the loopback names, and the bound address if it is another.
    The first is where the relay delivers the demo host's records."""
    names = ["127.0.0.1", "localhost"]
    if bind not in ("0.0.0.0", "::", *names):
        names.append(f"[{bind}]" if ":" in bind else bind)
    return tuple(f"http://{name}:{port}" for name in names)


@click.command()
@click.option(
    "--interval", default=1.0, show_default=True, type=click.FloatRange(0.05, 60), help="Seconds between polls when idle."
)
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option(
    "--lease",
    default=120,
    show_default=True,
    type=click.IntRange(5, 3600),
    help="Seconds a claimed delivery is reserved for this worker.",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    help="Serve /metrics on this port (needs SHAREWISE_METRICS_TOKEN outside development).",
)
@click.option("--metrics-bind", default="127.0.0.1", show_default=True, help="Address for --metrics-port.")
def worker(interval: float, once: bool, lease: int, metrics_port: int | None, metrics_bind: str) -> None:
    """Run a delivery relay. On PostgreSQL several workers can run side by side; on SQLite run one.

    A worker that dies mid-delivery leaves its claims to expire after --lease seconds; another worker then
    delivers them again (with the same webhook-id).

    Logs go to stderr as JSON lines (SHAREWISE_LOG_FORMAT=text for plain text); see docs/operations.md.
    """
    import datetime as dt

    from sharewise.adapters.delivery.relay import Relay
    from sharewise.adapters.observability import logs
    from sharewise.adapters.observability.metrics import Metrics, OutboxCollector, metrics_token

    development = os.environ.get("SHAREWISE_ENV", "").strip() == "development"
    logs.configure(*logs.settings(os.environ, development=development))
    token = metrics_token(os.environ)
    if metrics_port is not None and token is None and not development:
        raise click.UsageError("--metrics-port needs SHAREWISE_METRICS_TOKEN (at least 16 characters) outside development")
    store = open_store()
    metrics = Metrics(live=[OutboxCollector(store, utcnow)])
    relay = Relay(store, make_engine(()), lease=dt.timedelta(seconds=lease), metrics=metrics)
    if once:
        click.echo(f"attempted {relay.run_once(limit=1000)} deliveries")
        return
    if metrics_port is not None:
        from sharewise.adapters.observability.endpoint import serve as serve_metrics

        try:
            serve_metrics(metrics, bind=metrics_bind, port=metrics_port, token=token, development=development)
        except OSError as exc:
            raise click.ClickException(f"cannot serve metrics on {metrics_bind}:{metrics_port}: {exc.strerror or exc}") from None
        log.info("metrics on http://%s:%s/metrics", metrics_bind, metrics_port)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    log.info("sharewise relay running; stop with Ctrl-C or SIGTERM")
    relay.run_until(stop, interval)
    sys.exit(0)


@click.group()
def deliveries() -> None:
    """Deliveries to host systems: list them, replay dead letters."""


@deliveries.command("list")
@click.option("--dead", is_flag=True, help="Only dead letters.")
@click.option("--host", "host_name", metavar="NAME", help="Only this host's deliveries.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@json_option
def list_deliveries(dead: bool, host_name: str | None, limit: int, as_json: bool) -> None:
    """List deliveries, newest first."""
    found = outbox.listing(open_store(), state=outbox.DEAD if dead else None, host=host_name, limit=limit)
    if as_json:
        echo_json([d.to_dict() for d in found])
        return
    if not found:
        click.echo("no deliveries")
    for d in found:
        error = f"  last: {d.last_error}" if d.last_error else ""
        click.echo(f"{d.id:>6} {d.state:<9} {d.host:<16} {d.target:<7} record {d.record_id} attempts {d.attempts}{error}")


@deliveries.command("replay")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Replay every dead letter.")
def replay(ids: tuple[int, ...], all_dead: bool) -> None:
    """Put dead letters (these ids, or --all-dead) back in the queue for a fresh set of attempts."""
    if not ids and not all_dead:
        raise click.UsageError("give the ids of dead letters to replay, or --all-dead")
    count = outbox.replay(open_store(), ids=list(ids) or None, now=utcnow())
    click.echo(f"requeued {count} dead letter(s)")
