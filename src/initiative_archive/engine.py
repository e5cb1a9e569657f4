"""The search engine behind the archive: one small interface, and the values that cross it.

The archive asks an engine for a few things: whether its index is in step with the corpus,
what it holds of each corpus file (``indexed_files``: ingest checks a new document against
those without reading them), to bring it into step (``refresh``) or build it anew
(``rebuild``), to ``search``, to ``suggest`` a spelling, and to find the clauses most like a
given one (``more_like_this``).
What crosses the seam is ours (``Filters``, ``UpdateReport``, ``Explanation`` here, and
``SearchResult`` and ``Hit`` from model.py), never an engine's own types: Whoosh's stay in
``backends/whoosh/``, so another engine (OpenSearch, to take the archive past one machine) is
another package beside it, and a long-lived reader (the web interface) holds one engine open.

Reading never writes: ``search``, ``suggest`` and ``more_like_this`` answer from the index as
it is; ``refresh`` is the one step that writes, and the archive calls it only when
``is_fresh`` (file stats, no file read) says the corpus changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .errors import CorpusError
from .query_limits import DEFAULT_LIMITS, QueryLimits

if TYPE_CHECKING:
    from .corpus import Corpus
    from .model import Hit, SearchResult

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    """A progress callback that says nothing."""


@dataclass
class Filters:
    """Restrictions on where to search; empty means everywhere. A search never changes them
    (names and aliases in ``docs`` are resolved on a copy)."""

    docs: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None

    def narrowed(self) -> bool:
        return bool(self.docs or self.kinds or self.langs or self.roles or self.date_from
                    or self.date_to)


@dataclass
class UpdateReport:
    """What an index run did, in documents."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    rebuilt: bool = False
    problems: list[CorpusError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # worth telling the reader, e.g. why rebuilt

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.rebuilt)


@dataclass
class Explanation:
    """How a query was read: folded, segmented, stemmed, and the query the engine runs."""

    query: str
    folded: str
    segmented: list[str]
    index_terms: list[str]
    phrase_terms: list[str]
    parsed: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class Engine(Protocol):
    """What the archive asks of a search engine over the clauses of a corpus."""

    location: Path  # where the index lives, named in messages
    first_build_wait: float  # how long a search with no index waits for another builder

    def exists(self) -> bool:
        """Whether there is a usable index to read."""

    def is_fresh(self, corpus: Corpus) -> bool:
        """Whether the index holds the corpus as it is now, by file stats alone."""

    def indexed_files(self) -> dict[str, dict]:
        """Corpus file -> what the index holds of it: ``file_stat`` (mtime_ns, size),
        ``doc_id`` and ``doc_hash``, and ``doc_title`` and ``doc_aliases`` where the file could
        be read. Empty when there is no index this version reads."""

    def refresh(self, corpus: Corpus, progress: Progress = quiet,
                wait: float | None = None) -> UpdateReport:
        """Index what changed in the corpus; ``wait`` bounds the wait for another writer."""

    def rebuild(self, corpus: Corpus, progress: Progress = quiet) -> UpdateReport:
        """Build the index anew; the old one answers until the new one is complete."""

    def search(self, text: str, filters: Filters, limit: int | None = 10, match: str = "any",
               nested: bool = False, limits: QueryLimits = DEFAULT_LIMITS,
               glossary=None) -> SearchResult:
        """The clauses that state ``text``, best first (``limit=None``: every one)."""

    def suggest(self, text: str, limits: QueryLimits = DEFAULT_LIMITS) -> str | None:
        """``text`` with each word the index does not know replaced by its nearest known
        word, if any was."""

    def more_like_this(self, clause_id: str, limit: int = 10,
                       filters: Filters | None = None) -> list[Hit]:
        """The clauses whose words are most like those of ``clause_id`` (not itself)."""

    def explain(self, text: str, match: str = "any",
                limits: QueryLimits = DEFAULT_LIMITS) -> Explanation:
        """How ``text`` is read, and the query the engine runs for it."""

    def warm(self, filters: Filters, glossary=None) -> None:
        """Load now what a search with ``filters`` (and ``glossary``) loads first: before
        copies of this process are forked to share a batch, so that they inherit it rather
        than each load it again."""

    def reopen(self) -> None:
        """In a forked copy of this process: open anew the index's files whose reads would
        move a file position it shares with its parent (what reads through maps of its own
        stays open, with all it loaded)."""

    def close(self) -> None:
        """Let go of open files."""


def open_engine(location: Path | str) -> Engine:
    """The engine whose index lives in ``location`` (Whoosh, the one there is today)."""
    from .backends.whoosh import WhooshEngine

    return WhooshEngine(Path(location))
