"""Writes that land whole or not at all, and never through a link.

Every file the archive writes goes to a fresh temporary file created exclusively (``O_EXCL``) in
the target's own folder, is fsynced, and is renamed over the target: a reader sees the old file
or the new one, a crash leaves at most a stray temporary file (dot-named, ``.tmp``), and a link
planted at the target or at a predictable temporary name is replaced, never written through.
Files follow the user's umask, as files made by ``open`` would.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import CorpusError


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (resolved, links followed) lies in ``root`` (resolved)."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def ensure_folder(folder: Path, root: Path) -> Path:
    """Create ``folder`` if needed; refuse one that leads outside ``root`` through a link."""
    folder.mkdir(parents=True, exist_ok=True)
    if not inside(folder, root):
        raise CorpusError(f"{folder} leads to {folder.resolve()}, outside {root}: refusing to "
                          "write there", f"make {folder.name}/ a real folder inside {root}")
    return folder


@contextlib.contextmanager
def temporary_beside(target: Path, mode: str = "wb") -> Iterator[tuple[IO, Path]]:
    """A new file next to ``target``, removed unless the caller renames it (``publish``)."""
    import tempfile  # ~8 ms to import: a search that writes nothing never does

    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(name)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, mode) as handle:
            yield handle, tmp
    finally:
        tmp.unlink(missing_ok=True)


def publish(handle: IO, tmp: Path, target: Path) -> None:
    """Flush and fsync the temporary file, then rename it over ``target``."""
    handle.flush()
    os.fsync(handle.fileno())
    os.replace(tmp, target)
    fsync_folder(target.parent)


def write_atomic(target: Path, data: bytes) -> None:
    with temporary_beside(target) as (handle, tmp):
        handle.write(data)
        publish(handle, tmp, target)


def fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
