"""What one server process keeps: its Archive, a lock for the index, and the themes.

The archive keeps its own caches (clause profiles, the glossary); the index is read and brought
up to date under one lock, so two requests never update it at once. Themes compare every
clause with every other (about half a minute on the shipped corpus): they are computed once, in
a background thread, and the themes page says so until they are ready.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from ..archive import Archive
from ..errors import ArchiveError
from ..recur import Theme


class ThemesCache:
    """``archive.themes()`` computed once per process, off the request thread."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.result: list[Theme] | None = None
        self.error: str = ""
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._plots: dict[str, bytes] = {}

    def start(self) -> None:
        with self._lock:
            if self._thread is None and self.result is None:
                self._thread = threading.Thread(target=self._run, name="themes", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        try:
            self.result = self.archive.themes()
        except ArchiveError as exc:
            self.error = exc.message
        except Exception as exc:  # a bug: said on the page, not raised in a thread
            self.error = f"the themes could not be computed ({type(exc).__name__})"

    def get(self) -> list[Theme] | None:
        """The themes, or None while they are being computed (computing starts here)."""
        if self.result is None:
            self.start()
        return self.result

    def plot(self, fmt: str) -> bytes:
        """The timeline drawn by plot.py, as PNG or SVG bytes (drawn once per format)."""
        from ..plot import plot_themes

        assert self.result is not None
        with self._lock:  # pyplot is not thread-safe
            if fmt not in self._plots:
                with tempfile.TemporaryDirectory(prefix="initiative-archive-plot-") as tmp:
                    path = Path(tmp) / f"timeline.{fmt}"
                    plot_themes(self.result, path, self.archive.timeline_date)
                    self._plots[fmt] = path.read_bytes()
            return self._plots[fmt]


class State:
    """The archive and what is kept beside it for the life of the process."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.index_lock = threading.RLock()
        self.themes = ThemesCache(archive)

    def doc_choices(self) -> list[tuple[str, str, str]]:
        """(id, title, lang) of every document, by date: the document menus."""
        docs = sorted(self.archive.documents(), key=lambda d: (d.date, d.id))
        return [(d.id, d.title, d.lang) for d in docs]
