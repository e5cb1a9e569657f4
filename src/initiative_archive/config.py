"""Where the corpus and the index are, when the user does not say.

Order: the option, the environment variable, then ``./corpus`` when the working folder has one,
then the corpus shipped beside the package (an editable install of this repository). The index
defaults to the ``index/`` folder beside the corpus.
"""

from __future__ import annotations

import os
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
