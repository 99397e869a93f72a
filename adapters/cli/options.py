"""Options shared by several commands, and building the engine they configure."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from sharewise.core.engine import Engine
from sharewise.core.plugins import plugins_from_env
from sharewise.core.submission import utcnow as utcnow  # the commands' clock, from the core

if TYPE_CHECKING:
    from sharewise.core.store import Store

ACTOR_VARIABLE = "SHAREWISE_ACTOR"

plugin_option = click.option(
    "--plugin",
    "plugins",
    multiple=True,
    metavar="NAME",
    help="Enable a local plugin (repeatable); adds to SHAREWISE_PLUGINS.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a readable report.")


def make_engine(plugins: Sequence[str]) -> Engine:
    """An engine with the built-ins, the plugins in ``SHAREWISE_PLUGINS`` and those named on the command line."""
    return Engine([*plugins_from_env(os.environ), *plugins])


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON: UTF-8, except that text which is not valid Unicode
    (a lone surrogate from a hostile file, say) falls back to ASCII escapes."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, indent=2, ensure_ascii=True)
    click.echo(text)


def open_store() -> Store:
    """The store for this command: ``--database``, else ``SHAREWISE_DATABASE_URL``, else ./sharewise.db."""
    from sharewise.core.store import Store

    context = click.get_current_context()
    return Store((context.find_root().obj or {}).get("database"))


def actor() -> str:
    """Who is acting, for the audit log: ``SHAREWISE_ACTOR``, else the operating-system user."""
    try:
        fallback = getpass.getuser()
    except (KeyError, OSError):
        fallback = "unknown"
    return os.environ.get(ACTOR_VARIABLE, "").strip() or fallback


def read_json_file(path: str) -> Any:
    """A JSON document from ``path`` (``-`` for standard input), read strictly."""
    from sharewise.adapters.cli.check_cmd import read_answers
    from sharewise.core import strict_json

    source = "standard input" if path == "-" else path
    return strict_json.loads(read_answers(path), source=source)
