"""``sharewise export``, ``sharewise import`` and ``sharewise schema``: records in and out of a deployment."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import click

from sharewise.adapters.cli.options import actor, make_engine, open_store, plugin_option, utcnow
from sharewise.adapters.exports.formats import FormLookup, check_format, stream
from sharewise.adapters.exports.importer import DEFAULT_MAX_BYTES, import_records, read_records
from sharewise.adapters.exports.record_json import json_schema
from sharewise.adapters.exports.record_xml import xsd_text
from sharewise.core.errors import InvalidInput

format_option = click.option(
    "--format",
    "format_name",
    required=True,
    metavar="FORMAT",
    help="json, xml, fhir-json, fhir-xml, xslt:NAME or xslt:/path/to/mapping.xsl",
)


@click.command("export")
@format_option
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE", help="Only records made on or after DATE.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (default: standard output).")
@plugin_option
def export(format_name: str, since: dt.datetime | None, out: Path | None, plugins: tuple[str, ...]) -> None:
    """Export every record (streamed in constant memory; drafts are never exported). The export is audited."""
    name = check_format(format_name)
    store = open_store()
    since_utc = since.replace(tzinfo=dt.UTC) if since else None
    forms = FormLookup(make_engine(plugins))
    with _destination(out) as target:
        show_progress = out is not None and sys.stderr.isatty()
        total = store.count() if show_progress else 0
        with (
            click.progressbar(length=total, label="exporting", file=sys.stderr)
            if show_progress
            else contextlib.nullcontext() as bar
        ):
            advance = bar.update if bar is not None else (lambda n: None)
            count = stream(store.iter_records(since=since_utc), name, target, forms, advance)
    detail = {
        "format": name,
        "count": count,
        "since": since.date().isoformat() if since else None,
        "destination": str(out) if out else "stdout",
    }
    store.log("exported", actor=actor(), now=utcnow(), detail=detail)
    if out is not None:
        click.echo(f"exported {count} record(s) to {out} as {name}", err=True)


@contextlib.contextmanager
def _destination(out: Path | None) -> Iterator[BinaryIO]:
    if out is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("wb") as handle:
            yield handle
        partial.replace(out)
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def import_command(path: Path, as_json: bool) -> None:
    """Import records that sharewise exported (XML or JSON): all or nothing, every record checked first."""
    with path.open("rb") as handle:
        data = handle.read(DEFAULT_MAX_BYTES + 1)
    batch = read_records(data, source=str(path))
    report = import_records(open_store(), batch, actor=actor(), now=utcnow(), source=path.name)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        click.echo(f"imported {len(report.imported)} record(s) from {path}; {len(report.already_present)} already present")


@click.command("schema")
@click.option("--format", "format_name", type=click.Choice(["json-schema", "xsd"]), required=True)
def schema(format_name: str) -> None:
    """Print the JSON Schema or the XSD of the decision-record formats."""
    if format_name == "xsd":
        click.echo(xsd_text(), nl=False)
    else:
        click.echo(json.dumps(json_schema(), indent=2))
