"""Whoosh behind ``engine.Engine``: a folder of index generations (store.py), an open
read session, and the query side (query.py, with Whoosh's query parser: loaded by the first
query, not by ``index`` or ``ingest``)."""

from __future__ import annotations

from pathlib import Path

from ...engine import Explanation, Filters, Progress, UpdateReport, quiet
from ...errors import IndexMissingError
from ...model import Hit, SearchResult
from ...query_limits import DEFAULT_LIMITS, QueryLimits
from .deferred import defer
from .store import IndexStore, ReadSession, make_schema

defer()  # before the first query imports whoosh.query (nothing above does)


class WhooshEngine:
    """The archive's index in ``location``, kept open for reading while it stays the same."""

    def __init__(self, location: Path) -> None:
        self.store = IndexStore(location)
        self.session = ReadSession(self.store)  # one open index, reopened when it changes
        self.location = self.store.root

    @property
    def first_build_wait(self) -> float:
        return self.store.first_build_wait

    @first_build_wait.setter
    def first_build_wait(self, seconds: float) -> None:
        self.store.first_build_wait = seconds

    def exists(self) -> bool:
        return self.store.exists()

    def is_fresh(self, corpus) -> bool:
        return self.store.is_fresh(corpus, self.session.indexed_files)

    def indexed_files(self) -> dict[str, dict]:
        if not self.store.readable():
            return {}
        try:
            return self.session.indexed_files()
        except IndexMissingError:
            return {}

    def refresh(self, corpus, progress: Progress = quiet,
                wait: float | None = None) -> UpdateReport:
        if wait is None:
            return self.store.update(corpus, progress)
        return self.store.update(corpus, progress, wait=wait)

    def rebuild(self, corpus, progress: Progress = quiet) -> UpdateReport:
        return self.store.rebuild(corpus, progress)

    def search(self, text: str, filters: Filters, limit: int | None = 10, match: str = "any",
               nested: bool = False, limits: QueryLimits = DEFAULT_LIMITS,
               glossary=None) -> SearchResult:
        from .query import run_search

        return run_search(self.session.searcher(), text, filters, limit, match, nested, limits,
                          glossary)

    def suggest(self, text: str, limits: QueryLimits = DEFAULT_LIMITS) -> str | None:
        from .query import Budget, suggest

        return suggest(self.session.searcher(), text, Budget(limits.seconds))

    def more_like_this(self, clause_id: str, limit: int = 10,
                       filters: Filters | None = None) -> list[Hit]:
        from .query import more_like

        return more_like(self.session.searcher(), clause_id, limit, filters or Filters())

    def explain(self, text: str, match: str = "any",
                limits: QueryLimits = DEFAULT_LIMITS) -> Explanation:
        from .query import explain

        return explain(text, make_schema(), match, limits)

    def warm(self, filters: Filters, glossary=None) -> None:
        from .query import warm

        warm(self.session.searcher(), filters, glossary)

    def reopen(self) -> None:
        if not self.session.shared_safely():  # the parent's files are left as they are
            self.session = ReadSession(self.store)

    def close(self) -> None:
        self.session.close()
