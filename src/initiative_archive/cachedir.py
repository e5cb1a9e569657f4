"""This user's own cache folder, for jieba's dictionary cache and the parsed glossary.

A light module (no Whoosh, no jieba), so that anything may find the folder cheaply.
"""

from __future__ import annotations

import atexit
import shutil
from functools import lru_cache


@lru_cache(maxsize=1)
def user_cache_dir() -> str:
    """A folder of this user's own for caches. jieba's default,
    /tmp/jieba.cache, belongs to whoever ran first: another user then gets a traceback, or
    loads a cache someone else wrote. A folder that is a link, or another user's, is not used."""
    import os
    import tempfile

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if os.path.isabs(base) and _own_folder(os.path.join(base, "initiative-archive")):
        return os.path.join(base, "initiative-archive")
    # only now the temporary folder: finding it writes and removes a probe file there
    fallback = os.path.join(tempfile.gettempdir(), f"initiative-archive-{os.getuid()}")
    if _own_folder(fallback):
        return fallback
    fresh = tempfile.mkdtemp(prefix="initiative-archive-cache-")  # both taken: one of our own
    atexit.register(shutil.rmtree, fresh, True)  # for this process only, removed at its end
    return fresh


def _own_folder(folder: str) -> bool:
    import os
    import stat

    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
