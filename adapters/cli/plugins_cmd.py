"""``sharewise plugins list``: which plugins exist, where they came from, which are on."""

from __future__ import annotations

from pathlib import Path

import click

from sharewise.adapters.cli.options import echo_json, json_option, make_engine, plugin_option
from sharewise.adapters.scaffold import scaffold
from sharewise.core.plugins import catalogue


@click.group()
def plugins() -> None:
    """Inspect plugins."""


@plugins.command("list")
@json_option
@plugin_option
def list_plugins(as_json: bool, plugins: tuple[str, ...]) -> None:
    """List plugins: name, version, origin, whether enabled, hooks implemented."""
    infos = catalogue(make_engine(plugins).plugin_info())
    if as_json:
        echo_json([info.to_dict() for info in infos])
        return
    for info in infos:
        state = "enabled " if info.enabled else "disabled"
        click.echo(f"{info.name:<12} {info.version:<10} {state} {info.origin:<20} {', '.join(info.hooks) or '-'}")


@plugins.command("new")
@click.argument("name")
@click.option(
    "--dir", "directory", type=click.Path(file_okay=False, path_type=Path), help="Where to write it (default: ./sharewise-NAME)."
)
def new_plugin(name: str, directory: Path | None) -> None:
    """Scaffold a local policy plugin NAME as its own installable distribution, with one example rule and its tests."""
    written = scaffold(name, directory)
    root = directory or Path(f"sharewise-{name}")
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"\nNext: pip install -e '{root}[test]' && (cd {root} && pytest)")
