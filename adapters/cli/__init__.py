"""The ``sharewise`` command line."""

from sharewise.adapters.cli.app import cli, main

__all__ = ["cli", "main"]
