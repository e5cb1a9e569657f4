"""``python -m initiative_archive``: the same CLI as the console script."""

from .cli import run

run()
