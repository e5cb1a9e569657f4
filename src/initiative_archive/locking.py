"""An exclusive advisory lock on a file, waited for with a deadline.

Writers of the corpus (``ingest``) and of the index each hold one, so a second writer waits or
is told the archive is busy, and never interleaves its writes with the first's.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import ArchiveBusyError

LOCK_WAIT_SECONDS = 60.0


@contextlib.contextmanager
def file_lock(path: Path, busy: str, wait: float | None = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold ``path`` exclusively; ``wait=0`` fails at once, ``None`` waits forever. ``busy``
    is the message of the ArchiveBusyError raised when the wait runs out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if deadline is not None and time.monotonic() >= deadline:
                    raise ArchiveBusyError(busy, "wait for it to finish and try again") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
