"""The ``sharewise`` command group and its error handling.

Exit codes: 0 success (no error findings); 1 error findings or lint problems; 2 bad usage or
unreadable input, with one clear line on stderr and never a traceback.
"""

from __future__ import annotations

import os
import sys

import click

from sharewise.adapters.cli import (
    audit_cmd,
    check_cmd,
    db_cmd,
    drafts_cmd,
    export_cmd,
    forms_cmd,
    hosts_cmd,
    plugins_cmd,
    records_cmd,
    retention_cmd,
    rules_cmd,
    serve_cmd,
    submit_cmd,
)
from sharewise.core.errors import FormDefinitionError, SharewiseError
from sharewise.core.plugins import sharewise_version

USAGE_ERROR = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(sharewise_version(), prog_name="sharewise")
@click.option(
    "--database",
    metavar="URL",
    help="Database URL or SQLite file (default: SHAREWISE_DATABASE_URL, else ./sharewise.db).",
)
@click.pass_context
def cli(context: click.Context, database: str | None) -> None:
    """Check information-sharing decisions against the law, and record them."""
    context.obj = {"database": database}


cli.add_command(check_cmd.check)
cli.add_command(forms_cmd.forms)
cli.add_command(plugins_cmd.plugins)
cli.add_command(rules_cmd.rules)
cli.add_command(submit_cmd.submit)
cli.add_command(records_cmd.records)
cli.add_command(drafts_cmd.drafts)
cli.add_command(audit_cmd.audit)
cli.add_command(retention_cmd.retention)
cli.add_command(db_cmd.db)
cli.add_command(export_cmd.export)
cli.add_command(export_cmd.import_command)
cli.add_command(export_cmd.schema)
cli.add_command(hosts_cmd.hosts)
cli.add_command(serve_cmd.serve)
cli.add_command(serve_cmd.worker)
cli.add_command(serve_cmd.deliveries)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; turn expected failures into one line on stderr and exit code 2."""
    try:
        cli.main(args=argv, prog_name="sharewise", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("sharewise: aborted", err=True)
        sys.exit(USAGE_ERROR)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except FormDefinitionError as exc:
        click.echo("sharewise: a form definition has problems:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(USAGE_ERROR)
    except SharewiseError as exc:
        click.echo(f"sharewise: {exc}", err=True)
        sys.exit(USAGE_ERROR)
    except Exception as exc:
        if os.environ.get("SHAREWISE_DEBUG"):
            raise
        click.echo(f"sharewise: internal error ({type(exc).__name__}); set SHAREWISE_DEBUG=1 to see details", err=True)
        sys.exit(70)
    sys.exit(0)
