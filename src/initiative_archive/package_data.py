"""The files shipped inside the package (``data/``): the user dictionary, the glossary, the
recur model."""

from __future__ import annotations

from pathlib import Path


def shipped_bytes(relpath: str) -> bytes:
    """A shipped file's bytes, read beside this module; through ``importlib.resources`` only
    for an install that is not plain files (a zip): its readers cost a search ~5 ms to import
    (they bring ``tempfile`` and ``shutil``)."""
    try:
        return (Path(__file__).parent / relpath).read_bytes()
    except OSError:
        from importlib import resources

        return resources.files("initiative_archive").joinpath(relpath).read_bytes()
