"""Options shared by several commands, and building the engine they configure."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import click

from sharewise.core.engine import Engine
from sharewise.core.plugins import plugins_from_env

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
