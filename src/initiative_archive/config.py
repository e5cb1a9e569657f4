"""Where the corpus and the index are, when the user does not say.

Order: the option, the environment variable, then ``./corpus`` when the working folder has one,
then the corpus shipped beside the package (an editable install of this repository). The index
defaults to the ``index/`` folder beside the corpus.
"""

from __future__ import annotations

import os
import re
import sys
from functools import cache
from pathlib import Path

CORPUS_ENV = "INITIATIVE_ARCHIVE_CORPUS"
INDEX_ENV = "INITIATIVE_ARCHIVE_INDEX"


def corpus_path(option: str | None = None) -> Path:
    if option:
        return Path(option)
    if os.environ.get(CORPUS_ENV):
        return Path(os.environ[CORPUS_ENV])
    local = Path.cwd() / "corpus"
    if local.is_dir():
        return local
    shipped = Path(__file__).resolve().parents[2] / "corpus"
    return shipped if shipped.is_dir() else local


def index_path(option: str | None, corpus: Path) -> Path:
    if option:
        return Path(option)
    if os.environ.get(INDEX_ENV):
        return Path(os.environ[INDEX_ENV])
    return corpus.resolve().parent / "index"


@cache
def installed_version(distribution: str) -> str | None:
    """The installed version of a distribution, as ``importlib.metadata.version`` answers it
    (None when it is not installed): the first ``<name>-*.dist-info`` or ``.egg-info`` on
    ``sys.path``, and its ``Version:`` header. Read here without importing
    ``importlib.metadata`` (which costs a cold search ~20 ms) or the package itself;
    tests/test_startup.py checks both agree."""

    def normal(name: str) -> str:  # importlib.metadata's Prepared.normalize
        return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")

    wanted = normal(distribution)
    for entry in sys.path:
        try:
            children = os.listdir(entry or ".")
        except OSError:  # a zip file, a folder that is gone
            continue
        for child in children:
            low = child.lower()
            if (low.endswith((".dist-info", ".egg-info"))
                    and normal(low.rpartition(".")[0].partition("-")[0]) == wanted):
                return _metadata_version(os.path.join(entry or ".", child))
    return None


def _metadata_version(info: str) -> str:
    """The ``Version:`` header of a distribution's metadata, read as ``metadata.version``
    reads it ("None" when there is none: it answers None, which callers format)."""
    for name in ("METADATA", "PKG-INFO", ""):  # "": an .egg-info that is a file
        try:
            with open(os.path.join(info, name) if name else info, encoding="utf-8") as handle:
                text = handle.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
            continue
        if text:
            for line in text.splitlines():
                if not line.strip():
                    break  # the end of the headers
                key, _, value = line.partition(":")
                if key.strip().lower() == "version":
                    return value.strip()
            return "None"
    return "None"
