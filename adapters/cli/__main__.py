"""``python -m sharewise.adapters.cli``: the same as the ``sharewise`` command."""

from sharewise.adapters.cli import main

main()
